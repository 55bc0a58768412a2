import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  envNonFinite,
  firstNonFiniteParameter,
  lossNonFinite,
  parametersNonFinite,
  parseEnvNonFinite,
} from "../../../../src/core/diagnostics/nonfinite";
import { findMethod } from "../../../../src/core/diagnostics/location";
import type { MinibatchStats } from "../../../../src/core/ppo/ppo";
import { ENV_SOURCE, row } from "./helpers";

const locate = (m: string) => findMethod(ENV_SOURCE, m, "/envs/my-env.ts");

describe("env NaN / Infinity (the vector env's EnvContractError messages)", () => {
  test("a NaN reward names env, episode step and the step method", () => {
    const msg = "step() of env 1 (episode step 37) returned reward NaN; rewards must be finite numbers";
    assert.deepEqual(parseEnvNonFinite(msg), { method: "step", envIndex: 1, episodeStep: 37, what: "reward", index: undefined, raw: "NaN" });
    const hit = envNonFinite(msg, { update: 2, totalTimesteps: 3000, checkpointStep: 2048, locate });
    assert.ok(hit);
    assert.equal(hit.id, "nonfinite.reward");
    assert.equal(hit.severity, "error");
    assert.match(hit.title, /NaN reward from step\(\) of env 1 at episode step 37/);
    assert.deepEqual(hit.location, { file: "/envs/my-env.ts", line: 7, column: 3, method: "step" });
    assert.deepEqual(hit.evidence.updates, { from: 3, to: 3 });
    assert.equal(hit.evidence.context?.checkpointStep, 2048);
    assert.match(hit.explanation, /step 2048/);
  });
  test("an infinite observation from reset names the observation index and the reset method", () => {
    const msg = "reset() of env 0 returned observation[2] = Infinity; observations must be finite numbers";
    const hit = envNonFinite(msg, { update: 0, totalTimesteps: 0, locate });
    assert.ok(hit);
    assert.equal(hit.id, "nonfinite.observation");
    assert.equal(hit.evidence.metric, "observation[2]");
    assert.equal(hit.location?.method, "reset");
    assert.equal(hit.location?.line, 4);
  });
  test("other contract errors are not NaN findings", () => {
    assert.equal(envNonFinite("step() of env 0 (episode step 3) returned reward \"1\"; rewards must be finite numbers", { update: 0, totalTimesteps: 0 }), undefined);
    assert.equal(envNonFinite("step() of env 0 (episode step 3) returned an observation of length 3; observationSpace has 4 elements", { update: 0, totalTimesteps: 0 }), undefined);
  });
});

describe("loss / gradient / parameter NaN", () => {
  const mb = (epoch: number, over: Partial<MinibatchStats> = {}): MinibatchStats => ({
    epoch, pgLoss: 0.1, valueLoss: 1, entropy: 0.6, approxKl: 0.01, oldApproxKl: 0.01, clipFraction: 0.1, ratioMin: 0.9, ratioMax: 1.1, gradNorm: 1, ...over,
  });
  test("names the first minibatch and term that went non-finite", () => {
    const stats = [mb(0), mb(0), mb(1), mb(1, { valueLoss: Infinity, gradNorm: NaN }), mb(1, { pgLoss: NaN, valueLoss: NaN })];
    const hit = lossNonFinite(row(4, { value_loss: NaN, return_mean: 3e38, return_std: 1e38 }), stats, { normalizeReward: false, normalizeObservation: false, learningRate: 3e-4 }, { update: 3, totalTimesteps: 4096, checkpointStep: 3072 });
    assert.equal(hit.id, "nonfinite.loss");
    assert.match(hit.title, /^value_loss became Infinity in update 4 \(epoch 2, minibatch 2\)/);
    assert.equal(hit.evidence.metric, "value_loss");
    assert.deepEqual(hit.evidence.values, [1, 1, 1, null]);
    assert.match(hit.suggestions[0], /normalizeReward: true/);
  });
  test("a critic-free (GRPO) minibatch has no value loss, which is not a non-finite term", () => {
    const grpo = (over: Partial<MinibatchStats> = {}): MinibatchStats => {
      const s = mb(0, over);
      delete s.valueLoss;
      return s;
    };
    const hit = lossNonFinite(row(2), [grpo(), grpo({ entropy: NaN })], { normalizeReward: true, normalizeObservation: true, learningRate: 1e-3 }, { update: 1, totalTimesteps: 2048 });
    assert.equal(hit.evidence.metric, "entropy");
    assert.match(hit.title, /^entropy became NaN in update 2 \(epoch 1, minibatch 2\)/);
  });
  test("a gradient norm that overflows while the losses are finite", () => {
    const hit = lossNonFinite(row(2), [mb(0), mb(0, { gradNorm: Infinity })], { normalizeReward: true, normalizeObservation: true, learningRate: 1e-3 }, { update: 1, totalTimesteps: 2048 });
    assert.equal(hit.id, "nonfinite.gradient");
    assert.equal(hit.evidence.metric, "grad_norm");
  });
  test("firstNonFiniteParameter finds the first bad value", () => {
    const w = { a: { data: new Float32Array([1, 2]) }, b: { data: new Float32Array([0, NaN, Infinity]) } };
    assert.deepEqual(firstNonFiniteParameter(w), { name: "b", index: 1, value: NaN });
    assert.equal(firstNonFiniteParameter({ a: { data: new Float32Array([1]) } }), undefined);
    const hit = parametersNonFinite({ name: "b", index: 1, value: NaN }, { update: 5, totalTimesteps: 10, checkpointStep: 8 });
    assert.equal(hit.id, "nonfinite.parameters");
    assert.match(hit.title, /b became NaN in update 5/);
  });
});
