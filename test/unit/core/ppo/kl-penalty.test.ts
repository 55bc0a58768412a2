/**
 * The KL options of PPO: the PPO-penalty term in the loss with its adaptive coefficient, the KL-to-reference reward
 * penalty of RLHF, reward whitening and the zero-initialised value head, on short seeded CartPole/Pendulum runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import CartPole from "../../../../examples/cartpole";
import Pendulum from "../../../../examples/pendulum";
import type { Env } from "../../../../src/core/env";
import { TimeLimit } from "../../../../src/core/envs/time-limit";
import { SyncVectorEnv } from "../../../../src/core/envs/vector-env";
import { resolveConfig, validatePartialConfig, type PPOConfig } from "../../../../src/core/ppo/config";
import { PPO, type UpdateMetrics } from "../../../../src/core/ppo/ppo";

function makePPO(make: () => Env, overrides: Partial<PPOConfig>): PPO {
  const { config } = resolveConfig([
    {
      kind: "flag",
      label: "test",
      values: { nEnvs: 4, nSteps: 128, batchSize: 64, nEpochs: 4, learningRate: 3e-3, totalTimesteps: 100_000, seed: 2, ...overrides },
    },
  ]);
  return new PPO(new SyncVectorEnv(Array.from({ length: config.nEnvs }, () => new TimeLimit(make(), 200))), config);
}

function run(ppo: PPO, updates: number): UpdateMetrics[] {
  const rows: UpdateMetrics[] = [];
  for (let i = 0; i < updates; i++) rows.push(ppo.iterate());
  ppo.dispose();
  return rows;
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

test("PPO-penalty: a large fixed beta keeps approx_kl far below an unpenalised run (same seed)", () => {
  const free = run(makePPO(() => new CartPole(), {}), 6);
  const penalised = run(makePPO(() => new CartPole(), { klPenalty: { mode: "fixed", coef: 200, target: 0.01, horizon: 10_000, against: "old" } }), 6);
  assert.equal(free[0].kl_coef, undefined, "no kl_coef metric when the penalty is off");
  assert.ok(penalised.every((m) => m.kl_coef === 200));
  const klFree = mean(free.map((m) => m.approx_kl));
  const klPen = mean(penalised.map((m) => m.approx_kl));
  assert.ok(klPen < 0.5 * klFree, `approx_kl ${klPen} with beta 200 vs ${klFree} without`);
});

test("PPO-penalty: the adaptive coefficient rises while approx_kl is above its target and falls below it", () => {
  const high = run(makePPO(() => new CartPole(), { klPenalty: { mode: "adaptive", coef: 0.1, target: 1e-6, horizon: 512, against: "old" } }), 5);
  const low = run(makePPO(() => new CartPole(), { klPenalty: { mode: "adaptive", coef: 0.1, target: 10, horizon: 512, against: "old" } }), 5);
  // batch 512 = horizon: each update moves beta by the clipped error, x1.2 or x0.8.
  assert.ok(Math.abs((high[4].kl_coef as number) - 0.1 * 1.2 ** 4) < 1e-9, `beta ${high[4].kl_coef}`);
  assert.ok(Math.abs((low[4].kl_coef as number) - 0.1 * 0.8 ** 4) < 1e-9, `beta ${low[4].kl_coef}`);
});

/** A one-step bandit: action 1 pays 1, action 0 pays 0; every episode ends after one step. */
class Bandit implements Env {
  observationSpace = { type: "Box" as const, low: [0], high: [1] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  reset() {
    return { observation: [0.5] };
  }
  step(action: number | number[]) {
    return { observation: [0.5], reward: action === 1 ? 1 : 0, terminated: true, truncated: false };
  }
}

test("KL to the reference policy: 0 on the first rollout, and PPO converges to the KL-regularised optimum pi_ref(a) exp(r(a) / beta)", () => {
  const cfg = (coef: number): Partial<PPOConfig> => ({
    nEnvs: 4,
    nSteps: 64,
    batchSize: 64,
    learningRate: 3e-3,
    klPenalty: { mode: "fixed", coef, target: 0.01, horizon: 10_000, against: "reference" },
  });
  const free = run(makePPO(() => new Bandit(), cfg(1e-4)), 60);
  const regularised = run(makePPO(() => new Bandit(), cfg(1)), 60);
  assert.ok(Math.abs(free[0].kl_to_reference as number) < 1e-4, `first rollout: ${free[0].kl_to_reference}`);
  // Without the penalty the policy goes all in on action 1; with beta = 1 the optimum is pi(1) = e / (1 + e) = 0.731
  // (pi_ref is uniform up to the 0.01-gain init), where KL(pi || pi_ref) = 0.731 log(1.462) + 0.269 log(0.538) = 0.111.
  const tail = (rows: UpdateMetrics[], f: (m: UpdateMetrics) => number): number => mean(rows.slice(-10).map(f));
  const pFree = tail(free, (m) => m.ep_rew_mean);
  const pReg = tail(regularised, (m) => m.ep_rew_mean);
  assert.ok(pFree > 0.95, `unregularised pi(1) ${pFree}`);
  assert.ok(Math.abs(pReg - 0.731) < 0.08, `regularised pi(1) ${pReg}, expected 0.731`);
  const klReg = tail(regularised, (m) => m.kl_to_reference as number);
  assert.ok(Math.abs(klReg - 0.111) < 0.06, `KL to reference ${klReg}, expected 0.111`);
  assert.ok(Math.abs((regularised[59].non_score_reward as number) + (regularised[59].kl_to_reference as number)) < 1e-9);
});

test("KL to the reference works for Gaussian policies too, and the coefficient survives a checkpoint round trip", () => {
  const ppo = makePPO(() => new Pendulum(), { klPenalty: { mode: "adaptive", coef: 0.5, target: 1e-5, horizon: 256, against: "reference" } });
  const rows = [ppo.iterate(), ppo.iterate(), ppo.iterate()];
  assert.ok(rows.every((m) => Number.isFinite(m.kl_to_reference)));
  // Ziegler et al.'s rule step by step from the measured KLs (batch 4 x 128 = 512 steps, horizon 256).
  let beta = 0.5;
  for (const m of rows) {
    assert.ok(Math.abs((m.kl_coef as number) - beta) < 1e-12, `kl_coef ${m.kl_coef} vs ${beta}`);
    beta *= 1 + Math.min(0.2, Math.max(-0.2, (m.kl_to_reference as number) / 1e-5 - 1)) * 2;
  }
  const state = ppo.getState();
  assert.ok(Math.abs((state.klCoef as number) - beta) < 1e-12);
  const again = makePPO(() => new Pendulum(), { klPenalty: { mode: "adaptive", coef: 0.5, target: 1e-5, horizon: 256, against: "reference" } });
  again.restore(state);
  assert.equal(again.klController.value, state.klCoef);
  ppo.dispose();
  again.dispose();
});

test("zero-initialised value head: V(s) = 0 on the whole first rollout; reward whitening keeps training finite", () => {
  const [first] = run(makePPO(() => new CartPole(), { zeroInitValueHead: true }), 1);
  assert.equal(first.value_mean, 0);
  const [normal] = run(makePPO(() => new CartPole(), {}), 1);
  assert.notEqual(normal.value_mean, 0);
  const whitened = run(makePPO(() => new CartPole(), { whitenRewards: true }), 3);
  assert.ok(whitened.every((m) => Number.isFinite(m.value_loss) && Number.isFinite(m.policy_gradient_loss)));
  // CartPole's rewards are all 1; divided by a std of 0 they would blow up: whitening leaves a constant batch alone.
  assert.ok(whitened[0].return_mean < 200);
});

test("bad klPenalty settings are rejected by the config schema with the key named", () => {
  assert.throws(() => validatePartialConfig({ klPenalty: { mode: "sometimes" } }, "ppo.json"), /klPenalty/);
  assert.throws(() => validatePartialConfig({ klPenalty: { coef: -1 } }, "ppo.json"), /klPenalty/);
  const ok = validatePartialConfig({ klPenalty: { mode: "adaptive" } }, "ppo.json");
  const { config } = resolveConfig([{ kind: "file", label: "ppo.json", values: ok }]);
  assert.deepEqual(config.klPenalty, { mode: "adaptive", coef: 0.2, target: 0.01, horizon: 10_000, against: "old" }, "merged over the defaults");
});
