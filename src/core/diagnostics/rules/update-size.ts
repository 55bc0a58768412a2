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
 * Calibration: the largest window median is 0.035 (CartPole-v1 preset, lr 1e-3 and 20 epochs, seed 1), 0.017
 * (CartPole-v1, seed 2) and 0.030 / 0.031 (Pendulum-v1, seeds 1 / 2); single updates reach 0.058.
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
 * over the last `window` updates is above `clipFractionThreshold` (0.4).
 *
 * No source gives a number (ppo-anchors §5: "unverified folklore"); calibrated on the seeded presets: the largest
 * window median is 0.20 / 0.27 on CartPole-v1 (seeds 1 / 2; 20 epochs at lr 1e-3 clip a lot by design) and 0.27 on
 * Pendulum-v1 (seeds 1 and 2), so 0.4 leaves a 1.5x margin. Clip fraction can fall while KL explodes ([I-bl456]), so
 * `kl.exploding` is the stronger guard.
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
    if (!(dev[dev.length - 1] > s.ratioTolerance) || bad < 2) return undefined;
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
 * `gradSpikeFactor` (20) times its typical value in at least two of the last `window` updates (one spike can be a
 * rare transition; two in a few updates are a pattern). The typical value is the larger of the median of the (up to)
 * `gradSpikeBaseline` (20) updates before the window and the median of the whole run before it: a norm that is high
 * only against an unusually quiet stretch is not a spike.
 *
 * No source gives a number (ppo-anchors §4.3: nobody logs the pre-clip norm); calibrated on the presets. CartPole-v1
 * has quiet stretches once it balances (grad_norm ~0.35 while the value fits the returns exactly, seed 2 updates
 * 50-57) followed by norms of 6-21 when episodes fail again: 57x the recent median, but only 6.1x (second largest in a
 * window) against the larger baseline; seed 1 peaks at 5.3x, Pendulum-v1 at 1.0x / 1.1x (seeds 1 / 2). Factor 20 leaves 3x margin, and a
 * reward glitch of 5000 among rewards of 0/1 gives ~500x. Gradient clipping at `maxGradNorm` hides a spike from the
 * parameters, but the step's direction is then set by the few samples that caused it.
 */
export const gradSpike: Rule = {
  id: "grad.spike",
  check(ctx) {
    const { settings: s, config } = ctx;
    const h = ctx.history;
    if (h.length < 2 * s.window) return undefined;
    const rows = tail(h, s.window);
    const earlier = series(h.slice(0, h.length - s.window), "grad_norm");
    const recent = median(earlier.slice(-s.gradSpikeBaseline));
    const base = Math.max(recent, median(earlier));
    const recentCount = Math.min(earlier.length, s.gradSpikeBaseline);
    const g = series(rows, "grad_norm");
    const threshold = s.gradSpikeFactor * base;
    const spikes = g.filter((x) => x > threshold).length;
    if (!(base > 0) || spikes < 2) return undefined;
    const value = Math.max(...g.filter(Number.isFinite));
    const lr = rows[rows.length - 1].learning_rate;
    return {
      severity: "warning",
      title: `the gradient norm spikes to ${fmt(value / base)}x its typical value`,
      explanation:
        `The gradient norm before clipping jumped above ${s.gradSpikeFactor}x its typical value (${fmt(base)}, the ` +
        `larger of its median over the ${recentCount} updates before and over the whole run) in ${spikes} of updates ` +
        `${rows[0].update}-${rows[rows.length - 1].update}. ` +
        `Spikes come from a few samples with huge advantages or value errors (rare large rewards, unnormalised ` +
        `observations) or from a learning rate at the edge of stability; gradient clipping (maxGradNorm ` +
        `${config.maxGradNorm}) limits the step, but its direction is then set by those few samples.`,
      evidence: windowEvidence(rows, "grad_norm", g, value, threshold, "above", `largest of the last ${s.window} updates; ${spikes} of them above ${s.gradSpikeFactor}x the typical value (max of the recent and the run median)`, {
        typicalGradNorm: base,
        recentMedian: recent,
        spikes,
        maxGradNorm: config.maxGradNorm,
        learningRate: lr,
      }),
      suggestions: [
        config.algorithm === "grpo"
          ? config.grpo.scaleByStd ? "clip large rewards in the env" : "set `grpo.scaleByStd: true` (divides each group's advantages by their std)"
          : !config.normalizeReward ? "set `normalizeReward: true` (rare large rewards are the usual cause)" : "clip large rewards in the env",
        !config.normalizeObservation ? "set `normalizeObservation: true`" : "check the env for rare extreme observations",
        `lower \`learningRate\` to ${fmt(lr / 3)} (now ${fmt(lr)})`,
      ],
      source: "calibrated on the CartPole-v1/Pendulum-v1 presets (ppo-anchors §4.3: pre-clip grad norm is not logged elsewhere)",
    };
  },
};

export const UPDATE_SIZE_RULES: Rule[] = [klExploding, clipHigh, ratioNotOne, gradSpike];
