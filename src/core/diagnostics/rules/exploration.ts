/**
 * Rules about exploration: the policy's entropy (collapsed, or stuck at its maximum) and, for continuous actions,
 * the Gaussian's standard deviation and how many actions end up clipped at the bounds.
 */
import type { PPOConfig } from "../../ppo/config";
import type { UpdateMetrics } from "../../ppo/ppo";
import { fmt, maxFinite, median, medianOf, minFinite, series, tail, windowEvidence } from "../series";
import { pastWarmup, type PolicyInfo, type Rule, type RuleContext } from "./rule";

const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);

/**
 * Entropy relative to a reference, 1 at the start of training:
 * - categorical: H / log n (1 = uniform; Andy Jones' "relative entropy", ppo-anchors §5 [JONES-notes]);
 * - Gaussian: exp((H - H0) / d), the geometric mean of std / initial std over the d action dimensions, where H0 is
 *   the entropy at `logStdInit` (a Gaussian has no maximum entropy, so the initial value is the reference).
 */
export function relativeEntropy(row: UpdateMetrics, policy: PolicyInfo, config: PPOConfig): number {
  if (policy.kind === "categorical") return policy.nActions > 1 ? row.entropy / Math.log(policy.nActions) : NaN;
  const d = policy.actionDim;
  const logStd0 = Math.min(Math.max(config.logStdInit, config.logStdRange[0]), config.logStdRange[1]);
  const h0 = d * (HALF_LOG_2PI_E + logStd0);
  return Math.exp((row.entropy - h0) / d);
}

/** (best - now) / (best - worst) of the episode returns seen so far: 0 at the best, 1 at the worst; NaN if unknown. */
export function returnGap(history: readonly UpdateMetrics[], now: number): number {
  const best = maxFinite(series(history, "ep_rew_max"));
  const worst = minFinite(series(history, "ep_rew_min"));
  if (!Number.isFinite(now) || !(best > worst)) return NaN;
  return (best - now) / (best - worst);
}

function entropySeries(ctx: RuleContext, rows: readonly UpdateMetrics[]): number[] {
  return rows.map((r) => relativeEntropy(r, ctx.policy, ctx.config));
}

function entropyWord(policy: PolicyInfo): string {
  return policy.kind === "categorical" ? "entropy / log(n actions)" : "std relative to the initial std (geometric mean)";
}

/**
 * `entropy.collapsed`: the policy became (nearly) deterministic before it got good. Fires when either
 * - the median relative entropy (see {@link relativeEntropy}) over the last `window` updates is below
 *   `entropyCollapseRatio` (0.05) while `ep_rew_mean` is still far from the best episode seen (more than half of the
 *   range between the worst and the best episode return), or
 * - the median relative entropy of the last `window` updates is more than `entropyDropFraction` (0.5, half of the
 *   starting value 1) below the median of the `window` updates before them: it lost most of its value within a few
 *   updates (also only while the return is far from the best).
 *
 * Source: [JONES-notes] relative entropy "near 0 = collapsed"; [MLA-tb] entropy "should slowly decrease". A
 * deterministic policy that already gets the best return (CartPole at 500) is fine, hence the return condition.
 * Calibration: CartPole-v1's relative entropy falls from 0.99 to a window median of 0.21 / 0.29 (seeds 1 / 2), by at
 * most 0.16 between consecutive windows; Pendulum-v1's falls to 0.32 (seeds 1 and 2), by at most 0.25 between
 * windows.
 */
export const entropyCollapsed: Rule = {
  id: "entropy.collapsed",
  check(ctx) {
    const { settings: s, config, policy } = ctx;
    const h = ctx.history;
    if (h.length < s.window) return undefined;
    const rows = tail(h, s.window);
    const rel = entropySeries(ctx, rows);
    const value = median(rel);
    const rewNow = median(series(rows, "ep_rew_mean"));
    const gap = returnGap(h, rewNow);
    // Both conditions only while the return is still far from the best episode (or unknown): a policy that already
    // gets the best return may become deterministic.
    if (gap <= 0.5) return undefined;
    const collapsed = value < s.entropyCollapseRatio;
    let before = NaN;
    if (h.length >= 2 * s.window) before = median(entropySeries(ctx, h.slice(h.length - 2 * s.window, h.length - s.window)));
    const dropped = before - value > s.entropyDropFraction;
    if (!collapsed && !dropped) return undefined;
    const lr = rows[rows.length - 1].learning_rate;
    const threshold = collapsed ? s.entropyCollapseRatio : before - s.entropyDropFraction;
    const suggestions = [
      config.entCoef === 0 ? "add an entropy bonus: `entCoef: 0.01`" : `raise \`entCoef\` (now ${config.entCoef}) to ${fmt(config.entCoef * 3)}`,
      `lower \`learningRate\` to ${fmt(lr / 3)} (now ${fmt(lr)})`,
      `run fewer epochs per update: \`nEpochs: ${Math.max(1, Math.floor(config.nEpochs / 2))}\``,
    ];
    if (policy.kind === "gaussian") suggestions.push("keep the std from shrinking too far: raise the lower bound of `logStdRange` (e.g. [-5, 2])");
    return {
      severity: "warning",
      title: collapsed
        ? "the policy's entropy collapsed while the return is still far from its best"
        : `the policy's entropy lost most of its value within ${s.window} updates`,
      explanation:
        `The policy's ${entropyWord(policy)} is ${fmt(value)} (median over updates ${rows[0].update}-${rows[rows.length - 1].update}). ` +
        (collapsed
          ? `It has become almost deterministic while the mean return is still far from the best episode seen, so it ` +
            `stops exploring and is likely stuck in a poor policy.`
          : `It lost most of its randomness within a few updates: the policy commits to its current actions before it ` +
            `has explored enough, which usually ends in a poor local optimum.`) +
        ` Typical causes: updates too large (learning rate, epochs) or no entropy bonus.`,
      evidence: windowEvidence(rows, "relative_entropy", rel, value, threshold, "below", `${medianOf(s.window)} of ${entropyWord(policy)}${collapsed ? "" : `; ${fmt(before)} in the ${s.window} updates before`}`, {
        relativeEntropyBefore: before,
        entropy: rows[rows.length - 1].entropy,
        epRewMean: rewNow,
        bestEpisodeReturn: maxFinite(series(h, "ep_rew_max")),
        entCoef: config.entCoef,
        learningRate: lr,
      }),
      suggestions,
      source: "[JONES-notes] relative entropy near 0 = collapsed; [MLA-tb]; drop fraction calibrated on the presets",
    };
  },
};

/**
 * `entropy.stuck-max`: after the warm-up (`warmupUpdates` 10 and `warmupGradientSteps` 200) the median relative entropy over the last `window` updates is still
 * above `entropyStuckRatio` (0.98): the policy acts (almost) uniformly at random, so it is not learning anything.
 * Causes: an entropy coefficient that outweighs the reward ([I-sb3-2240]: entCoef 0.15 with 4 actions), a reward
 * that does not reach the agent (always 0 / constant), or a learning rate so small nothing moves.
 *
 * Source: [JONES-notes] "near 1 = acting uniformly at random". Calibration: at update 10 the window median of the
 * relative entropy is 0.88 / 0.87 on CartPole-v1 (seeds 1 / 2) and 0.89 / 0.85 on Pendulum-v1; it never exceeds
 * 0.97 after the first window. For a Gaussian policy the reference is the initial std; a std that grows above it
 * counts as stuck too.
 */
export const entropyStuckMax: Rule = {
  id: "entropy.stuck-max",
  check(ctx) {
    const { settings: s, config, policy } = ctx;
    const h = ctx.history;
    if (h.length < s.window || !pastWarmup(ctx)) return undefined;
    const rows = tail(h, s.window);
    const rel = entropySeries(ctx, rows);
    const value = median(rel);
    if (!(value > s.entropyStuckRatio)) return undefined;
    const rewardStd = median(series(rows, "reward_std"));
    const suggestions: string[] = [];
    if (config.entCoef > 0) suggestions.push(`lower \`entCoef\` (now ${config.entCoef}) to ${fmt(Math.min(0.01, config.entCoef / 10))} or 0`);
    if (rewardStd === 0) suggestions.push("the reward is constant in every rollout: make it depend on what the agent does (see signal.constant-reward)");
    suggestions.push("check that the reward the env returns depends on the action (print a few steps with different actions)");
    if (rows[rows.length - 1].learning_rate < 1e-5) suggestions.push(`raise \`learningRate\` (now ${fmt(rows[rows.length - 1].learning_rate)}) to 3e-4`);
    return {
      severity: "warning",
      title: `the policy still acts at random after ${h.length} updates (entropy at its ${policy.kind === "categorical" ? "maximum" : "initial value"})`,
      explanation:
        `After ${h.length} updates the policy's ${entropyWord(policy)} is still ${fmt(value)} (median over updates ` +
        `${rows[0].update}-${rows[rows.length - 1].update}): it is as random as at the start. Either the entropy bonus ` +
        `(entCoef ${config.entCoef}) outweighs the reward, or the reward carries no information about the actions.`,
      evidence: windowEvidence(rows, "relative_entropy", rel, value, s.entropyStuckRatio, "above", `${medianOf(s.window)} of ${entropyWord(policy)}`, {
        entropy: rows[rows.length - 1].entropy,
        entCoef: config.entCoef,
        rewardStd,
        learningRate: rows[rows.length - 1].learning_rate,
      }),
      suggestions,
      source: "[JONES-notes] relative entropy near 1 = uniform; [I-sb3-2240] entCoef too large",
    };
  },
};

function finiteHalfRanges(policy: PolicyInfo): number[] {
  if (policy.kind !== "gaussian") return [];
  return policy.low.map((lo, i) => (policy.high[i] - lo) / 2).filter((x) => Number.isFinite(x) && x > 0);
}

/**
 * `action.saturation`: the median `action_saturation` (fraction of continuous action values the Gaussian sampled
 * outside the Box bounds, which the env receives clipped) over the last `window` updates is above
 * `actionSaturationThreshold` (0.5): most actions are at the bounds, so the policy's log-probabilities describe
 * actions the env never saw and the gradient pushes the mean further out.
 *
 * Source: ppo-anchors §5 "action clipping saturation" ([ICLR37], [SB3-tips]: clipping is "a bandage"); the
 * fraction metric is our own. Calibration: Pendulum-v1 peaks at a window median of 0.12 / 0.11 (seeds 1 / 2).
 */
export const actionSaturation: Rule = {
  id: "action.saturation",
  check(ctx) {
    const { settings: s, policy } = ctx;
    if (policy.kind !== "gaussian" || ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const sat = series(rows, "action_saturation");
    const value = median(sat);
    if (!(value > s.actionSaturationThreshold)) return undefined;
    const std = median(series(rows, "std"));
    const half = finiteHalfRanges(policy);
    return {
      severity: "warning",
      title: "most continuous actions are clipped at the action bounds",
      explanation:
        `Over updates ${rows[0].update}-${rows[rows.length - 1].update} a median ${Math.round(value * 100)}% of the ` +
        `sampled action values fell outside the action space and were clipped before reaching the env. The env then ` +
        `sees the same bound whatever the policy samples, so the policy gets no signal about how far out it is, its ` +
        `std (now ${fmt(std)}${half.length ? `, action half-range ${fmt(Math.min(...half))}` : ""}) or mean can drift ` +
        `further, and learning stalls.`,
      evidence: windowEvidence(rows, "action_saturation", sat, value, s.actionSaturationThreshold, "above", medianOf(s.window), {
        std,
        logStdInit: ctx.config.logStdInit,
      }),
      suggestions: [
        "rescale the env's action space to [-1, 1] and scale inside `step`",
        half.length && std > Math.min(...half) ? `start with a smaller std: \`logStdInit: ${fmt(Math.log(Math.min(...half) / 2))}\`` : "lower `logStdInit` (e.g. -0.5) so fewer samples leave the bounds",
        "or squash actions in the env with tanh instead of relying on clipping",
      ],
      source: "ppo-anchors §5 action clipping saturation ([ICLR37], [SB3-tips]); threshold 'most' = 0.5",
    };
  },
};

function stdRange(rows: readonly UpdateMetrics[]): { min: number[]; max: number[] } {
  return {
    min: series(rows, (r) => (r.log_std_min === undefined ? undefined : Math.exp(r.log_std_min))),
    max: series(rows, (r) => (r.log_std_max === undefined ? undefined : Math.exp(r.log_std_max))),
  };
}

/**
 * `action.std-collapse`: the smallest std of the Gaussian policy (median over the last `window` updates) is below
 * `stdCollapseRatio` (1e-3) times the smallest finite action half-range, or the log-std sits at the lower end of
 * `logStdRange`. The policy stops exploring, log-probabilities of slightly different actions become huge, and
 * std -> 0 underflows to NaN ([I-rlevo173]).
 *
 * Source: ppo-anchors §5 log-std collapse ([I-rlevo173], [BRAX-dist] min_std 0.001). Calibration: Pendulum-v1's
 * (seeds 1 and 2) std stays above 0.32 (half-range 2), a ratio of 0.16, 160x above the threshold.
 */
export const stdCollapse: Rule = {
  id: "action.std-collapse",
  check(ctx) {
    const { settings: s, policy, config } = ctx;
    if (policy.kind !== "gaussian" || ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const { min } = stdRange(rows);
    const value = median(min);
    const half = finiteHalfRanges(policy);
    const floor = Math.exp(config.logStdRange[0]) * 1.01;
    const threshold = half.length ? Math.max(s.stdCollapseRatio * Math.min(...half), floor) : Math.max(floor, s.stdCollapseRatio);
    if (!(value < threshold)) return undefined;
    return {
      severity: "warning",
      title: `the Gaussian policy's std collapsed to ${fmt(value)}: exploration has stopped`,
      explanation:
        `The smallest standard deviation of the Gaussian policy is ${fmt(value)} (median over updates ` +
        `${rows[0].update}-${rows[rows.length - 1].update})${half.length ? `, against an action half-range of ${fmt(Math.min(...half))}` : ""}. ` +
        `The policy no longer explores that action dimension, and log-probabilities become so sharp that small ` +
        `changes of the mean give huge ratios; a std that keeps shrinking underflows to NaN.`,
      evidence: windowEvidence(rows, "log_std_min", series(rows, "log_std_min"), Math.log(value), Math.log(threshold), "below", medianOf(s.window), {
        std: value,
        logStdInit: config.logStdInit,
        logStdRangeMin: config.logStdRange[0],
        entCoef: config.entCoef,
      }),
      suggestions: [
        config.logStdInit < -3 ? `start from a wider policy: \`logStdInit: 0\` (now ${config.logStdInit})` : "add an entropy bonus: `entCoef: 0.001`",
        `bound the log-std from below: \`logStdRange: [-5, ${config.logStdRange[1]}]\``,
        "lower `learningRate`",
      ],
      source: "ppo-anchors §5 log-std collapse ([I-rlevo173], [BRAX-dist] min_std 0.001)",
    };
  },
};

/**
 * `action.std-blowup`: the largest std of the Gaussian policy (median over the last `window` updates) is above
 * `stdBlowupRatio` (2) times the largest finite action half-range, or the log-std sits at the upper end of
 * `logStdRange` (unbounded action spaces): samples land almost anywhere and, with bounded actions, mostly at the
 * bounds ([I-rlpyt124]: log-std climbs to ~2.3 until actions always hit the bounds).
 *
 * Source: ppo-anchors §5 log-std blow-up ([I-rlpyt124], [I-ray47827]). Calibration: Pendulum-v1's std
 * stays below 0.96 = 0.48x its half-range (seeds 1 and 2).
 */
export const stdBlowup: Rule = {
  id: "action.std-blowup",
  check(ctx) {
    const { settings: s, policy, config } = ctx;
    if (policy.kind !== "gaussian" || ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const { max } = stdRange(rows);
    const value = median(max);
    const half = finiteHalfRanges(policy);
    const ceiling = Math.exp(config.logStdRange[1]) * 0.99;
    const threshold = half.length ? Math.min(s.stdBlowupRatio * Math.max(...half), ceiling) : ceiling;
    if (!(value > threshold)) return undefined;
    return {
      severity: "warning",
      title: `the Gaussian policy's std blew up to ${fmt(value)}${half.length ? ` (${fmt(value / Math.max(...half))}x the action half-range)` : ""}: actions land at the bounds`,
      explanation:
        `The largest standard deviation of the Gaussian policy is ${fmt(value)} (median over updates ` +
        `${rows[0].update}-${rows[rows.length - 1].update}). Samples are spread far wider than the actions can be, so ` +
        `most are clipped to the bounds and the return no longer tells the policy which direction is better. It ` +
        `grows when the entropy bonus outweighs the reward or the reward does not depend on the action.`,
      evidence: windowEvidence(rows, "log_std_max", series(rows, "log_std_max"), Math.log(value), Math.log(threshold), "above", medianOf(s.window), {
        std: value,
        entCoef: config.entCoef,
        logStdRangeMax: config.logStdRange[1],
      }),
      suggestions: [
        config.entCoef > 0 ? `lower \`entCoef\` (now ${config.entCoef}) to 0` : "check that the reward depends on the action",
        `cap the log-std: \`logStdRange: [${config.logStdRange[0]}, ${fmt(half.length ? Math.log(Math.max(...half)) : 0.5)}]\``,
        "rescale the env's action space to [-1, 1]",
      ],
      source: "ppo-anchors §5 log-std blow-up ([I-rlpyt124], [I-ray47827])",
    };
  },
};

export const EXPLORATION_RULES: Rule[] = [entropyCollapsed, entropyStuckMax, actionSaturation, stdCollapse, stdBlowup];
