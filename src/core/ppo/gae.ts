/**
 * Generalized Advantage Estimation with correct handling of terminated and truncated episodes.
 */

export interface GaeInput {
  nSteps: number;
  nEnvs: number;
  /** `[nSteps * nEnvs]`, time-major (index t * nEnvs + e): reward of the transition taken at step t. */
  rewards: ArrayLike<number>;
  /** `[nSteps * nEnvs]` V(s_t) from the rollout. */
  values: ArrayLike<number>;
  /** `[nSteps * nEnvs]` 1 where the transition at t ended the episode in a true end state. */
  terminated: ArrayLike<number>;
  /** `[nSteps * nEnvs]` 1 where the episode was cut at t (time limit). Terminated wins when both are set. */
  truncated: ArrayLike<number>;
  /** `[nSteps * nEnvs]` V(real final observation) where truncated; ignored elsewhere. */
  finalValues: ArrayLike<number>;
  /** `[nEnvs]` V(s_T) of the observation after the last step (bootstrap of unfinished episodes). */
  lastValues: ArrayLike<number>;
  gamma: number;
  gaeLambda: number;
}

/**
 * GAE(gamma, lambda) (Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized Advantage
 * Estimation", eq. 16), computed backwards:
 *   delta_t = r_t + gamma * V_next * (1 - terminated_t) - V(s_t)
 *   A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
 * where V_next = V(real final observation) if truncated_t, else V(s_{t+1}) (or `lastValues` at t = T-1), and
 * done_t = terminated_t or truncated_t cuts the recursion at episode boundaries. Returns (value targets) are
 * A_t + V(s_t), i.e. TD(lambda) returns (The 37 Implementation Details of PPO, core detail 5). Unlike CleanRL and
 * like SB3, truncation bootstraps from V(final observation).
 *
 * @returns advantages and returns, `[nSteps * nEnvs]` float32, time-major.
 */
export function computeGae(input: GaeInput): { advantages: Float32Array; returns: Float32Array } {
  const { nSteps, nEnvs, rewards, values, terminated, truncated, finalValues, lastValues, gamma, gaeLambda } = input;
  const size = nSteps * nEnvs;
  const advantages = new Float32Array(size);
  const returns = new Float32Array(size);
  for (let e = 0; e < nEnvs; e++) {
    let nextAdvantage = 0;
    for (let t = nSteps - 1; t >= 0; t--) {
      const i = t * nEnvs + e;
      const term = terminated[i] !== 0;
      const trunc = !term && truncated[i] !== 0;
      let nextValue: number;
      if (term) nextValue = 0;
      else if (trunc) nextValue = finalValues[i];
      else nextValue = t === nSteps - 1 ? lastValues[e] : values[i + nEnvs];
      const delta = rewards[i] + gamma * nextValue - values[i];
      const carry = term || trunc ? 0 : gamma * gaeLambda * nextAdvantage;
      const adv = delta + carry;
      advantages[i] = adv;
      returns[i] = adv + values[i];
      nextAdvantage = adv;
    }
  }
  return { advantages, returns };
}
