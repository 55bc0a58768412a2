/** The rate-pair picker: unrated pairs first, seeded, every pair offered before any repeats. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PreferenceRecord } from "../../../../src/core/rlhf/preferences";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { saveCheckpoint } from "../../../../src/core/run/checkpoint";
import { countRatedPairs, pickRatePair, readRewardModelFile, runObservationSpace } from "../../../../src/core/rlhf/run-ratings";

const rec = (a: string, b: string): PreferenceRecord => ({ a, b, choice: "a", rater: "user", createdAt: "" });
const key = (p: [string, string]) => [...p].sort().join("|");

describe("pickRatePair", () => {
  it("offers every pair once before repeating, whatever the order of a and b", () => {
    const ids = ["a", "b", "c", "d", "e"];
    const records: PreferenceRecord[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const p = pickRatePair(ids, records, records.length)!;
      assert.notEqual(p[0], p[1]);
      assert.ok(!seen.has(key(p)), `pair ${p} offered twice after ${i} ratings`);
      seen.add(key(p));
      // Rate it with A and B swapped: still the same pair.
      records.push(rec(p[1], p[0]));
    }
    assert.equal(seen.size, 10);
    assert.equal(countRatedPairs(ids, records), 10);
    assert.ok(pickRatePair(ids, records, 10), "all rated: a pair is still offered");
  });

  it("is seeded: the same seed gives the same pair, seeds vary the pair", () => {
    const ids = Array.from({ length: 8 }, (_, i) => `e${i}`);
    assert.deepEqual(pickRatePair(ids, [], 3), pickRatePair(ids, [], 3));
    const distinct = new Set(Array.from({ length: 20 }, (_, s) => key(pickRatePair(ids, [], s)!)));
    assert.ok(distinct.size > 5, `only ${distinct.size} different pairs over 20 seeds`);
  });

  it("needs two distinct episodes", () => {
    assert.equal(pickRatePair([], [], 0), undefined);
    assert.equal(pickRatePair(["x", "x"], [], 0), undefined);
  });
});

describe("readRewardModelFile", () => {
  it("names the file when it is missing or not a reward model", () => {
    assert.throws(() => readRewardModelFile("/nonexistent/reward-model.json"), /cannot read the reward model \/nonexistent\/reward-model.json/);
    assert.throws(() => readRewardModelFile(__filename), /is not valid JSON/);
  });
});

describe("runObservationSpace", () => {
  it("reads the newest checkpoint's observation space; undefined without a (valid) checkpoint", () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-obs-space-"));
    try {
      const checkpoints = path.join(runDir, "checkpoints");
      assert.equal(runObservationSpace(runDir), undefined, "no checkpoints folder");
      const weights = { w: { shape: [1], data: new Float32Array([0]) } };
      const box = (n: number) => ({ type: "Box", low: -1, high: 1, shape: [n] });
      saveCheckpoint(checkpoints, 900, { weights, meta: { observationSpace: box(3) } });
      saveCheckpoint(checkpoints, 10000, { weights, meta: { observationSpace: box(4) } });
      assert.deepEqual(runObservationSpace(runDir), box(4), "step 10000 is newer than 900");
      // Only model.json is read: the newest checkpoint's weights may be gone.
      fs.rmSync(path.join(checkpoints, "10000", "weights.bin"));
      assert.deepEqual(runObservationSpace(runDir), box(4));
      // A model.json that is not a PPO Lab checkpoint is not trusted.
      fs.writeFileSync(path.join(checkpoints, "10000", "model.json"), JSON.stringify({ meta: { observationSpace: box(9) } }));
      assert.equal(runObservationSpace(runDir), undefined);
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });
});
