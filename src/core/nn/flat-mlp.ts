/**
 * A multilayer perceptron over one flat Float32Array of parameters, with a hand-written forward and backward pass:
 * the `js` compute engine. No tensors, no per-call allocation: every buffer is sized once for the largest batch.
 *
 * Layout per layer l (input `[B, n_l]`, output `[B, n_{l+1}]`): kernel `W_l` `[n_l, n_{l+1}]` row-major (used as
 * `x @ W`, as the TF.js layers and the checkpoint manifest store it), then bias `b_l` `[n_{l+1}]`.
 * Loops are i-k-j (row of the batch, input feature, output feature) so the innermost loop walks contiguous memory.
 */
import type { Activation } from "./mlp";

/** Where one layer's kernel and bias live in the flat parameter vector. */
export interface FlatLayer {
  inDim: number;
  outDim: number;
  /** Offset of `W` `[inDim, outDim]`. */
  w: number;
  /** Offset of `b` `[outDim]`. */
  b: number;
}

/**
 * An MLP whose parameters are the slice `[offset, offset + size)` of a shared flat vector.
 * Hidden layers use `activation`; the output layer is linear.
 */
export class FlatMlp {
  readonly layers: FlatLayer[] = [];
  /** Number of parameters. */
  readonly size: number;
  /** Post-activation outputs per layer for the last forward pass, `[maxBatch * outDim]` each (the last is linear). */
  private acts: Float32Array[] = [];
  /** Gradient scratch per layer output, `[maxBatch * outDim]`. */
  private deltas: Float32Array[] = [];
  /** Rows the buffers hold; a larger batch grows them once (the rollout and the update use fixed sizes). */
  private capacity = 0;

  /**
   * @param offset first index of this network's parameters in the flat vector
   * @param maxBatch largest batch expected (buffers are preallocated for it and grow if a call needs more)
   */
  constructor(
    readonly inputDim: number,
    readonly hidden: readonly number[],
    readonly outputDim: number,
    readonly activation: Activation,
    readonly offset: number,
    maxBatch: number,
  ) {
    const sizes = [inputDim, ...hidden, outputDim];
    let at = offset;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const layer = { inDim: sizes[l], outDim: sizes[l + 1], w: at, b: at + sizes[l] * sizes[l + 1] };
      at = layer.b + sizes[l + 1];
      this.layers.push(layer);
    }
    this.size = at - offset;
    this.reserve(maxBatch);
  }

  /** Makes the internal buffers hold at least `batch` rows. */
  reserve(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    this.acts = this.layers.map((l) => new Float32Array(batch * l.outDim));
    this.deltas = this.layers.map((l) => new Float32Array(batch * l.outDim));
  }

  /**
   * Forward pass `h_{l+1} = act(h_l @ W_l + b_l)`, linear last layer.
   * @param params the flat parameter vector @param x `[batch * inputDim]` row-major
   * @returns a view `[batch * outputDim]` into an internal buffer, valid until the next call
   */
  forward(params: Float32Array, x: Float32Array, batch: number): Float32Array {
    this.reserve(batch);
    const tanh = this.activation === "tanh";
    let input = x;
    const last = this.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const { inDim, outDim, w, b } = this.layers[l];
      const out = this.acts[l];
      for (let i = 0; i < batch; i++) {
        const o = i * outDim;
        for (let j = 0; j < outDim; j++) out[o + j] = params[b + j];
        const xi = i * inDim;
        for (let k = 0; k < inDim; k++) {
          const a = input[xi + k];
          if (a === 0) continue;
          const wk = w + k * outDim;
          for (let j = 0; j < outDim; j++) out[o + j] += a * params[wk + j];
        }
        if (l < last) {
          if (tanh) for (let j = 0; j < outDim; j++) out[o + j] = Math.tanh(out[o + j]);
          else for (let j = 0; j < outDim; j++) if (out[o + j] < 0) out[o + j] = 0;
        }
      }
      input = out;
    }
    return this.acts[last].subarray(0, batch * this.outputDim);
  }

  /**
   * Backward pass of the last `forward(params, x, batch)`: accumulates dL/dW and dL/db into `grads` (same layout
   * as `params`). The input gradient is not computed (observations are not trained).
   * @param dOut `[batch * outputDim]` dL/d(output)
   */
  backward(params: Float32Array, grads: Float32Array, x: Float32Array, batch: number, dOut: Float32Array): void {
    const tanh = this.activation === "tanh";
    const last = this.layers.length - 1;
    this.deltas[last].set(dOut.subarray(0, batch * this.outputDim));
    for (let l = last; l >= 0; l--) {
      const { inDim, outDim, w, b } = this.layers[l];
      const delta = this.deltas[l];
      const input = l === 0 ? x : this.acts[l - 1];
      // dW += h_in^T delta, db += sum_rows delta
      for (let i = 0; i < batch; i++) {
        const o = i * outDim;
        for (let j = 0; j < outDim; j++) grads[b + j] += delta[o + j];
        const xi = i * inDim;
        for (let k = 0; k < inDim; k++) {
          const a = input[xi + k];
          if (a === 0) continue;
          const wk = w + k * outDim;
          for (let j = 0; j < outDim; j++) grads[wk + j] += a * delta[o + j];
        }
      }
      if (l === 0) break;
      // delta_in = (delta @ W^T) * act'(h_in)
      const dIn = this.deltas[l - 1];
      for (let i = 0; i < batch; i++) {
        const o = i * outDim;
        const xi = i * inDim;
        for (let k = 0; k < inDim; k++) {
          const wk = w + k * outDim;
          let s = 0;
          for (let j = 0; j < outDim; j++) s += delta[o + j] * params[wk + j];
          const h = input[xi + k];
          dIn[xi + k] = tanh ? s * (1 - h * h) : h > 0 ? s : 0;
        }
      }
    }
  }
}

/**
 * Adam over one flat parameter vector with PyTorch's update rule (see adam.ts for the equations; eps = 1e-5 for
 * PPO, The 37 Implementation Details of PPO core detail 3).
 */
export class FlatAdam {
  step = 0;
  readonly m: Float32Array;
  readonly v: Float32Array;

  constructor(
    readonly size: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-5,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** One step: `params -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. `grads` is `[size]`. */
  apply(params: Float32Array, grads: Float32Array, learningRate: number): void {
    this.step += 1;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const stepSize = learningRate / (1 - Math.pow(b1, this.step));
    const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, this.step));
    const { m, v, eps } = this;
    for (let i = 0; i < this.size; i++) {
      const g = grads[i];
      const mi = (m[i] = b1 * m[i] + (1 - b1) * g);
      const vi = (v[i] = b2 * v[i] + (1 - b2) * g * g);
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    }
  }
}
