/**
 * A multilayer perceptron over one flat float32 parameter vector, with a hand-written forward and backward pass:
 * the `js` compute engine. No tensors, no per-call allocation: every buffer is sized once for the largest batch, and
 * the matrix products run in the WebAssembly SIMD kernel of kernels.ts.
 *
 * Layout per layer l (input `[B, n_l]`, output `[B, n_{l+1}]`): kernel `W_l` `[n_l, n_{l+1}]` row-major (used as
 * `x @ W`, as the TF.js layers and the checkpoint manifest store it), then bias `b_l` `[n_{l+1}]`.
 * The kernel's innermost loop walks output features, contiguous in memory.
 */
import type { Heap } from "./kernels";
import type { Activation } from "./mlp";

/** Where one layer's kernel and bias live, as offsets into the flat parameter vector. */
export interface FlatLayer {
  inDim: number;
  outDim: number;
  /** Offset of `W` `[inDim, outDim]`. */
  w: number;
  /** Offset of `b` `[outDim]`. */
  b: number;
}

/**
 * An MLP whose parameters are the slice `[offset, offset + size)` of a flat vector that lives in a {@link Heap}
 * (at heap offset `paramBase`, its gradient at `gradBase`). Hidden layers use `activation`; the output is linear.
 * All arguments and results are heap offsets (floats), so nothing is copied or allocated per call.
 */
export class FlatMlp {
  readonly layers: FlatLayer[] = [];
  /** Number of parameters. */
  readonly size: number;
  /** Heap offsets of the outputs per layer of the last forward pass, `[capacity * outDim]` each. */
  private acts: number[] = [];
  /** Heap offsets of dL/d(layer output) scratch, `[capacity * outDim]` each. */
  private deltas: number[] = [];
  /** Heap offsets of W^T scratch `[outDim, inDim]` per layer (backward pass). */
  private readonly transposed: number[];
  /** Rows the buffers hold; a larger batch allocates larger ones. */
  private capacity = 0;

  /**
   * @param offset first index of this network's parameters in the flat vector
   * @param maxBatch largest batch expected (buffers are preallocated for it and grow if a call needs more)
   */
  constructor(
    readonly heap: Heap,
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
    this.transposed = this.layers.map((l) => heap.alloc(l.inDim * l.outDim));
    this.reserve(maxBatch);
  }

  /** Makes the internal buffers hold at least `batch` rows (may grow the heap: re-read `heap.f32` after). */
  reserve(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    this.acts = this.layers.map((l) => this.heap.alloc(batch * l.outDim));
    this.deltas = this.layers.map((l) => this.heap.alloc(batch * l.outDim));
  }

  /**
   * Forward pass `h_{l+1} = act(h_l @ W_l + b_l)`, linear last layer.
   * @param paramBase heap offset of the flat parameter vector @param x heap offset of `[batch, inputDim]`
   * @returns the heap offset of the output `[batch, outputDim]`, valid until the next call
   */
  forward(paramBase: number, x: number, batch: number): number {
    this.reserve(batch);
    const heap = this.heap;
    const tanh = this.activation === "tanh";
    const last = this.layers.length - 1;
    let input = x;
    for (let l = 0; l <= last; l++) {
      const { inDim, outDim, w, b } = this.layers[l];
      const out = this.acts[l];
      const h = heap.f32;
      heap.rowsSet(out, paramBase + b, batch, outDim);
      heap.gemm(input, inDim, 1, paramBase + w, out, batch, inDim, outDim);
      if (l < last) {
        const end = out + batch * outDim;
        if (tanh) heap.tanh(out, batch * outDim);
        else for (let q = out; q < end; q++) if (h[q] < 0) h[q] = 0;
      }
      input = out;
    }
    return this.acts[last];
  }

  /**
   * Backward pass of the last `forward(paramBase, x, batch)`: accumulates dL/dW and dL/db into the gradient vector
   * at `gradBase` (same layout as the parameters). The input gradient is not computed.
   * @param dOut heap offset of `[batch, outputDim]` dL/d(output)
   */
  backward(paramBase: number, gradBase: number, x: number, batch: number, dOut: number): void {
    const heap = this.heap;
    const h = heap.f32;
    const tanh = this.activation === "tanh";
    const last = this.layers.length - 1;
    let delta = dOut;
    for (let l = last; l >= 0; l--) {
      const { inDim, outDim, w, b } = this.layers[l];
      const input = l === 0 ? x : this.acts[l - 1];
      // db += sum_rows delta;  dW += h_in^T delta
      heap.rowsSumAcc(gradBase + b, delta, batch, outDim);
      heap.gemm(input, 1, inDim, delta, gradBase + w, inDim, batch, outDim);
      if (l === 0) break;
      // delta_in = (delta @ W^T) * act'(h_in)
      const wt = this.transposed[l];
      const wb = paramBase + w;
      for (let k = 0; k < inDim; k++) for (let j = 0; j < outDim; j++) h[wt + j * inDim + k] = h[wb + k * outDim + j];
      const dIn = this.deltas[l - 1];
      h.fill(0, dIn, dIn + batch * inDim);
      heap.gemm(delta, outDim, 1, wt, dIn, batch, outDim, inDim);
      const end = dIn + batch * inDim;
      if (tanh) {
        heap.tanhBackward(dIn, input, batch * inDim);
      } else {
        for (let q = dIn, r = input; q < end; q++, r++) if (!(h[r] > 0)) h[q] = 0;
      }
      delta = dIn;
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

  /**
   * One step: `params -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. `grads` is `[size]`.
   * @param frozen a range `[start, end)` of parameters to leave untouched, moments included (GRPO's critic)
   */
  apply(params: Float32Array, grads: Float32Array, learningRate: number, frozen?: readonly [number, number]): void {
    this.step += 1;
    const stepSize = learningRate / (1 - Math.pow(this.beta1, this.step));
    const sqrtBc2 = Math.sqrt(1 - Math.pow(this.beta2, this.step));
    if (!frozen) {
      this.applyRange(params, grads, stepSize, sqrtBc2, 0, this.size);
      return;
    }
    this.applyRange(params, grads, stepSize, sqrtBc2, 0, frozen[0]);
    this.applyRange(params, grads, stepSize, sqrtBc2, frozen[1], this.size);
  }

  /** The update of {@link apply} on parameters `[from, to)`. */
  private applyRange(params: Float32Array, grads: Float32Array, stepSize: number, sqrtBc2: number, from: number, to: number): void {
    const { m, v, eps, beta1: b1, beta2: b2 } = this;
    for (let i = from; i < to; i++) {
      const g = grads[i];
      const mi = (m[i] = b1 * m[i] + (1 - b1) * g);
      const vi = (v[i] = b2 * v[i] + (1 - b2) * g * g);
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    }
  }
}
