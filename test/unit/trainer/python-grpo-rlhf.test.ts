/**
 * Beyond PPO-Clip on a Python env. GRPO: the bridge resets a whole group with one seed (PythonVectorEnv.resetEach),
 * so the G copies of a group start from the same state, and a GRPO run trains through the bridge with groupSize
 * copies. RLHF: a Python run's replays are rated by a scripted rater, a reward model is fitted, and a run on the
 * learned reward (LearnedRewardVectorEnv over the bridge) logs the env's own return as true_ep_rew_mean. Skipped
 * without python3 + numpy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readJsonl, isMetricsRow } from "../../../src/core/run/jsonl";
import { PythonVectorEnv } from "../../../src/envs/python/python-env";
import { rateRun } from "../../../src/cli/rlhf-commands";
import { fitRunRewardModel } from "../../../src/core/rlhf/run-reward-model";
import { TrainingSession } from "../../../src/trainer/session";
import { PYTHON, PYTHON_FIXTURES as FIX, PYTHON_STUBS, setPythonPath, skipWithoutNumpy } from "../../fixtures/python/python-test-env";

const skip = skipWithoutNumpy();
/** The fixture rater that prefers the higher (true) return. */
const RATER = path.resolve(__dirname, "../../fixtures/raters/true-return.ts");

test("PythonVectorEnv.resetEach: one seed per copy, spread over runner processes; tasks and wrong lengths are refused", { skip }, () => {
  const vec = new PythonVectorEnv(
    { python: PYTHON, target: path.join(FIX, "cartpole.py"), maxEpisodeSteps: 0, stepTimeoutMs: 10_000, cwd: FIX, env: { PYTHONPATH: PYTHON_STUBS } },
    4,
    2,
  );
  try {
    const rows = (obs: Float32Array) => Array.from({ length: 4 }, (_, i) => Array.from(obs.subarray(i * 4, i * 4 + 4)));
    const same = rows(vec.resetEach([9, 9, 9, 9]));
    for (const r of same) assert.deepEqual(r, same[0], "one seed: the same start in both runner processes");
    const spread = rows(vec.resetEach([1, 2, 3, 4]));
    assert.equal(new Set(spread.map((r) => r.join(","))).size, 4, "four seeds: four starts");
    assert.deepEqual(rows(vec.reset(9))[0], same[0], "reset(seed) is resetEach([seed, seed + 1, ...])");
    assert.deepEqual(rows(vec.reset(6))[3], same[0]);
    assert.throws(() => vec.resetEach([1, 2, 3]), /3 seeds for 4 envs/);
    assert.throws(() => vec.resetEach([1, 2, 3, 4], ["a", "b", "c", "d"]), /take no tasks/);
    assert.throws(() => vec.resetEach([1, 2, 3, 0.5]), /not an integer/);
  } finally {
    vec.close();
  }
});

test("GRPO trains a Python env through the bridge: groupSize copies, group metrics, no critic metrics", { skip }, async () => {
  const restorePythonPath = setPythonPath(PYTHON_STUBS); // the stand-in gymnasium package the fixture imports
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "py-grpo-"));
  try {
    const result = await new TrainingSession(
      {
        env: path.join(FIX, "cartpole.py"),
        cwd: root,
        runsRoot: root,
        // groupSize differs from nEnvs: the bridge must start groupSize copies.
        overrides: { algorithm: "grpo", grpo: { groupSize: 6, klCoef: 0.04, scaleByStd: true, maxRolloutSteps: 1000 }, nEnvs: 4, nSteps: 128, totalTimesteps: 2048, nEpochs: 2 },
      },
      { emit: () => undefined },
    ).run();
    assert.equal(result.status, "finished");
    const rows = readJsonl(path.join(result.runDir, "metrics.jsonl"), isMetricsRow).rows;
    assert.ok(rows.length >= 2, `${rows.length} updates`);
    for (const r of rows) {
      assert.ok(typeof r.zero_advantage_fraction === "number" && r.zero_advantage_fraction >= 0 && r.zero_advantage_fraction < 1, `zero_advantage_fraction ${r.zero_advantage_fraction}`);
      assert.ok(!("value_loss" in r), "no value_loss");
      assert.ok(Number.isFinite(r.policy_gradient_loss));
    }
    assert.ok((rows[rows.length - 1].total_timesteps as number) >= 2048);
    const info = JSON.parse(fs.readFileSync(path.join(result.runDir, "run.json"), "utf8")) as { config: { algorithm: string } };
    assert.equal(info.config.algorithm, "grpo");
  } finally {
    restorePythonPath();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("RLHF on a Python env: rate its replays, fit a reward model, train on the learned reward with true_ep_rew_mean", { skip }, async () => {
  const restorePythonPath = setPythonPath(PYTHON_STUBS);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "py-rlhf-"));
  const env = path.join(FIX, "cartpole.py");
  const tiny = { nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 1, netArch: { pi: [16], vf: [16] }, seed: 3 };
  try {
    const rated = await new TrainingSession(
      { env, cwd: root, runsRoot: root, overrides: { ...tiny, totalTimesteps: 2048, replays: { everyUpdates: 1, maxCount: 40 } } as never },
      { emit: () => undefined },
    ).run();
    assert.equal(rated.status, "finished");
    const r = await rateRun(rated.runDir, RATER, 40, 1);
    assert.ok(r.rated >= 20, `rated ${r.rated} pairs`);
    const fit = await fitRunRewardModel(rated.runDir);
    assert.equal(fit.model.snapshot.featureDim, 4 + 2);
    const logs: string[] = [];
    const learned = await new TrainingSession(
      { env, cwd: root, runsRoot: root, overrides: { ...tiny, totalTimesteps: 512, rewardModel: fit.file, replays: { enabled: false } } as never },
      { emit: (m) => void (m.type === "log" && logs.push(m.message)) },
    ).run();
    assert.equal(learned.status, "finished");
    assert.ok(logs.some((l) => /training on the learned reward/.test(l)), logs.join("\n"));
    const rows = readJsonl(path.join(learned.runDir, "metrics.jsonl"), isMetricsRow).rows;
    assert.equal(rows.length, 4);
    const withTrue = rows.filter((row) => typeof row.true_ep_rew_mean === "number");
    assert.ok(withTrue.length >= 1, "true_ep_rew_mean is logged");
    // CartPole's own reward is 1 per step, so the true return is the episode length; the learned one is not.
    for (const row of withTrue) assert.equal(row.true_ep_rew_mean, row.ep_len_mean, "the true return of CartPole is its length");
    assert.ok(withTrue.some((row) => row.ep_rew_mean !== row.true_ep_rew_mean), "ep_rew_mean is the learned return");
  } finally {
    restorePythonPath();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
