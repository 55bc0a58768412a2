/**
 * Action distributions with one interface (as SB3's `common/distributions.py`): the PPO update never branches on
 * the action-space type.
 */
import * as tf from "@tensorflow/tfjs";

const LOG_2PI = Math.log(2 * Math.PI);

export interface Distribution {
  /** log pi(a|s). @param actions `[B]` (int32 class indices) or `[B, d]` (float32) @returns `[B]` */
  logProb(actions: tf.Tensor): tf.Tensor1D;
  /** Differential/Shannon entropy per sample, nats. @returns `[B]` */
  entropy(): tf.Tensor1D;
  /**
   * A sample drawn from external noise so that every random draw comes from our seeded RNG.
   * @param noise Categorical: uniforms in (0, 1) `[B, n]` (Gumbel-max trick); Gaussian: N(0,1) `[B, d]`.
   * @returns Categorical: `[B]` float class indices; Gaussian: `[B, d]`.
   */
  sampleWithNoise(noise: tf.Tensor2D): tf.Tensor;
  /** The most likely action (argmax / mean), for deterministic evaluation. */
  mode(): tf.Tensor;
}

/**
 * Categorical over n classes from unnormalised logits `[B, n]`.
 * logProb = log_softmax(logits)[a]; entropy = -sum p log p.
 */
export class Categorical implements Distribution {
  readonly logp: tf.Tensor2D;
  readonly logits: tf.Tensor2D;
  /**
   * @param mask optional `[B, n]` of 1 (allowed) / 0 (invalid): invalid actions get logit -1e8 (invalid-action
   *   masking, The 37 Implementation Details of PPO auxiliary detail; sb3-contrib MaskablePPO uses the same -1e8), so
   *   they are never sampled and contribute 0 to the entropy.
   */
  constructor(logits: tf.Tensor2D, mask?: tf.Tensor2D) {
    this.logits = mask ? applyMask(logits, mask) : logits;
    this.logp = tf.logSoftmax(this.logits);
  }
  logProb(actions: tf.Tensor): tf.Tensor1D {
    const n = this.logits.shape[1];
    const oneHot = tf.oneHot(tf.cast(actions.flatten(), "int32"), n);
    return tf.sum(tf.mul(oneHot, this.logp), 1) as tf.Tensor1D;
  }
  entropy(): tf.Tensor1D {
    return tf.neg(tf.sum(tf.mul(tf.exp(this.logp), this.logp), 1)) as tf.Tensor1D;
  }
  /** Gumbel-max: argmax(logits - log(-log u)) is a sample of the categorical (Gumbel 1954; Maddison et al. 2014). */
  sampleWithNoise(uniform: tf.Tensor2D): tf.Tensor1D {
    const gumbel = tf.neg(tf.log(tf.neg(tf.log(uniform))));
    return tf.cast(tf.argMax(tf.add(this.logits, gumbel), 1), "float32") as tf.Tensor1D;
  }
  mode(): tf.Tensor1D {
    return tf.cast(tf.argMax(this.logits, 1), "float32") as tf.Tensor1D;
  }
}

/** logits where mask = 1, -1e8 where mask = 0. Shapes `[B, n]`. */
export function applyMask(logits: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.mul(logits, mask), tf.mul(tf.sub(1, mask), -1e8)) as tf.Tensor2D;
}

/**
 * Independent categoricals over the components of a MultiDiscrete space (The 37 Implementation Details of PPO,
 * MultiDiscrete detail): logits `[B, sum(nvec)]` split per component; log-probs and entropies are summed over
 * components. Actions are `[B, k]` component indices.
 */
export class MultiCategorical implements Distribution {
  readonly parts: Categorical[];
  constructor(
    logits: tf.Tensor2D,
    readonly nvec: readonly number[],
    mask?: tf.Tensor2D,
  ) {
    const logitParts = tf.split(logits, [...nvec], 1) as tf.Tensor2D[];
    const maskParts = mask ? (tf.split(mask, [...nvec], 1) as tf.Tensor2D[]) : undefined;
    this.parts = logitParts.map((l, i) => new Categorical(l, maskParts?.[i]));
  }
  logProb(actions: tf.Tensor): tf.Tensor1D {
    const cols = tf.split(actions.reshape([-1, this.nvec.length]), this.nvec.length, 1);
    return tf.addN(this.parts.map((p, i) => p.logProb(cols[i]))) as tf.Tensor1D;
  }
  entropy(): tf.Tensor1D {
    return tf.addN(this.parts.map((p) => p.entropy())) as tf.Tensor1D;
  }
  sampleWithNoise(uniform: tf.Tensor2D): tf.Tensor2D {
    const noise = tf.split(uniform, [...this.nvec], 1) as tf.Tensor2D[];
    return tf.stack(this.parts.map((p, i) => p.sampleWithNoise(noise[i])), 1) as tf.Tensor2D;
  }
  mode(): tf.Tensor2D {
    return tf.stack(this.parts.map((p) => p.mode()), 1) as tf.Tensor2D;
  }
}

/**
 * Independent Bernoullis over a MultiBinary space (as SB3's `BernoulliDistribution`), from logits `[B, n]`:
 * logProb(a) = sum_i [a_i log sigmoid(l_i) + (1 - a_i) log sigmoid(-l_i)];
 * entropy = -sum_i [p_i log p_i + (1 - p_i) log(1 - p_i)], p = sigmoid(l). Actions `[B, n]` of 0/1.
 */
export class Bernoulli implements Distribution {
  constructor(readonly logits: tf.Tensor2D) {}
  /** log sigmoid(l) = -softplus(-l), and log sigmoid(-l) = -softplus(l) (tf.logSigmoid fails on the wasm backend). */
  private logSig(): [tf.Tensor2D, tf.Tensor2D] {
    return [tf.neg(tf.softplus(tf.neg(this.logits))) as tf.Tensor2D, tf.neg(tf.softplus(this.logits)) as tf.Tensor2D];
  }
  logProb(actions: tf.Tensor): tf.Tensor1D {
    const a = actions.reshape(this.logits.shape);
    const [logP, logQ] = this.logSig();
    const lp = tf.add(tf.mul(a, logP), tf.mul(tf.sub(1, a), logQ));
    return tf.sum(lp, 1) as tf.Tensor1D;
  }
  entropy(): tf.Tensor1D {
    const p = tf.sigmoid(this.logits);
    const [logP, logQ] = this.logSig();
    const h = tf.neg(tf.add(tf.mul(p, logP), tf.mul(tf.sub(1, p), logQ)));
    return tf.sum(h, 1) as tf.Tensor1D;
  }
  /** a_i = 1 when u_i < sigmoid(l_i). */
  sampleWithNoise(uniform: tf.Tensor2D): tf.Tensor2D {
    return tf.cast(tf.less(uniform, tf.sigmoid(this.logits)), "float32") as tf.Tensor2D;
  }
  mode(): tf.Tensor2D {
    return tf.cast(tf.greater(this.logits, 0), "float32") as tf.Tensor2D;
  }
}

/**
 * Diagonal Gaussian N(mean, diag(exp(logStd))^2) with a state-independent log-std (PPO continuous detail 2).
 * logProb(a) = sum_i [ -((a_i - mu_i)^2) / (2 sigma_i^2) - log sigma_i - log(2 pi) / 2 ]  (independent dims summed,
 * continuous detail 3); entropy = sum_i [ 1/2 + log(2 pi)/2 + log sigma_i ].
 * Shapes: mean `[B, d]`, logStd `[d]`.
 */
export class DiagGaussian implements Distribution {
  readonly std: tf.Tensor1D;
  constructor(
    readonly mean: tf.Tensor2D,
    readonly logStd: tf.Tensor1D,
  ) {
    this.std = tf.exp(logStd);
  }
  logProb(actions: tf.Tensor): tf.Tensor1D {
    const z = tf.div(tf.sub(actions, this.mean), this.std);
    const perDim = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(this.logStd, 0.5 * LOG_2PI));
    return tf.sum(perDim, 1) as tf.Tensor1D;
  }
  entropy(): tf.Tensor1D {
    const perSample = tf.sum(tf.add(this.logStd, 0.5 + 0.5 * LOG_2PI));
    return tf.mul(tf.onesLike(tf.slice(this.mean, [0, 0], [-1, 1]).flatten()), perSample) as tf.Tensor1D;
  }
  sampleWithNoise(normal: tf.Tensor2D): tf.Tensor2D {
    return tf.add(this.mean, tf.mul(normal, this.std));
  }
  mode(): tf.Tensor2D {
    return this.mean;
  }
}
