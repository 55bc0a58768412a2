/**
 * The actor-critic: separate actor and critic MLPs (The 37 Implementation Details of PPO, core detail 13; separate
 * networks did better on classic control), plus the action distribution chosen by the action space.
 */
import * as tf from "@tensorflow/tfjs";
import { Bernoulli, Categorical, DiagGaussian, MultiCategorical, type Distribution } from "../distributions";
import { Mlp, type Activation, type Param } from "../nn/mlp";
import type { Rng } from "../rng";
import { Box, Discrete, MultiBinary, MultiDiscrete, type Space } from "../spaces";

export interface PolicyOptions {
  /** Hidden sizes of the actor (`pi`) and the critic (`vf`). */
  netArch: { pi: number[]; vf: number[] };
  activation: Activation;
  /** Orthogonal init with gains sqrt(2) / 0.01 (policy head) / 1 (value head). */
  orthoInit: boolean;
  /** Initial log standard deviation of a Gaussian policy (SB3 `log_std_init`). */
  logStdInit: number;
  /** Range the log-std is clamped to before use, `[min, max]`. */
  logStdRange: [number, number];
}

/** Output of one batched policy call in the rollout. */
export interface ActResult {
  /** `[B * actionDim]`: class indices (0-based) for Discrete; raw unclipped Gaussian samples for Box. */
  actions: Float32Array;
  /** `[B]` log pi(a|s) of the stored action. */
  logProbs: Float32Array;
  /** `[B]` V(s); empty when `act` was called without the critic (GRPO). */
  values: Float32Array;
}

/**
 * What the rollout, evaluation and checkpoints need from a policy, whichever compute engine runs it: ActorCritic
 * (TF.js) or JsActorCritic (js-policy.ts). Parameter names and shapes are the same in both, so checkpoints move
 * between engines.
 */
export interface PolicyNetwork {
  readonly obsDim: number;
  readonly actionDim: number;
  readonly noiseDim: number;
  readonly noiseKind: "uniform" | "normal";
  readonly kind: "categorical" | "multi-categorical" | "bernoulli" | "gaussian";
  readonly maskDim: number;
  /** @param critic false: skip the critic's forward pass (GRPO's rollout), `values` is then empty; default true */
  act(obs: Float32Array, batch: number, noise: Float32Array, deterministic?: boolean, masks?: Float32Array, critic?: boolean): ActResult;
  predictValues(obs: Float32Array, batch: number): Float32Array;
  stdValues(): Float32Array | undefined;
  getWeights(): Record<string, { shape: number[]; data: Float32Array }>;
  setWeights(weights: Record<string, { shape: number[]; data: Float32Array }>): void;
  dispose(): void;
}

export class ActorCritic implements PolicyNetwork {
  readonly actor: Mlp;
  readonly critic: Mlp;
  readonly logStd: tf.Variable | undefined;
  readonly params: Param[];
  /** Numbers per stored action: 1 for Discrete, d for Box. */
  readonly actionDim: number;
  /** Columns of the noise matrix `act` needs: n uniforms (Discrete) or d normals (Box). */
  readonly noiseDim: number;
  readonly noiseKind: "uniform" | "normal";
  /** Which distribution the action space uses. */
  readonly kind: "categorical" | "multi-categorical" | "bernoulli" | "gaussian";
  /** Numbers per invalid-action mask row (logits of Discrete/MultiDiscrete), 0 when masking does not apply. */
  readonly maskDim: number;

  constructor(
    readonly obsDim: number,
    readonly actionSpace: Space,
    readonly options: PolicyOptions,
    rng: Rng,
  ) {
    const { netArch, activation, orthoInit } = options;
    let outDim: number;
    if (actionSpace instanceof Discrete) {
      outDim = actionSpace.n;
      this.actionDim = 1;
      this.noiseDim = actionSpace.n;
      this.noiseKind = "uniform";
      this.kind = "categorical";
      this.maskDim = actionSpace.n;
    } else if (actionSpace instanceof MultiDiscrete) {
      outDim = actionSpace.totalN;
      this.actionDim = actionSpace.nvec.length;
      this.noiseDim = actionSpace.totalN;
      this.noiseKind = "uniform";
      this.kind = "multi-categorical";
      this.maskDim = actionSpace.totalN;
    } else if (actionSpace instanceof MultiBinary) {
      outDim = actionSpace.n;
      this.actionDim = actionSpace.n;
      this.noiseDim = actionSpace.n;
      this.noiseKind = "uniform";
      this.kind = "bernoulli";
      this.maskDim = 0;
    } else if (actionSpace instanceof Box) {
      outDim = actionSpace.flatDim;
      this.actionDim = actionSpace.flatDim;
      this.noiseDim = actionSpace.flatDim;
      this.noiseKind = "normal";
      this.kind = "gaussian";
      this.maskDim = 0;
    } else {
      throw new Error(`unsupported action space ${JSON.stringify(actionSpace.spec)}`);
    }
    this.actor = new Mlp("actor", obsDim, netArch.pi, outDim, activation, 0.01, orthoInit, rng);
    this.critic = new Mlp("critic", obsDim, netArch.vf, 1, activation, 1.0, orthoInit, rng);
    this.params = [...this.actor.params, ...this.critic.params];
    if (actionSpace instanceof Box) {
      this.logStd = tf.variable(tf.fill([outDim], options.logStdInit), true);
      this.params.push({ name: "log_std", variable: this.logStd });
    }
  }

  /** The clamped log-std `[d]` (Gaussian only). */
  clampedLogStd(): tf.Tensor1D {
    if (!this.logStd) throw new Error("clampedLogStd: the policy is not Gaussian");
    return tf.clipByValue(this.logStd, this.options.logStdRange[0], this.options.logStdRange[1]) as tf.Tensor1D;
  }

  /**
   * pi(.|s) for observations `[B, obsDim]`. Call inside `tf.tidy`.
   * @param mask `[B, maskDim]` invalid-action mask (1 = allowed) for Discrete/MultiDiscrete
   */
  distribution(obs: tf.Tensor2D, mask?: tf.Tensor2D): Distribution {
    const out = this.actor.apply(obs);
    switch (this.kind) {
      case "gaussian":
        return new DiagGaussian(out, this.clampedLogStd());
      case "multi-categorical":
        return new MultiCategorical(out, (this.actionSpace as MultiDiscrete).nvec, mask);
      case "bernoulli":
        return new Bernoulli(out);
      default:
        return new Categorical(out, mask);
    }
  }

  /** V(s) `[B]` for observations `[B, obsDim]`. Call inside `tf.tidy`. */
  value(obs: tf.Tensor2D): tf.Tensor1D {
    return this.critic.apply(obs).reshape([-1]) as tf.Tensor1D;
  }

  /**
   * Samples actions for a batch of observations in one backend call and one read.
   * @param obs `[B * obsDim]` (already normalised) @param noise `[B * noiseDim]` from our RNG
   * @param deterministic take the mode instead of a sample (evaluation)
   * @param masks `[B * maskDim]` invalid-action masks, or undefined when no env gives masks
   * @param critic false skips the critic (GRPO's rollout); `values` is then empty
   */
  act(obs: Float32Array, batch: number, noise: Float32Array, deterministic = false, masks?: Float32Array, critic = true): ActResult {
    const out = tf.tidy(() => {
      const x = tf.tensor2d(obs, [batch, this.obsDim]);
      const dist = this.distribution(x, masks && this.maskDim > 0 ? tf.tensor2d(masks, [batch, this.maskDim]) : undefined);
      const a = deterministic ? dist.mode() : dist.sampleWithNoise(tf.tensor2d(noise, [batch, this.noiseDim]));
      const logp = dist.logProb(a);
      const a2 = a.reshape([batch, this.actionDim]);
      const cols = [a2, logp.reshape([batch, 1])];
      if (critic) cols.push(this.value(x).reshape([batch, 1]));
      return tf.concat(cols, 1);
    });
    const data = out.dataSync() as Float32Array;
    out.dispose();
    const cols = this.actionDim + (critic ? 2 : 1);
    const actions = new Float32Array(batch * this.actionDim);
    const logProbs = new Float32Array(batch);
    const values = new Float32Array(critic ? batch : 0);
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < this.actionDim; j++) actions[i * this.actionDim + j] = data[i * cols + j];
      logProbs[i] = data[i * cols + this.actionDim];
      if (critic) values[i] = data[i * cols + this.actionDim + 1];
    }
    return { actions, logProbs, values };
  }

  /** V(s) for `[B * obsDim]` observations. @returns `[B]` */
  predictValues(obs: Float32Array, batch: number): Float32Array {
    const out = tf.tidy(() => this.value(tf.tensor2d(obs, [batch, this.obsDim])));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  }

  /** Current std `[d]` (Gaussian) read back to JS. */
  stdValues(): Float32Array | undefined {
    if (!this.logStd) return undefined;
    const t = tf.tidy(() => tf.exp(this.clampedLogStd()));
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  }

  /** Parameter values by stable name, for checkpoints. */
  getWeights(): Record<string, { shape: number[]; data: Float32Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const p of this.params) out[p.name] = { shape: [...p.variable.shape], data: p.variable.dataSync() as Float32Array };
    return out;
  }

  /** @throws Error when a parameter is missing or has the wrong shape. */
  setWeights(weights: Record<string, { shape: number[]; data: Float32Array }>): void {
    for (const p of this.params) {
      const w = weights[p.name];
      if (!w) throw new Error(`checkpoint has no parameter ${p.name}`);
      if (w.shape.join(",") !== p.variable.shape.join(",")) {
        throw new Error(`checkpoint parameter ${p.name} has shape [${w.shape}] but the network needs [${p.variable.shape}]`);
      }
      p.variable.assign(tf.tensor(w.data, p.variable.shape));
    }
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
  }
}
