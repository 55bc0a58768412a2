/**
 * Running statistics for observation normalisation and return-based reward scaling (SB3 `VecNormalize`; The 37
 * Implementation Details of PPO, continuous details 6-9), and per-batch reward whitening (RLHF).
 */

/**
 * Running mean and variance over batches, merged with the parallel algorithm of Chan et al. (1979), as SB3's
 * `RunningMeanStd` (initial count 1e-4).
 */
export class RunningMeanStd {
  mean: Float64Array;
  var: Float64Array;
  count = 1e-4;
  constructor(readonly dim: number) {
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
  }
  /** @param x `[batch * dim]` row-major */
  update(x: ArrayLike<number>, batch: number): void {
    const d = this.dim;
    const bMean = new Float64Array(d);
    const bVar = new Float64Array(d);
    for (let i = 0; i < batch; i++) for (let j = 0; j < d; j++) bMean[j] += x[i * d + j];
    for (let j = 0; j < d; j++) bMean[j] /= batch;
    for (let i = 0; i < batch; i++)
      for (let j = 0; j < d; j++) {
        const z = x[i * d + j] - bMean[j];
        bVar[j] += z * z;
      }
    for (let j = 0; j < d; j++) bVar[j] /= batch;
    const total = this.count + batch;
    for (let j = 0; j < d; j++) {
      const delta = bMean[j] - this.mean[j];
      const m2 = this.var[j] * this.count + bVar[j] * batch + (delta * delta * this.count * batch) / total;
      this.mean[j] += (delta * batch) / total;
      this.var[j] = m2 / total;
    }
    this.count = total;
  }
  toJSON(): { mean: number[]; var: number[]; count: number } {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }
  /** @throws Error when the saved statistics have another dimension. */
  load(s: { mean: number[]; var: number[]; count: number }): void {
    if (s.mean.length !== this.dim || s.var.length !== this.dim) {
      throw new Error(`normalisation statistics have dimension ${s.mean.length}, expected ${this.dim}`);
    }
    this.mean = Float64Array.from(s.mean);
    this.var = Float64Array.from(s.var);
    this.count = s.count;
  }
}

/** Observation normalisation: clip((x - mean) / sqrt(var + eps), -clip, clip). */
export class ObservationNormalizer {
  readonly rms: RunningMeanStd;
  constructor(
    readonly dim: number,
    readonly clip = 10,
    readonly epsilon = 1e-8,
  ) {
    this.rms = new RunningMeanStd(dim);
  }
  /** Normalises `[batch * dim]` in place into `out` (may be `x`). */
  normalize(x: ArrayLike<number>, batch: number, out: Float32Array): Float32Array {
    const d = this.dim;
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < d; j++) {
        const v = (x[i * d + j] - this.rms.mean[j]) / Math.sqrt(this.rms.var[j] + this.epsilon);
        out[i * d + j] = v > this.clip ? this.clip : v < -this.clip ? -this.clip : v;
      }
    }
    return out;
  }
}

/**
 * Reward scaling by the running std of the discounted return (Engstrom et al. 2020, "Implementation Matters in Deep
 * Policy Gradients"; SB3 `VecNormalize(norm_reward=True)`): ret_e = gamma * ret_e + r_e; r / sqrt(Var[ret] + eps),
 * clipped to +-clip; ret_e resets when the episode of env e ends.
 */
export class RewardScaler {
  readonly rms = new RunningMeanStd(1);
  private readonly returns: Float64Array;
  constructor(
    readonly nEnvs: number,
    readonly gamma: number,
    readonly clip = 10,
    readonly epsilon = 1e-8,
  ) {
    this.returns = new Float64Array(nEnvs);
  }
  /**
   * Updates the statistics with one vector step and returns the scaled rewards.
   * @param rewards `[nEnvs]` raw @param dones `[nEnvs]` 1 where the episode ended at this step
   */
  scale(rewards: ArrayLike<number>, dones: ArrayLike<number>, update: boolean): Float32Array {
    if (update) {
      for (let e = 0; e < this.nEnvs; e++) this.returns[e] = this.returns[e] * this.gamma + rewards[e];
      this.rms.update(this.returns, this.nEnvs);
    }
    const std = Math.sqrt(this.rms.var[0] + this.epsilon);
    const out = new Float32Array(this.nEnvs);
    for (let e = 0; e < this.nEnvs; e++) {
      const v = rewards[e] / std;
      out[e] = v > this.clip ? this.clip : v < -this.clip ? -this.clip : v;
      if (dones[e]) this.returns[e] = 0;
    }
    return out;
  }
  get returnState(): number[] {
    return Array.from(this.returns);
  }
}

/**
 * Reward whitening without a mean shift ("The N Implementation Details of RLHF with PPO": per-batch
 * `whiten(rewards, shift_mean=False)`): divides by the standard deviation only, so the sign of every reward is kept.
 *
 * Guard (ours, not in the reference): the divisor is max(std, |mean|). In RLHF the rewards are mostly a small KL
 * penalty around 0 with a score at the episode's end, so |mean| <= std and this is the reference's std. A batch
 * dominated by a constant offset (CartPole's 1 per step plus a small KL penalty: std ~0.01) would otherwise be
 * multiplied by |mean| / std (~100x), inflating the value targets and value_loss by that factor squared; with the
 * floor such a batch keeps a scale of about 1.
 * @param rewards `[N]`; returns a new array. An all-zero batch is returned unchanged.
 */
export function whitenRewards(rewards: ArrayLike<number>): Float32Array {
  const n = rewards.length;
  const out = Float32Array.from(rewards);
  if (n < 2) return out;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += rewards[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (rewards[i] - mean) ** 2;
  const std = Math.sqrt(v / (n - 1));
  const scale = Math.max(std, Math.abs(mean));
  if (!(scale > 1e-8)) return out;
  for (let i = 0; i < n; i++) out[i] = rewards[i] / (scale + 1e-8);
  return out;
}
