/**
 * Rules about the critic: explained variance, value-loss growth, and the scale of the value targets.
 */
import type { UpdateMetrics } from "../../ppo/ppo";
import { fmt, median, medianOf, series, tail, windowEvidence } from "../series";
import { pastWarmup, type Rule } from "./rule";

/**
 * A row whose value targets are (nearly) constant, std < 1% of max(1, |mean|): explained variance is then the
 * ratio of two tiny variances and meaningless (SB3 returns NaN at Var = 0). Healthy CartPole-v1 at 500 has
 * return_std 0.002-0.03 on a mean of 50 and explained variance swinging between -4.6 and 0.9.
 */
export function targetsNearlyConstant(r: UpdateMetrics): boolean {
  return !(r.return_std >= 0.01 * Math.max(1, Math.abs(r.return_mean)));
}

/**
 * `value.not-learning`: after the warm-up (`warmupUpdates` 10, `warmupGradientSteps` 200), the median
 * `explained_variance` (1 - Var[R - V]/Var[R] over the rollout) over the last 2 x `window` updates is <=
 * `explainedVarianceThreshold` (0): the critic predicts the returns no better than a constant. Updates whose value
 * targets are nearly constant ({@link targetsNearlyConstant}) are left out, and at least `window` must remain. The
 * window is twice the others' because a value function that is not learning is a lasting state, while a critic
 * chasing fast-growing returns dips to EV ~ 0 for a few updates in healthy runs.
 *
 * Source: [SB3-utils] EV = 0 "might as well have predicted zero", < 0 "worse than just predicting zero"; [I-bl454]
 * EV is noisy and dips negative in healthy runs, so it is smoothed. Calibration: CartPole-v1's EV is -0.04 to 0.12
 * over updates 13-17 of seed 1 (episodes start to outlast the rollout; a 5-update median reaches 0.008, seed 2's
 * -0.003), while its 10-update median stays above 0.20 / 0.22 (seeds 1 / 2); Pendulum-v1's above 0.97 / 0.96.
 */
export const valueNotLearning: Rule = {
  id: "value.not-learning",
  check(ctx) {
    const { settings: s, config } = ctx;
    // GRPO trains no critic (vfCoef 0), so its explained variance says nothing about the run.
    if (config.algorithm === "grpo") return undefined;
    const h = ctx.history;
    const n = 2 * s.window;
    if (h.length < n || !pastWarmup(ctx)) return undefined;
    const rows = tail(h, n);
    const ev = series(rows, (r) => (targetsNearlyConstant(r) ? NaN : r.explained_variance));
    if (ev.filter(Number.isFinite).length < s.window) return undefined;
    const value = median(ev);
    if (!(value <= s.explainedVarianceThreshold)) return undefined;
    const last = rows[rows.length - 1];
    const scale = Math.max(Math.abs(last.return_mean), last.return_std);
    const suggestions: string[] = [];
    if (config.vfCoef < 0.1) suggestions.push(`raise \`vfCoef\` (now ${config.vfCoef}) to 0.5: the value loss barely reaches the optimiser`);
    if (!config.normalizeReward && scale > 100) suggestions.push("set `normalizeReward: true`: the value targets are large");
    if (!config.normalizeObservation) suggestions.push("set `normalizeObservation: true`");
    suggestions.push("check that the observation contains what the return depends on (a value function cannot predict what it cannot see)");
    if (config.gamma > 0.995) suggestions.push(`lower \`gamma\` (now ${config.gamma}) to 0.99: very long horizons make returns hard to predict`);
    return {
      severity: "warning",
      title: `the value function is not learning (after ${h.length} updates it explains none of the return variance)`,
      explanation:
        `The critic's predictions explain none of the variance of the returns (median explained variance ${fmt(value)} ` +
        `over updates ${rows[0].update}-${last.update}). The advantages PPO uses are then mostly noise (A = R - V with a ` +
        `useless V), which slows learning or stops it. Usual causes: large unnormalised rewards, a value loss ` +
        `weighted too low, or observations that do not determine the return.`,
      evidence: windowEvidence(rows, "explained_variance", series(rows, "explained_variance"), value, s.explainedVarianceThreshold, "below", `${medianOf(n)} (<=), updates with nearly constant value targets left out`, {
        valueLoss: median(series(rows, "value_loss")),
        returnMean: last.return_mean,
        returnStd: last.return_std,
        vfCoef: config.vfCoef,
        normalizeReward: config.normalizeReward,
      }),
      suggestions,
      source: "[SB3-utils] explained variance <= 0; [I-bl454] smooth before alarming",
    };
  },
};

/**
 * `value.loss-exploding`: the median `value_loss` over the last `window` updates is more than `valueLossGrowth`
 * (1000x, three orders of magnitude) above its median over the first `window` updates. Value loss normally rises while
 * the agent learns and falls once the reward stabilises ([MLA-tb]); three orders of magnitude mean the targets'
 * scale keeps growing (rewards that grow over time, returns that diverge with gamma close to 1) or the critic diverges.
 *
 * Calibration: CartPole-v1's largest window median is 2.0x / 1.8x its first one (seeds 1 / 2), Pendulum-v1's 1.0x
 * (seeds 1 and 2; it only falls).
 */
export const valueLossExploding: Rule = {
  id: "value.loss-exploding",
  check(ctx) {
    const { settings: s, config } = ctx;
    // GRPO trains no critic (vfCoef 0): its value_loss is that of an untrained head.
    if (config.algorithm === "grpo") return undefined;
    const h = ctx.history;
    if (h.length < 2 * s.window) return undefined;
    const base = median(series(h.slice(0, s.window), "value_loss"));
    const rows = tail(h, s.window);
    const vl = series(rows, "value_loss");
    const value = median(vl);
    if (!(base > 0) || !(value > s.valueLossGrowth * base)) return undefined;
    const last = rows[rows.length - 1];
    return {
      severity: "warning",
      title: `the value loss grew ${fmt(value / base)}x since the start: the value targets run away`,
      explanation:
        `The critic's loss over updates ${rows[0].update}-${last.update} has a median of ${fmt(value)}, ` +
        `${fmt(value / base)} times its median over the first ${s.window} updates. The value targets' scale ` +
        `(returns now ${fmt(last.return_mean)} +- ${fmt(last.return_std)}) is running away, so the value loss dominates ` +
        `the shared gradient (clipped to maxGradNorm ${config.maxGradNorm}) and the policy gets almost no gradient.`,
      evidence: windowEvidence(rows, "value_loss", vl, value, s.valueLossGrowth * base, "above", `${medianOf(s.window)}, against ${s.valueLossGrowth}x the median of the first ${s.window}`, {
        initialValueLoss: base,
        returnMean: last.return_mean,
        returnStd: last.return_std,
        normalizeReward: config.normalizeReward,
      }),
      suggestions: [
        config.normalizeReward ? "check the env for rewards that grow without bound" : "set `normalizeReward: true`",
        config.clipRangeVf === null ? "clip the value update: `clipRangeVf: 0.2` (with normalised rewards)" : "lower `learningRate`",
        "check that the env's reward does not grow over time (e.g. a counter that is never reset)",
      ],
      source: "[MLA-tb] value loss rises then falls; [RLLIB-old] value-loss warnings; growth factor calibrated on the presets",
    };
  },
};

/**
 * `reward.scale`: with `normalizeReward` off, the value targets' scale, max(|mean|, std) of the GAE returns (median
 * over the last `window` updates), is above `returnScaleThreshold` (1000). The value head starts with outputs of
 * order 1; targets in the thousands give a value loss of millions that dominates the shared, norm-clipped gradient
 * and takes many updates to fit ([I-sb3-2240]: EV ~ 0 for the whole run with value loss ~7e5; [I-crl441]).
 *
 * Source: [RLLIB-old] warns when |episode reward mean| / vf_clip_param (10) > 200, i.e. above 2000 per episode; our
 * threshold is on the discounted return the critic fits. Calibration: the largest window median is 50 on CartPole-v1
 * (gamma 0.98, seeds 1 and 2) and 55 on Pendulum-v1 (gamma 0.9, rewards down to -16 per step; seeds 1 and 2), 18x
 * below.
 */
export const rewardScale: Rule = {
  id: "reward.scale",
  check(ctx) {
    const { settings: s, config } = ctx;
    // GRPO has no value head, and its "returns" are group-normalised advantages (normalizeReward does not apply).
    if (config.algorithm === "grpo" || config.normalizeReward || ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const scale = series(rows, (r) => Math.max(Math.abs(r.return_mean), r.return_std));
    const value = median(scale);
    if (!(value > s.returnScaleThreshold)) return undefined;
    const rewardScale = median(series(rows, (r) => Math.max(Math.abs(r.reward_mean), r.reward_std)));
    return {
      severity: "warning",
      title: "returns are too large for the value head and normalizeReward is off",
      explanation:
        `The returns the critic has to fit are of order ${fmt(value)} (rewards of order ${fmt(rewardScale)} per step, ` +
        `gamma ${config.gamma}), while a freshly initialised value head outputs values of order 1. The value loss is ` +
        `then huge (median ${fmt(median(series(rows, "value_loss")))}), dominates the gradient that is clipped to ` +
        `maxGradNorm ${config.maxGradNorm}, and the critic needs many updates to catch up; meanwhile the advantages are noise.`,
      evidence: windowEvidence(rows, "return_scale", scale, value, s.returnScaleThreshold, "above", `${medianOf(s.window)} of max(|return_mean|, return_std)`, {
        rewardMean: median(series(rows, "reward_mean")),
        rewardStd: median(series(rows, "reward_std")),
        valueLoss: median(series(rows, "value_loss")),
        gamma: config.gamma,
        normalizeReward: false,
      }),
      suggestions: [
        "set `normalizeReward: true` (scales rewards by the running std of the discounted return, as SB3 VecNormalize)",
        `or divide the reward in the env's \`step\` by about ${fmt(Math.pow(10, Math.round(Math.log10(Math.max(1, rewardScale)))))}`,
      ],
      location: ctx.locate?.("step"),
      source: "[RLLIB-old] reward-scale warning; [I-sb3-2240]; [SB3-vn], [ICLR37] reward scaling; threshold calibrated on the presets",
    };
  },
};

export const VALUE_RULES: Rule[] = [valueNotLearning, valueLossExploding, rewardScale];
