/**
 * Thresholds of the diagnostics rules: the `diagnostics` object of the PPO config (`config.diagnostics`), its
 * defaults and its JSON schema. Each default says where it comes from: a source key of
 * `shared/reference/ppo-anchors.md` §5, or "calibrated". Calibrated means: full seeded runs of the CartPole-v1
 * (100k steps) and Pendulum-v1 (150k steps) presets were trained with seeds 1 and 2, their metrics.jsonl
 * histories replayed through each rule, and the threshold set with a margin (at least 1.5x, usually 3x or more) beyond
 * the most extreme smoothed value a healthy run reached; the measured values are in each rule's docstring in
 * `rules/*.ts`. `test/diagnostics/healthy.test.ts` keeps the seed-1 runs quiet.
 *
 * No imports: `core/ppo/config.ts` imports this module.
 */

export interface DiagnosticsSettings {
  /** Run the rules after every update. Off: no rule runs; a NaN/Infinity still stops the run and is reported. */
  enabled: boolean;
  /**
   * Updates every windowed rule smooths over: a rule compares the median of its metric over the last `window`
   * updates with its threshold, so one noisy update does not fire it. Default 5.
   */
  window: number;
  /**
   * Updates before the rules about learning progress (value function not learning, entropy stuck at its maximum)
   * may fire: early in a run these conditions are normal. Default 10.
   */
  warmupUpdates: number;
  /**
   * Optimizer steps (epochs run x minibatches, summed over updates) the same rules also wait for, so that runs with
   * small batches and few epochs get as much training before them as the presets. Default 200 (the CartPole-v1
   * preset takes 20 per update, so this is its update 10).
   */
  warmupGradientSteps: number;
  /** `approx_kl` (k3) median above this fires `kl.exploding`. Default 0.05 ([ICLR37] 0.02 rule of thumb; [SPIN-ppo]). */
  klThreshold: number;
  /** With `targetKl` set, the KL threshold is `klTargetFactor * targetKl` instead. Default 5. */
  klTargetFactor: number;
  /** `clip_fraction` median above this fires `clip.high`. Default 0.4 (calibrated; no source gives a number). */
  clipFractionThreshold: number;
  /**
   * Relative entropy (Discrete: H / log n; Gaussian: geometric-mean std / initial std) below this, with returns far
   * from the best seen, fires `entropy.collapsed`. Default 0.05 ([JONES-notes]: "near 0 = collapsed").
   */
  entropyCollapseRatio: number;
  /** A fall of the relative entropy (1 at the start) by more than this within `window` updates fires too. Default 0.5. */
  entropyDropFraction: number;
  /** Relative entropy above this after warm-up fires `entropy.stuck-max`. Default 0.98 ([JONES-notes], [I-sb3-2240]). */
  entropyStuckRatio: number;
  /** `explained_variance` median at or below this after warm-up fires `value.not-learning`. Default 0 ([SB3-utils]). */
  explainedVarianceThreshold: number;
  /** `value_loss` median over its median in the first `window` updates above this fires `value.loss-exploding`. Default 1000. */
  valueLossGrowth: number;
  /**
   * Scale of the value targets (max of |mean| and std of the GAE returns) above this, with `normalizeReward` off,
   * fires `reward.scale`. Default 1000 (calibrated; [RLLIB-old] warns at |episode reward| > 2000).
   */
  returnScaleThreshold: number;
  /** `grad_norm` above this many times its typical value, twice within `window` updates, fires `grad.spike`. Default 20 (calibrated). */
  gradSpikeFactor: number;
  /** Updates in the recent median that `grad.spike` compares with (next to the whole-run median). Default 20. */
  gradSpikeBaseline: number;
  /** `action_saturation` (fraction of continuous action values outside the bounds) median above this. Default 0.5. */
  actionSaturationThreshold: number;
  /** Smallest std below this fraction of the action half-range (or at the `logStdRange` floor) fires `action.std-collapse`. Default 1e-3. */
  stdCollapseRatio: number;
  /** Largest std above this multiple of the action half-range (or at the `logStdRange` ceiling) fires `action.std-blowup`. Default 2. */
  stdBlowupRatio: number;
  /** |ratio - 1| on the first minibatch of an update above this (twice in `window` updates) fires `ratio.not-one`. Default 1e-3 ([ICLR37]). */
  ratioTolerance: number;
  /** Env steps per env copy without one finished episode that fire `signal.no-episodes`. Default 2000. */
  noEpisodeStepsPerEnv: number;
  /** `advantage_std` below this times the reward scale (max(1, |mean|, std) of the raw rewards) fires `signal.zero-advantage`. Default 1e-4 (calibrated). */
  advantageStdMin: number;
  /**
   * GRPO: a median `zero_advantage_fraction` (share of groups whose rollouts all got the same return) at or above this
   * over `window` updates fires `signal.no-learning-signal`. Default 0.9: nine groups in ten teach nothing.
   */
  zeroAdvantageFractionMax: number;
  /** Updates without a new best `ep_rew_mean` (and well below the best episode seen) that fire `return.plateau`. Default 50. */
  plateauUpdates: number;
  /** A drop of `ep_rew_mean` from its best by more than this fraction of its range (best - worst) fires `return.regression`. Default 0.5. */
  regressionFraction: number;
  /** Largest per-dimension RMS of the raw observations above this, with `normalizeObservation` off, fires `obs.scale`. Default 10. */
  obsScaleThreshold: number;
}

export const DEFAULT_DIAGNOSTICS: DiagnosticsSettings = {
  enabled: true,
  window: 5,
  warmupUpdates: 10,
  warmupGradientSteps: 200,
  klThreshold: 0.05,
  klTargetFactor: 5,
  clipFractionThreshold: 0.4,
  entropyCollapseRatio: 0.05,
  entropyDropFraction: 0.5,
  entropyStuckRatio: 0.98,
  explainedVarianceThreshold: 0,
  valueLossGrowth: 1000,
  returnScaleThreshold: 1000,
  gradSpikeFactor: 20,
  gradSpikeBaseline: 20,
  actionSaturationThreshold: 0.5,
  stdCollapseRatio: 1e-3,
  stdBlowupRatio: 2,
  ratioTolerance: 1e-3,
  noEpisodeStepsPerEnv: 2000,
  advantageStdMin: 1e-4,
  zeroAdvantageFractionMax: 0.9,
  plateauUpdates: 50,
  regressionFraction: 0.5,
  obsScaleThreshold: 10,
};

const positive = { type: "number", exclusiveMinimum: 0 };
const fraction = { type: "number", minimum: 0, maximum: 1 };
const count = { type: "integer", minimum: 1 };

/** JSON schema of a (partial) `diagnostics` object; unknown keys are errors, as everywhere in the config. */
export const DIAGNOSTICS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  description: "Diagnostics rules and their thresholds (see the rule docs); omitted keys keep their defaults.",
  properties: {
    enabled: { type: "boolean", description: "Run the diagnostics rules after every update." },
    window: { ...count, description: "Updates each rule smooths over (median)." },
    warmupUpdates: { type: "integer", minimum: 0, description: "Updates before progress rules may fire." },
    warmupGradientSteps: { type: "integer", minimum: 0, description: "Optimizer steps before progress rules may fire." },
    klThreshold: { ...positive, description: "approx_kl above this fires kl.exploding (default 0.05)." },
    klTargetFactor: { ...positive, description: "With targetKl set, the KL threshold is this times targetKl." },
    clipFractionThreshold: { ...fraction, description: "clip_fraction above this fires clip.high." },
    entropyCollapseRatio: { ...fraction, description: "Relative entropy below this fires entropy.collapsed." },
    entropyDropFraction: { ...fraction, description: "A relative-entropy drop (1 = start) by more than this within a window fires entropy.collapsed." },
    entropyStuckRatio: { ...fraction, description: "Relative entropy above this after warm-up fires entropy.stuck-max." },
    explainedVarianceThreshold: { type: "number", maximum: 1, description: "explained_variance at or below this fires value.not-learning." },
    valueLossGrowth: { ...positive, description: "value_loss growth factor that fires value.loss-exploding." },
    returnScaleThreshold: { ...positive, description: "Value-target scale that fires reward.scale when normalizeReward is off." },
    gradSpikeFactor: { ...positive, description: "grad_norm over its typical value that counts as a spike." },
    gradSpikeBaseline: { ...count, description: "Updates in the recent median of grad_norm." },
    actionSaturationThreshold: { ...fraction, description: "action_saturation above this fires action.saturation." },
    stdCollapseRatio: { ...positive, description: "std below this fraction of the action half-range fires action.std-collapse." },
    stdBlowupRatio: { ...positive, description: "std above this multiple of the action half-range fires action.std-blowup." },
    ratioTolerance: { ...positive, description: "|ratio - 1| on the first minibatch above this fires ratio.not-one." },
    noEpisodeStepsPerEnv: { ...count, description: "Steps per env copy without a finished episode that fire signal.no-episodes." },
    advantageStdMin: { ...positive, description: "advantage_std below this (relative to the reward scale) fires signal.zero-advantage." },
    zeroAdvantageFractionMax: { ...fraction, description: "GRPO: a median zero_advantage_fraction at or above this fires signal.no-learning-signal." },
    plateauUpdates: { ...count, description: "Updates without a new best ep_rew_mean that fire return.plateau." },
    regressionFraction: { ...fraction, description: "A drop from the best ep_rew_mean by this fraction of its range fires return.regression." },
    obsScaleThreshold: { ...positive, description: "Raw observation RMS above this fires obs.scale when normalizeObservation is off." },
  },
} as const;

/** The full settings from a partial object (omitted keys take their defaults). */
export function resolveDiagnosticsSettings(partial: Partial<DiagnosticsSettings> | undefined): DiagnosticsSettings {
  return { ...DEFAULT_DIAGNOSTICS, ...(partial ?? {}) };
}
