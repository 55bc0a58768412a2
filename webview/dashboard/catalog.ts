/**
 * Which chart cards the dashboard shows, grouped as in the issue: Rollout, Policy, Value, Optimisation, Speed, then
 * every other metric the trainer logs under Other. Metric names are SB3/CleanRL's (src/core/ppo/ppo.ts
 * UpdateMetrics).
 */

export type GroupId = "rollout" | "policy" | "value" | "optimisation" | "speed" | "other";

export const GROUPS: { id: GroupId; title: string; open: boolean }[] = [
  { id: "rollout", title: "Rollout", open: true },
  { id: "policy", title: "Policy", open: true },
  { id: "value", title: "Value", open: true },
  { id: "optimisation", title: "Optimisation", open: true },
  { id: "speed", title: "Speed", open: true },
  { id: "other", title: "Other metrics", open: false },
];

export interface CardSpec {
  /** Stable id (used in saved view state, file names and the DOM). */
  id: string;
  title: string;
  group: GroupId;
  /** Metrics drawn as lines (smoothed, with the raw line faint behind); the first one is the card's headline. */
  lines: string[];
  /** A [min, max] pair drawn as a shaded band behind the lines. */
  band?: [string, string];
  description: string;
  /** What the values are measured in ("share of groups, 0-1", "nats per step"), shown under the title. */
  unit?: string;
  /** The range the quantity lives in (a share: [0, 1]): the y axis shows all of it unless the values leave it. */
  bounds?: [number, number];
  /**
   * The metric comes from the critic (value head): runs without one (GRPO) are left out of the card, and the card
   * is not shown when no run of the panel has a critic.
   */
  critic?: boolean;
}

export const CARDS: CardSpec[] = [
  {
    id: "ep_rew_mean",
    title: "ep_rew_mean",
    group: "rollout",
    lines: ["ep_rew_mean"],
    band: ["ep_rew_min", "ep_rew_max"],
    description: "Mean return of the recent episodes (band: min..max of the window).",
  },
  { id: "ep_len_mean", title: "ep_len_mean", group: "rollout", lines: ["ep_len_mean"], description: "Mean length of the recent episodes." },
  {
    id: "true_ep_rew_mean",
    title: "true_ep_rew_mean",
    group: "rollout",
    lines: ["true_ep_rew_mean"],
    description:
      "Training on a learned reward (rewardModel): mean return of the recent episodes by the env's own reward, while ep_rew_mean is the reward model's. The two rising together means the reward model captured the task.",
    unit: "env return",
  },
  {
    id: "non_score_reward",
    title: "non_score_reward",
    group: "rollout",
    lines: ["non_score_reward"],
    description:
      "KL penalty against the reference policy added to every step's reward, -kl_coef * kl_to_reference, averaged over the rollout (RLHF's non-score reward). Further below 0 means the policy pays more to move away from the reference.",
    unit: "reward per step",
  },
  {
    id: "zero_advantage_fraction",
    title: "zero_advantage_fraction",
    group: "rollout",
    lines: ["zero_advantage_fraction"],
    description:
      "GRPO: share of groups whose rollouts all got the same return, so every advantage in them is 0 and they give no learning signal. Near 1: make returns differ within a group (larger groups, a denser reward).",
    unit: "share of groups, 0-1",
    bounds: [0, 1],
  },
  { id: "approx_kl", title: "approx_kl", group: "policy", lines: ["approx_kl"], description: "KL(old || new) estimate (k3). Above ~0.05 the policy moves too far per update." },
  { id: "clip_fraction", title: "clip_fraction", group: "policy", lines: ["clip_fraction"], description: "Fraction of samples whose ratio was clipped. Above ~0.3 the steps are too large." },
  { id: "entropy", title: "entropy", group: "policy", lines: ["entropy"], description: "Policy entropy. A collapse to ~0 early means exploration stopped." },
  { id: "std", title: "std", group: "policy", lines: ["std"], description: "Mean standard deviation of the Gaussian policy (continuous actions)." },
  {
    id: "action_saturation",
    title: "action_saturation",
    group: "policy",
    lines: ["action_saturation"],
    description: "Fraction of sampled actions outside the action bounds (clipped on their way to the env).",
  },
  {
    id: "kl_coef",
    title: "kl_coef",
    group: "policy",
    lines: ["kl_coef"],
    description:
      "KL coefficient beta: klPenalty's (fixed, or moved by the adaptive controller toward the target KL), or GRPO's weight of the KL-to-reference term in its loss.",
    unit: "coefficient",
  },
  {
    id: "kl_to_reference",
    title: "kl_to_reference",
    group: "policy",
    lines: ["kl_to_reference"],
    description: "Mean per-step log pi - log pi_ref over the rollout (k1 estimate of KL to the reference policy): how far the policy has moved from it.",
    unit: "nats per step",
  },
  { id: "ratio_min_max", title: "ratio_min/max", group: "policy", lines: ["ratio_min", "ratio_max"], description: "Smallest and largest probability ratio new/old over the update." },
  { id: "value_loss", title: "value_loss", group: "value", lines: ["value_loss"], description: "Critic loss (mean squared error to the value targets).", critic: true },
  {
    id: "explained_variance",
    title: "explained_variance",
    group: "value",
    lines: ["explained_variance"],
    description: "1 - Var(returns - values) / Var(returns). 1 is perfect; below 0 is worse than a constant.",
    critic: true,
  },
  { id: "value_mean", title: "value_mean", group: "value", lines: ["value_mean"], description: "Mean predicted value over the rollout.", critic: true },
  { id: "policy_gradient_loss", title: "policy_gradient_loss", group: "optimisation", lines: ["policy_gradient_loss"], description: "Clipped surrogate loss." },
  { id: "grad_norm", title: "grad_norm", group: "optimisation", lines: ["grad_norm"], description: "Global gradient norm before clipping." },
  { id: "learning_rate", title: "learning_rate", group: "optimisation", lines: ["learning_rate"], description: "Adam learning rate (after the schedule)." },
  { id: "steps_per_second", title: "steps_per_second", group: "speed", lines: ["steps_per_second"], description: "Environment steps per second of wall time, averaged since the run started (SB3's time/fps); the header shows the rate over the last 10 updates." },
];

/** Columns that are axes or bookkeeping, never charted by themselves. */
export const AXIS_COLUMNS = new Set(["update", "total_timesteps", "wall_seconds"]);

/** Metrics a catalogue card already draws (so they get no card of their own under Other). */
export const CATALOGUED = new Set(CARDS.flatMap((c) => [...c.lines, ...(c.band ?? [])]));

/** The card of a metric that has none in the catalogue. */
export function otherCard(metric: string): CardSpec {
  return { id: metric, title: metric, group: "other", lines: [metric], description: `${metric} (as logged by the trainer).` };
}
