/**
 * Training on a learned reward (RLHF in miniature): an env wrapper whose reward is the reward model's output for the
 * step's (observation, action), while the env's own reward is still summed per episode so that the true return can be
 * logged next to it (`true_ep_rew_mean`), as in Christiano et al. 2017's "true reward" curves.
 */
import type { Action, Env, Frame, ResetOptions, ResetResult, StepResult } from "../env";
import { ActionDecoder, ObservationEncoder, encodedDim, type VectorEnv, type VectorStepResult } from "../envs/vector-env";
import { Box, Discrete, MultiBinary, MultiDiscrete, makeSpace, type Space } from "../spaces";

/**
 * The reward model's input for one step: the encoded observation (as the policy sees it, before normalisation)
 * followed by the action: one-hot per component for Discrete/MultiDiscrete (0-based), 0/1 for MultiBinary, the
 * (clipped) vector for Box.
 */
export class RewardFeaturizer {
  readonly dim: number;
  readonly obsDim: number;
  private readonly encoder: ObservationEncoder;
  private readonly actionSpace: Space;

  /** @throws SpaceError when a space spec is malformed. */
  constructor(observationSpace: unknown, actionSpace: unknown) {
    const obs = makeSpace(observationSpace, "observationSpace");
    this.actionSpace = makeSpace(actionSpace, "actionSpace");
    this.encoder = new ObservationEncoder(obs);
    this.obsDim = this.encoder.dim;
    this.dim = this.obsDim + encodedDim(this.actionSpace);
  }

  /**
   * @param observation the observation the action was taken in, as the env returned it
   * @param action the action as the env received it (Discrete: `start + index`)
   * @returns `[dim]`
   * @throws EnvContractError when the observation does not fit its space; RangeError for an out-of-range action.
   */
  features(observation: unknown, action: Action, out: Float32Array = new Float32Array(this.dim)): Float32Array {
    this.encoder.encode(observation, out, 0, "the env");
    return this.writeAction(action, out);
  }

  /**
   * The same features from an observation already encoded (a vector env's `[obsDim]` row, as ObservationEncoder
   * writes it), e.g. the Python bridge's observations.
   * @param encoded encoded observations; the row starts at `offset`
   * @returns `[dim]`
   * @throws RangeError for an out-of-range action.
   */
  featuresOfEncoded(encoded: ArrayLike<number>, offset: number, action: Action, out: Float32Array = new Float32Array(this.dim)): Float32Array {
    for (let i = 0; i < this.obsDim; i++) out[i] = encoded[offset + i];
    return this.writeAction(action, out);
  }

  /** Writes the action part of the features (after the observation's `obsDim` values) into `out`. */
  private writeAction(action: Action, out: Float32Array): Float32Array {
    const sp = this.actionSpace;
    const o = this.obsDim;
    out.fill(0, o);
    const arr = typeof action === "number" ? [action] : action;
    if (sp instanceof Discrete) {
      const k = arr[0] - sp.start;
      if (!Number.isInteger(k) || k < 0 || k >= sp.n) throw new RangeError(`reward features: action ${arr[0]} is outside the Discrete(${sp.n}) space`);
      out[o + k] = 1;
    } else if (sp instanceof MultiDiscrete) {
      let base = o;
      sp.nvec.forEach((n, i) => {
        const k = arr[i] - sp.start[i];
        if (!Number.isInteger(k) || k < 0 || k >= n) throw new RangeError(`reward features: action component ${i} = ${arr[i]} is outside 0..${n - 1}`);
        out[base + k] = 1;
        base += n;
      });
    } else if (sp instanceof MultiBinary || sp instanceof Box) {
      for (let i = 0; i < sp.flatDim; i++) out[o + i] = arr[i];
    }
    return out;
  }
}

/**
 * True (env) episode returns collected by the wrappers of one run, oldest first, capped at `capacity`.
 *
 * With `followTrainer`, the window holds the same episodes as the trainer's `ep_rew_mean` / `ep_len_mean` window: a
 * wrapper's finished episode joins it only when the trainer counts that env's episode ({@link countEpisode}). Without
 * it, every episode a wrapper finishes joins. The difference matters for GRPO, which keeps stepping the env copies of
 * a group that already finished (their extra, short episodes are not training episodes), and for a stats window size
 * other than `capacity`.
 */
export class TrueReturnLog {
  readonly returns: number[] = [];
  /** env index -> true return of its latest finished episode not yet counted (followTrainer only). */
  private readonly pending: Map<number, number> | undefined;

  /**
   * @param capacity episodes kept (pass the run's `statsWindowSize`)
   * @param followTrainer count only the episodes the trainer reports through {@link countEpisode}
   */
  constructor(
    readonly capacity = 100,
    followTrainer = false,
  ) {
    this.pending = followTrainer ? new Map() : undefined;
  }

  /** A wrapper of env copy `envIndex` finished an episode whose env rewards sum to `ret`. */
  finished(envIndex: number, ret: number): void {
    if (this.pending) this.pending.set(envIndex, ret);
    else this.push(ret);
  }

  /**
   * The trainer counted an episode of env copy `envIndex` in its stats window (call it from the trainer's episode
   * callback, right after the step that ended it): that copy's latest finished true return joins the window. Does
   * nothing without `followTrainer` or when that copy has no uncounted episode.
   */
  countEpisode(envIndex: number): void {
    const ret = this.pending?.get(envIndex);
    if (ret === undefined) return;
    this.pending!.delete(envIndex);
    this.push(ret);
  }

  /** Appends a true return (dropping the oldest beyond `capacity`). */
  push(ret: number): void {
    this.returns.push(ret);
    if (this.returns.length > this.capacity) this.returns.shift();
  }
  /** Mean of the kept true returns (NaN when no episode has finished): the `true_ep_rew_mean` metric. */
  mean(): number {
    return this.returns.length ? this.returns.reduce((s, r) => s + r, 0) / this.returns.length : NaN;
  }
}

/**
 * Wraps an env so that `reward` = `rewardFn(features(s_t, a_t))`; the env's own reward goes to `info.trueReward` and
 * finished episodes' true returns to `log`. Put it outside the TimeLimit wrapper so truncations count as episode ends.
 */
export class LearnedRewardEnv implements Env {
  private lastObservation: unknown;
  private trueReturn = 0;
  private readonly buf: Float32Array<ArrayBufferLike>;

  constructor(
    readonly env: Env,
    private readonly featurizer: RewardFeaturizer,
    private readonly rewardFn: (features: ArrayLike<number>) => number,
    private readonly log: TrueReturnLog,
    /** This copy's index in the vector env (matches the trainer's `EpisodeRecord.envIndex`). */
    private readonly envIndex = 0,
  ) {
    this.buf = new Float32Array(featurizer.dim);
  }
  get observationSpace() {
    return this.env.observationSpace;
  }
  get actionSpace() {
    return this.env.actionSpace;
  }
  /** The wrapped env's tasks (see Env.tasks). */
  get tasks(): readonly unknown[] | undefined {
    return this.env.tasks;
  }
  reset(options?: ResetOptions): ResetResult {
    const r = this.env.reset(options);
    this.lastObservation = r?.observation;
    this.trueReturn = 0;
    return r;
  }
  step(action: Action): StepResult {
    const r = this.env.step(action);
    // A malformed result passes through untouched so the vector env's contract check reports it.
    if (r === null || typeof r !== "object" || Array.isArray(r)) return r;
    const reward = this.rewardFn(this.featurizer.features(this.lastObservation, action, this.buf));
    this.lastObservation = r.observation;
    this.trueReturn += r.reward;
    if (r.terminated || r.truncated) {
      this.log.finished(this.envIndex, this.trueReturn);
      this.trueReturn = 0;
    }
    return { ...r, reward, info: { ...(r.info ?? {}), trueReward: r.reward } };
  }
  render(): Frame {
    if (!this.env.render) throw new Error("the wrapped env has no render()");
    return this.env.render();
  }
  close(): void {
    this.env.close?.();
  }
}

/**
 * The vector-env form of {@link LearnedRewardEnv}, for vector envs whose copies cannot be wrapped one by one (the
 * Python bridge): `rewards[e]` = `rewardFn(features(o_t, a_t))` from the encoded observation the action was taken in
 * and the action as the env received it (ActionDecoder: Discrete `start + index`, Box clipped), so the features equal
 * the per-env wrapper's. Episode records carry the learned return (as `ep_rew_mean` does for wrapped envs); the env's
 * own returns go to `log` (`true_ep_rew_mean`). `resetEach` exists when the wrapped env has it (GRPO).
 */
export class LearnedRewardVectorEnv implements VectorEnv {
  readonly resetEach?: (seeds: readonly number[], tasks?: readonly unknown[]) => Float32Array;
  private readonly current: Float32Array;
  private readonly trueReturns: Float64Array;
  private readonly learnedReturns: Float64Array;
  private readonly decoder: ActionDecoder;
  private readonly buf: Float32Array;

  /** @throws RangeError when the featurizer's observation size is not the vector env's `obsDim`. */
  constructor(
    readonly env: VectorEnv,
    private readonly featurizer: RewardFeaturizer,
    private readonly rewardFn: (features: ArrayLike<number>) => number,
    private readonly log: TrueReturnLog,
  ) {
    if (featurizer.obsDim !== env.obsDim) throw new RangeError(`the reward model reads ${featurizer.obsDim} observation values, the env gives ${env.obsDim}`);
    this.current = new Float32Array(env.nEnvs * env.obsDim);
    this.trueReturns = new Float64Array(env.nEnvs);
    this.learnedReturns = new Float64Array(env.nEnvs);
    this.decoder = new ActionDecoder(env.actionSpace);
    this.buf = new Float32Array(featurizer.dim);
    const resetEach = env.resetEach;
    if (resetEach) this.resetEach = (seeds, tasks) => this.started(resetEach.call(env, seeds, tasks));
  }
  get observationSpace() {
    return this.env.observationSpace;
  }
  get actionSpace() {
    return this.env.actionSpace;
  }
  get obsDim(): number {
    return this.env.obsDim;
  }
  get maskDim(): number {
    return this.env.maskDim;
  }
  get masks(): Float32Array {
    return this.env.masks;
  }
  get masksSeen(): boolean {
    return this.env.masksSeen;
  }
  get nEnvs(): number {
    return this.env.nEnvs;
  }
  get tasks(): unknown {
    return this.env.tasks;
  }

  reset(seed: number): Float32Array {
    return this.started(this.env.reset(seed));
  }

  private started(observations: Float32Array): Float32Array {
    this.current.set(observations);
    this.trueReturns.fill(0);
    this.learnedReturns.fill(0);
    return observations;
  }

  /** Steps the wrapped env and replaces its rewards (and its episodes' returns) by the learned ones. */
  step(actions: Float32Array, actionDim: number): VectorStepResult {
    const r = this.env.step(actions, actionDim);
    const d = this.env.obsDim;
    const learnedReturnOf = new Map<number, number>();
    for (let e = 0; e < this.env.nEnvs; e++) {
      const action = this.decoder.decode(actions, e * actionDim);
      const reward = this.rewardFn(this.featurizer.featuresOfEncoded(this.current, e * d, action, this.buf));
      this.trueReturns[e] += r.rewards[e];
      this.learnedReturns[e] += reward;
      r.rewards[e] = reward;
      if (r.terminated[e] || r.truncated[e]) {
        this.log.finished(e, this.trueReturns[e]);
        learnedReturnOf.set(e, this.learnedReturns[e]);
        this.trueReturns[e] = 0;
        this.learnedReturns[e] = 0;
      }
    }
    for (const ep of r.episodes) ep.return = learnedReturnOf.get(ep.envIndex) ?? ep.return;
    this.current.set(r.observations);
    return r;
  }

  close(): void {
    this.env.close();
  }
}
