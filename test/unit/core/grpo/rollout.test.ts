/**
 * GRPO's rollout storage (step-rows.ts) and a seeded regression check of the whole GRPO iteration: the expected numbers
 * were recorded with the previous rollout code (one Float32Array slice per env per step, critic evaluated in every
 * step, reference log-probs from the plain-JS snapshot one step at a time), so the flat growable rows and the
 * critic-free loss must reproduce them exactly. On the js engine the reference log-probs now come from a batched
 * float32 pass instead of the float64 snapshot: those cases run with klCoef 0 (the reference term then adds nothing to
 * the loss, so everything else must match to the bit) and compare kl_to_reference to float32 precision.
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
  const fractional = new StepRows((n) => new Float32Array(n), 2, 22.5); // a capacity that is not a whole number of rows
  fractional.pushFill(3);
  assert.deepEqual(Array.from(fractional.view()), [3, 3]);
});

type Row = Record<string, number>;
const KEYS = ["total_timesteps", "ep_rew_mean", "policy_gradient_loss", "entropy", "approx_kl", "clip_fraction", "grad_norm", "ratio_min", "ratio_max", "advantage_std", "kl_to_reference"];

/** Three seeded GRPO iterations (G = 4, 256 steps per batch, 2 epochs) on `make`'s env with the given time limit. */
function run(make: () => Env, limit: number, backend: PPOConfig["backend"], klCoef: number): { rows: Row[]; actor: number[] } {
  const { config } = resolveConfig([
    {
      kind: "flag",
      label: "test",
      values: { algorithm: "grpo", backend, grpo: { groupSize: 4, klCoef, scaleByStd: true, maxRolloutSteps: 1000 }, nEnvs: 4, nSteps: 64, batchSize: 64, nEpochs: 2, seed: 5, totalTimesteps: 100_000 },
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

/** Every metric equal to the bit, except kl_to_reference within float32 precision when `klTolerance`. */
function check(got: { rows: Row[]; actor: number[] }, want: { rows: Row[]; actor: number[] }, klTolerance = false): void {
  want.rows.forEach((w, i) => {
    const g = { ...got.rows[i] };
    if (klTolerance) {
      const d = Math.abs(g.kl_to_reference - w.kl_to_reference);
      assert.ok(d <= 1e-7 + 1e-4 * Math.abs(w.kl_to_reference), `update ${i + 1}: kl_to_reference ${g.kl_to_reference} vs ${w.kl_to_reference}`);
      g.kl_to_reference = w.kl_to_reference;
    }
    assert.deepEqual(g, w, `update ${i + 1}`);
  });
  assert.deepEqual(got.actor, want.actor, "actor/0/kernel[0..4] after three updates");
}

test("seeded GRPO on Pendulum-v1 (Box actions; the rollout rows grow past their first capacity) gives the recorded metrics", () => {
  check(
    run(() => new Pendulum(), 200, "js", 0),
    {
      rows: [
        { total_timesteps: 800, ep_rew_mean: -1762.6359047930082, policy_gradient_loss: 0.004120090474876074, entropy: 1.4177445952708905, approx_kl: 0.00017386446080098933, clip_fraction: 0, grad_norm: 0.2569692234343583, ratio_min: 0.8943759599150696, ratio_max: 1.099801837030912, advantage_std: 0.8660237951132208, kl_to_reference: 2.0479237300419227e-9 },
        { total_timesteps: 1600, ep_rew_mean: -1694.6218504304277, policy_gradient_loss: -0.0021289774091341174, entropy: 1.4169457463117747, approx_kl: 0.0005348565643474173, clip_fraction: 0, grad_norm: 0.36350466284298716, ratio_min: 0.8868000516862165, ratio_max: 1.1306517387115935, advantage_std: 0.8660246677096275, kl_to_reference: -0.001489267536582278 },
        { total_timesteps: 2400, ep_rew_mean: -1472.2395009588474, policy_gradient_loss: -0.009252781164832413, entropy: 1.4185417340351985, approx_kl: 0.0020366826658853544, clip_fraction: 0.005408653846153846, grad_norm: 0.45733396000902116, ratio_min: 0.8298841077249831, ratio_max: 1.2680886237374212, advantage_std: 0.8660228696769131, kl_to_reference: 0.017123189211917588 },
      ],
      actor: [-0.03744916245341301, -0.16405968368053436, 0.14237913489341736, 0.023229211568832397],
    },
    true,
  );
});

test("seeded GRPO on GridWorld-v0 (Discrete actions with action masks) gives the recorded metrics", () => {
  check(
    run(() => new GridWorld(), 100, "js", 0),
    {
      rows: [
        { total_timesteps: 426, ep_rew_mean: -53.25, policy_gradient_loss: 0.40714183023997713, entropy: 1.1662586671965463, approx_kl: 6.958256627902821e-6, clip_fraction: 0, grad_norm: 0.1407936357360544, ratio_min: 0.9899765191067156, ratio_max: 1.0125265994587431, advantage_std: 0.5585314813899535, kl_to_reference: -3.928298185436376e-9 },
        { total_timesteps: 826, ep_rew_mean: -68.83333333333333, policy_gradient_loss: 0, entropy: 1.1495508977345057, approx_kl: 4.2510510768676924e-7, clip_fraction: 0, grad_norm: 0, ratio_min: 0.9947897035211781, ratio_max: 1.00298635604408, advantage_std: 0, kl_to_reference: 3.4543632601377606e-6 },
        { total_timesteps: 1226, ep_rew_mean: -76.625, policy_gradient_loss: 0, entropy: 1.1501410688672746, approx_kl: 1.731088811344047e-7, clip_fraction: 0, grad_norm: 0, ratio_min: 0.9988459202040898, ratio_max: 1.0018397158126866, advantage_std: 0, kl_to_reference: -0.0002889410541364068 },
      ],
      actor: [-0.03203687444329262, -0.006196293514221907, 0.0502508245408535, -0.09813442826271057],
    },
    true,
  );
});

test("seeded GRPO on CartPole-v1 on the TF.js engine gives the recorded metrics", () => {
  check(run(() => new CartPole(), 500, "cpu", 0.04), {
    rows: [
      { total_timesteps: 268, ep_rew_mean: 22.333333333333332, policy_gradient_loss: -0.39815062284469604, entropy: 0.6929971098899841, approx_kl: 0.0002408219501376152, clip_fraction: 0, grad_norm: 0.2097739703953266, ratio_min: 0.9437790513038635, ratio_max: 1.04873788356781, advantage_std: 0.8958599489329651, kl_to_reference: -1.4228924899854095e-9 },
      { total_timesteps: 550, ep_rew_mean: 22.916666666666668, policy_gradient_loss: -0.48191124498844146, entropy: 0.6922271430492402, approx_kl: 0.00016483385115861893, clip_fraction: 0, grad_norm: 0.24733092933893203, ratio_min: 0.9540227055549622, ratio_max: 1.0516116619110107, advantage_std: 0.9392000333515426, kl_to_reference: -0.00024612930823482415 },
      { total_timesteps: 862, ep_rew_mean: 21.55, policy_gradient_loss: -0.2958649471402168, entropy: 0.6908502817153931, approx_kl: 0.00016191609611269087, clip_fraction: 0, grad_norm: 0.09987200573086738, ratio_min: 0.9583389759063721, ratio_max: 1.0359668731689453, advantage_std: 0.8430646102696033, kl_to_reference: -4.037586443726099e-5 },
    ],
    actor: [-0.035393908619880676, -0.16616034507751465, 0.1432570368051529, 0.020788226276636124],
  });
});
