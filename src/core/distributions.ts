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
  constructor(readonly logits: tf.Tensor2D) {
    this.logp = tf.logSoftmax(logits);
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
