/**
 * A multilayer perceptron over TF.js variables, `x @ W + b` per layer.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../rng";
import { orthogonal, uniformFanIn } from "./init";

export type Activation = "tanh" | "relu";

let instanceCounter = 0;

/** One named trainable parameter; `name` is stable across runs (used in checkpoints). */
export interface Param {
  name: string;
  variable: tf.Variable;
}

/**
 * MLP with hidden activations and a linear output.
 *
 * Shapes: input `[B, inputDim]` -> output `[B, outputDim]`.
 * Init (The 37 Implementation Details of PPO, core detail 2): orthogonal with gain sqrt(2) on hidden layers and
 * `outputGain` on the last layer, zero biases; or PyTorch's default when `ortho` is false.
 */
export class Mlp {
  readonly params: Param[] = [];
  private readonly layers: { w: tf.Variable; b: tf.Variable }[] = [];

  constructor(
    readonly name: string,
    readonly inputDim: number,
    readonly hidden: readonly number[],
    readonly outputDim: number,
    readonly activation: Activation,
    outputGain: number,
    ortho: boolean,
    rng: Rng,
  ) {
    const uid = ++instanceCounter;
    const sizes = [inputDim, ...hidden, outputDim];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const last = l + 2 === sizes.length;
      const gain = last ? outputGain : Math.SQRT2;
      const wData = ortho ? orthogonal(sizes[l], sizes[l + 1], gain, rng) : uniformFanIn(sizes[l], sizes[l + 1], rng);
      const w = tf.variable(tf.tensor2d(wData, [sizes[l], sizes[l + 1]]), true, `${name}/${l}/kernel#${uid}`);
      const b = tf.variable(tf.zeros([sizes[l + 1]]), true, `${name}/${l}/bias#${uid}`);
      this.layers.push({ w, b });
      this.params.push({ name: `${name}/${l}/kernel`, variable: w }, { name: `${name}/${l}/bias`, variable: b });
    }
  }

  /** @param x `[B, inputDim]` @returns `[B, outputDim]` */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h: tf.Tensor2D = x;
    for (let l = 0; l < this.layers.length; l++) {
      const { w, b } = this.layers[l];
      h = tf.add(tf.matMul(h, w), b);
      if (l + 1 < this.layers.length) h = this.activation === "tanh" ? tf.tanh(h) : tf.relu(h);
    }
    return h;
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
  }
}
