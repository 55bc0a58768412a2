/**
 * The Replays panel's Rate mode, host side (vscode-free): ratings from the webview are checked, appended to
 * preferences.jsonl and read back by a new host (a reload); the next pair moves on to unrated pairs.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readPreferences } from "../../../../src/core/rlhf/preferences";
import { fitOutcomeMessage, fitRewardInChildProcess, RatingHost } from "../../../../src/extension/panels/rating-data";
import { loadRunEpisodes } from "../../../../src/core/rlhf/run-ratings";
import { syntheticRun } from "../../../fixtures/replays/synthetic-run";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-rating-"));
  dirs.push(d);
  return d;
}

describe("RatingHost", () => {
  it("appends the panel's ratings to preferences.jsonl; a new host (reload) reads them back and offers another pair", () => {
    const dir = tmp();
    const ids = ["e1", "e2", "e3"];
    const host = new RatingHost(dir, () => Date.UTC(2026, 0, 1));
    const s0 = host.state(ids);
    assert.equal(s0.count, 0);
    assert.equal(s0.totalPairs, 3);
    assert.equal(s0.rewardModel, null);
    const [a, b] = s0.next!;
    assert.equal(host.rate(ids, a, b, "b"), undefined);
    const { records } = readPreferences(dir);
    assert.deepEqual(records, [{ a, b, choice: "b", rater: "user", createdAt: "2026-01-01T00:00:00.000Z" }]);

    const reloaded = new RatingHost(dir);
    const s1 = reloaded.state(ids);
    assert.equal(s1.count, 1);
    assert.equal(s1.ratedPairs, 1);
    assert.notDeepEqual([...s1.next!].sort(), [a, b].sort(), "the rated pair is not offered again while others are unrated");
  });

  it("refuses ratings of unknown or identical replays and unknown choices, without writing", () => {
    const dir = tmp();
    const host = new RatingHost(dir);
    const ids = ["e1", "e2"];
    assert.match(host.rate(ids, "e1", "nope", "a")!, /both must be different replays/);
    assert.match(host.rate(ids, "e1", "e1", "a")!, /both must be different replays/);
    assert.match(host.rate(ids, "e1", "e2", "better")!, /unknown rating/);
    assert.match(host.rate(ids, 3, "e2", "a")!, /both must be different replays/);
    assert.equal(fs.existsSync(path.join(dir, "preferences.jsonl")), false);
  });

  it("has no pair to offer with fewer than 2 replays", () => {
    const s = new RatingHost(tmp()).state(["only"]);
    assert.equal(s.next, null);
    assert.equal(s.totalPairs, 0);
  });
});

describe("Fit reward model from the panel", () => {
  const cli = path.resolve(__dirname, "../../../../dist/cli.js");
  it("loads the run's replays as episodes and fits reward-model.json in a child process; the state shows its held-out accuracy", { skip: fs.existsSync(cli) ? false : "dist/cli.js not built" }, async () => {
    const dir = tmp();
    const ids = syntheticRun(dir, 12);
    const { episodes, featurizer } = await loadRunEpisodes(dir);
    assert.equal(episodes.length, 12);
    assert.equal(featurizer.dim, 6);
    assert.deepEqual(episodes[1].actions.slice(0, 2), [[0], [1]]);
    assert.equal(episodes[3].return, 14);

    const host = new RatingHost(dir);
    const before = await fitRewardInChildProcess(cli, dir);
    assert.equal(before.ok, false);
    assert.match(before.message, /no usable ratings/);
    // Rate like a user who prefers the longer episode, through the host.
    for (let k = 0; k < 40; k++) {
      const [a, b] = host.state(ids).next!;
      const ra = episodes.find((e) => e.id === a)!.return;
      const rb = episodes.find((e) => e.id === b)!.return;
      assert.equal(host.rate(ids, a, b, ra > rb ? "a" : "b"), undefined);
    }
    const fit = await fitRewardInChildProcess(cli, dir);
    assert.equal(fit.ok, true, fit.message);
    assert.match(fit.message, /held-out/);
    const model = host.state(ids).rewardModel;
    assert.ok(model, "reward-model.json is read back");
    // The state after the fit shows the reward model's accuracy once: in rewardModel, not again in a message.
    const after = host.state(ids, { message: fitOutcomeMessage(fit) });
    assert.equal(after.message, undefined);
    assert.deepEqual(host.state(ids, { message: fitOutcomeMessage(before) }).message, { level: "error", text: before.message });
    // A fit that succeeds with warnings (here a line of preferences.jsonl that is not JSON) shows them as a warning.
    fs.appendFileSync(path.join(dir, "preferences.jsonl"), "garbage\n");
    const warned = await fitRewardInChildProcess(cli, dir);
    assert.equal(warned.ok, true, warned.message);
    assert.equal(warned.warnings.length, 1, warned.warnings.join("\n"));
    const note = fitOutcomeMessage(warned);
    assert.equal(note?.level, "warning");
    assert.match(note?.text ?? "", /^Fitted, with a warning: .*preferences\.jsonl:41/);
    assert.ok(model.pairs >= 30, `pairs ${model.pairs}`);
    assert.ok((model.validationAccuracy ?? 0) >= 0.8, `held-out accuracy ${model.validationAccuracy}`);
  });
});
