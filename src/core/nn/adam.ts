/**
 * Adam (Kingma & Ba 2015) with PyTorch's update rule, so that `eps` means what it means in SB3/CleanRL:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * PPO uses eps = 1e-5 (The 37 Implementation Details of PPO, core detail 3); TF.js defaults to 1e-7.
 */
import * as tf from "@tensorflow/tfjs";
import type { Param } from "./mlp";

export interface AdamState {
  step: number;
  /** First and second moments by parameter name, row-major. */
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class Adam {
  private t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly params: readonly Param[],
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-5,
  ) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p.variable), false));
  }

  /**
   * Applies one step. `grads[i]` matches `params[i]` in shape; the caller disposes `grads`. An undefined `grads[i]`
   * leaves `params[i]` and its moments untouched (a frozen parameter: GRPO's critic).
   */
  apply(grads: readonly (tf.Tensor | undefined)[], learningRate: number): void {
    this.t += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const bc2 = 1 - Math.pow(this.beta2, this.t);
    const stepSize = learningRate / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    tf.tidy(() => {
      for (let i = 0; i < this.params.length; i++) {
        const g = grads[i];
        if (!g) continue;
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), this.eps);
        this.params[i].variable.assign(tf.sub(this.params[i].variable, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
  }

  getState(): AdamState {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    this.params.forEach((p, i) => {
      m[p.name] = this.m[i].dataSync() as Float32Array;
      v[p.name] = this.v[i].dataSync() as Float32Array;
    });
    return { step: this.t, m, v };
  }

  /** @throws Error when a parameter is missing from `state`. */
  setState(state: AdamState): void {
    this.t = state.step;
    this.params.forEach((p, i) => {
      const m = state.m[p.name];
      const v = state.v[p.name];
      if (!m || !v) throw new Error(`optimizer state has no moments for parameter ${p.name}`);
      this.m[i].assign(tf.tensor(m, p.variable.shape));
      this.v[i].assign(tf.tensor(v, p.variable.shape));
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
