/**
 * Running statistics, observation normalisation and reward scaling (src/core/envs/normalize.ts), checked against
 * statistics computed directly from all the data seen (no incremental merging).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ObservationNormalizer, RewardScaler, RunningMeanStd, whitenRewards } from "../../../../src/core/envs/normalize";
import { Rng } from "../../../../src/core/rng";

const PRIOR_COUNT = 1e-4; // SB3's RunningMeanStd starts with mean 0, var 1, count 1e-4

/**
 * Mean and (population) variance of `rows` (each `[dim]`) pooled with the prior pseudo-observation (mean 0, var 1,
 * weight `prior`): the exact statistics the parallel algorithm must reproduce.
 */
function pooled(rows: number[][], dim: number, prior = PRIOR_COUNT): { mean: number[]; variance: number[] } {
  const n = rows.length;
  const mean: number[] = [];
  const variance: number[] = [];
  for (let j = 0; j < dim; j++) {
    let sum = 0;
    for (const r of rows) sum += r[j];
    const m = sum / (n + prior);
    let ss = prior * (1 + m * m); // prior group: var 1, mean 0
    for (const r of rows) ss += (r[j] - m) * (r[j] - m);
    mean.push(m);
    variance.push(ss / (n + prior));
  }
  return { mean, variance };
}

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe("RunningMeanStd", () => {
  test("starts at mean 0, var 1, count 1e-4", () => {
    const r = new RunningMeanStd(3);
    assert.deepEqual(Array.from(r.mean), [0, 0, 0]);
    assert.deepEqual(Array.from(r.var), [1, 1, 1]);
    assert.equal(r.count, 1e-4);
  });

  test("after several batches of different sizes it matches the statistics of the concatenated data", () => {
    const rng = new Rng(1);
    const dim = 3;
    const r = new RunningMeanStd(dim);
    const all: number[][] = [];
    for (const batch of [1, 7, 64, 3, 200, 2]) {
      const rows = Array.from({ length: batch }, () => [5 + 3 * rng.normal(), -100 + 0.01 * rng.uniform(), rng.exponential() * 50]);
      all.push(...rows);
      r.update(rows.flat(), batch);
    }
    const want = pooled(all, dim);
    for (let j = 0; j < dim; j++) {
      close(r.mean[j], want.mean[j], 1e-9, `mean[${j}]`);
      close(r.var[j], want.variance[j], 1e-9, `var[${j}]`);
    }
    close(r.count, all.length + PRIOR_COUNT, 1e-12, "count");
  });

  test("with enough data the prior is negligible: plain sample mean and variance to 1e-6", () => {
    const rng = new Rng(2);
    const r = new RunningMeanStd(2);
    const xs: number[][] = [];
    for (let b = 0; b < 20; b++) {
      const rows = Array.from({ length: 500 }, () => [2 + rng.normal(), -3 + 4 * rng.uniform()]);
      xs.push(...rows);
      r.update(Float32Array.from(rows.flat()), rows.length);
    }
    for (let j = 0; j < 2; j++) {
      // the data as float32, since that is what was passed in
      const col = xs.map((row) => Math.fround(row[j]));
      const m = col.reduce((a, b) => a + b, 0) / col.length;
      const v = col.reduce((a, b) => a + (b - m) * (b - m), 0) / col.length;
      close(r.mean[j], m, 1e-6, `mean[${j}]`);
      close(r.var[j], v, 1e-6, `var[${j}]`);
    }
  });

  test("a constant stream drives the variance towards 0 and the mean to the constant", () => {
    const r = new RunningMeanStd(1);
    for (let i = 0; i < 100; i++) r.update([4, 4, 4, 4], 4);
    close(r.mean[0], 4, 1e-6, "mean");
    assert.ok(r.var[0] < 1e-5, `var ${r.var[0]}`);
  });

  test("toJSON / load round trip; load rejects another dimension", () => {
    const r = new RunningMeanStd(2);
    r.update([1, 2, 3, 4, 5, 6], 3);
    const copy = new RunningMeanStd(2);
    copy.load(JSON.parse(JSON.stringify(r.toJSON())) as { mean: number[]; var: number[]; count: number });
    assert.deepEqual(Array.from(copy.mean), Array.from(r.mean));
    assert.deepEqual(Array.from(copy.var), Array.from(r.var));
    assert.equal(copy.count, r.count);
    // the copy keeps accumulating exactly like the original
    r.update([7, 8], 1);
    copy.update([7, 8], 1);
    assert.deepEqual(Array.from(copy.mean), Array.from(r.mean));
    assert.throws(() => new RunningMeanStd(3).load(r.toJSON()), /dimension 2, expected 3/);
  });
});

describe("ObservationNormalizer", () => {
  test("computes (x - mean) / sqrt(var + eps) per element", () => {
    const n = new ObservationNormalizer(2);
    n.rms.mean = Float64Array.of(1, -2);
    n.rms.var = Float64Array.of(4, 0.25);
    const out = n.normalize([1 + 2 * 3, -2 + 0.5 * -1, 1, -2], 2, new Float32Array(4));
    const want = [3, -1, 0, 0];
    out.forEach((v, i) => close(v, want[i], 1e-6, `out[${i}]`));
  });

  test("clips at +-clip (default 10, or the given one)", () => {
    const n = new ObservationNormalizer(2);
    const out = n.normalize([1e6, -1e6], 1, new Float32Array(2));
    assert.deepEqual(Array.from(out), [10, -10]);
    const n5 = new ObservationNormalizer(3, 5);
    assert.deepEqual(Array.from(n5.normalize([6, -5.5, 4], 1, new Float32Array(3))).map((v) => Math.round(v * 1e4) / 1e4), [5, -5, 4]);
  });

  test("normalises in place when out is the input", () => {
    const n = new ObservationNormalizer(1);
    n.rms.mean = Float64Array.of(10);
    n.rms.var = Float64Array.of(1);
    const x = Float32Array.of(12, 8);
    const out = n.normalize(x, 2, x);
    assert.equal(out, x);
    close(x[0], 2, 1e-6, "x[0]");
    close(x[1], -2, 1e-6, "x[1]");
  });

  test("with statistics learned from data, the normalised data has mean ~0 and variance ~1", () => {
    const rng = new Rng(3);
    const n = new ObservationNormalizer(1);
    const xs = Array.from({ length: 5000 }, () => 50 + 7 * rng.normal());
    n.rms.update(xs, xs.length);
    const out = n.normalize(xs, xs.length, new Float32Array(xs.length));
    const m = out.reduce((a, b) => a + b, 0) / out.length;
    const v = out.reduce((a, b) => a + (b - m) * (b - m), 0) / out.length;
    assert.ok(Math.abs(m) < 1e-3, `mean ${m}`);
    assert.ok(Math.abs(v - 1) < 1e-3, `var ${v}`);
  });
});

describe("RewardScaler", () => {
  test("divides by the std of the discounted return and resets a copy's return when its episode ends", () => {
    const gamma = 0.9;
    const s = new RewardScaler(2, gamma);
    const steps: { r: [number, number]; done: [number, number] }[] = [
      { r: [1, 2], done: [0, 0] },
      { r: [1, -1], done: [1, 0] },
      { r: [3, 0.5], done: [0, 0] },
      { r: [-2, 4], done: [0, 1] },
      { r: [1, 1], done: [0, 0] },
    ];
    const ret = [0, 0];
    const seen: number[][] = [];
    for (const [k, { r, done }] of steps.entries()) {
      // Independent bookkeeping: discounted return per copy, pooled statistics of every return seen so far.
      for (let e = 0; e < 2; e++) ret[e] = gamma * ret[e] + r[e];
      seen.push([ret[0]], [ret[1]]);
      const std = Math.sqrt(pooled(seen, 1).variance[0] + 1e-8);
      const out = s.scale(r, done, true);
      for (let e = 0; e < 2; e++) close(out[e], Math.max(-10, Math.min(10, r[e] / std)), 1e-6, `step ${k} env ${e}`);
      for (let e = 0; e < 2; e++) if (done[e]) ret[e] = 0;
      assert.deepEqual(s.returnState.map((x) => Math.round(x * 1e9) / 1e9), ret.map((x) => Math.round(x * 1e9) / 1e9), `returns after step ${k}`);
    }
    // By hand: env 0 = 1, 1.9 (done -> 0), 3, 0.7, 1.63; env 1 = 2, 0.8, 1.22, 5.098 (done -> 0), 1.
    close(s.returnState[0], 1.63, 1e-12, "final return env 0");
    close(s.returnState[1], 1, 1e-12, "final return env 1");
  });

  test("update = false scales with the current statistics and leaves them and the returns alone", () => {
    const s = new RewardScaler(1, 0.99);
    for (let i = 0; i < 50; i++) s.scale([i % 3], [0], true);
    const before = { stats: s.rms.toJSON(), ret: s.returnState };
    const std = Math.sqrt(s.rms.var[0] + 1e-8);
    const out = s.scale([2], [0], false);
    close(out[0], 2 / std, 1e-6, "scaled");
    assert.deepEqual(s.rms.toJSON(), before.stats);
    assert.deepEqual(s.returnState, before.ret);
  });

  test("scaled rewards are clipped at +-clip", () => {
    // Two identical returns leave only the prior's 1e-4 weight of variance: std ~ 0.01, so 1 / std ~ 100.
    const s = new RewardScaler(2, 0.99);
    const out = s.scale([1, 1], [0, 0], true);
    assert.ok(1 / Math.sqrt(s.rms.var[0]) > 50, "test premise: the unclipped value exceeds the clip");
    assert.deepEqual(Array.from(out), [10, 10]);
    const neg = new RewardScaler(2, 0.99);
    assert.deepEqual(Array.from(neg.scale([-1, -1], [0, 0], true)), [-10, -10]);
    const s3 = new RewardScaler(1, 0.99, 3);
    assert.equal(s3.scale([1], [0], true)[0], 3);
  });

  test("the scale does not depend on the reward's sign or the mean of the return (divides by std only)", () => {
    const s = new RewardScaler(1, 0.5);
    for (let i = 0; i < 200; i++) s.scale([10 + (i % 2)], [0], true);
    const std = Math.sqrt(s.rms.var[0] + 1e-8);
    const up = s.scale([3], [0], false)[0];
    const down = s.scale([-3], [0], false)[0];
    close(up, 3 / std, 1e-6, "positive");
    close(down, -3 / std, 1e-6, "negative");
  });
});

test("reward whitening divides by the std without shifting the mean", () => {
  const w = whitenRewards([-1, 2, 3, -2]); // mean 0.5, std 2.38: the std is the divisor
  const std = Math.sqrt((1.5 ** 2 + 1.5 ** 2 + 2.5 ** 2 + 2.5 ** 2) / 3);
  assert.ok(Math.abs(w[1] - 2 / std) < 1e-5);
  assert.deepEqual(Array.from(w).map(Math.sign), [-1, 1, 1, -1], "signs kept");
  assert.deepEqual(Array.from(whitenRewards([0, 0, 0])), [0, 0, 0]);
});

test("reward whitening floors the std at |mean|: a near-constant batch keeps a scale of about 1 instead of exploding", () => {
  // CartPole's reward 1 per step minus a small KL penalty: std ~0.006, so dividing by it would give ~170.
  const rewards = [1, 0.99, 1.005, 0.995, 1.01, 0.998];
  const w = whitenRewards(rewards);
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  for (let i = 0; i < rewards.length; i++) assert.ok(Math.abs(w[i] - rewards[i] / mean) < 1e-6, `${w[i]}`);
  assert.deepEqual(Array.from(whitenRewards([5, 5, 5])), [1, 1, 1]);
  const offset = whitenRewards([1, 2, 3, 4]); // mean 2.5 > std 1.29
  assert.ok(Math.abs(offset[3] - 4 / 2.5) < 1e-6);
});
