/**
 * RLHF in miniature end to end on a short CartPole run: a run with a replay per update -> `ppo-lab rate` with the
 * fixture rater (prefers the higher return) -> `ppo-lab fit-reward` writes reward-model.json -> a run with
 * `rewardModel` logs true_ep_rew_mean in every metrics row. Plus the errors: a rater that throws (file:line), no
 * replays, a reward model of another env.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../src/cli/main";
import { rateRun } from "../../../src/cli/rlhf-commands";
import { readPreferences } from "../../../src/core/rlhf/preferences";
import { readRewardModelFile, REWARD_MODEL_FILE } from "../../../src/core/rlhf/run-ratings";
import { RunReader } from "../../../src/core/run/reader";
import { TrainingSession } from "../../../src/trainer/session";

const RATER = path.resolve(__dirname, "../../fixtures/raters/true-return.ts");
const THROWS = path.resolve(__dirname, "../../fixtures/raters/throws.ts");
const tiny = { nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 1, netArch: { pi: [16], vf: [16] }, seed: 3 };

function train(root: string, overrides: Record<string, unknown>, env = "CartPole-v1") {
  return new TrainingSession({ env, cwd: root, runsRoot: root, overrides } as never, { emit: () => undefined }).run();
}

/** Runs the CLI with stdout/stderr captured. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await main(["node", "ppo-lab", ...args]);
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.exitCode = undefined;
  }
}

describe("ppo-lab rate / fit-reward / train --reward-model", () => {
  let root: string;
  let runDir: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-rlhf-cli-"));
    const r = await train(root, { ...tiny, totalTimesteps: 2048, replays: { everyUpdates: 1, maxCount: 40 } });
    assert.equal(r.status, "finished");
    runDir = r.runDir;
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("rates pairs with a scripted rater and fits reward-model.json; a run on it logs true_ep_rew_mean", async () => {
    const rated = await cli("rate", runDir, "--rater", RATER, "--pairs", "60", "--seed", "1");
    assert.equal(rated.code, 0, rated.err);
    assert.match(rated.out, /rated 60 pairs; 60 ratings/);
    const { records } = readPreferences(runDir);
    assert.equal(records.length, 60);
    assert.ok(records.every((r) => r.rater === "script:true-return.ts"));

    const fit = await cli("fit-reward", runDir);
    assert.equal(fit.code, 0, fit.err);
    const m = /held-out (\d+(?:\.\d+)?)%/.exec(fit.out);
    assert.ok(m, fit.out);
    const model = readRewardModelFile(path.join(runDir, REWARD_MODEL_FILE));
    assert.equal(model.snapshot.featureDim, 4 + 2);
    assert.ok(model.report.pairs > 20, `pairs ${model.report.pairs}`);
    assert.equal(model.report.validationAccuracy !== null ? (model.report.validationAccuracy * 100).toFixed(1) : "n/a", m[1]);
    // Returns of CartPole episodes are easy to order: the rater's order is learnt.
    assert.ok((model.report.validationAccuracy ?? 0) >= 0.8, `held-out accuracy ${model.report.validationAccuracy}`);
    assert.deepEqual(fs.readdirSync(runDir).filter((f) => f.includes(".tmp")), [], "no temp file left");

    const learned = await train(root, { ...tiny, totalTimesteps: 512, rewardModel: path.join(runDir, REWARD_MODEL_FILE), replays: { enabled: false } });
    assert.equal(learned.status, "finished");
    const rows = new RunReader(learned.runDir).metrics().rows;
    assert.equal(rows.length, 4);
    assert.ok(rows.every((r) => "true_ep_rew_mean" in r));
    const last = rows[rows.length - 1];
    // The env's own return is CartPole's episode length (reward 1 per step), unlike the learned reward's ep_rew_mean.
    assert.equal(last.true_ep_rew_mean, last.ep_len_mean);
    assert.notEqual(last.ep_rew_mean, last.ep_len_mean);
  });

  it("rating again (same seed) asks about pairs not rated yet, so it neither repeats itself nor replaces a user's rating", async () => {
    const pairOf = (r: { a: string; b: string }) => [r.a, r.b].sort().join(" vs ");
    const before = readPreferences(runDir).records;
    const ratedBefore = new Set(before.map(pairOf));
    assert.equal((await rateRun(runDir, RATER, 5, 1)).rated, 5);
    const added = readPreferences(runDir).records.slice(before.length);
    assert.equal(added.length, 5);
    assert.deepEqual(added.filter((r) => ratedBefore.has(pairOf(r))).map(pairOf), [], `the 5 new ratings are of pairs not rated among the ${before.length} before`);
  });

  it("a rater that throws is reported with its file and line; no rating is written", async () => {
    const before = readPreferences(runDir).records.length;
    await assert.rejects(rateRun(runDir, THROWS, 3, 0), (e: Error) => {
      assert.match(e.message, /throws\.ts:3:\d+: the rater threw: Error: this rater cannot decide/);
      return true;
    });
    assert.equal(readPreferences(runDir).records.length, before);
    const r = await cli("rate", runDir, "--rater", THROWS);
    assert.equal(r.code, 2);
    assert.match(r.err, /throws\.ts:3:\d+/);
  });

  it("a rater that returns garbage is reported as such (not as a throw); no rating is written", async () => {
    const before = readPreferences(runDir).records.length;
    for (const [body, shown] of [["NaN", "NaN"], ["({ weird: true })", '{"weird":true}']]) {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-rater-")), "garbage.js");
      fs.writeFileSync(file, `export default () => ${body};\n`);
      await assert.rejects(rateRun(runDir, file, 3, 0), (e: Error) => {
        assert.ok(e.message.startsWith(`${file}: the rater script:garbage.js returned ${shown};`), e.message);
        assert.doesNotMatch(e.message, /threw/);
        return true;
      });
    }
    assert.equal(readPreferences(runDir).records.length, before);
  });

  it("clear errors: no replays, no ratings, a reward model fit on another env", async () => {
    const bare = await train(root, { ...tiny, totalTimesteps: 128, replays: { enabled: false } });
    const r = await cli("rate", bare.runDir, "--rater", RATER);
    assert.equal(r.code, 2);
    assert.match(r.err, /has no recorded replays/);
    const f = await cli("fit-reward", runDir + "-missing");
    assert.equal(f.code, 2);
    assert.match(f.err, /no run directory/);
    await assert.rejects(train(root, { ...tiny, totalTimesteps: 128, rewardModel: path.join(runDir, REWARD_MODEL_FILE) }, "Pendulum-v1"), /fitted on observation Box \[4\], action Discrete\(2\); this env has observation Box \[3\], action Box \[1\]/);
  });
});
