/** The `grpo` config block: GRPO's settings, defaults and JSON schema (kept apart from grpo.ts so config.ts can import it). */

/** The `grpo` config block. */
export interface GrpoSettings {
  /** Rollouts per group (G), all from the same start state; the vector env has G copies. */
  groupSize: number;
  /** beta of the KL-to-reference term in the loss (DeepSeekMath uses 0.04). */
  klCoef: number;
  /** Divide by the group's std (true, DeepSeekMath) or only subtract its mean (false, Dr. GRPO). */
  scaleByStd: boolean;
  /** Steps after which a rollout that has not ended is an error (GRPO needs episodes that end). */
  maxRolloutSteps: number;
}

export const DEFAULT_GRPO: GrpoSettings = { groupSize: 8, klCoef: 0.04, scaleByStd: true, maxRolloutSteps: 10_000 };

/** JSON schema of the `grpo` config block (merged key by key over the defaults). */
export const GRPO_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    groupSize: { type: "integer", minimum: 2, maximum: 1024, description: "Rollouts per group, all from the same start state (the run uses this many env copies)." },
    klCoef: { type: "number", minimum: 0, description: "beta of the KL-to-reference term in the GRPO loss." },
    scaleByStd: { type: "boolean", description: "Divide group advantages by the group's std (false: mean baseline only)." },
    maxRolloutSteps: { type: "integer", minimum: 1, description: "A GRPO rollout longer than this is an error (set maxEpisodeSteps)." },
  },
} as const;

