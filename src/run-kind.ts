/**
 * What kind of training a run is, read from its resolved config (run.json's `config`, a live run's `started`
 * config, or the overrides it was started with): the algorithm (`algorithm: "ppo" | "grpo"`) and whether the reward
 * is a learned reward model (`rewardModel`, RLHF in miniature). Shared by the extension host (tab titles, status
 * bar, Runs tree) and the dashboard webview (run header), so both ends name a run the same way. No `vscode`, no DOM.
 */

export type RunAlgorithm = "ppo" | "grpo";

export interface RunKind {
  algorithm: RunAlgorithm;
  /** Trained on a reward model's output instead of the env's reward (config `rewardModel` is a file). */
  learnedReward: boolean;
}

/**
 * The kind of a run from a config-like object. Anything missing or malformed counts as the defaults (PPO on the
 * env's reward), so an old run.json without these keys keeps its "PPO" label; this never throws.
 * @param config a resolved config (`PPOConfig`), run.json's `config`, partial overrides, or undefined
 */
export function runKind(config: unknown): RunKind {
  const c = typeof config === "object" && config !== null ? (config as Record<string, unknown>) : {};
  const algorithm: RunAlgorithm = c.algorithm === "grpo" ? "grpo" : "ppo";
  const learnedReward = typeof c.rewardModel === "string" && c.rewardModel.length > 0;
  return { algorithm, learnedReward };
}

/** "PPO", "GRPO", "PPO (learned reward)", "GRPO (learned reward)". */
export function runKindLabel(kind: RunKind): string {
  const name = kind.algorithm === "grpo" ? "GRPO" : "PPO";
  return kind.learnedReward ? `${name} (learned reward)` : name;
}

/** The label of the run whose config is `config` (see runKind). */
export function algorithmLabel(config: unknown): string {
  return runKindLabel(runKind(config));
}

/** Whether the run trains a critic (value head): PPO does, GRPO (group-normalised returns) does not. */
export function hasCritic(config: unknown): boolean {
  return runKind(config).algorithm !== "grpo";
}

/** Why GRPO does not read a setting (see src/core/grpo/grpo.ts): no critic, no discounting, raw episode returns. */
const UNUSED_BY_GRPO: Record<string, string> = {
  gamma: "GRPO scores a rollout by its undiscounted episode return",
  gaeLambda: "GRPO has no critic, so no GAE: every step of a rollout gets the group-normalised return",
  vfCoef: "GRPO has no critic (no value loss)",
  clipRangeVf: "GRPO has no critic (no value loss)",
  zeroInitValueHead: "GRPO never runs the critic",
  normalizeAdvantage: "GRPO's group normalisation is its only advantage normalisation",
  normalizeReward: "GRPO normalises returns within each group instead",
  clipReward: "only used by normalizeReward, which GRPO does not apply",
  whitenRewards: "GRPO normalises returns within each group instead",
};

/**
 * The settings of a resolved config that its algorithm never reads, each with the reason: GRPO's critic, discount
 * and reward-scaling settings, PPO's `grpo` block. The dashboard's hyperparameter tables mark these rows so a user
 * does not tune a number that has no effect. Only keys present in `config` are returned; never throws.
 * @param config a resolved config (run.json's `config`) or anything else (then nothing is unused)
 * @returns key -> reason
 */
export function unusedSettings(config: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof config !== "object" || config === null) return out;
  const keys = Object.keys(config);
  if (runKind(config).algorithm === "grpo") {
    for (const k of keys) if (UNUSED_BY_GRPO[k]) out.set(k, UNUSED_BY_GRPO[k]);
  } else if (keys.includes("grpo")) {
    out.set("grpo", 'only read when algorithm is "grpo"');
  }
  return out;
}
