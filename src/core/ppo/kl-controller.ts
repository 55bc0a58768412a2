/**
 * KL penalty coefficients for PPO-penalty and KL-to-reference training.
 *
 * - Fixed: beta never changes (TRL's current `kl_coef`).
 * - Adaptive, the proportional controller of Ziegler et al. 2019 ("Fine-Tuning Language Models from Human
 *   Preferences", section 2.2) as "The N Implementation Details of RLHF with PPO" (Huang, Liu, von Werra 2023)
 *   describes it: `error = clip(KL / target - 1, -0.2, 0.2)`, `beta *= 1 + error * nSteps / horizon`.
 *   The clip bounds one update's change to a factor of 1 +/- 0.2 * nSteps / horizon, so a single huge or zero KL
 *   cannot send beta to infinity or to zero at once.
 */

/** The `klPenalty` config block. */
export interface KlPenaltyConfig {
  /** "off": no penalty; "fixed": constant `coef`; "adaptive": Ziegler et al.'s controller toward `target`. */
  mode: "off" | "fixed" | "adaptive";
  /** Initial (fixed: constant) coefficient beta, >= 0. */
  coef: number;
  /** Target KL per step (nats) of the adaptive controller, > 0. */
  target: number;
  /** Env steps over which the adaptive controller moves beta by up to e^(+/-0.2) (Ziegler et al. use 10,000). */
  horizon: number;
  /**
   * What the KL is measured against. "old": the policy that collected the rollout, as a penalty `beta * KL` in the
   * loss (PPO-penalty, Schulman et al. 2017 section 4; k3 estimator on the sampled actions). "reference": a frozen
   * reference policy (`referencePolicy`), as a per-step reward `-beta * (log pi - log pi_ref)` (RLHF, Ziegler et al.).
   */
  against: "old" | "reference";
}

/** Defaults: off; coef 0.2 (Ziegler et al.'s and TRL's old initial value, 0.15-0.2), target 0.01 nats per step, horizon 10,000. */
export const DEFAULT_KL_PENALTY: KlPenaltyConfig = { mode: "off", coef: 0.2, target: 0.01, horizon: 10_000, against: "old" };

/** JSON schema of the `klPenalty` config block (partial objects are merged over the defaults). */
export const KL_PENALTY_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    mode: { enum: ["off", "fixed", "adaptive"], description: "off, fixed coefficient, or the adaptive controller of Ziegler et al. 2019." },
    coef: { type: "number", minimum: 0, description: "Initial (fixed: constant) KL coefficient beta." },
    target: { type: "number", exclusiveMinimum: 0, description: "Adaptive mode: target KL per step in nats." },
    horizon: { type: "number", exclusiveMinimum: 0, description: "Adaptive mode: env steps over which beta changes by up to 20%." },
    against: { enum: ["old", "reference"], description: "old: penalty in the loss (PPO-penalty); reference: per-step reward penalty against referencePolicy (RLHF)." },
  },
} as const;

/** Smallest and largest coefficient the adaptive controller may reach: keeps beta finite and non-zero forever. */
export const KL_COEF_MIN = 1e-8;
export const KL_COEF_MAX = 1e6;

/**
 * The coefficient beta of a KL penalty and its update rule.
 * @throws RangeError when the config is invalid (negative coef, non-positive target or horizon).
 */
export class KlController {
  private beta: number;

  constructor(readonly config: Pick<KlPenaltyConfig, "mode" | "coef" | "target" | "horizon">) {
    if (!Number.isFinite(config.coef) || config.coef < 0) throw new RangeError(`klPenalty.coef must be a finite number >= 0, got ${config.coef}`);
    if (config.mode === "adaptive") {
      if (!(config.target > 0) || !Number.isFinite(config.target)) throw new RangeError(`klPenalty.target must be > 0, got ${config.target}`);
      if (!(config.horizon > 0) || !Number.isFinite(config.horizon)) throw new RangeError(`klPenalty.horizon must be > 0, got ${config.horizon}`);
    }
    this.beta = config.mode === "off" ? 0 : config.coef;
  }

  /** Current coefficient (0 when the penalty is off). Logged as `kl_coef`. */
  get value(): number {
    return this.beta;
  }

  /**
   * Feeds the KL measured over the last rollout/update and moves beta (adaptive mode only).
   * A non-finite KL leaves beta unchanged (the NaN guard reports it; the controller must not be poisoned by it).
   * @param kl mean KL per step in nats (>= 0; tiny negative estimates are treated as 0)
   * @param nSteps env steps the KL was measured over (Ziegler et al.'s `n_steps`: the batch size)
   * @returns the new coefficient
   */
  update(kl: number, nSteps: number): number {
    if (this.config.mode !== "adaptive" || !Number.isFinite(kl) || !(nSteps > 0)) return this.beta;
    const { target, horizon } = this.config;
    const error = Math.min(0.2, Math.max(-0.2, Math.max(0, kl) / target - 1));
    const next = this.beta * (1 + (error * nSteps) / horizon);
    // With nSteps > 5 * horizon the factor could reach zero or below; keep beta positive and bounded.
    this.beta = Math.min(KL_COEF_MAX, Math.max(KL_COEF_MIN, next));
    return this.beta;
  }

  /** For checkpoints. */
  getState(): { beta: number } {
    return { beta: this.beta };
  }

  /** @throws RangeError when `state.beta` is not a finite number >= 0. */
  setState(state: { beta: number }): void {
    if (!Number.isFinite(state.beta) || state.beta < 0) throw new RangeError(`invalid KL coefficient in checkpoint: ${state.beta}`);
    this.beta = state.beta;
  }
}

/**
 * Per-step KL of the policy to a reference policy from the log-probabilities of the taken actions (the "k1"
 * estimator, as in Ziegler et al. and TRL: `log pi(a|s) - log pi_ref(a|s)`), and the non-score reward the RLHF shape
 * adds to the env reward: `r_t - beta * kl_t`.
 * Shapes: every array `[N]` (one entry per step).
 * @returns `klPerStep[N]` and `nonScoreReward[N] = -beta * klPerStep`
 * @throws RangeError when lengths differ.
 */
export function klPenaltyReward(
  logProbs: ArrayLike<number>,
  refLogProbs: ArrayLike<number>,
  beta: number,
): { klPerStep: Float32Array; nonScoreReward: Float32Array } {
  if (logProbs.length !== refLogProbs.length) {
    throw new RangeError(`klPenaltyReward: ${logProbs.length} log-probs but ${refLogProbs.length} reference log-probs`);
  }
  const n = logProbs.length;
  const klPerStep = new Float32Array(n);
  const nonScoreReward = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    klPerStep[i] = logProbs[i] - refLogProbs[i];
    nonScoreReward[i] = -beta * klPerStep[i];
  }
  return { klPerStep, nonScoreReward };
}
