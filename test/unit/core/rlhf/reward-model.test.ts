import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../../../src/core/rng";
import { RewardModel, rewardFunction, stepFeatures, type FeatureEpisode, type PreferencePair } from "../../../../src/core/rlhf/reward-model";

/** Episodes of 2-d observations and a Discrete(2) action; the true per-step reward is obs[0] + (action === 1 ? 0.5 : 0). */
function makeEpisodes(rng: Rng, count: number): { episodes: FeatureEpisode[]; trueReturns: number[] } {
  const episodes: FeatureEpisode[] = [];
  const trueReturns: number[] = [];
  for (let i = 0; i < count; i++) {
    const length = 5 + Math.floor(rng.uniform() * 10);
    const bias = rng.normal();
    const rows: Float32Array[] = [];
    let ret = 0;
    for (let t = 0; t < length; t++) {
      const obs = [bias + 0.3 * rng.normal(), rng.normal()];
      const action = rng.uniform() < 0.5 ? 0 : 1;
      ret += obs[0] + (action === 1 ? 0.5 : 0);
      rows.push(stepFeatures(obs, [action], [2]));
    }
    const features = new Float32Array(length * 4);
    rows.forEach((r, t) => features.set(r, t * 4));
    episodes.push({ features, length });
    trueReturns.push(ret);
  }
  return { episodes, trueReturns };
}

test("step features one-hot the discrete action after the observation", () => {
  assert.deepEqual(Array.from(stepFeatures([0.5, -1], [2, 0], [3, 2])), [0.5, -1, 0, 0, 1, 1, 0]);
  assert.deepEqual(Array.from(stepFeatures([1], [0.25, -0.5])), [1, 0.25, -0.5]);
  assert.throws(() => stepFeatures([1], [3], [3]), /action component 0 is 3/);
});

test("Bradley-Terry reward model learns a scripted rater's preferences (held-out accuracy >= 80%)", () => {
  const rng = new Rng(7);
  const { episodes, trueReturns } = makeEpisodes(rng, 60);
  const pairs: PreferencePair[] = [];
  for (let k = 0; k < 120; k++) {
    const a = Math.floor(rng.uniform() * episodes.length);
    let b = Math.floor(rng.uniform() * episodes.length);
    if (b === a) b = (a + 1) % episodes.length;
    pairs.push({ a, b, label: trueReturns[a] > trueReturns[b] ? 1 : 0 });
  }
  const before = tf.memory().numTensors;
  const model = new RewardModel(4, { seed: 3, epochs: 60, hidden: [32, 32] });
  const report = model.train(episodes, pairs);
  assert.equal(report.validationPairs, 30);
  assert.ok(report.trainLoss[report.trainLoss.length - 1] < report.trainLoss[0], `loss falls: ${report.trainLoss[0]} -> ${report.trainLoss.at(-1)}`);
  assert.ok(report.validationAccuracy >= 0.8, `held-out accuracy ${report.validationAccuracy}`);
  // Normalised output: std ~1 over the training steps (mean ~0 only with centerReward).
  const all = episodes.flatMap((e) => Array.from(model.reward(e.features)));
  const mean = all.reduce((s, x) => s + x, 0) / all.length;
  const std = Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length);
  assert.ok(Math.abs(std - 1) < 1e-3, `std ${std}`);
  const centred = new RewardModel(4, { seed: 3, epochs: 5, hidden: [8], centerReward: true });
  centred.train(episodes, pairs);
  const c = episodes.flatMap((e) => Array.from(centred.reward(e.features)));
  assert.ok(Math.abs(c.reduce((s, x) => s + x, 0) / c.length) < 1e-3, "centred rewards have mean 0");
  centred.dispose();
  // The plain-JS function computes the same rewards.
  const fn = rewardFunction(model.snapshot());
  const tfRewards = model.reward(episodes[0].features);
  for (let t = 0; t < episodes[0].length; t++) {
    const js = fn(episodes[0].features.subarray(t * 4, (t + 1) * 4));
    assert.ok(Math.abs(js - tfRewards[t]) < 1e-4, `step ${t}: ${js} vs ${tfRewards[t]}`);
  }
  model.dispose();
  assert.ok(tf.memory().numTensors <= before, `no tensors leak (${before} -> ${tf.memory().numTensors})`);
});

test("an untrained model does not order pairs by the true return (the test above can fail)", () => {
  const rng = new Rng(7);
  const { episodes, trueReturns } = makeEpisodes(rng, 60);
  const pairs: PreferencePair[] = [];
  for (let a = 0; a + 1 < episodes.length; a += 2) pairs.push({ a, b: a + 1, label: trueReturns[a] > trueReturns[a + 1] ? 1 : 0 });
  // Labels that contradict the features: a model trained on them must order the pairs the other way.
  const flipped = pairs.map((p) => ({ ...p, label: (1 - p.label) as 0 | 1 }));
  const model = new RewardModel(4, { seed: 3, epochs: 60, hidden: [32, 32], validationFraction: 0 });
  model.train(episodes, flipped);
  assert.ok(model.accuracy(episodes, pairs) < 0.5, "trained on flipped labels, it disagrees with the truth");
  model.dispose();
});

test("bad pairs and episodes are rejected", () => {
  const model = new RewardModel(2);
  const ep = { features: new Float32Array(4), length: 2 };
  assert.throws(() => model.train([ep], [{ a: 0, b: 1, label: 1 }]), /outside 0..0/);
  assert.throws(() => model.train([{ features: new Float32Array(3), length: 2 }], [{ a: 0, b: 0, label: 1 }]), /3 feature values/);
  assert.throws(() => model.train([ep], []), /no rated pairs/);
  model.dispose();
});
