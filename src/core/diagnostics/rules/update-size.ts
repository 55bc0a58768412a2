/**
 * Rules about the size and sanity of each policy update: KL, clip fraction, the first-minibatch ratio, gradient
 * norm spikes.
 */
import type { UpdateMetrics } from "../../ppo/ppo";
import { fmt, median, medianOf, series, tail, windowEvidence } from "../series";
import type { Rule, RuleContext } from "./rule";

function lastRow(ctx: RuleContext): UpdateMetrics {
  return ctx.history[ctx.history.length - 1];
}

/**
 * `kl.exploding`: the median `approx_kl` (k3, last epoch of each update) over the last `window` updates is above
 * `klThreshold` (0.05), or above `klTargetFactor * targetKl` (5x) when `targetKl` is set.
 *
 * Source: [ICLR37] "approx_kl generally stays below 0.02; higher usually means the policy changes too quickly or a
 * bug"; [SPIN-ppo] target_kl "usually small, 0.01 or 0.05"; [RLLIB-torch]/[BRAX-opt] react at 2x a 0.01 target. The
 * default 0.05 sits at the top of Spinning Up's range so that aggressive but working presets do not warn.
 * Calibration (seed 1): the CartPole-v1 preset (lr 1e-3, 20 epochs) peaks at a window median of 0.011, Pendulum-v1
 * at 0.012.
 */
export const klExploding: Rule = {
  id: "kl.exploding",
  check(ctx) {
    const { settings: s, config } = ctx;
    if (ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const kl = series(rows, "approx_kl");
    const value = median(kl);
    const threshold = config.targetKl !== null ? s.klTargetFactor * config.targetKl : s.klThreshold;
    if (!(value > threshold)) return undefined;
    const last = lastRow(ctx);
    const lr = last.learning_rate;
    const epochsRun = median(series(rows, "epochs_run"));
    const suggestions = [
      `lower \`learningRate\` to ${fmt(lr / 3)} (now ${fmt(lr)})`,
      config.nEpochs > 1 ? `run fewer epochs per update: \`nEpochs: ${Math.max(1, Math.floor(config.nEpochs / 2))}\` (now ${config.nEpochs})` : undefined,
      config.targetKl === null
        ? "set `targetKl: 0.02` to stop an update's epochs once the KL passes 1.5x the target (SB3 rule)"
        : `lower \`targetKl\` (now ${config.targetKl})`,
      !config.normalizeObservation ? "if observations are large (hundreds or more), set `normalizeObservation: true`: unscaled inputs make the first updates explode" : undefined,
    ].filter((x): x is string => x !== undefined);
    return {
      severity: "warning",
      title: "the policy changes too much per update",
      explanation:
        `The KL divergence between the policy before and after each update (approx_kl, k3 estimator) has a median of ` +
        `${fmt(value)} over updates ${rows[0].update}-${last.update}, above ${fmt(threshold)}. Healthy PPO runs stay ` +
        `below about 0.02: larger steps leave the trust region the clipped objective relies on, so updates start ` +
        `undoing each other and the return becomes unstable or collapses. The step size is set by the learning rate ` +
        `(${fmt(lr)}) and the number of epochs (${config.nEpochs}${epochsRun < config.nEpochs ? `, ${epochsRun} run after KL early stopping` : ""}).`,
      evidence: windowEvidence(rows, "approx_kl", kl, value, threshold, "above", medianOf(s.window), {
        learningRate: lr,
        nEpochs: config.nEpochs,
        epochsRun,
        targetKl: config.targetKl,
        clipFraction: median(series(rows, "clip_fraction")),
      }),
      suggestions,
      source: "[ICLR37] approx_kl below 0.02; [SPIN-ppo] target_kl 0.01-0.05",
    };
  },
};

/**
 * `clip.high`: the median `clip_fraction` (share of samples whose ratio left [1 - eps, 1 + eps], over all epochs)
 * over the last `window` updates is above `clipFractionThreshold` (0.3).
 *
 * No source gives a number (ppo-anchors §5: "unverified folklore"); calibrated on the seeded presets: CartPole-v1
 * peaks at a window median of 0.22 (20 epochs at lr 1e-3 clip a lot by design), Pendulum-v1 at 0.17, so 0.3 leaves
 * a margin above both. Clip fraction can fall while KL explodes ([I-bl456]), so `kl.exploding` is the stronger guard.
 */
export const clipHigh: Rule = {
  id: "clip.high",
  check(ctx) {
    const { settings: s, config } = ctx;
    if (ctx.history.length < s.window) return undefined;
    const rows = tail(ctx.history, s.window);
    const cf = series(rows, "clip_fraction");
    const value = median(cf);
    if (!(value > s.clipFractionThreshold)) return undefined;
    const last = lastRow(ctx);
    return {
      severity: "warning",
      title: `${Math.round(value * 100)}% of samples are clipped: updates are too large`,
      explanation:
        `On average ${Math.round(value * 100)}% of the samples had their probability ratio clipped over updates ` +
        `${rows[0].update}-${last.update} (clip range ${fmt(last.clip_range)}). Clipped samples give no gradient, so ` +
        `a large clip fraction means the optimiser keeps moving the policy further than PPO's trust region allows, ` +
        `and most of each update's data is wasted.`,
      evidence: windowEvidence(rows, "clip_fraction", cf, value, s.clipFractionThreshold, "above", medianOf(s.window), {
        learningRate: last.learning_rate,
        nEpochs: config.nEpochs,
        clipRange: last.clip_range,
        approxKl: median(series(rows, "approx_kl")),
      }),
      suggestions: [
        `lower \`learningRate\` to ${fmt(last.learning_rate / 3)} (now ${fmt(last.learning_rate)})`,
        `run fewer epochs per update: \`nEpochs: ${Math.max(1, Math.floor(config.nEpochs / 2))}\` (now ${config.nEpochs})`,
        "set `targetKl: 0.02` to stop an update early",
        `use a larger batch (\`nSteps\` or \`nEnvs\`) so each gradient step is less noisy`,
      ],
      source: "calibrated on the CartPole-v1/Pendulum-v1 presets; no published threshold ([HF-N], [I-bl456])",
    };
  },
};

/**
 * `ratio.not-one`: on the first minibatch of the first epoch the policy has not changed yet, so the probability
 * ratio pi_new/pi_old must be exactly 1 ([ICLR37]: "otherwise there is a bug"). Fires (error) when
 * `first_ratio_dev` = max |ratio - 1| of that minibatch exceeds `ratioTolerance` (1e-3) in at least two of the last
 * `window` updates, including the latest (a bug repeats; float32 rounding is ~1e-7).
 *
 * Causes: the stored actions or observations differ from those the log-probabilities were computed with (e.g.
 * storing clipped continuous actions, [ICLR37] continuous detail 5), observation normalisation applied differently,
 * or parameters changed between the rollout and the update.
 */
export const ratioNotOne: Rule = {
  id: "ratio.not-one",
  check(ctx) {
    const { settings: s } = ctx;
    const rows = tail(ctx.history, s.window);
    const dev = series(rows, "first_ratio_dev");
    const bad = dev.filter((d) => d > s.ratioTolerance).length;
    if (!(dev[dev.length - 1] > s.ratioTolerance) || bad < Math.min(2, ctx.history.length)) return undefined;
    const value = dev[dev.length - 1];
    return {
      severity: "error",
      title: "the probability ratio is not 1 on the first minibatch: rollout and update disagree (a bug)",
      explanation:
        `Before the first gradient step of an update the policy is the one that collected the data, so pi_new/pi_old ` +
        `must be 1 for every sample. Here it is off by up to ${fmt(value)} in ${bad} of the last ${rows.length} ` +
        `updates. The log-probabilities stored during the rollout do not belong to the stored observations and ` +
        `actions, so every PPO update optimises the wrong objective.`,
      evidence: windowEvidence(rows, "first_ratio_dev", dev, value, s.ratioTolerance, "above", `latest update, and ${bad} of the last ${rows.length}`),
      suggestions: [
        "store the unclipped action sample in the rollout buffer and clip only the copy sent to the env",
        "make sure observations are normalised the same way in the rollout and in the update",
        "make sure nothing changes the policy parameters between the rollout and the update",
      ],
      source: "[ICLR37] ratio must be exactly 1 on the first minibatch; tolerance above float32 rounding",
    };
  },
};

/**
 * `grad.spike`: `grad_norm` (pre-clip global norm, mean over the update's minibatches) is more than
 * `gradSpikeFactor` (10) times the median of the (up to) `gradSpikeBaseline` (20) updates before the window, in at
 * least two of the last `window` updates (one spike can be a rare transition; two in a few updates are a pattern).
 * Needs `window` updates of baseline.
 *
 * No source gives a number (ppo-anchors §4.3: nobody logs the pre-clip norm). Calibrated on the seeded presets:
 * the largest ratio of grad_norm to its running median is 2.9 on CartPole-v1 and 2.4 on Pendulum-v1, so 10 is well
 * clear of healthy noise. Gradient clipping at `maxGradNorm` hides the spike from the parameters, but the direction
 * is then dominated by the few samples that caused it.
 */
export const gradSpike: Rule = {
  id: "grad.spike",
  check(ctx) {
    const { settings: s, config } = ctx;
    const h = ctx.history;
    if (h.length < 2 * s.window) return undefined;
    const rows = tail(h, s.window);
    const before = h.slice(Math.max(0, h.length - s.window - s.gradSpikeBaseline), h.length - s.window);
    const base = median(series(before, "grad_norm"));
    const g = series(rows, "grad_norm");
    const threshold = s.gradSpikeFactor * base;
    const spikes = g.filter((x) => x > threshold).length;
    if (!(base > 0) || spikes < 2) return undefined;
    const value = Math.max(...g.filter(Number.isFinite));
    const lr = rows[rows.length - 1].learning_rate;
    return {
      severity: "warning",
      title: `gradient norm spikes to ${fmt(value / base)}x its running median`,
      explanation:
        `The gradient norm before clipping jumped above ${s.gradSpikeFactor}x its median of the ${before.length} ` +
        `updates before (${fmt(base)}) in ${spikes} of updates ${rows[0].update}-${rows[rows.length - 1].update}. ` +
        `Spikes come from a few samples with huge advantages or value errors (rare large rewards, unnormalised ` +
        `observations) or from a learning rate at the edge of stability; gradient clipping (maxGradNorm ` +
        `${config.maxGradNorm}) limits the step, but its direction is then set by those few samples.`,
      evidence: windowEvidence(rows, "grad_norm", g, value, threshold, "above", `largest of the last ${s.window} updates, ${spikes} above ${s.gradSpikeFactor}x the median of the ${before.length} before`, {
        baselineMedian: base,
        spikes,
        maxGradNorm: config.maxGradNorm,
        learningRate: lr,
      }),
      suggestions: [
        !config.normalizeReward ? "set `normalizeReward: true` (rare large rewards are the usual cause)" : "clip large rewards in the env",
        !config.normalizeObservation ? "set `normalizeObservation: true`" : "check the env for rare extreme observations",
        `lower \`learningRate\` to ${fmt(lr / 3)} (now ${fmt(lr)})`,
      ],
      source: "calibrated on the CartPole-v1/Pendulum-v1 presets (ppo-anchors §4.3: pre-clip grad norm is not logged elsewhere)",
    };
  },
};

export const UPDATE_SIZE_RULES: Rule[] = [klExploding, clipHigh, ratioNotOne, gradSpike];
