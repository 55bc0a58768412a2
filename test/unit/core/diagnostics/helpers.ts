/** Synthetic metric histories for the rule unit tests. */
import { DiagnosticsEngine } from "../../../../src/core/diagnostics/engine";
import type { PolicyInfo, Rule } from "../../../../src/core/diagnostics/rules/rule";
import type { DiagnosticsSettings } from "../../../../src/core/diagnostics/settings";
import type { DiagnosticFinding } from "../../../../src/core/diagnostics/types";
import { resolveConfig, type PPOConfig } from "../../../../src/core/ppo/config";
import type { UpdateMetrics } from "../../../../src/core/ppo/ppo";

export const CATEGORICAL: PolicyInfo = { kind: "categorical", nActions: 2 };
export const GAUSSIAN: PolicyInfo = { kind: "gaussian", actionDim: 1, low: [-2], high: [2] };

/** A healthy-looking update: every value inside every rule's comfort zone. */
export function row(update: number, over: Partial<UpdateMetrics> = {}): UpdateMetrics {
  return {
    update,
    total_timesteps: update * 1024,
    wall_seconds: update,
    steps_per_second: 1024,
    ep_rew_mean: 10 + update,
    ep_len_mean: 10 + update,
    ep_rew_min: 5,
    ep_rew_max: 20 + 2 * update,
    episodes: 100,
    policy_gradient_loss: -0.01,
    value_loss: 1,
    entropy: 0.6,
    approx_kl: 0.01,
    old_approx_kl: 0.01,
    clip_fraction: 0.1,
    explained_variance: 0.8,
    grad_norm: 1,
    learning_rate: 3e-4,
    clip_range: 0.2,
    ratio_min: 0.8,
    ratio_max: 1.2,
    value_mean: 10,
    advantage_std: 1,
    epochs_run: 10,
    reward_mean: 1,
    reward_std: 0.5,
    terminated_count: 4,
    truncated_count: 0,
    obs_abs_max: 2,
    obs_rms_max: 1,
    return_mean: 10,
    return_std: 5,
    first_ratio_dev: 0,
    ...over,
  };
}

/** `n` rows, update 1..n, with `f(update)` overriding fields. */
export function history(n: number, f: (u: number) => Partial<UpdateMetrics> = () => ({})): UpdateMetrics[] {
  return Array.from({ length: n }, (_, i) => row(i + 1, f(i + 1)));
}

export function config(over: Partial<Omit<PPOConfig, "diagnostics">> & { diagnostics?: Partial<DiagnosticsSettings> } = {}): PPOConfig {
  return resolveConfig([{ kind: "flag", label: "test", values: over as Partial<PPOConfig> }]).config;
}

export interface RuleRun {
  /** Update at which the rule first fired, or undefined. */
  firedAt: number | undefined;
  findings: DiagnosticFinding[];
}

/** Feeds `rows` one by one through an engine that runs only `rule`. */
export function runRule(rule: Rule, rows: UpdateMetrics[], opts: { config?: PPOConfig; policy?: PolicyInfo } = {}): RuleRun {
  const engine = new DiagnosticsEngine({ config: opts.config ?? config(), policy: opts.policy ?? CATEGORICAL, rules: [rule], envFile: "/envs/my-env.ts", envSource: ENV_SOURCE });
  for (const r of rows) engine.observe(r);
  return { firedAt: engine.findings[0]?.update, findings: engine.findings };
}

export const ENV_SOURCE = `export default class MyEnv {
  observationSpace = { type: "Box", low: [-1], high: [1], shape: [1] };
  actionSpace = { type: "Discrete", n: 2 };
  reset(options?: { seed?: number }) {
    return { observation: [0] };
  }
  step(action: number) {
    return { observation: [0], reward: 0, terminated: false, truncated: false };
  }
}
`;
