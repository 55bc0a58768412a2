/**
 * GRPO's rollout storage (step-rows.ts) and a seeded regression check of the whole GRPO iteration: the expected numbers
 * were recorded with the previous rollout code (one Float32Array slice per env per step, critic evaluated in every
 * step), so the flat growable rows and the critic-free loss must reproduce them exactly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import CartPole from "../../../../examples/cartpole";
import GridWorld from "../../../../examples/grid-world";
import Pendulum from "../../../../examples/pendulum";
import type { Env } from "../../../../src/core/env";
import { TimeLimit } from "../../../../src/core/envs/time-limit";
import { SyncVectorEnv } from "../../../../src/core/envs/vector-env";
import { GRPO } from "../../../../src/core/grpo/grpo";
import { StepRows } from "../../../../src/core/grpo/step-rows";
import { resolveConfig, type PPOConfig } from "../../../../src/core/ppo/config";

test("StepRows keeps every row, in order, across capacity doublings", () => {
  const rows = new StepRows((n) => new Float32Array(n), 3, 1);
  const source = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  for (let i = 0; i < 10; i++) rows.pushFrom(source, (i % 3) * 3);
  rows.pushFill(-1);
  assert.equal(rows.length, 11);
  const v = rows.view();
  assert.equal(v.length, 33);
  for (let i = 0; i < 10; i++) assert.deepEqual(Array.from(v.subarray(i * 3, i * 3 + 3)), [0, 1, 2].map((j) => (i % 3) * 3 + j));
  assert.deepEqual(Array.from(v.subarray(30)), [-1, -1, -1]);
  const scalars = new StepRows((n) => new Int32Array(n), 1, 2);
  for (let i = 0; i < 9; i++) scalars.push(i * i);
  assert.deepEqual(Array.from(scalars.view()), [0, 1, 4, 9, 16, 25, 36, 49, 64]);
  assert.throws(() => new StepRows((n) => new Float32Array(n), 0), /width must be a positive integer/);
});

type Row = Record<string, number>;
const KEYS = ["total_timesteps", "ep_rew_mean", "policy_gradient_loss", "entropy", "approx_kl", "clip_fraction", "grad_norm", "ratio_min", "ratio_max", "advantage_std", "kl_to_reference"];

/** Three seeded GRPO iterations (G = 4, 256 steps per batch, 2 epochs) on `make`'s env with the given time limit. */
function run(make: () => Env, limit: number, backend: PPOConfig["backend"]): { rows: Row[]; actor: number[] } {
  const { config } = resolveConfig([
    {
      kind: "flag",
      label: "test",
      values: { algorithm: "grpo", backend, grpo: { groupSize: 4, klCoef: 0.04, scaleByStd: true, maxRolloutSteps: 1000 }, nEnvs: 4, nSteps: 64, batchSize: 64, nEpochs: 2, seed: 5, totalTimesteps: 100_000 },
    },
  ]);
  const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new TimeLimit(make(), limit))), config);
  const rows: Row[] = [];
  for (let i = 0; i < 3; i++) {
    const m = grpo.iterate() as unknown as Row;
    rows.push(Object.fromEntries(KEYS.map((k) => [k, m[k]])));
  }
  const actor = Array.from(grpo.policy.getWeights()["actor/0/kernel"].data.slice(0, 4));
  grpo.dispose();
  return { rows, actor };
}

function check(got: { rows: Row[]; actor: number[] }, want: { rows: Row[]; actor: number[] }): void {
  want.rows.forEach((w, i) => assert.deepEqual(got.rows[i], w, `update ${i + 1}`));
  assert.deepEqual(got.actor, want.actor, "actor/0/kernel[0..4] after three updates");
}

test("seeded GRPO on Pendulum-v1 (Box actions; the rollout rows grow past their first capacity) gives the recorded metrics", () => {
  check(run(() => new Pendulum(), 200, "js"), {
    rows: [
      { total_timesteps: 800, ep_rew_mean: -1762.6359047930082, policy_gradient_loss: 0.0041236678281655675, entropy: 1.417745521435371, approx_kl: 0.00017199061655376753, clip_fraction: 0, grad_norm: 0.2568628945065774, ratio_min: 0.8947789923720205, ratio_max: 1.0992245649555874, advantage_std: 0.8660237951132208, kl_to_reference: 2.0479237300419227e-9 },
      { total_timesteps: 1600, ep_rew_mean: -1694.7713600073328, policy_gradient_loss: -0.002082447096024855, entropy: 1.416961628657121, approx_kl: 0.0004914863339553659, clip_fraction: 0, grad_norm: 0.36293913672320216, ratio_min: 0.8894059859804851, ratio_max: 1.1278357316940628, advantage_std: 0.8660246241840884, kl_to_reference: -0.001481214130767436 },
      { total_timesteps: 2400, ep_rew_mean: -1472.3207248220535, policy_gradient_loss: -0.00849398415392408, entropy: 1.4185958367127638, approx_kl: 0.0014639296233116721, clip_fraction: 0.0006009615384615385, grad_norm: 0.4659630235539325, ratio_min: 0.8462558723859177, ratio_max: 1.2006005146641183, advantage_std: 0.8660228395054128, kl_to_reference: 0.015788782647705526 },
    ],
    actor: [-0.03701843321323395, -0.16420745849609375, 0.1421135812997818, 0.02350524067878723],
  });
});

test("seeded GRPO on GridWorld-v0 (Discrete actions with action masks) gives the recorded metrics", () => {
  check(run(() => new GridWorld(), 100, "js"), {
    rows: [
      { total_timesteps: 426, ep_rew_mean: -53.25, policy_gradient_loss: 0.4071418898446219, entropy: 1.1662586757114954, approx_kl: 6.955054199612018e-6, clip_fraction: 0, grad_norm: 0.14078486478413724, ratio_min: 0.9899778551065817, ratio_max: 1.012523092954538, advantage_std: 0.5585314813899535, kl_to_reference: -3.928298185436376e-9 },
      { total_timesteps: 826, ep_rew_mean: -68.83333333333333, policy_gradient_loss: 0, entropy: 1.1495508977345057, approx_kl: 4.232905236481851e-7, clip_fraction: 0, grad_norm: 4.6735009371225827e-5, ratio_min: 0.9947900298289842, ratio_max: 1.002984095672515, advantage_std: 0, kl_to_reference: 3.4273921583768963e-6 },
      { total_timesteps: 1226, ep_rew_mean: -76.625, policy_gradient_loss: 0, entropy: 1.1501411284719194, approx_kl: 1.6805553469469358e-7, clip_fraction: 0, grad_norm: 0.00012552039572805233, ratio_min: 0.9988569604736265, ratio_max: 1.001811684416098, advantage_std: 0, kl_to_reference: -0.0002887923405476922 },
    ],
    actor: [-0.03203674778342247, -0.006196748930960894, 0.05025230348110199, -0.09813377261161804],
  });
});

test("seeded GRPO on CartPole-v1 on the TF.js engine gives the recorded metrics", () => {
  check(run(() => new CartPole(), 500, "cpu"), {
    rows: [
      { total_timesteps: 268, ep_rew_mean: 22.333333333333332, policy_gradient_loss: -0.39815062284469604, entropy: 0.6929971098899841, approx_kl: 0.0002408219501376152, clip_fraction: 0, grad_norm: 0.2097739703953266, ratio_min: 0.9437790513038635, ratio_max: 1.04873788356781, advantage_std: 0.8958599489329651, kl_to_reference: -1.4228924899854095e-9 },
      { total_timesteps: 550, ep_rew_mean: 22.916666666666668, policy_gradient_loss: -0.48191124498844146, entropy: 0.6922271430492402, approx_kl: 0.00016483385115861893, clip_fraction: 0, grad_norm: 0.24733092933893203, ratio_min: 0.9540227055549622, ratio_max: 1.0516116619110107, advantage_std: 0.9392000333515426, kl_to_reference: -0.00024612930823482415 },
      { total_timesteps: 862, ep_rew_mean: 21.55, policy_gradient_loss: -0.2958649471402168, entropy: 0.6908502817153931, approx_kl: 0.00016191609611269087, clip_fraction: 0, grad_norm: 0.09987200573086738, ratio_min: 0.9583389759063721, ratio_max: 1.0359668731689453, advantage_std: 0.8430646102696033, kl_to_reference: -4.037586443726099e-5 },
    ],
    actor: [-0.035393908619880676, -0.16616034507751465, 0.1432570368051529, 0.020788226276636124],
  });
});
