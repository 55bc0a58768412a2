/**
 * A synchronous vector env over N copies with same-step auto-reset (as SB3's `DummyVecEnv`): when an episode
 * ends, the copy is reset at once, the returned observation is the first of the new episode, and the real final
 * observation is kept for truncation bootstrapping.
 */
import type { Action, Env } from "../env";
import { Box, DictSpace, Discrete, MultiBinary, MultiDiscrete, TupleSpace, makeSpace, toNumberArray, type Space } from "../spaces";

/** A finished episode's statistics (Gymnasium's `RecordEpisodeStatistics`), on raw rewards. */
export interface EpisodeRecord {
  envIndex: number;
  /** Undiscounted sum of raw rewards. */
  return: number;
  /** Steps in the episode. */
  length: number;
  terminated: boolean;
  truncated: boolean;
}

export interface VectorStepResult {
  /** `[nEnvs * obsDim]` next observations (first of the new episode where one ended). */
  observations: Float32Array;
  /** `[nEnvs]` raw rewards. */
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Real final observation `[obsDim]` per env whose episode ended at this step, else null. */
  finalObservations: (Float32Array | null)[];
  episodes: EpisodeRecord[];
}

/** An env broke the contract during training; `message` says which env call, step and value. */
export class EnvContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvContractError";
  }
}

/** Length of the flat float32 encoding of an observation of `space`. */
export function encodedDim(space: Space): number {
  if (space instanceof Discrete) return space.n;
  if (space instanceof MultiDiscrete) return space.totalN;
  if (space instanceof DictSpace) return space.entries.reduce((a, [, sp]) => a + encodedDim(sp), 0);
  if (space instanceof TupleSpace) return space.spaces.reduce((a, sp) => a + encodedDim(sp), 0);
  return space.flatDim;
}

/**
 * Flattens observations into float32 vectors (as SB3's `preprocess_obs`): Box as is (row-major), Discrete one-hot,
 * MultiDiscrete one-hot per component (concatenated), MultiBinary as 0/1 floats, Dict in sorted key order and Tuple in
 * order, each part encoded by these rules.
 */
export class ObservationEncoder {
  readonly dim: number;
  constructor(readonly space: Space) {
    this.dim = encodedDim(space);
  }
  /** Writes the encoding of `obs` into `out` at `offset`. @throws EnvContractError on a wrong size or non-number. */
  encode(obs: unknown, out: Float32Array, offset: number, where: string): void {
    encodeInto(this.space, obs, out, offset, where, "observation");
  }
}

function oneHot(v: unknown, n: number, start: number, out: Float32Array, offset: number, where: string, path: string): void {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new EnvContractError(`${where} returned ${path} = ${describe(v)}; a discrete observation needs an integer`);
  }
  if (v < start || v >= start + n) {
    throw new EnvContractError(`${where} returned ${path} = ${v}; the discrete observation space holds ${start} .. ${start + n - 1}`);
  }
  out.fill(0, offset, offset + n);
  out[offset + v - start] = 1;
}

/** @returns the offset after the written encoding */
function encodeInto(space: Space, obs: unknown, out: Float32Array, offset: number, where: string, path: string): number {
  if (space instanceof Discrete) {
    oneHot(Array.isArray(obs) ? obs[0] : obs, space.n, space.start, out, offset, where, path);
    return offset + space.n;
  }
  if (space instanceof DictSpace) {
    if (obs === null || typeof obs !== "object" || Array.isArray(obs)) {
      throw new EnvContractError(`${where} returned ${path} = ${describe(obs)}; the Dict observation space needs an object with keys ${space.entries.map(([k]) => k).join(", ")}`);
    }
    let o = offset;
    for (const [k, sp] of space.entries) {
      if (!(k in obs)) throw new EnvContractError(`${where} returned ${path} without the key "${k}" of its Dict observation space`);
      o = encodeInto(sp, (obs as Record<string, unknown>)[k], out, o, where, `${path}.${k}`);
    }
    return o;
  }
  if (space instanceof TupleSpace) {
    if (!Array.isArray(obs) || obs.length !== space.spaces.length) {
      throw new EnvContractError(`${where} returned ${path} = ${describe(obs)}; the Tuple observation space needs an array of ${space.spaces.length} parts`);
    }
    let o = offset;
    space.spaces.forEach((sp, i) => (o = encodeInto(sp, obs[i], out, o, where, `${path}[${i}]`)));
    return o;
  }
  const arr = toNumberArray(obs);
  if (arr === undefined) {
    throw new EnvContractError(`${where} returned an ${path} that is not a number array: ${describe(obs)}`);
  }
  if (arr.length !== space.flatDim) {
    throw new EnvContractError(`${where} returned an ${path} of length ${arr.length}; its space has ${space.flatDim} elements`);
  }
  if (space instanceof MultiDiscrete) {
    let o = offset;
    for (let i = 0; i < arr.length; i++) {
      oneHot(arr[i], space.nvec[i], space.start[i], out, o, where, `${path}[${i}]`);
      o += space.nvec[i];
    }
    return o;
  }
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (!Number.isFinite(v)) {
      throw new EnvContractError(`${where} returned ${path}[${i}] = ${v}; observations must be finite numbers`);
    }
    out[offset + i] = v;
  }
  return offset + arr.length;
}

/** Converts a stored action row to what the env receives. */
export class ActionDecoder {
  constructor(readonly space: Space) {}
  /**
   * @param raw stored actions; the row starts at `offset`
   * @returns Discrete: `start + index`; MultiDiscrete: `start[i] + index[i]` per component; MultiBinary: 0/1 per
   *   component; Box: the sample clipped to the bounds (continuous detail 5: clip only the copy sent to the env).
   */
  decode(raw: ArrayLike<number>, offset: number): Action {
    const sp = this.space;
    if (sp instanceof Discrete) return sp.start + raw[offset];
    if (sp instanceof MultiDiscrete) return sp.nvec.map((_, i) => sp.start[i] + raw[offset + i]);
    if (sp instanceof MultiBinary) return Array.from({ length: sp.n }, (_, i) => raw[offset + i]);
    const box = sp as Box;
    const out = new Array<number>(box.flatDim);
    for (let i = 0; i < box.flatDim; i++) {
      const v = raw[offset + i];
      out[i] = v < box.low[i] ? box.low[i] : v > box.high[i] ? box.high[i] : v;
    }
    return out;
  }
}

/**
 * Length of an invalid-action mask for `space` (one 0/1 per logit), or 0 when masking does not apply
 * (masks exist for Discrete and MultiDiscrete action spaces, as sb3-contrib's MaskablePPO).
 */
export function maskDim(space: Space): number {
  if (space instanceof Discrete) return space.n;
  if (space instanceof MultiDiscrete) return space.totalN;
  return 0;
}

/**
 * What PPO's rollout loop needs from a vector env: N copies stepped together with same-step auto-reset (the real
 * final observation kept for truncation bootstrapping), encoded observations and invalid-action masks.
 * {@link SyncVectorEnv} implements it in process; the Python bridge (src/envs/python) over a subprocess.
 */
export interface VectorEnv {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Float32 values per encoded observation. */
  readonly obsDim: number;
  /** Numbers per action mask (0 when the action space cannot be masked). */
  readonly maskDim: number;
  /** `[nEnvs * maskDim]` current invalid-action masks (1 = allowed). */
  readonly masks: Float32Array;
  /** True once any env has given an action mask. */
  readonly masksSeen: boolean;
  readonly nEnvs: number;
  /** Resets every copy, env i with seed `seed + i`. @returns `[nEnvs * obsDim]` */
  reset(seed: number): Float32Array;
  /**
   * Resets env i with `seeds[i]`, and with `tasks[i]` as `options.task` when `tasks` is given (GRPO resets a whole
   * group with one seed and one task so its rollouts start from the same state). Optional: vector envs without it
   * cannot run GRPO. @returns `[nEnvs * obsDim]`
   */
  resetEach?(seeds: readonly number[], tasks?: readonly unknown[]): Float32Array;
  /** The envs' `tasks` (see Env.tasks) as the first copy exposes it, unchecked; undefined when it has none. */
  readonly tasks?: unknown;
  /** Steps every copy with its stored action row and auto-resets finished ones. */
  step(actions: Float32Array, actionDim: number): VectorStepResult;
  close(): void;
}

export class SyncVectorEnv implements VectorEnv {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly encoder: ObservationEncoder;
  readonly decoder: ActionDecoder;
  readonly obsDim: number;
  /** Numbers per action mask (0 when the action space cannot be masked). */
  readonly maskDim: number;
  /** `[nEnvs * maskDim]` current invalid-action masks (1 = allowed); all ones until an env gives `info.actionMask`. */
  readonly masks: Float32Array;
  /** True once any env has given an `info.actionMask`. */
  masksSeen = false;
  private readonly episodeReturns: Float64Array;
  private readonly episodeLengths: Int32Array;
  private readonly stepCounts: Int32Array;
  private current: Float32Array;

  /** @throws SpaceError when the first env's spaces are malformed. */
  constructor(readonly envs: Env[]) {
    if (envs.length < 1) throw new Error("a vector env needs at least one env");
    this.observationSpace = makeSpace(envs[0].observationSpace, "observationSpace");
    this.actionSpace = makeSpace(envs[0].actionSpace, "actionSpace");
    this.encoder = new ObservationEncoder(this.observationSpace);
    this.decoder = new ActionDecoder(this.actionSpace);
    this.obsDim = this.encoder.dim;
    this.episodeReturns = new Float64Array(envs.length);
    this.episodeLengths = new Int32Array(envs.length);
    this.stepCounts = new Int32Array(envs.length);
    this.current = new Float32Array(envs.length * this.obsDim);
    this.maskDim = maskDim(this.actionSpace);
    this.masks = new Float32Array(envs.length * this.maskDim).fill(1);
  }

  /**
   * Reads `info.actionMask` (numbers or booleans, one per action logit; MultiDiscrete: flat or one array per
   * component) into the mask row of env `i`; a missing mask allows every action.
   * @throws EnvContractError on a malformed mask or one that allows no action (of some component).
   */
  private readMask(info: unknown, i: number, where: string): void {
    if (this.maskDim === 0) return;
    const raw = info !== null && typeof info === "object" ? (info as { actionMask?: unknown }).actionMask : undefined;
    const row = this.masks.subarray(i * this.maskDim, (i + 1) * this.maskDim);
    if (raw === undefined || raw === null) {
      row.fill(1);
      return;
    }
    const flat: unknown[] = Array.isArray(raw) && raw.some(Array.isArray) ? (raw as unknown[][]).flat() : Array.isArray(raw) || ArrayBuffer.isView(raw) ? Array.from(raw as ArrayLike<unknown>) : [];
    if (flat.length !== this.maskDim) {
      throw new EnvContractError(`${where} returned info.actionMask with ${flat.length} entries; the action space needs ${this.maskDim} (one per action)`);
    }
    for (let k = 0; k < flat.length; k++) {
      const v = flat[k];
      if (v !== 0 && v !== 1 && v !== true && v !== false) {
        throw new EnvContractError(`${where} returned info.actionMask[${k}] = ${describe(v)}; use 1/true (allowed) or 0/false (invalid)`);
      }
      row[k] = v === 1 || v === true ? 1 : 0;
    }
    const groups = this.actionSpace instanceof MultiDiscrete ? this.actionSpace.nvec : [this.maskDim];
    let o = 0;
    groups.forEach((n, g) => {
      let any = false;
      for (let k = o; k < o + n; k++) if (row[k] === 1) any = true;
      if (!any) throw new EnvContractError(`${where} returned an info.actionMask that allows no action${groups.length > 1 ? ` in component ${g}` : ""}`);
      o += n;
    });
    this.masksSeen = true;
  }

  get nEnvs(): number {
    return this.envs.length;
  }

  /** Resets every copy, env i with seed `seed + i`. @returns `[nEnvs * obsDim]` */
  reset(seed: number): Float32Array {
    return this.resetEach(this.envs.map((_, i) => seed + i));
  }

  /** The first copy's `tasks` as the env file defines it (GRPO checks it; see Env.tasks). */
  get tasks(): unknown {
    return this.envs[0].tasks;
  }

  /**
   * Resets env i with `reset({ seed: seeds[i] })`, or `reset({ seed: seeds[i], task: tasks[i] })` when `tasks` is given.
   * @throws RangeError when there is not one seed (and one task, if given) per env.
   */
  resetEach(seeds: readonly number[], tasks?: readonly unknown[]): Float32Array {
    if (seeds.length !== this.envs.length) throw new RangeError(`resetEach: ${seeds.length} seeds for ${this.envs.length} envs`);
    if (tasks && tasks.length !== this.envs.length) throw new RangeError(`resetEach: ${tasks.length} tasks for ${this.envs.length} envs`);
    this.envs.forEach((env, i) => {
      const r = env.reset(tasks ? { seed: seeds[i], task: tasks[i] } : { seed: seeds[i] });
      this.checkResetResult(r, i);
      this.encoder.encode(r.observation, this.current, i * this.obsDim, `reset() of env ${i}`);
      this.readMask((r as { info?: unknown }).info, i, `reset() of env ${i}`);
    });
    this.episodeReturns.fill(0);
    this.episodeLengths.fill(0);
    return this.current.slice();
  }

  private checkResetResult(r: unknown, i: number): asserts r is { observation: unknown } {
    if (r === null || typeof r !== "object" || !("observation" in r)) {
      throw new EnvContractError(`reset() of env ${i} must return { observation, info? }, got ${describe(r)}`);
    }
  }

  /**
   * Steps every copy with its action and auto-resets finished ones.
   * @param actions `[nEnvs * actionDim]` stored actions @param actionDim numbers per action
   * @throws EnvContractError when an env returns a malformed result, a non-finite reward or observation.
   */
  step(actions: Float32Array, actionDim: number): VectorStepResult {
    const n = this.envs.length;
    const rewards = new Float64Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const finalObservations: (Float32Array | null)[] = new Array(n).fill(null);
    const episodes: EpisodeRecord[] = [];
    const next = new Float32Array(n * this.obsDim);
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      const action = this.decoder.decode(actions, i * actionDim);
      const r = env.step(action);
      this.stepCounts[i] += 1;
      const where = `step() of env ${i} (episode step ${this.episodeLengths[i] + 1})`;
      if (r === null || typeof r !== "object" || !("observation" in r)) {
        throw new EnvContractError(`${where} must return { observation, reward, terminated, truncated, info? }, got ${describe(r)}`);
      }
      if (typeof r.reward !== "number" || !Number.isFinite(r.reward)) {
        throw new EnvContractError(`${where} returned reward ${describe(r.reward)}; rewards must be finite numbers`);
      }
      if (typeof r.terminated !== "boolean" || typeof r.truncated !== "boolean") {
        throw new EnvContractError(
          `${where} returned terminated = ${describe(r.terminated)}, truncated = ${describe(r.truncated)}; both must be booleans`,
        );
      }
      this.encoder.encode(r.observation, next, i * this.obsDim, where);
      this.readMask(r.info, i, where);
      rewards[i] = r.reward;
      this.episodeReturns[i] += r.reward;
      this.episodeLengths[i] += 1;
      if (r.terminated || r.truncated) {
        terminated[i] = r.terminated ? 1 : 0;
        truncated[i] = r.terminated ? 0 : 1;
        finalObservations[i] = next.slice(i * this.obsDim, (i + 1) * this.obsDim);
        episodes.push({
          envIndex: i,
          return: this.episodeReturns[i],
          length: this.episodeLengths[i],
          terminated: r.terminated,
          truncated: !r.terminated,
        });
        this.episodeReturns[i] = 0;
        this.episodeLengths[i] = 0;
        const rr = env.reset();
        this.checkResetResult(rr, i);
        this.encoder.encode(rr.observation, next, i * this.obsDim, `reset() of env ${i}`);
        this.readMask((rr as { info?: unknown }).info, i, `reset() of env ${i}`);
      }
    }
    this.current = next;
    return { observations: next.slice(), rewards, terminated, truncated, finalObservations, episodes };
  }

  close(): void {
    for (const env of this.envs) env.close?.();
  }
}

/**
 * A value as it appears in a message: numbers as JavaScript prints them (NaN, Infinity; diagnostics/nonfinite.ts
 * parses those), everything else JSON-quoted (`"1"`, `{"x":1}`), `undefined` spelled out; at most 80 characters.
 */
function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return String(v);
  }
}
