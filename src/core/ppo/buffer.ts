/**
 * Fixed-length rollout storage for N envs x T steps (The 37 Implementation Details of PPO, core detail 1), as flat
 * time-major typed arrays (index t * nEnvs + e).
 */
export class RolloutBuffer {
  /** `[T * N * obsDim]` normalised observations fed to the policy. */
  readonly observations: Float32Array;
  /** `[T * N * actionDim]` stored (unclipped) actions. */
  readonly actions: Float32Array;
  /** `[T * N]` log pi_old(a|s). */
  readonly logProbs: Float32Array;
  /** `[T * N]` V_old(s). */
  readonly values: Float32Array;
  /** `[T * N]` rewards as the learner sees them (after optional scaling). */
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** `[T * N]` V(real final observation) where truncated. */
  readonly finalValues: Float32Array;
  /** `[T * N * maskDim]` invalid-action masks in force when each action was taken (1 = allowed). */
  readonly masks: Float32Array;

  constructor(
    readonly nSteps: number,
    readonly nEnvs: number,
    readonly obsDim: number,
    readonly actionDim: number,
    readonly maskDim = 0,
  ) {
    const n = nSteps * nEnvs;
    this.observations = new Float32Array(n * obsDim);
    this.actions = new Float32Array(n * actionDim);
    this.logProbs = new Float32Array(n);
    this.values = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.finalValues = new Float32Array(n);
    this.masks = new Float32Array(n * maskDim).fill(1);
  }

  get size(): number {
    return this.nSteps * this.nEnvs;
  }
}
