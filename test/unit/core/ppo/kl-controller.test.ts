import { test } from "node:test";
import assert from "node:assert/strict";
import { KlController, KL_COEF_MAX, KL_COEF_MIN, klPenaltyReward } from "../../../../src/core/ppo/kl-controller";

test("adaptive controller matches Ziegler et al.'s formula step by step", () => {
  const c = new KlController({ mode: "adaptive", coef: 0.15, target: 6, horizon: 10_000 });
  const kls = [12, 6, 3, 0, 100, 5.5];
  let beta = 0.15;
  for (const kl of kls) {
    const err = Math.min(0.2, Math.max(-0.2, kl / 6 - 1));
    beta *= 1 + (err * 256) / 10_000;
    const got = c.update(kl, 256);
    assert.ok(Math.abs(got - beta) < 1e-12, `kl ${kl}: ${got} vs ${beta}`);
  }
});

test("adaptive coefficient moves toward the target on a synthetic KL sequence", () => {
  // A "policy" whose KL is inversely proportional to beta: the fixed point is KL = target.
  const c = new KlController({ mode: "adaptive", coef: 0.01, target: 0.02, horizon: 1000 });
  const klOf = (beta: number): number => 0.002 / beta;
  const errors: number[] = [];
  for (let i = 0; i < 400; i++) {
    const kl = klOf(c.value);
    errors.push(Math.abs(kl / 0.02 - 1));
    c.update(kl, 512);
  }
  assert.ok(errors[0] > 5, `starts far from the target (${errors[0]})`);
  assert.ok(errors[errors.length - 1] < 0.05, `ends near the target (${errors[errors.length - 1]})`);
  assert.ok(Math.abs(c.value - 0.1) < 0.01, `beta converges to 0.1, got ${c.value}`);
});

test("KL of 0, huge or NaN never sends the coefficient to 0, infinity or NaN", () => {
  const c = new KlController({ mode: "adaptive", coef: 0.2, target: 0.01, horizon: 10 });
  for (let i = 0; i < 10_000; i++) c.update(0, 1e6); // nSteps >> horizon: the raw factor would be negative
  assert.ok(c.value >= KL_COEF_MIN && Number.isFinite(c.value));
  for (let i = 0; i < 10_000; i++) c.update(1e300, 1e6);
  assert.equal(c.value, KL_COEF_MAX);
  const before = c.value;
  c.update(NaN, 512);
  c.update(Infinity, 512);
  assert.equal(c.value, before);
});

test("fixed and off modes never move", () => {
  const fixed = new KlController({ mode: "fixed", coef: 0.05, target: 0.01, horizon: 10_000 });
  fixed.update(10, 1000);
  assert.equal(fixed.value, 0.05);
  const off = new KlController({ mode: "off", coef: 0.05, target: 0.01, horizon: 10_000 });
  off.update(10, 1000);
  assert.equal(off.value, 0);
});

test("invalid settings are rejected with the key named", () => {
  assert.throws(() => new KlController({ mode: "adaptive", coef: 0.1, target: 0, horizon: 10 }), /klPenalty.target/);
  assert.throws(() => new KlController({ mode: "adaptive", coef: 0.1, target: 0.1, horizon: -1 }), /klPenalty.horizon/);
  assert.throws(() => new KlController({ mode: "fixed", coef: -1, target: 0.1, horizon: 1 }), /klPenalty.coef/);
  const c = new KlController({ mode: "fixed", coef: 0.1, target: 0.1, horizon: 1 });
  assert.throws(() => c.setState({ beta: NaN }), /KL coefficient/);
});

test("per-step KL penalty reward is -beta * (logp - logp_ref)", () => {
  const { klPerStep, nonScoreReward } = klPenaltyReward([-1, -0.5, -2], [-1.5, -0.5, -1], 0.1);
  assert.deepEqual(Array.from(klPerStep).map((x) => +x.toFixed(6)), [0.5, 0, -1]);
  assert.deepEqual(Array.from(nonScoreReward).map((x) => +x.toFixed(6) + 0), [-0.05, 0, 0.1]);
  assert.throws(() => klPenaltyReward([1], [1, 2], 0.1), /reference log-probs/);
});
