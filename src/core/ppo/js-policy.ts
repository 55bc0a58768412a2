/**
 * The actor-critic of policy.ts on the `js` compute engine: the same networks, initialisation, parameter names and
 * distributions, with a fused forward pass and a hand-written backward pass of the whole PPO loss over one flat
 * Float32Array of parameters (flat-mlp.ts). No tensors: a PPO minibatch step is a few loops over preallocated buffers
 * instead of hundreds of TF.js kernel dispatches. Parameters, gradients and activations share one WebAssembly memory
 * (kernels.ts) whose SIMD kernel does the matrix products.
 *
 * Gradients are derived by hand; test/unit/core/ppo/js-engine.test.ts checks them against TF.js autograd for every
 * distribution, with and without value clipping and action masks.
 */
import type { AdamState } from "../nn/adam";
import { FlatAdam, FlatMlp } from "../nn/flat-mlp";
import { Heap } from "../nn/kernels";
import { orthogonal, uniformFanIn } from "../nn/init";
import type { Rng } from "../rng";
import { Box, Discrete, MultiBinary, MultiDiscrete, type Space } from "../spaces";
import type { ActResult, PolicyNetwork, PolicyOptions } from "./policy";

const LOG_2PI = Math.log(2 * Math.PI);
/** Logit given to invalid actions, as distributions.ts `applyMask` (sb3-contrib MaskablePPO uses the same). */
const MASKED_LOGIT = -1e8;

/** One PPO minibatch as flat row-major arrays (M rows). */
export interface MinibatchArrays {
  /** `[M * obsDim]` normalised observations. */
  obs: Float32Array;
  /** `[M * actionDim]` stored actions (class indices as floats for Discrete/MultiDiscrete). */
  actions: Float32Array;
  /** `[M]` log pi_old(a|s). */
  oldLogProbs: Float32Array;
  /** `[M]` advantages, already normalised if the config asks for it. */
  advantages: Float32Array;
  /** `[M]` value targets. */
  returns: Float32Array;
  /** `[M]` V_old(s). */
  oldValues: Float32Array;
  /** `[M * maskDim]` invalid-action masks (1 = allowed), or undefined. */
  masks?: Float32Array;
  /** `[M]` log pi_ref(a|s) of a frozen reference policy (GRPO's KL term), or undefined. */
  refLogProbs?: Float32Array;
}

/** The coefficients of the PPO loss (names as in PPOConfig). */
export interface LossCoefficients {
  clipRange: number;
  /** null = no value clipping. */
  clipRangeVf: number | null;
  entCoef: number;
  vfCoef: number;
  /**
   * PPO-penalty coefficient beta: adds beta * KL(pi_old || pi) to the loss, estimated per sample with k3 =
   * (r - 1) - log r (Schulman et al. 2017 section 4; Schulman, "Approximating KL divergence"); 0 or absent = off.
   */
  klCoef?: number;
  /**
   * GRPO's KL-to-reference coefficient: adds beta * mean(rho - log rho - 1), rho = pi_ref / pi (Shao et al. 2024,
   * DeepSeekMath eq. 4, the k3 estimator of KL(pi || pi_ref)); needs `refLogProbs`. 0 or absent = off.
   */
  refKlCoef?: number;
  /**
   * false: a critic-free loss (GRPO): the critic is neither evaluated nor differentiated, its gradient stays zero,
   * `vfCoef`, `clipRangeVf`, `returns` and `oldValues` are ignored and the statistics have no `valueLoss`. Default true.
   */
  critic?: boolean;
}

/** Statistics of one loss evaluation, in the order of ppo.ts's metric vector. */
export interface LossStats {
  pgLoss: number;
  /** 0.5 mean((V - R)^2) (or its clipped form); absent when the loss has no critic term (GRPO). */
  valueLoss?: number;
  entropy: number;
  approxKl: number;
  oldApproxKl: number;
  clipFraction: number;
  ratioMin: number;
  ratioMax: number;
  /** Mean k3 estimate of KL(pi || pi_ref) over the minibatch (NaN without reference log-probs). */
  refKl?: number;
}

type Kind = "categorical" | "multi-categorical" | "bernoulli" | "gaussian";

/** Actor-critic on the js engine; see ActorCritic (policy.ts) for the model it mirrors. */
export class JsActorCritic implements PolicyNetwork {
  /** The memory holding parameters, gradients and activations. */
  readonly heap: Heap;
  /** Number of parameters. */
  readonly size: number;
  /** Heap offsets of the flat parameter vector and of its gradient. */
  private readonly paramBase: number;
  private readonly gradBase: number;
  readonly actor: FlatMlp;
  readonly critic: FlatMlp;
  /** Stable names, shapes and offsets of the parameters, in checkpoint order. */
  readonly paramSpecs: { name: string; shape: number[]; offset: number; size: number }[] = [];
  readonly actionDim: number;
  readonly noiseDim: number;
  readonly noiseKind: "uniform" | "normal";
  readonly kind: Kind;
  readonly maskDim: number;
  /** Offset of log_std `[d]` (Gaussian), else -1. */
  private readonly logStdOffset: number;
  private readonly outDim: number;
  /** Component sizes of the categorical parts (one part for Discrete). */
  private readonly nvec: number[];
  /** Heap offsets of the input rows and of dL/d(actor output), dL/dV; `capacity` rows each. */
  private xBuf = 0;
  private dActor = 0;
  private dCritic = 0;
  private capacity = 0;
  private readonly scratchP: Float64Array;
  private readonly scratchLp: Float64Array;
  /** Entropy of the row of the last {@link rowLogProb} call. */
  private rowEntropy = 0;

  /**
   * @param maxBatch the largest batch expected (rollout width or minibatch size); buffers grow if exceeded
   * @throws Error for an action space the policy does not support
   */
  constructor(
    readonly obsDim: number,
    readonly actionSpace: Space,
    readonly options: PolicyOptions,
    rng: Rng,
    maxBatch = 64,
  ) {
    if (actionSpace instanceof Discrete) {
      this.outDim = actionSpace.n;
      this.actionDim = 1;
      this.noiseKind = "uniform";
      this.kind = "categorical";
      this.maskDim = actionSpace.n;
      this.nvec = [actionSpace.n];
    } else if (actionSpace instanceof MultiDiscrete) {
      this.outDim = actionSpace.totalN;
      this.actionDim = actionSpace.nvec.length;
      this.noiseKind = "uniform";
      this.kind = "multi-categorical";
      this.maskDim = actionSpace.totalN;
      this.nvec = [...actionSpace.nvec];
    } else if (actionSpace instanceof MultiBinary) {
      this.outDim = actionSpace.n;
      this.actionDim = actionSpace.n;
      this.noiseKind = "uniform";
      this.kind = "bernoulli";
      this.maskDim = 0;
      this.nvec = [];
    } else if (actionSpace instanceof Box) {
      this.outDim = actionSpace.flatDim;
      this.actionDim = actionSpace.flatDim;
      this.noiseKind = "normal";
      this.kind = "gaussian";
      this.maskDim = 0;
      this.nvec = [];
    } else {
      throw new Error(`unsupported action space ${JSON.stringify(actionSpace.spec)}`);
    }
    this.noiseDim = this.outDim;
    const { netArch, activation, orthoInit } = options;
    const widths = [obsDim, ...netArch.pi, ...netArch.vf, this.outDim];
    const sum = (xs: number[]): number => xs.reduce((x, y) => x + y, 0);
    const estimate = 4 * sum(widths.map((w) => w * Math.max(...widths))) + 8 * maxBatch * sum(widths);
    this.heap = new Heap(estimate);
    this.actor = new FlatMlp(this.heap, obsDim, netArch.pi, this.outDim, activation, 0, maxBatch);
    this.critic = new FlatMlp(this.heap, obsDim, netArch.vf, 1, activation, this.actor.size, maxBatch);
    const gaussian = this.kind === "gaussian";
    const total = this.actor.size + this.critic.size + (gaussian ? this.outDim : 0);
    this.size = total;
    this.paramBase = this.heap.alloc(total);
    this.gradBase = this.heap.alloc(total);
    // Same draws in the same order as ActorCritic: actor layers, then critic layers (Mlp's constructor).
    const init = (net: FlatMlp, name: string, outputGain: number): void => {
      net.layers.forEach((layer, l) => {
        const lastLayer = l === net.layers.length - 1;
        const gain = lastLayer ? outputGain : Math.SQRT2;
        const w = orthoInit ? orthogonal(layer.inDim, layer.outDim, gain, rng) : uniformFanIn(layer.inDim, layer.outDim, rng);
        this.heap.f32.set(w, this.paramBase + layer.w);
        this.paramSpecs.push(
          { name: `${name}/${l}/kernel`, shape: [layer.inDim, layer.outDim], offset: layer.w, size: layer.inDim * layer.outDim },
          { name: `${name}/${l}/bias`, shape: [layer.outDim], offset: layer.b, size: layer.outDim },
        );
      });
    };
    init(this.actor, "actor", 0.01);
    init(this.critic, "critic", 1.0);
    if (gaussian) {
      this.logStdOffset = this.actor.size + this.critic.size;
      this.heap.f32.fill(options.logStdInit, this.paramBase + this.logStdOffset, this.paramBase + this.logStdOffset + this.outDim);
      this.paramSpecs.push({ name: "log_std", shape: [this.outDim], offset: this.logStdOffset, size: this.outDim });
    } else {
      this.logStdOffset = -1;
    }
    this.reserve(maxBatch);
    const widest = Math.max(1, this.outDim);
    this.scratchP = new Float64Array(widest);
    this.scratchLp = new Float64Array(widest);
  }

  /** The flat parameter vector (a view into the heap; take it again after a call that may grow the heap). */
  get params(): Float32Array {
    return this.heap.f32.subarray(this.paramBase, this.paramBase + this.size);
  }

  /** dL/dparams of the last `lossAndGradients` call, same layout as `params` (a view, as `params`). */
  get grads(): Float32Array {
    return this.heap.f32.subarray(this.gradBase, this.gradBase + this.size);
  }

  /** Makes every buffer hold `batch` rows (may grow the heap). */
  private reserve(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    this.xBuf = this.heap.alloc(batch * this.obsDim);
    this.dActor = this.heap.alloc(batch * this.outDim);
    this.dCritic = this.heap.alloc(batch);
    this.actor.reserve(batch);
    this.critic.reserve(batch);
  }

  /** Clamped log-std of dimension j (Gaussian). */
  private logStd(j: number): number {
    const [lo, hi] = this.options.logStdRange;
    const s = this.heap.f32[this.paramBase + this.logStdOffset + j];
    return s < lo ? lo : s > hi ? hi : s;
  }

  /**
   * Log-softmax of one categorical part of row `o` with the mask applied (invalid logits -> -1e8 as
   * `z * mask + (1 - mask) * -1e8`), into `scratchLp[0..n)` and `scratchP[0..n)` (probabilities).
   * @returns the entropy -sum p log p of the part (nats)
   */
  private softmaxPart(logits: Float32Array, o: number, n: number, masks: Float32Array | undefined, mo: number): number {
    const lp = this.scratchLp;
    const p = this.scratchP;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) {
      const z = masks ? logits[o + j] * masks[mo + j] + (1 - masks[mo + j]) * MASKED_LOGIT : logits[o + j];
      lp[j] = z;
      if (z > mx) mx = z;
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(lp[j] - mx);
    const lse = mx + Math.log(s);
    let h = 0;
    for (let j = 0; j < n; j++) {
      lp[j] -= lse;
      p[j] = Math.exp(lp[j]);
      h -= p[j] * lp[j];
    }
    return h;
  }

  /**
   * Samples actions for a batch of observations (or takes the mode), with log-probs and values, as
   * ActorCritic.act: Gumbel-max for categoricals, u < sigmoid(l) for Bernoulli, mean + std * noise for Gaussian.
   * @param obs `[B * obsDim]` @param noise `[B * noiseDim]` uniforms in (0, 1) or standard normals
   * @param masks `[B * maskDim]` invalid-action masks, or undefined
   * @param critic false skips the critic's forward pass (GRPO); `values` is then empty
   */
  act(obs: Float32Array, batch: number, noise: Float32Array, deterministic = false, masks?: Float32Array, critic = true): ActResult {
    this.reserve(batch);
    this.heap.f32.set(obs.subarray(0, batch * this.obsDim), this.xBuf);
    const outAt = this.actor.forward(this.paramBase, this.xBuf, batch);
    const h = this.heap.f32;
    const a = this.actionDim;
    const actions = new Float32Array(batch * a);
    const logProbs = new Float32Array(batch);
    const values = critic ? h.slice(...this.criticSpan(batch)) : new Float32Array(0);
    const n = this.outDim;
    const useMasks = masks && this.maskDim > 0 ? masks : undefined;
    for (let i = 0; i < batch; i++) {
      const o = outAt + i * n;
      let logp = 0;
      if (this.kind === "categorical" || this.kind === "multi-categorical") {
        let off = 0;
        for (let c = 0; c < this.nvec.length; c++) {
          const k = this.nvec[c];
          this.softmaxPart(h, o + off, k, useMasks, i * this.maskDim + off);
          const lp = this.scratchLp;
          let best = 0;
          let bestScore = -Infinity;
          for (let j = 0; j < k; j++) {
            // argmax of the (masked) logits, or of logits + Gumbel noise -log(-log u); log-softmax differs from the
            // logits by a constant per row, so the argmax is the same.
            const score = deterministic ? lp[j] : lp[j] - Math.log(-Math.log(noise[i * n + off + j]));
            if (score > bestScore) {
              bestScore = score;
              best = j;
            }
          }
          actions[i * a + c] = best;
          logp += lp[best];
          off += k;
        }
      } else if (this.kind === "bernoulli") {
        for (let j = 0; j < n; j++) {
          const l = h[o + j];
          const pr = 1 / (1 + Math.exp(-l));
          const bit = deterministic ? (l > 0 ? 1 : 0) : noise[i * n + j] < pr ? 1 : 0;
          actions[i * a + j] = bit;
          logp -= bit ? softplus(-l) : softplus(l);
        }
      } else {
        for (let j = 0; j < n; j++) {
          const s = this.logStd(j);
          const mu = h[o + j];
          const x = deterministic ? mu : mu + noise[i * n + j] * Math.exp(s);
          actions[i * a + j] = x;
          const z = (Math.fround(x) - mu) / Math.exp(s);
          logp += -0.5 * z * z - s - 0.5 * LOG_2PI;
        }
      }
      logProbs[i] = logp;
    }
    return { actions, logProbs, values };
  }

  /**
   * log pi(a|s) and the entropy H (in `rowEntropy`) of one row of actor outputs, for a stored action.
   * @param o heap offset of the row's actor outputs @param actions stored actions; the row's start at `ao`
   * @param masks invalid-action masks (the row's start at `mo`), or undefined
   * @returns log pi(a|s) in nats, summed over components
   */
  private rowLogProb(o: number, actions: Float32Array, ao: number, masks: Float32Array | undefined, mo: number): number {
    const h = this.heap.f32;
    const n = this.outDim;
    let logp = 0;
    let ent = 0;
    if (this.kind === "categorical" || this.kind === "multi-categorical") {
      let off = 0;
      for (let p = 0; p < this.nvec.length; p++) {
        const k = this.nvec[p];
        ent += this.softmaxPart(h, o + off, k, masks, mo + off);
        logp += this.scratchLp[actions[ao + p]];
        off += k;
      }
    } else if (this.kind === "bernoulli") {
      for (let j = 0; j < n; j++) {
        const l = h[o + j];
        const logP = -softplus(-l);
        const logQ = -softplus(l);
        const pr = 1 / (1 + Math.exp(-l));
        const act = actions[ao + j];
        logp += act * logP + (1 - act) * logQ;
        ent -= pr * logP + (1 - pr) * logQ;
      }
    } else {
      for (let j = 0; j < n; j++) {
        const s = this.logStd(j);
        const z = (actions[ao + j] - h[o + j]) / Math.exp(s);
        logp += -0.5 * z * z - s - 0.5 * LOG_2PI;
        ent += s + 0.5 + 0.5 * LOG_2PI;
      }
    }
    this.rowEntropy = ent;
    return logp;
  }

  /**
   * log pi(a|s) of given (stored) actions for a batch of observations: the actor only, in chunks of at most
   * `chunk` rows. GRPO uses it on a frozen copy of the policy for the reference log-probs of a whole rollout.
   * @param obs `[B * obsDim]` normalised observations @param actions `[B * actionDim]` stored actions
   * @param masks `[B * maskDim]` invalid-action masks, or undefined
   * @returns `[B]` log-probs in nats (a new array, float32 like act()'s)
   */
  logProbs(obs: Float32Array, actions: Float32Array, batch: number, masks?: Float32Array, chunk = 256): Float32Array {
    const out = new Float32Array(batch);
    const useMasks = masks && this.maskDim > 0 ? masks : undefined;
    const rows = Math.max(1, Math.min(chunk, batch));
    this.reserve(rows);
    for (let start = 0; start < batch; start += rows) {
      const m = Math.min(rows, batch - start);
      this.heap.f32.set(obs.subarray(start * this.obsDim, (start + m) * this.obsDim), this.xBuf);
      const outAt = this.actor.forward(this.paramBase, this.xBuf, m);
      for (let i = 0; i < m; i++) {
        out[start + i] = this.rowLogProb(outAt + i * this.outDim, actions, (start + i) * this.actionDim, useMasks, (start + i) * this.maskDim);
      }
    }
    return out;
  }

  /** V(s) for `[B * obsDim]` observations. @returns `[B]` (a new array) */
  predictValues(obs: Float32Array, batch: number): Float32Array {
    this.reserve(batch);
    this.heap.f32.set(obs.subarray(0, batch * this.obsDim), this.xBuf);
    return this.heap.f32.slice(...this.criticSpan(batch));
  }

  /** Runs the critic on the `batch` rows in the input buffer. @returns the heap range `[start, end)` of V(s) `[B]` */
  private criticSpan(batch: number): [number, number] {
    const at = this.critic.forward(this.paramBase, this.xBuf, batch);
    return [at, at + batch];
  }

  /** The critic's parameters as a range `[start, end)` of `params` (GRPO leaves them as they are). */
  get criticRange(): [number, number] {
    return [this.actor.size, this.actor.size + this.critic.size];
  }

  /** Current std `[d]` (Gaussian), else undefined. */
  stdValues(): Float32Array | undefined {
    if (this.kind !== "gaussian") return undefined;
    const out = new Float32Array(this.outDim);
    for (let j = 0; j < this.outDim; j++) out[j] = Math.exp(this.logStd(j));
    return out;
  }

  /**
   * The PPO loss of ppo.ts `ppoLoss` on one minibatch and its gradient with respect to every parameter, written to
   * `grads` (overwritten). Per sample, with r = exp(logpi - logpi_old):
   *   dL/dlogpi = r * dmax(-A r, -A clip(r, 1-eps, 1+eps))/dr / M      (clipped surrogate, PPO paper eq. 7)
   *             + beta * (r - 1) / M                                    (KL penalty beta * k3, when `klCoef` > 0)
   *   dL/dH     = -c_ent / M
   *   dL/dV     = c_v * (V - R) / M, or through the clipped branch when it is the larger (core detail 9)
   * then through the distribution (Categorical: dlogp/dz = onehot(a) - p, dH/dz = -p (log p + H); Bernoulli:
   * dlogp/dl = a - sigmoid(l), dH/dl = -l p (1 - p); Gaussian: dlogp/dmu = z / sigma, dlogp/dlogsigma = z^2 - 1,
   * dH/dlogsigma = 1) and back through the MLPs. Ties of max/clip follow TF.js's gradients (max: first argument on
   * >=; clip: passes at the bounds inclusive), so the two engines agree exactly at the kinks. With `c.critic` false
   * (GRPO) the value term, the critic's forward and its backward pass are skipped and its gradient stays zero.
   * @param m minibatch rows
   * @returns the loss statistics (means over the minibatch)
   */
  lossAndGradients(b: MinibatchArrays, m: number, c: LossCoefficients): LossStats {
    this.reserve(m);
    const h = this.heap.f32;
    h.fill(0, this.gradBase, this.gradBase + this.size);
    h.set(b.obs.subarray(0, m * this.obsDim), this.xBuf);
    const outAt = this.actor.forward(this.paramBase, this.xBuf, m);
    const withCritic = c.critic !== false;
    const vAt = withCritic ? this.critic.forward(this.paramBase, this.xBuf, m) : -1;
    const dOut = this.dActor;
    const dV = this.dCritic;
    const n = this.outDim;
    const a = this.actionDim;
    const eps = c.clipRange;
    const invM = 1 / m;
    const gEnt = -c.entCoef * invM;
    const klCoef = c.klCoef ?? 0;
    const refKlCoef = c.refKlCoef ?? 0;
    const refLp = b.refLogProbs;
    let refKlSum = 0;
    const masks = b.masks && this.maskDim > 0 ? b.masks : undefined;
    const gaussian = this.kind === "gaussian";
    const dLogStd = gaussian ? new Float64Array(n) : undefined;
    let pgSum = 0;
    let vfSum = 0;
    let entSum = 0;
    let k1Sum = 0;
    let k3Sum = 0;
    let clipped = 0;
    let ratioMin = Infinity;
    let ratioMax = -Infinity;
    for (let i = 0; i < m; i++) {
      const o = outAt + i * n;
      const d = dOut + i * n;
      // 1. log pi(a|s) and H for this row.
      const logp = this.rowLogProb(o, b.actions, i * a, masks, i * this.maskDim);
      const ent = this.rowEntropy;
      // 2. Clipped surrogate and its gradient with respect to log pi.
      const logRatio = logp - b.oldLogProbs[i];
      const ratio = Math.exp(logRatio);
      const adv = b.advantages[i];
      const lo = 1 - eps;
      const hi = 1 + eps;
      const ratioClipped = ratio < lo ? lo : ratio > hi ? hi : ratio;
      const pg1 = -adv * ratio;
      const pg2 = -adv * ratioClipped;
      pgSum += pg1 >= pg2 ? pg1 : pg2;
      const dRatio = pg1 >= pg2 || (ratio >= lo && ratio <= hi) ? -adv : 0;
      // d/dlogpi of beta * ((r - 1) - log r) = beta * (r - 1): the PPO-penalty term.
      let gLogp = (dRatio * ratio + klCoef * (ratio - 1)) * invM;
      if (refLp) {
        // d/dlogpi of beta * (rho - log rho - 1), rho = exp(logpi_ref - logpi): beta * (1 - rho).
        const logRho = refLp[i] - logp;
        const rho = Math.exp(logRho);
        refKlSum += rho - logRho - 1;
        gLogp += refKlCoef * (1 - rho) * invM;
      }
      k1Sum += -logRatio;
      k3Sum += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > eps) clipped++;
      if (ratio < ratioMin) ratioMin = ratio;
      if (ratio > ratioMax) ratioMax = ratio;
      entSum += ent;
      // 3. Through the distribution to the actor's outputs.
      if (this.kind === "categorical" || this.kind === "multi-categorical") {
        let off = 0;
        for (let p = 0; p < this.nvec.length; p++) {
          const k = this.nvec[p];
          const hp = this.softmaxPart(h, o + off, k, masks, i * this.maskDim + off);
          const act = b.actions[i * a + p];
          const lp = this.scratchLp;
          const pr = this.scratchP;
          for (let j = 0; j < k; j++) {
            const g = gLogp * ((j === act ? 1 : 0) - pr[j]) + gEnt * (-pr[j] * (lp[j] + hp));
            h[d + off + j] = masks ? g * masks[i * this.maskDim + off + j] : g;
          }
          off += k;
        }
      } else if (this.kind === "bernoulli") {
        for (let j = 0; j < n; j++) {
          const l = h[o + j];
          const pr = 1 / (1 + Math.exp(-l));
          h[d + j] = gLogp * (b.actions[i * a + j] - pr) + gEnt * (-l * pr * (1 - pr));
        }
      } else {
        for (let j = 0; j < n; j++) {
          const std = Math.exp(this.logStd(j));
          const z = (b.actions[i * a + j] - h[o + j]) / std;
          h[d + j] = (gLogp * z) / std;
          (dLogStd as Float64Array)[j] += gLogp * (z * z - 1) + gEnt;
        }
      }
      // 4. Value loss 0.5 * (V - R)^2, or the larger of the unclipped and clipped errors (none without a critic).
      if (!withCritic) continue;
      const v = h[vAt + i];
      const ret = b.returns[i];
      const err = (v - ret) * (v - ret);
      let dv: number;
      if (c.clipRangeVf !== null) {
        const cv = c.clipRangeVf;
        const oldV = b.oldValues[i];
        const diff = v - oldV;
        const vc = oldV + (diff < -cv ? -cv : diff > cv ? cv : diff);
        const errC = (vc - ret) * (vc - ret);
        if (err >= errC) {
          vfSum += err;
          dv = v - ret;
        } else {
          vfSum += errC;
          dv = diff >= -cv && diff <= cv ? vc - ret : 0;
        }
      } else {
        vfSum += err;
        dv = v - ret;
      }
      h[dV + i] = c.vfCoef * dv * invM;
    }
    this.actor.backward(this.paramBase, this.gradBase, this.xBuf, m, dOut);
    if (withCritic) this.critic.backward(this.paramBase, this.gradBase, this.xBuf, m, dV);
    if (dLogStd) {
      const [lo, hi] = this.options.logStdRange;
      for (let j = 0; j < n; j++) {
        const s = h[this.paramBase + this.logStdOffset + j];
        h[this.gradBase + this.logStdOffset + j] = s >= lo && s <= hi ? dLogStd[j] : 0;
      }
    }
    // Reported in float32, as the TF.js engine and PyTorch compute them: a loss beyond float32's range is Infinity
    // there, and the NaN guard must see the same (the sums above run in float64).
    const f = Math.fround;
    return {
      pgLoss: f(pgSum * invM),
      ...(withCritic ? { valueLoss: f(0.5 * vfSum * invM) } : {}),
      entropy: f(entSum * invM),
      approxKl: f(k3Sum * invM),
      oldApproxKl: f(k1Sum * invM),
      clipFraction: clipped * invM,
      ratioMin,
      ratioMax,
      refKl: refLp ? refKlSum * invM : NaN,
    };
  }

  /** Parameter values (copies) by stable name, for checkpoints. */
  getWeights(): Record<string, { shape: number[]; data: Float32Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    const h = this.heap.f32;
    for (const p of this.paramSpecs) out[p.name] = { shape: [...p.shape], data: h.slice(this.paramBase + p.offset, this.paramBase + p.offset + p.size) };
    return out;
  }

  /** @throws Error when a parameter is missing or has the wrong shape. */
  setWeights(weights: Record<string, { shape: number[]; data: Float32Array }>): void {
    for (const p of this.paramSpecs) {
      const w = weights[p.name];
      if (!w) throw new Error(`checkpoint has no parameter ${p.name}`);
      if (w.shape.join(",") !== p.shape.join(",") || w.data.length !== p.size) {
        throw new Error(`checkpoint parameter ${p.name} has shape [${w.shape}] but the network needs [${p.shape}]`);
      }
      this.heap.f32.set(w.data, this.paramBase + p.offset);
    }
  }

  dispose(): void {
    // plain arrays: nothing to release
  }
}

/** Adam over the flat parameters of a JsActorCritic, with AdamState (moments by parameter name) for checkpoints. */
export class JsAdam {
  readonly adam: FlatAdam;

  constructor(
    private readonly policy: JsActorCritic,
    beta1 = 0.9,
    beta2 = 0.999,
    eps = 1e-5,
  ) {
    this.adam = new FlatAdam(policy.size, beta1, beta2, eps);
  }

  /**
   * One step on `policy.params` with `policy.grads`.
   * @param trainCritic false leaves the critic's parameters and their moments untouched (GRPO)
   */
  apply(learningRate: number, trainCritic = true): void {
    this.adam.apply(this.policy.params, this.policy.grads, learningRate, trainCritic ? undefined : this.policy.criticRange);
  }

  getState(): AdamState {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const p of this.policy.paramSpecs) {
      m[p.name] = this.adam.m.slice(p.offset, p.offset + p.size);
      v[p.name] = this.adam.v.slice(p.offset, p.offset + p.size);
    }
    return { step: this.adam.step, m, v };
  }

  /** @throws Error when a parameter is missing from `state` or has the wrong size. */
  setState(state: AdamState): void {
    for (const p of this.policy.paramSpecs) {
      const m = state.m[p.name];
      const v = state.v[p.name];
      if (!m || !v) throw new Error(`optimizer state has no moments for parameter ${p.name}`);
      if (m.length !== p.size || v.length !== p.size) throw new Error(`optimizer moments of ${p.name} have the wrong size`);
      this.adam.m.set(m, p.offset);
      this.adam.v.set(v, p.offset);
    }
    this.adam.step = state.step;
  }

  dispose(): void {
    // plain arrays: nothing to release
  }
}

/**
 * Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_ (core detail 11): scales `grads` in place by
 * min(1, maxNorm / (||g|| + 1e-6)).
 * @returns the norm before clipping
 */
export function clipGradNorm(grads: Float32Array, maxNorm: number): number {
  let sq = 0;
  for (let i = 0; i < grads.length; i++) sq += grads[i] * grads[i];
  const norm = Math.sqrt(sq);
  const coef = Math.min(maxNorm / (norm + 1e-6), 1);
  if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i] *= coef;
  return norm;
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
