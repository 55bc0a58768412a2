/**
 * Recording one episode with the current policy on a separate env copy, for the replay player: per step the
 * observation, the action, the reward, terminated/truncated, V(s), the action distribution, its entropy and the frame
 * from `render()`.
 *
 * The recording never disturbs training: it runs on its own env (not one of the training copies), draws its sampling
 * noise from its own generator seeded with the recorded seed (never the trainer's), reads the observation
 * normalisation statistics without updating them, and only evaluates the networks (no gradient, no optimizer state).
 * The observation goes through the same encoder (vector-env.ts) and normaliser (normalize.ts) as in training.
 */
import type { Env, Frame } from "../env";
import type { ObservationNormalizer } from "../envs/normalize";
import { TimeLimit } from "../envs/time-limit";
import { SyncVectorEnv } from "../envs/vector-env";
import { Rng } from "../rng";
import { Box, DictSpace, Discrete, MultiBinary, MultiDiscrete, TupleSpace, type Space } from "../spaces";
import { ReplayBuilder, type DistributionLayout } from "./format";
import type { RenderFrame, ReplaySpaces } from "./types";

export interface RecordOptions {
  /** Seed passed to the env's `reset` and to the sampling noise generator. */
  seed: number;
  /** Take the most likely action (argmax / mean) instead of sampling. */
  deterministic: boolean;
  /** Stop after this many steps even if the episode has not ended (safety for envs without a time limit). */
  maxSteps?: number;
  /** Stop storing frames (null from then on) once the frames take more than this many bytes. */
  maxFrameBytes?: number;
  /** Deflate frames (default true). */
  compress?: boolean;
  /**
   * Record V(s) (default true). False for policies without a trained critic (GRPO): the value column then holds NaN
   * ("no value") and the player hides V(s).
   */
  values?: boolean;
}

/** A recorded episode, ready for `ReplayStore.save`. */
export interface RecordedEpisode {
  builder: ReplayBuilder;
  /** Sum of the env's raw rewards. */
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
  seed: number;
  deterministic: boolean;
  /** Why frames are missing (render() threw or returned something that is not a frame), when they are. */
  frameProblem?: string;
}

/** The env's own `render`, looking through the trainer's TimeLimit wrapper (which always defines one). */
export function renderOf(env: Env): (() => Frame) | undefined {
  const inner = env instanceof TimeLimit ? env.env : env;
  if (typeof inner.render !== "function") return undefined;
  return () => inner.render!();
}

function labelsFromSpec(spec: unknown, n: number): string[] | undefined {
  const labels = (spec as { labels?: unknown } | null)?.labels;
  return Array.isArray(labels) && labels.length === n && labels.every((l) => typeof l === "string") ? (labels as string[]) : undefined;
}

/**
 * Labels of the flat encoded observation: the space's own `labels` (an optional array of strings on a Box, Discrete
 * or MultiBinary spec, one per element) when given, else "x[i]" (Box, MultiBinary), "x=v" per one-hot entry
 * (Discrete), "x[i]=v" (MultiDiscrete), with Dict keys and Tuple indices as prefixes.
 */
export function observationLabels(space: Space, prefix = "x"): string[] {
  if (space instanceof Discrete) return Array.from({ length: space.n }, (_, k) => `${prefix}=${space.start + k}`);
  if (space instanceof MultiDiscrete) return space.nvec.flatMap((n, i) => Array.from({ length: n }, (_, k) => `${prefix}[${i}]=${space.start[i] + k}`));
  if (space instanceof DictSpace) return space.entries.flatMap(([k, sp]) => observationLabels(sp, prefix === "x" ? k : `${prefix}.${k}`));
  if (space instanceof TupleSpace) return space.spaces.flatMap((sp, i) => observationLabels(sp, `${prefix}[${i}]`));
  const own = labelsFromSpec(space.spec, space.flatDim);
  if (own) return prefix === "x" ? own : own.map((l) => `${prefix}.${l}`);
  return Array.from({ length: space.flatDim }, (_, i) => `${prefix}[${i}]`);
}

/** The labels, kind and bounds the player needs for an action space. */
export function replaySpaces(observationSpace: Space, actionSpace: Space): ReplaySpaces {
  const observationLabelsList = observationLabels(observationSpace);
  if (actionSpace instanceof Discrete) {
    return { observationLabels: observationLabelsList, actionLabels: labelsFromSpec(actionSpace.spec, 1) ?? ["action"], actionKind: "discrete", actionNvec: [actionSpace.n], actionStart: [actionSpace.start] };
  }
  if (actionSpace instanceof MultiDiscrete) {
    const n = actionSpace.nvec.length;
    return {
      observationLabels: observationLabelsList,
      actionLabels: labelsFromSpec(actionSpace.spec, n) ?? Array.from({ length: n }, (_, i) => `action[${i}]`),
      actionKind: "discrete",
      actionNvec: [...actionSpace.nvec],
      actionStart: [...actionSpace.start],
    };
  }
  const n = actionSpace.flatDim;
  const actionLabels = labelsFromSpec(actionSpace.spec, n) ?? Array.from({ length: n }, (_, i) => `action[${i}]`);
  if (actionSpace instanceof MultiBinary) return { observationLabels: observationLabelsList, actionLabels, actionKind: "binary" };
  const box = actionSpace as Box;
  return { observationLabels: observationLabelsList, actionLabels, actionKind: "continuous", actionLow: Array.from(box.low), actionHigh: Array.from(box.high) };
}

/** Anything that hands out its parameters by the stable names of policy.ts (both compute engines do). */
export interface WeightsSource {
  getWeights(): Record<string, { shape: number[]; data: Float32Array }>;
}

const LOG_2PI = Math.log(2 * Math.PI);
/** Logit of an invalid action, as distributions.ts `applyMask`. */
const MASKED_LOGIT = -1e8;

/**
 * A frozen copy of the policy's parameters with a plain-JS forward pass, for recording: the same networks (policy.ts:
 * MLPs with hidden `activation` and a linear output, parameters `actor/<l>/kernel` `[in, out]`, `actor/<l>/bias`,
 * `critic/...`, `log_std`) and the same distributions (distributions.ts) as training, whichever compute engine trains.
 * A copy taken between updates, so recording never touches the training engine's state.
 */
export class PolicySnapshot {
  private readonly actor: { w: Float64Array; b: Float64Array; inDim: number; outDim: number }[];
  private readonly critic: { w: Float64Array; b: Float64Array; inDim: number; outDim: number }[];
  private readonly logStd: Float64Array | undefined;
  readonly layout: DistributionLayout;
  readonly actionDim: number;
  readonly noiseDim: number;
  readonly noiseKind: "uniform" | "normal";
  readonly maskDim: number;

  /**
   * @param policy the training policy (its weights are copied) @param actionSpace its action space
   * @param activation and @param logStdRange as in the run's config
   * @throws Error when a parameter is missing
   */
  constructor(
    policy: WeightsSource,
    readonly obsDim: number,
    readonly actionSpace: Space,
    readonly activation: "tanh" | "relu",
    logStdRange: [number, number],
  ) {
    const weights = policy.getWeights();
    const layers = (name: string): { w: Float64Array; b: Float64Array; inDim: number; outDim: number }[] => {
      const out: { w: Float64Array; b: Float64Array; inDim: number; outDim: number }[] = [];
      for (let l = 0; weights[`${name}/${l}/kernel`]; l++) {
        const k = weights[`${name}/${l}/kernel`];
        const b = weights[`${name}/${l}/bias`];
        if (!b) throw new Error(`the policy has ${name}/${l}/kernel but no ${name}/${l}/bias`);
        out.push({ w: Float64Array.from(k.data), b: Float64Array.from(b.data), inDim: k.shape[0], outDim: k.shape[1] });
      }
      if (out.length === 0) throw new Error(`the policy has no ${name} network parameters (${name}/0/kernel)`);
      return out;
    };
    this.actor = layers("actor");
    this.critic = layers("critic");
    const sp = actionSpace;
    if (sp instanceof Discrete) {
      this.layout = { kind: "categorical", nvec: [sp.n] };
      this.actionDim = 1;
    } else if (sp instanceof MultiDiscrete) {
      this.layout = { kind: "categorical", nvec: [...sp.nvec] };
      this.actionDim = sp.nvec.length;
    } else if (sp instanceof MultiBinary) {
      this.layout = { kind: "bernoulli", n: sp.n };
      this.actionDim = sp.n;
    } else {
      this.layout = { kind: "gaussian", dim: sp.flatDim };
      this.actionDim = sp.flatDim;
      const ls = weights["log_std"];
      if (!ls) throw new Error("a Gaussian policy needs its log_std parameter");
      this.logStd = Float64Array.from(ls.data, (v) => Math.min(Math.max(v, logStdRange[0]), logStdRange[1]));
    }
    this.noiseKind = this.layout.kind === "gaussian" ? "normal" : "uniform";
    this.noiseDim = this.layout.kind === "categorical" ? this.layout.nvec.reduce((a, b) => a + b, 0) : this.actionDim;
    this.maskDim = this.layout.kind === "categorical" ? this.noiseDim : 0;
  }

  private mlp(layers: { w: Float64Array; b: Float64Array; inDim: number; outDim: number }[], x: ArrayLike<number>): Float64Array {
    let h = Float64Array.from(x);
    for (let l = 0; l < layers.length; l++) {
      const { w, b, inDim, outDim } = layers[l];
      const out = Float64Array.from(b);
      // Row-major kernel [in, out]: out_j = b_j + sum_k h_k w[k, j], read contiguously.
      for (let k = 0; k < inDim; k++) {
        const hk = h[k];
        const row = k * outDim;
        for (let j = 0; j < outDim; j++) out[j] += hk * w[row + j];
      }
      if (l + 1 < layers.length) {
        if (this.activation === "tanh") for (let j = 0; j < outDim; j++) out[j] = Math.tanh(out[j]);
        else for (let j = 0; j < outDim; j++) out[j] = out[j] > 0 ? out[j] : 0;
      }
      h = out;
    }
    return h;
  }

  /**
   * pi(.|s) and V(s) for one observation, and the action taken.
   * @param obs `[obsDim]` normalised observation @param noise `[noiseDim]` uniforms in (0, 1) (Gumbel-max for
   *   categoricals, threshold for Bernoullis) or N(0, 1) draws (Gaussian)
   * @param mask `[maskDim]` invalid-action mask (1 = allowed) or undefined
   * @param withValue false skips the critic (V(s) is then NaN: no value)
   * @returns action `[actionDim]` (class indices / raw Gaussian sample), params `[distributionWidth]` (probabilities,
   *   or mean then std), entropy in nats, V(s)
   */
  step(obs: ArrayLike<number>, noise: ArrayLike<number>, deterministic: boolean, mask?: ArrayLike<number>, withValue = true): { action: number[]; params: number[]; entropy: number; value: number } {
    const out = this.mlp(this.actor, obs);
    const value = withValue ? this.mlp(this.critic, obs)[0] : NaN;
    const action: number[] = [];
    const params: number[] = [];
    let entropy = 0;
    const layout = this.layout;
    if (layout.kind === "categorical") {
      let o = 0;
      for (const n of layout.nvec) {
        const logits = Array.from({ length: n }, (_, k) => (mask && mask[o + k] === 0 ? MASKED_LOGIT : out[o + k]));
        const max = Math.max(...logits);
        const lse = max + Math.log(logits.reduce((a, l) => a + Math.exp(l - max), 0));
        let best = 0;
        let bestScore = -Infinity;
        for (let k = 0; k < n; k++) {
          const logp = logits[k] - lse;
          const p = Math.exp(logp);
          params.push(p);
          if (p > 0) entropy -= p * logp;
          const score = deterministic ? logits[k] : logits[k] - Math.log(-Math.log(noise[o + k]));
          if (score > bestScore) {
            bestScore = score;
            best = k;
          }
        }
        action.push(best);
        o += n;
      }
    } else if (layout.kind === "bernoulli") {
      for (let i = 0; i < layout.n; i++) {
        const p = 1 / (1 + Math.exp(-out[i]));
        params.push(p);
        if (p > 0 && p < 1) entropy -= p * Math.log(p) + (1 - p) * Math.log(1 - p);
        action.push(deterministic ? (out[i] > 0 ? 1 : 0) : noise[i] < p ? 1 : 0);
      }
    } else {
      const std: number[] = [];
      for (let i = 0; i < layout.dim; i++) {
        const s = Math.exp(this.logStd![i]);
        std.push(s);
        params.push(out[i]);
        entropy += 0.5 + 0.5 * LOG_2PI + this.logStd![i];
        action.push(deterministic ? out[i] : out[i] + s * noise[i]);
      }
      params.push(...std);
    }
    return { action, params, entropy, value };
  }
  /**
   * log pi(a|s) of a given action under this frozen policy: what a KL-to-reference penalty needs (the reference
   * policy's log-probability of the action the training policy took).
   * @param obs `[obsDim]` normalised observation @param action `[actionDim]` class indices (0-based) or the raw
   *   (unclipped) Gaussian sample, as the rollout stores it @param mask `[maskDim]` or undefined
   * @returns log-probability in nats (sum over components)
   */
  logProb(obs: ArrayLike<number>, action: ArrayLike<number>, mask?: ArrayLike<number>): number {
    const out = this.mlp(this.actor, obs);
    const layout = this.layout;
    let logp = 0;
    if (layout.kind === "categorical") {
      let o = 0;
      layout.nvec.forEach((n, c) => {
        let max = -Infinity;
        for (let k = 0; k < n; k++) max = Math.max(max, mask && mask[o + k] === 0 ? MASKED_LOGIT : out[o + k]);
        let sum = 0;
        for (let k = 0; k < n; k++) sum += Math.exp((mask && mask[o + k] === 0 ? MASKED_LOGIT : out[o + k]) - max);
        const a = action[c];
        const la = mask && mask[o + a] === 0 ? MASKED_LOGIT : out[o + a];
        logp += la - max - Math.log(sum);
        o += n;
      });
    } else if (layout.kind === "bernoulli") {
      for (let i = 0; i < layout.n; i++) {
        const l = out[i];
        // log sigmoid(l) = -softplus(-l), log(1 - sigmoid(l)) = -softplus(l), computed stably.
        const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
        logp += action[i] >= 0.5 ? -softplus(-l) : -softplus(l);
      }
    } else {
      for (let i = 0; i < layout.dim; i++) {
        const s = this.logStd![i];
        const z = (action[i] - out[i]) / Math.exp(s);
        logp += -0.5 * z * z - s - 0.5 * LOG_2PI;
      }
    }
    return logp;
  }
}

/** A frame as the store accepts it, or a reason why `f` is not one (checked lightly; the env checker validates fully). */
function asFrame(f: unknown): RenderFrame | string {
  if (f === null || typeof f !== "object") return `render() returned ${f === null ? "null" : typeof f}, not a frame object`;
  const type = (f as { type?: unknown }).type;
  if (type !== "rgb" && type !== "scene" && type !== "text") return `render() returned a frame of type ${JSON.stringify(type)}; use "rgb", "scene" or "text"`;
  return f as RenderFrame;
}

/**
 * Plays one episode on `env` (a fresh copy, with the run's time limit) with `policy` and records it.
 * @param normalizer the training run's observation normaliser (its statistics are only read), or undefined
 * @throws EnvContractError when the env breaks the contract (as in training); render() problems only drop frames.
 */
export function recordEpisode(policy: PolicySnapshot, normalizer: ObservationNormalizer | undefined, env: Env, opts: RecordOptions): RecordedEpisode {
  const vec = new SyncVectorEnv([env]);
  if (vec.obsDim !== policy.obsDim) throw new Error(`the recording env's observations have ${vec.obsDim} numbers; the policy takes ${policy.obsDim}`);
  const builder = new ReplayBuilder(vec.obsDim, policy.actionDim, policy.layout, replaySpaces(vec.observationSpace, vec.actionSpace), opts.compress ?? true);
  const rng = new Rng(opts.seed);
  const render = renderOf(env);
  const maxSteps = opts.maxSteps ?? 100_000;
  const maxFrameBytes = opts.maxFrameBytes ?? Infinity;
  const box = vec.actionSpace instanceof Box;
  let frameProblem: string | undefined;
  let framesOn = render !== undefined;
  let obs = vec.reset(opts.seed);
  let terminated = false;
  let truncated = false;
  const noise = new Float32Array(policy.noiseDim);
  const normObs = new Float32Array(vec.obsDim);
  while (builder.length < maxSteps) {
    let frame: RenderFrame | null = null;
    if (framesOn && render) {
      try {
        const f = asFrame(render());
        if (typeof f === "string") {
          frameProblem = f;
          framesOn = false;
        } else frame = f;
      } catch (e) {
        frameProblem = `render() threw: ${(e as Error).message}`;
        framesOn = false;
      }
    }
    for (let i = 0; i < noise.length; i++) noise[i] = policy.noiseKind === "normal" ? rng.normal() : Math.min(Math.max(rng.uniform(), 1e-7), 1 - 1e-7);
    const x = normalizer ? normalizer.normalize(obs, 1, normObs) : obs;
    const masks = vec.masksSeen && policy.maskDim > 0 ? vec.masks : undefined;
    const out = policy.step(x, noise, opts.deterministic, masks, opts.values ?? true);
    const stored = Float32Array.from(out.action);
    // The action as sent to the env: Box keeps the raw sample (the env gets it clipped); discrete ones get `start`.
    const sent = box ? Array.from(stored) : [vec.decoder.decode(stored, 0)].flat();
    const step = vec.step(stored, policy.actionDim);
    terminated = step.terminated[0] === 1;
    truncated = step.truncated[0] === 1;
    const hadFrame = frame !== null;
    builder.push({
      observation: obs,
      action: sent,
      reward: step.rewards[0],
      terminated,
      truncated,
      value: out.value,
      entropy: out.entropy,
      distribution: out.params,
      frame,
    });
    if (hadFrame && builder.approxBytes > maxFrameBytes) {
      framesOn = false;
      frameProblem = `frames stopped after step ${builder.length}: they exceed ${maxFrameBytes} bytes`;
    }
    if (terminated || truncated) break;
    obs = step.observations;
  }
  return { builder, return: builder.episodeReturn, length: builder.length, terminated, truncated, seed: opts.seed, deterministic: opts.deterministic, frameProblem };
}
