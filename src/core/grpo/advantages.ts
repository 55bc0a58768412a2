/**
 * GRPO's critic-free advantage (Shao et al. 2024, "DeepSeekMath", section 4.1.2, outcome supervision): G rollouts
 * start from the same state; each rollout's return R_i is normalised within its group,
 *   A_i = (R_i - mean(R_1..R_G)) / (std(R_1..R_G) + eps),
 * and every step of rollout i gets A_i. The standard deviation is the unbiased one (as `torch.std` in TRL's
 * GRPOTrainer); eps = 1e-4 as there.
 */

/** Numerical floor of the group standard deviation. */
export const GRPO_STD_EPS = 1e-4;

/** Result of normalising the returns of several groups. */
export interface GroupAdvantages {
  /** `[nGroups * groupSize]`: one advantage per rollout, in the order the returns were given. */
  advantages: Float32Array;
  /**
   * Share of groups whose rollouts all got the same return (|R_i - mean| <= 1e-8 * max(1, |mean|) for all i): their
   * advantages are all zero, so they carry no learning signal (the failure mode ZPPO addresses).
   */
  zeroAdvantageFraction: number;
  /** Mean and (unbiased) standard deviation of each group's returns, `[nGroups]`. */
  groupMean: Float32Array;
  groupStd: Float32Array;
}

/**
 * Group-normalised advantages of `returns`, laid out group-major: rollout j of group g is `returns[g * groupSize + j]`.
 * @param returns `[nGroups * groupSize]` finite returns
 * @param groupSize G >= 2 (a group of one has no baseline)
 * @param scaleByStd divide by the group std (default true); false keeps only the mean baseline (Dr. GRPO's variant)
 * @throws RangeError when G < 2, the length is not a multiple of G, or a return is not finite.
 */
export function groupAdvantages(returns: ArrayLike<number>, groupSize: number, scaleByStd = true): GroupAdvantages {
  if (!Number.isInteger(groupSize) || groupSize < 2) throw new RangeError(`GRPO group size must be an integer >= 2, got ${groupSize}`);
  if (returns.length % groupSize !== 0) {
    throw new RangeError(`GRPO: ${returns.length} returns is not a whole number of groups of ${groupSize}`);
  }
  const nGroups = returns.length / groupSize;
  const advantages = new Float32Array(returns.length);
  const groupMean = new Float32Array(nGroups);
  const groupStd = new Float32Array(nGroups);
  let zeroGroups = 0;
  for (let g = 0; g < nGroups; g++) {
    const o = g * groupSize;
    let mean = 0;
    for (let j = 0; j < groupSize; j++) {
      const r = returns[o + j];
      if (!Number.isFinite(r)) throw new RangeError(`GRPO: return ${o + j} (group ${g}) is ${r}; returns must be finite`);
      mean += r;
    }
    mean /= groupSize;
    let ss = 0;
    let maxDev = 0;
    for (let j = 0; j < groupSize; j++) {
      const dev = returns[o + j] - mean;
      ss += dev * dev;
      maxDev = Math.max(maxDev, Math.abs(dev));
    }
    const std = Math.sqrt(ss / (groupSize - 1));
    groupMean[g] = mean;
    groupStd[g] = std;
    const flat = maxDev <= 1e-8 * Math.max(1, Math.abs(mean));
    if (flat) zeroGroups++;
    for (let j = 0; j < groupSize; j++) {
      const dev = flat ? 0 : returns[o + j] - mean;
      advantages[o + j] = scaleByStd ? dev / (std + GRPO_STD_EPS) : dev;
    }
  }
  return { advantages, zeroAdvantageFraction: nGroups > 0 ? zeroGroups / nGroups : NaN, groupMean, groupStd };
}

/**
 * Spreads each rollout's advantage over its steps: `stepAdvantages[t]` = advantage of the rollout step t belongs to.
 * @param rolloutAdvantages `[nRollouts]`
 * @param lengths `[nRollouts]` steps per rollout (>= 1)
 * @returns `[sum(lengths)]`, rollouts concatenated in order
 * @throws RangeError when the two arrays differ in length or a length is not a positive integer.
 */
export function broadcastToSteps(rolloutAdvantages: ArrayLike<number>, lengths: ArrayLike<number>): Float32Array {
  if (rolloutAdvantages.length !== lengths.length) {
    throw new RangeError(`broadcastToSteps: ${rolloutAdvantages.length} advantages but ${lengths.length} lengths`);
  }
  let total = 0;
  for (let i = 0; i < lengths.length; i++) {
    if (!Number.isInteger(lengths[i]) || lengths[i] < 1) throw new RangeError(`broadcastToSteps: rollout ${i} has length ${lengths[i]}`);
    total += lengths[i];
  }
  const out = new Float32Array(total);
  let o = 0;
  for (let i = 0; i < lengths.length; i++) {
    out.fill(rolloutAdvantages[i], o, o + lengths[i]);
    o += lengths[i];
  }
  return out;
}
