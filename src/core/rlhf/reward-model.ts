/**
 * A reward model learned from pairwise preferences between episodes (Christiano et al. 2017, "Deep Reinforcement
 * Learning from Human Preferences", section 2.2.3): r_hat(s, a) is an MLP over the step's features; an episode's
 * predicted return is the sum of r_hat over its steps, and the probability that episode A is preferred to B is the
 * Bradley-Terry model
 *   P(A > B) = exp(R_A) / (exp(R_A) + exp(R_B)) = sigmoid(R_A - R_B).
 * The loss is the cross-entropy against the rater's label (1: A better, 0: B better, 0.5: "same"; "can't tell" pairs
 * are not used):  L = label * softplus(R_B - R_A) + (1 - label) * softplus(R_A - R_B).
 * After training, per-step rewards are scaled to std 1 over the training steps ("The N Implementation Details of RLHF
 * with PPO": normalise the reward model's output), so PPO sees a well-scaled reward. The mean is not shifted by default:
 * with episodes of different lengths, subtracting a per-step mean m changes an episode's predicted return by T * m, which
 * can reverse the learned order of a long and a short episode and turns a "stay alive" reward into a penalty for living
 * (`centerReward: true` shifts it anyway, for fixed-length tasks).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng";
import { orthogonal } from "../nn/init";

/** One episode as the reward model sees it: `features[T * featureDim]`, one row per step. */
export interface FeatureEpisode {
  features: Float32Array;
  length: number;
}

/** One rated pair: indices into the episode list and the rater's label (1: a better, 0: b better, 0.5: same). */
export interface PreferencePair {
  a: number;
  b: number;
  label: 1 | 0 | 0.5;
}

export interface RewardModelOptions {
  /** Hidden layer sizes (default [64, 64], tanh). */
  hidden?: number[];
  learningRate?: number;
  epochs?: number;
  /** Pairs per gradient step. */
  batchPairs?: number;
  /** Share of the pairs held out to measure accuracy (0..0.9, default 0.25). */
  validationFraction?: number;
  seed?: number;
  /** L2 weight decay on the kernels (Christiano et al. regularise the predictor). */
  weightDecay?: number;
  /** Also shift per-step rewards to mean 0 (default false: scale only; see the file header). */
  centerReward?: boolean;
}

/** What training reports. */
export interface RewardModelReport {
  trainPairs: number;
  validationPairs: number;
  /** Mean Bradley-Terry loss per epoch on the training pairs. */
  trainLoss: number[];
  /** Share of held-out strict pairs (label 0 or 1) whose predicted order matches the label; NaN when there are none. */
  validationAccuracy: number;
  /** Same on the training pairs. */
  trainAccuracy: number;
}

/** A trained reward model as plain numbers: tanh MLP layers (`w` row-major `[rows, cols]`) and normalisation. */
export interface RewardModelSnapshot {
  featureDim: number;
  layers: { rows: number; cols: number; w: number[]; b: number[] }[];
  inputMean: number[];
  inputStd: number[];
  outMean: number;
  outStd: number;
}

/**
 * A plain-JS per-step reward function from a snapshot: `features[featureDim]` -> normalised reward. Same maths as
 * {@link RewardModel.reward} (tanh hidden layers, linear output), no tensors.
 * @throws RangeError when the snapshot's layer sizes do not chain or a feature row has the wrong length.
 */
export function rewardFunction(snap: RewardModelSnapshot): (features: ArrayLike<number>) => number {
  let width = snap.featureDim;
  for (const [i, l] of snap.layers.entries()) {
    if (l.rows !== width || l.w.length !== l.rows * l.cols || l.b.length !== l.cols) {
      throw new RangeError(`reward model snapshot: layer ${i} is ${l.rows}x${l.cols} but its input has ${width} values`);
    }
    width = l.cols;
  }
  if (width !== 1) throw new RangeError(`reward model snapshot: the last layer has ${width} outputs, expected 1`);
  const layers = snap.layers.map((l) => ({ ...l, w: Float64Array.from(l.w), b: Float64Array.from(l.b) }));
  const bufs = [new Float64Array(snap.featureDim), ...layers.map((l) => new Float64Array(l.cols))];
  return (features) => {
    if (features.length !== snap.featureDim) {
      throw new RangeError(`reward model: a feature row has ${features.length} values, expected ${snap.featureDim}`);
    }
    const x = bufs[0];
    for (let j = 0; j < x.length; j++) x[j] = (features[j] - snap.inputMean[j]) / snap.inputStd[j];
    layers.forEach((l, li) => {
      const inp = bufs[li];
      const out = bufs[li + 1];
      out.set(l.b);
      for (let r = 0; r < l.rows; r++) {
        const v = inp[r];
        if (v === 0) continue;
        const o = r * l.cols;
        for (let c = 0; c < l.cols; c++) out[c] += v * l.w[o + c];
      }
      if (li + 1 < layers.length) for (let c = 0; c < out.length; c++) out[c] = Math.tanh(out[c]);
    });
    return (bufs[bufs.length - 1][0] - snap.outMean) / snap.outStd;
  };
}

/**
 * One-hot encodes a discrete action (per component of `nvec`) or copies a continuous one, after the observation:
 * the feature row of one step.
 * @param observation `[obsDim]` raw observation
 * @param action `[actionDim]` action as sent to the env
 * @param actionNvec component sizes of a Discrete/MultiDiscrete action (omit for Box/MultiBinary)
 * @returns `[obsDim + sum(nvec)]` or `[obsDim + actionDim]`
 * @throws RangeError when a discrete action is out of range.
 */
export function stepFeatures(observation: ArrayLike<number>, action: ArrayLike<number>, actionNvec?: readonly number[]): Float32Array {
  const actDim = actionNvec ? actionNvec.reduce((s, n) => s + n, 0) : action.length;
  const out = new Float32Array(observation.length + actDim);
  for (let i = 0; i < observation.length; i++) out[i] = observation[i];
  if (actionNvec) {
    let o = observation.length;
    actionNvec.forEach((n, k) => {
      const v = action[k];
      if (!Number.isInteger(v) || v < 0 || v >= n) throw new RangeError(`stepFeatures: action component ${k} is ${v}, expected 0..${n - 1}`);
      out[o + v] = 1;
      o += n;
    });
  } else {
    for (let i = 0; i < action.length; i++) out[observation.length + i] = action[i];
  }
  return out;
}

/**
 * The learned reward r_hat(features) with its training loop.
 * Shapes: features `[T, featureDim]` -> rewards `[T]`.
 */
export class RewardModel {
  private readonly layers: { w: tf.Variable; b: tf.Variable }[] = [];
  private inputMean: Float32Array;
  private inputStd: Float32Array;
  private outMean = 0;
  private outStd = 1;

  constructor(
    readonly featureDim: number,
    private readonly options: RewardModelOptions = {},
  ) {
    if (!Number.isInteger(featureDim) || featureDim < 1) throw new RangeError(`RewardModel: featureDim must be >= 1, got ${featureDim}`);
    const rng = new Rng(options.seed ?? 0);
    const sizes = [featureDim, ...(options.hidden ?? [64, 64]), 1];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const gain = l + 2 === sizes.length ? 1 : Math.SQRT2;
      const w0 = tf.tensor2d(orthogonal(sizes[l], sizes[l + 1], gain, rng), [sizes[l], sizes[l + 1]]);
      const b0 = tf.zeros([sizes[l + 1]]);
      this.layers.push({ w: tf.variable(w0), b: tf.variable(b0) });
      w0.dispose();
      b0.dispose();
    }
    this.inputMean = new Float32Array(featureDim);
    this.inputStd = new Float32Array(featureDim).fill(1);
  }

  /** Raw (unnormalised) per-step rewards, `[T, featureDim]` -> `[T]`. */
  private forward(x: tf.Tensor2D): tf.Tensor1D {
    let h: tf.Tensor2D = tf.div(tf.sub(x, tf.tensor1d(this.inputMean)), tf.tensor1d(this.inputStd));
    this.layers.forEach(({ w, b }, l) => {
      h = tf.add(tf.matMul(h, w), b);
      if (l + 1 < this.layers.length) h = tf.tanh(h);
    });
    return tf.reshape(h, [-1]);
  }

  /**
   * Normalised per-step rewards (std 1 over the training steps; mean 0 too with `centerReward`) for `features[T * featureDim]`.
   * @returns `[T]`
   */
  reward(features: Float32Array): Float32Array {
    const t = features.length / this.featureDim;
    if (!Number.isInteger(t)) throw new RangeError(`RewardModel.reward: ${features.length} values is not a whole number of ${this.featureDim}-feature rows`);
    const raw = tf.tidy(() => this.forward(tf.tensor2d(features, [t, this.featureDim])).dataSync() as Float32Array);
    const out = new Float32Array(t);
    for (let i = 0; i < t; i++) out[i] = (raw[i] - this.outMean) / this.outStd;
    return out;
  }

  /** Predicted return (sum of normalised per-step rewards) of each episode. */
  predictReturns(episodes: readonly FeatureEpisode[]): number[] {
    return episodes.map((e) => this.reward(e.features).reduce((s, r) => s + r, 0));
  }

  /**
   * Trains on rated pairs with the Bradley-Terry cross-entropy and Adam, holding out `validationFraction` of them.
   * @throws RangeError when a pair points outside `episodes`, an episode's features have the wrong size, or there are
   *   no usable pairs.
   */
  train(episodes: readonly FeatureEpisode[], pairs: readonly PreferencePair[]): RewardModelReport {
    for (const [i, e] of episodes.entries()) {
      if (e.features.length !== e.length * this.featureDim || e.length < 1) {
        throw new RangeError(`RewardModel.train: episode ${i} has ${e.features.length} feature values for ${e.length} steps of ${this.featureDim}`);
      }
    }
    for (const p of pairs) {
      if (!(p.a >= 0 && p.a < episodes.length && p.b >= 0 && p.b < episodes.length)) {
        throw new RangeError(`RewardModel.train: pair (${p.a}, ${p.b}) refers to an episode outside 0..${episodes.length - 1}`);
      }
    }
    if (pairs.length === 0) throw new RangeError("RewardModel.train: no rated pairs (\"can't tell\" ratings are not used)");
    const rng = new Rng((this.options.seed ?? 0) + 1);
    const order = pairs.map((_, i) => i);
    rng.shuffle(order);
    const nVal = pairs.length >= 4 ? Math.floor(pairs.length * Math.min(0.9, Math.max(0, this.options.validationFraction ?? 0.25))) : 0;
    const val = order.slice(0, nVal).map((i) => pairs[i]);
    const trainSet = order.slice(nVal).map((i) => pairs[i]);
    this.fitInputStats(episodes);
    const optimizer = tf.train.adam(this.options.learningRate ?? 3e-3);
    const vars = this.layers.flatMap((l) => [l.w, l.b]);
    const epochs = this.options.epochs ?? 100;
    const batch = Math.max(1, this.options.batchPairs ?? 32);
    const wd = this.options.weightDecay ?? 1e-4;
    const trainLoss: number[] = [];
    const idx = trainSet.map((_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      rng.shuffle(idx);
      let sum = 0;
      for (let s = 0; s < idx.length; s += batch) {
        const chunk = idx.slice(s, s + batch).map((i) => trainSet[i]);
        const lossValue = tf.tidy(() => {
          const { x, seg, labels, nEp } = this.pairBatch(episodes, chunk);
          const loss = optimizer.minimize(
            () => {
              const r = this.forward(x);
              // Episode returns = segment sums: [2P, T] indicator @ [T] rewards.
              const returns = tf.reshape(tf.matMul(seg, tf.reshape(r, [-1, 1])), [nEp]);
              const ra = tf.slice(returns, 0, chunk.length);
              const rb = tf.slice(returns, chunk.length, chunk.length);
              const d = tf.sub(ra, rb);
              const bt = tf.mean(tf.add(tf.mul(labels, tf.softplus(tf.neg(d))), tf.mul(tf.sub(1, labels), tf.softplus(d))));
              const l2 = tf.addN(this.layers.map((l) => tf.sum(tf.square(l.w))));
              return tf.add(bt, tf.mul(wd, l2)) as tf.Scalar;
            },
            true,
            vars,
          );
          return (loss as tf.Scalar).dataSync()[0];
        });
        sum += lossValue * chunk.length;
      }
      trainLoss.push(sum / Math.max(1, trainSet.length));
    }
    optimizer.dispose();
    this.fitOutputStats(episodes);
    return {
      trainPairs: trainSet.length,
      validationPairs: val.length,
      trainLoss,
      validationAccuracy: this.accuracy(episodes, val),
      trainAccuracy: this.accuracy(episodes, trainSet),
    };
  }

  /**
   * Share of strict pairs (label 0 or 1) ordered correctly by the predicted returns; NaN when there are none.
   */
  accuracy(episodes: readonly FeatureEpisode[], pairs: readonly PreferencePair[]): number {
    const strict = pairs.filter((p) => p.label !== 0.5);
    if (strict.length === 0) return NaN;
    const returns = this.predictReturns(episodes);
    let ok = 0;
    for (const p of strict) if ((returns[p.a] > returns[p.b]) === (p.label === 1)) ok++;
    return ok / strict.length;
  }

  /** Stacked steps of the pairs' episodes (A episodes first, then B) with the indicator matrix that sums them. */
  private pairBatch(
    episodes: readonly FeatureEpisode[],
    chunk: readonly PreferencePair[],
  ): { x: tf.Tensor2D; seg: tf.Tensor2D; labels: tf.Tensor1D; nEp: number } {
    const eps = [...chunk.map((p) => episodes[p.a]), ...chunk.map((p) => episodes[p.b])];
    const total = eps.reduce((s, e) => s + e.length, 0);
    const x = new Float32Array(total * this.featureDim);
    const seg = new Float32Array(eps.length * total);
    let o = 0;
    eps.forEach((e, k) => {
      x.set(e.features, o * this.featureDim);
      seg.fill(1, k * total + o, k * total + o + e.length);
      o += e.length;
    });
    return {
      x: tf.tensor2d(x, [total, this.featureDim]),
      seg: tf.tensor2d(seg, [eps.length, total]),
      labels: tf.tensor1d(chunk.map((p) => p.label)),
      nEp: eps.length,
    };
  }

  private fitInputStats(episodes: readonly FeatureEpisode[]): void {
    const d = this.featureDim;
    const sum = new Float64Array(d);
    const sq = new Float64Array(d);
    let n = 0;
    for (const e of episodes) {
      for (let i = 0; i < e.features.length; i++) {
        sum[i % d] += e.features[i];
        sq[i % d] += e.features[i] * e.features[i];
      }
      n += e.length;
    }
    for (let j = 0; j < d; j++) {
      const m = n ? sum[j] / n : 0;
      const v = n ? Math.max(0, sq[j] / n - m * m) : 1;
      this.inputMean[j] = m;
      this.inputStd[j] = Math.sqrt(v) > 1e-6 ? Math.sqrt(v) : 1;
    }
  }

  private fitOutputStats(episodes: readonly FeatureEpisode[]): void {
    this.outMean = 0;
    this.outStd = 1;
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (const e of episodes) {
      for (const r of this.reward(e.features)) {
        s += r;
        s2 += r * r;
        n++;
      }
    }
    const mean = n ? s / n : 0;
    const std = n ? Math.sqrt(Math.max(0, s2 / n - mean * mean)) : 1;
    this.outMean = this.options.centerReward ? mean : 0;
    this.outStd = std > 1e-8 ? std : 1;
  }

  /**
   * The trained model as plain numbers (JSON-serialisable): what a trainer process needs to compute rewards without
   * TF.js, and what `reward-model.json` stores.
   */
  snapshot(): RewardModelSnapshot {
    return {
      featureDim: this.featureDim,
      layers: this.layers.map(({ w, b }) => ({
        rows: w.shape[0] as number,
        cols: w.shape[1] as number,
        w: Array.from(w.dataSync()),
        b: Array.from(b.dataSync()),
      })),
      inputMean: Array.from(this.inputMean),
      inputStd: Array.from(this.inputStd),
      outMean: this.outMean,
      outStd: this.outStd,
    };
  }

  dispose(): void {
    for (const l of this.layers) {
      l.w.dispose();
      l.b.dispose();
    }
  }
}
