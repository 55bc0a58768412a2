/**
 * A synchronous vector env over N copies with same-step auto-reset (as SB3's `DummyVecEnv`): when an episode
 * ends, the copy is reset at once, the returned observation is the first of the new episode, and the real final
 * observation is kept for truncation bootstrapping.
 */
import type { Action, Env } from "../env";
import { Box, Discrete, makeSpace, toNumberArray, type Space } from "../spaces";

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

/** Flattens observations into float32 vectors: Box as is (row-major), Discrete as one-hot (as SB3). */
export class ObservationEncoder {
  readonly dim: number;
  constructor(readonly space: Space) {
    this.dim = space instanceof Discrete ? space.n : space.flatDim;
  }
  /** Writes the encoding of `obs` into `out` at `offset`. @throws EnvContractError on a wrong size or non-number. */
  encode(obs: unknown, out: Float32Array, offset: number, where: string): void {
    if (this.space instanceof Discrete) {
      const v = Array.isArray(obs) ? obs[0] : obs;
      if (typeof v !== "number" || !Number.isInteger(v)) {
        throw new EnvContractError(`${where} returned observation ${JSON.stringify(obs)}; the Discrete observation space needs an integer`);
      }
      if (v < this.space.start || v >= this.space.start + this.space.n) {
        throw new EnvContractError(
          `${where} returned observation ${v}; the Discrete observation space holds ${this.space.start} .. ${this.space.start + this.space.n - 1}`,
        );
      }
      out.fill(0, offset, offset + this.dim);
      out[offset + v - this.space.start] = 1;
      return;
    }
    const arr = toNumberArray(obs);
    if (arr === undefined) {
      throw new EnvContractError(`${where} returned an observation that is not a number array: ${String(obs).slice(0, 80)}`);
    }
    if (arr.length !== this.dim) {
      throw new EnvContractError(`${where} returned an observation of length ${arr.length}; observationSpace has ${this.dim} elements`);
    }
    for (let i = 0; i < this.dim; i++) {
      const v = arr[i];
      if (!Number.isFinite(v)) {
        throw new EnvContractError(`${where} returned observation[${i}] = ${v}; observations must be finite numbers`);
      }
      out[offset + i] = v;
    }
  }
}

/** Converts a stored action row to what the env receives. */
export class ActionDecoder {
  constructor(readonly space: Space) {}
  /**
   * @param raw `[actionDim]` stored action (class index, or unclipped Gaussian sample)
   * @returns Discrete: `start + index`; Box: the sample clipped to the bounds (continuous detail 5: clip only the
   *   copy sent to the env).
   */
  decode(raw: ArrayLike<number>, offset: number): Action {
    if (this.space instanceof Discrete) return this.space.start + raw[offset];
    const box = this.space as Box;
    const out = new Array<number>(box.flatDim);
    for (let i = 0; i < box.flatDim; i++) {
      const v = raw[offset + i];
      out[i] = v < box.low[i] ? box.low[i] : v > box.high[i] ? box.high[i] : v;
    }
    return out;
  }
}

export class SyncVectorEnv {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly encoder: ObservationEncoder;
  readonly decoder: ActionDecoder;
  readonly obsDim: number;
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
  }

  get nEnvs(): number {
    return this.envs.length;
  }

  /** Resets every copy, env i with seed `seed + i`. @returns `[nEnvs * obsDim]` */
  reset(seed: number): Float32Array {
    this.envs.forEach((env, i) => {
      const r = env.reset({ seed: seed + i });
      this.checkResetResult(r, i);
      this.encoder.encode(r.observation, this.current, i * this.obsDim, `reset() of env ${i}`);
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
        throw new EnvContractError(`${where} returned reward ${String(r.reward)}; rewards must be finite numbers`);
      }
      if (typeof r.terminated !== "boolean" || typeof r.truncated !== "boolean") {
        throw new EnvContractError(
          `${where} returned terminated = ${String(r.terminated)}, truncated = ${String(r.truncated)}; both must be booleans`,
        );
      }
      this.encoder.encode(r.observation, next, i * this.obsDim, where);
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
      }
    }
    this.current = next;
    return { observations: next.slice(), rewards, terminated, truncated, finalObservations, episodes };
  }

  close(): void {
    for (const env of this.envs) env.close?.();
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return String(v);
  }
}
