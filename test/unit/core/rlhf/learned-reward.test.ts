import { test } from "node:test";
import assert from "node:assert/strict";
import type { Env } from "../../../../src/core/env";
import { LearnedRewardEnv, LearnedRewardVectorEnv, RewardFeaturizer, TrueReturnLog } from "../../../../src/core/rlhf/learned-reward";
import { TimeLimit } from "../../../../src/core/envs/time-limit";
import { SyncVectorEnv } from "../../../../src/core/envs/vector-env";
import { Rng } from "../../../../src/core/rng";
import { Box } from "../../../../src/core/spaces";
import CartPole from "../../../../examples/cartpole";
import Pendulum from "../../../../examples/pendulum";
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

for (const [name, make, limit] of [
  ["CartPole (Discrete actions)", () => new CartPole(), 500],
  ["Pendulum (Box actions, clipped)", () => new Pendulum(), 50],
] as const) {
  test(`the vector-env wrapper (used for Python envs) gives the per-env wrapper's rewards, returns and true returns: ${name}`, () => {
    const n = 3;
    const rewardFn = (x: ArrayLike<number>) => Array.from(x).reduce((s, v, i) => s + Math.sin((i + 1) * v), 0);
    const featurizer = new RewardFeaturizer(make().observationSpace, make().actionSpace);
    const logA = new TrueReturnLog(1000);
    const perEnv = new SyncVectorEnv(Array.from({ length: n }, (_, i) => new LearnedRewardEnv(new TimeLimit(make(), limit), featurizer, rewardFn, logA, i)));
    const logB = new TrueReturnLog(1000);
    const vector = new LearnedRewardVectorEnv(new SyncVectorEnv(Array.from({ length: n }, () => new TimeLimit(make(), limit))), featurizer, rewardFn, logB);
    assert.deepEqual(Array.from(vector.reset(5)), Array.from(perEnv.reset(5)));
    const rng = new Rng(2);
    const actionDim = perEnv.actionSpace instanceof Box ? perEnv.actionSpace.flatDim : 1;
    const actions = new Float32Array(n * actionDim);
    let episodes = 0;
    for (let t = 0; t < 400; t++) {
      // Box actions beyond the bounds too (the env receives them clipped; the features must use the clipped ones).
      for (let i = 0; i < actions.length; i++) actions[i] = actionDim === 1 && !(perEnv.actionSpace instanceof Box) ? rng.int(2) : (rng.uniform() - 0.5) * 8;
      const a = perEnv.step(actions, actionDim);
      const b = vector.step(actions, actionDim);
      assert.deepEqual(Array.from(b.rewards), Array.from(a.rewards), `rewards at step ${t}`);
      assert.deepEqual(Array.from(b.observations), Array.from(a.observations));
      assert.deepEqual(b.episodes.map((e) => [e.envIndex, e.return, e.length]), a.episodes.map((e) => [e.envIndex, e.return, e.length]));
      episodes += a.episodes.length;
    }
    assert.ok(episodes >= 3, `${episodes} episodes ended`);
    assert.deepEqual(logB.returns, logA.returns, "the same true returns");
  });
}

test("the vector-env wrapper refuses a model whose observation size is not the env's, and keeps resetEach only when the env has it", () => {
  const featurizer = new RewardFeaturizer({ type: "Box", low: [0, 0], high: [1, 1] }, { type: "Discrete", n: 2 });
  assert.throws(() => new LearnedRewardVectorEnv(new SyncVectorEnv([new CartPole()]), featurizer, () => 0, new TrueReturnLog()), /reads 2 observation values, the env gives 4/);
  const ok = new LearnedRewardVectorEnv(new SyncVectorEnv([new CartPole(), new CartPole()]), new RewardFeaturizer(new CartPole().observationSpace, new CartPole().actionSpace), () => 1, new TrueReturnLog());
  assert.equal(typeof ok.resetEach, "function");
  const o = ok.resetEach!([4, 4]);
  assert.deepEqual(Array.from(o.subarray(0, 4)), Array.from(o.subarray(4, 8)));
  const inner = new SyncVectorEnv([new CartPole()]);
  const without = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, { resetEach: undefined });
  assert.equal(new LearnedRewardVectorEnv(without, new RewardFeaturizer(new CartPole().observationSpace, new CartPole().actionSpace), () => 1, new TrueReturnLog()).resetEach, undefined);
});
