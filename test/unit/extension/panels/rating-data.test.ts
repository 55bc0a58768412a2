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
import { RatingHost } from "../../../../src/extension/panels/rating-data";

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
