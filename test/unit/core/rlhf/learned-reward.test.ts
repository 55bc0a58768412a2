import { test } from "node:test";
import assert from "node:assert/strict";
import type { Env } from "../../../../src/core/env";
import { LearnedRewardEnv, RewardFeaturizer, TrueReturnLog } from "../../../../src/core/rlhf/learned-reward";
import { samplePairs, toChoice, trueReturnRater } from "../../../../src/core/rlhf/rater";

/** Observation = step count; reward 2 per step; ends after 3 steps. */
class Counter implements Env {
  observationSpace = { type: "Box" as const, low: [0], high: [10] };
  actionSpace = { type: "Discrete" as const, n: 3, start: 1 };
  private t = 0;
  reset() {
    this.t = 0;
    return { observation: [0] };
  }
  step() {
    this.t++;
    return { observation: [this.t], reward: 2, terminated: this.t >= 3, truncated: false };
  }
}

test("features are the encoded observation then the one-hot action (Discrete start respected)", () => {
  const f = new RewardFeaturizer({ type: "Box", low: [0, 0], high: [1, 1] }, { type: "Discrete", n: 3, start: 1 });
  assert.equal(f.dim, 5);
  assert.deepEqual(Array.from(f.features([0.5, 0.25], 3)), [0.5, 0.25, 0, 0, 1]);
  assert.throws(() => f.features([0, 0], 0), /outside the Discrete\(3\)/);
  const md = new RewardFeaturizer({ type: "Discrete", n: 2 }, { type: "MultiDiscrete", nvec: [2, 3] });
  assert.deepEqual(Array.from(md.features(1, [1, 2])), [0, 1, 0, 1, 0, 0, 1]);
});

test("the wrapper rewards with the model on (s_t, a_t) and logs the true return", () => {
  const featurizer = new RewardFeaturizer({ type: "Box", low: [0], high: [10] }, { type: "Discrete", n: 3, start: 1 });
  const seen: number[][] = [];
  const log = new TrueReturnLog();
  const env = new LearnedRewardEnv(new Counter(), featurizer, (x) => (seen.push(Array.from(x)), x[0] * 10), log);
  env.reset();
  const r1 = env.step(2);
  const r2 = env.step(1);
  const r3 = env.step(3);
  assert.deepEqual([r1.reward, r2.reward, r3.reward], [0, 10, 20], "reward from the observation the action was taken in");
  assert.equal(r1.info?.trueReward, 2);
  assert.deepEqual(seen[0], [0, 0, 1, 0]);
  assert.deepEqual(log.returns, [6]);
  assert.equal(log.mean(), 6);
  assert.ok(Number.isNaN(new TrueReturnLog().mean()));
});

test("raters: true-return preference, number answers, and a clear error for anything else", () => {
  const ep = (id: string, ret: number) => ({ id, observations: [], actions: [], rewards: [], return: ret, length: 0 });
  const rate = trueReturnRater(0.5);
  assert.equal(rate(ep("a", 3), ep("b", 1)), "a");
  assert.equal(rate(ep("a", 1), ep("b", 1.2)), "same");
  assert.equal(toChoice(-2, "r"), "b");
  assert.equal(toChoice(0, "r"), "same");
  assert.throws(() => toChoice("better", "script:my-rater.ts"), /my-rater.ts returned "better"/);
});

test("sampled pairs are distinct, never pair an episode with itself, and are seeded", () => {
  const p = samplePairs(10, 20, 1);
  assert.equal(p.length, 20);
  assert.ok(p.every(([a, b]) => a !== b));
  assert.equal(new Set(p.map(([a, b]) => [Math.min(a, b), Math.max(a, b)].join())).size, 20);
  assert.deepEqual(samplePairs(10, 20, 1), p);
  assert.equal(samplePairs(3, 20, 1).length, 3);
});
