/**
 * Python envs behind the bridge: {@link PythonVectorEnv} (N copies over K runner processes, one round trip per
 * vector step; what training uses) and {@link PythonEnvProxy} (one copy as a synchronous {@link Env}; what the env
 * checker, evaluation and replays use, so they run the same checks over the bridge as for TypeScript envs).
 */
import type { Action, Env, ResetOptions, ResetResult, StepResult } from "../../core/env";
import {
  ActionDecoder,
  EnvContractError,
  ObservationEncoder,
  type EpisodeRecord,
  type VectorEnv,
  type VectorStepResult,
} from "../../core/envs/vector-env";
import { Box, makeSpace, type Space } from "../../core/spaces";
import type { RgbFrame } from "../../core/replay/types";
import { PythonBridge, PythonEnvError, PythonProcessError, frame, type PythonErrorPayload } from "./bridge";
import { findRunner, pythonChildEnv, type PythonEnvDescription } from "./interpreter";

const OP_INIT = 1;
const OP_RESET = 2;
const OP_STEP = 3;
const OP_RENDER = 4;
const OP_TIMING = 6;

/** Where and how to run a Python env. */
export interface PythonEnvSpec {
  /** Interpreter (see resolvePython). */
  python: string;
  /** The .py file (absolute) or a registered Gymnasium id. */
  target: string;
  /** The class name or registered id to build (else the runner chooses: the only class, or the comment). */
  envName?: string;
  /** Constructor keyword arguments (the config's `envKwargs`). */
  kwargs?: Record<string, unknown>;
  /** Time limit applied in the runner (truncated); 0 for none. */
  maxEpisodeSteps: number;
  /** Milliseconds one vector step (or reset) may take before the runners are killed. */
  stepTimeoutMs: number;
  /** Milliseconds to import the file and build the envs. Default 120000. */
  initTimeoutMs?: number;
  cwd: string;
  /** Extra environment variables of the runners (e.g. PYTHONPATH). */
  env?: NodeJS.ProcessEnv;
  onStderr?: (line: string) => void;
}

/** Throws the runner's structured error as a {@link PythonEnvError}, naming the call that failed. */
function checkStatus(payload: Uint8Array, what: string): Uint8Array {
  if (payload[0] === 0) return payload.subarray(1);
  const err = JSON.parse(Buffer.from(payload.subarray(1)).toString("utf8")) as PythonErrorPayload;
  throw new PythonEnvError(err, what);
}

function startBridge(spec: PythonEnvSpec, processes: number): PythonBridge {
  return new PythonBridge({
    python: spec.python,
    args: ["-u", findRunner(), "--serve"],
    processes,
    cwd: spec.cwd,
    env: { ...pythonChildEnv(), ...(spec.env ?? {}), PYTHONUNBUFFERED: "1" },
    timeoutMs: spec.stepTimeoutMs,
    onStderr: spec.onStderr,
  });
}

function initRequest(spec: PythonEnvSpec, nEnvs: number, autoreset: boolean): Uint8Array {
  const json = JSON.stringify({
    target: spec.target,
    env: spec.envName ?? null,
    kwargs: spec.kwargs ?? {},
    nEnvs,
    maxEpisodeSteps: spec.maxEpisodeSteps,
    autoreset,
  });
  return frame(OP_INIT, new TextEncoder().encode(json));
}

/** Observation spaces as the runner sends them: ±Infinity spelled as strings in JSON. */
function reviveSpec<T>(spec: T): T {
  return JSON.parse(JSON.stringify(spec), (_k, v: unknown) => (v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v)) as T;
}

/**
 * N Python env copies in K runner processes (SB3's SubprocVecEnv when K > 1), with same-step auto-reset done in
 * Python and the real final observation sent back. Episode statistics are kept here, on raw rewards.
 */
export class PythonVectorEnv implements VectorEnv {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsDim: number;
  readonly maskDim: number;
  readonly masks: Float32Array;
  masksSeen = false;
  readonly description: PythonEnvDescription;
  private readonly bridge: PythonBridge;
  /** Env index range of each runner: [start, end). */
  private readonly shards: [number, number][];
  private readonly rawDim: number;
  private readonly encoder: ObservationEncoder | undefined;
  private readonly decoder: ActionDecoder;
  private readonly actionFrames: Uint8Array[];
  private readonly episodeReturns: Float64Array;
  private readonly episodeLengths: Int32Array;

  /**
   * Starts the runners and builds the envs.
   * @param processes K runner processes (clamped to 1..nEnvs)
   * @throws PythonProcessError when Python cannot start; PythonEnvError when the file or constructor raises
   */
  constructor(
    readonly spec: PythonEnvSpec,
    readonly nEnvs: number,
    processes = 1,
  ) {
    if (nEnvs < 1) throw new Error("a vector env needs at least one env");
    const k = Math.max(1, Math.min(Math.floor(processes), nEnvs));
    this.shards = Array.from({ length: k }, (_, i) => [Math.floor((i * nEnvs) / k), Math.floor(((i + 1) * nEnvs) / k)]);
    this.bridge = startBridge(spec, k);
    try {
      const replies = this.bridge.call(
        this.shards.map(([a, b]) => initRequest(spec, b - a, true)),
        spec.initTimeoutMs ?? 120_000,
        "loading the env",
      );
      const first = checkStatus(replies[0] as Uint8Array, "building the env");
      for (const r of replies.slice(1)) checkStatus(r as Uint8Array, "building the env");
      this.description = JSON.parse(Buffer.from(first).toString("utf8")) as PythonEnvDescription;
    } catch (e) {
      this.bridge.kill();
      throw e;
    }
    const d = this.description;
    this.observationSpace = makeSpace(reviveSpec(d.observationSpace), "observationSpace");
    this.actionSpace = makeSpace(reviveSpec(d.actionSpace), "actionSpace");
    this.rawDim = d.obsDim;
    this.encoder = this.observationSpace instanceof Box ? undefined : new ObservationEncoder(this.observationSpace);
    this.obsDim = this.encoder ? this.encoder.dim : this.rawDim;
    this.decoder = new ActionDecoder(this.actionSpace);
    this.maskDim = d.maskDim;
    this.masks = new Float32Array(nEnvs * this.maskDim).fill(1);
    const bytes = d.actionKind === "int" ? 8 : 4;
    this.actionFrames = this.shards.map(([a, b]) => frame(OP_STEP, new Uint8Array((b - a) * d.actionDim * bytes)));
    this.episodeReturns = new Float64Array(nEnvs);
    this.episodeLengths = new Int32Array(nEnvs);
  }

  /** The last stderr lines of the runners. */
  get stderrTail(): string {
    return this.bridge.stderrTail;
  }

  /** Process ids of the runners. */
  get processIds(): number[] {
    return this.bridge.processIds;
  }

  /** "fifo" (named pipes) or "pipe" (stdio through a worker), see bridge.ts. */
  get transport(): string {
    return this.bridge.transport;
  }

  /** Writes shard observations `[m * rawDim]` (wire) as encoded rows into `out` from env `start`. */
  private decodeObservations(src: Float32Array, m: number, out: Float32Array, start: number, where: string): void {
    if (!this.encoder) {
      for (let i = 0; i < src.length; i++) {
        if (!Number.isFinite(src[i])) {
          const e = start + Math.floor(i / this.rawDim);
          throw new EnvContractError(`${where} of env ${e} returned observation[${i % this.rawDim}] = ${src[i]}; observations must be finite numbers`);
        }
      }
      out.set(src, start * this.obsDim);
      return;
    }
    for (let i = 0; i < m; i++) {
      const row = src.subarray(i * this.rawDim, (i + 1) * this.rawDim);
      const value = this.rawDim === 1 && this.observationSpace.shape.length === 0 ? row[0] : Array.from(row);
      this.encoder.encode(value, out, (start + i) * this.obsDim, `${where} of env ${start + i}`);
    }
  }

  /** Reads the masks section of a reply for envs [start, start + m). @returns bytes read */
  private readMasks(view: Uint8Array, offset: number, start: number, m: number): number {
    if (this.maskDim === 0) return 0;
    const md = this.maskDim;
    for (let i = 0; i < m; i++) {
      const has = view[offset + i] === 1;
      const row = this.masks.subarray((start + i) * md, (start + i + 1) * md);
      if (!has) {
        row.fill(1);
        continue;
      }
      this.masksSeen = true;
      const base = offset + m + i * md;
      let any = false;
      for (let k = 0; k < md; k++) {
        row[k] = view[base + k];
        if (row[k] === 1) any = true;
      }
      if (!any) throw new EnvContractError(`env ${start + i} returned an info["action_mask"] that allows no action`);
    }
    return m + m * md;
  }

  /** Resets every copy, env i with seed `seed + i`. @returns `[nEnvs * obsDim]` */
  reset(seed: number): Float32Array {
    return this.resetEach(Array.from({ length: this.nEnvs }, (_, i) => seed + i));
  }

  /**
   * Resets env i with `env.reset(seed=seeds[i])` (GRPO resets a whole group with one seed). Python envs have no
   * `tasks` (Env.tasks is a TypeScript env feature), so `tasks` must be absent.
   * @returns `[nEnvs * obsDim]`
   * @throws RangeError when there is not one integer seed per env, or tasks are given
   */
  resetEach(seeds: readonly number[], tasks?: readonly unknown[]): Float32Array {
    if (seeds.length !== this.nEnvs) throw new RangeError(`resetEach: ${seeds.length} seeds for ${this.nEnvs} envs`);
    if (tasks !== undefined) throw new RangeError("resetEach: Python envs take no tasks (reset options carry only the seed)");
    for (const s of seeds) if (!Number.isSafeInteger(s)) throw new RangeError(`resetEach: seed ${s} is not an integer`);
    const out = new Float32Array(this.nEnvs * this.obsDim);
    const frames = this.shards.map(([a, b]) => {
      const payload = new Uint8Array(1 + 8 * (b - a));
      payload[0] = 1;
      const view = new DataView(payload.buffer);
      for (let i = a; i < b; i++) view.setBigInt64(1 + 8 * (i - a), BigInt(seeds[i]), true);
      return frame(OP_RESET, payload);
    });
    const replies = this.bridge.call(frames, this.spec.stepTimeoutMs, "reset()");
    this.shards.forEach(([a, b], k) => {
      const body = checkStatus(replies[k] as Uint8Array, "reset()");
      const m = b - a;
      const obs = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + m * this.rawDim * 4));
      this.decodeObservations(obs, m, out, a, "reset()");
      this.readMasks(body, m * this.rawDim * 4, a, m);
    });
    this.episodeReturns.fill(0);
    this.episodeLengths.fill(0);
    return out;
  }

  /**
   * Steps all N copies in one round trip per runner.
   * @param actions `[nEnvs * actionDim]` stored actions (indices for discrete spaces, raw samples for Box)
   * @throws PythonEnvError (the env raised), EnvContractError (bad values), PythonProcessError (died / timed out)
   */
  step(actions: Float32Array, actionDim: number): VectorStepResult {
    const d = this.description;
    const n = this.nEnvs;
    this.shards.forEach(([a, b], k) => {
      const f = this.actionFrames[k];
      if (d.actionKind === "int") {
        const view = new DataView(f.buffer, 5);
        for (let i = a; i < b; i++) {
          const act = this.decoder.decode(actions, i * actionDim);
          if (typeof act === "number") view.setBigInt64((i - a) * 8, BigInt(act), true);
          else for (let j = 0; j < act.length; j++) view.setBigInt64(((i - a) * d.actionDim + j) * 8, BigInt(act[j]), true);
        }
      } else {
        const view = new DataView(f.buffer, 5);
        for (let i = a; i < b; i++) {
          const act = this.decoder.decode(actions, i * actionDim) as number[];
          for (let j = 0; j < act.length; j++) view.setFloat32(((i - a) * d.actionDim + j) * 4, act[j], true);
        }
      }
    });
    const replies = this.bridge.call(this.actionFrames, this.spec.stepTimeoutMs, "step()");
    const observations = new Float32Array(n * this.obsDim);
    const rewards = new Float64Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const finalObservations: (Float32Array | null)[] = new Array<Float32Array | null>(n).fill(null);
    const episodes: EpisodeRecord[] = [];
    this.shards.forEach(([a, b], k) => {
      const body = checkStatus(replies[k] as Uint8Array, "step()");
      const m = b - a;
      const rd = this.rawDim;
      // Copy into an aligned buffer once; then typed views per section.
      const buf = new Uint8Array(body.length);
      buf.set(body);
      let o = 0;
      const obs = new Float32Array(buf.buffer, o, m * rd);
      o += m * rd * 4;
      const rew = new Float64Array(buf.buffer.slice(o, o + m * 8));
      o += m * 8;
      const term = buf.subarray(o, o + m);
      o += m;
      const trunc = buf.subarray(o, o + m);
      o += m;
      this.decodeObservations(obs, m, observations, a, "step()");
      for (let i = 0; i < m; i++) {
        const e = a + i;
        const r = rew[i];
        if (!Number.isFinite(r)) {
          throw new EnvContractError(`step() of env ${e} (episode step ${this.episodeLengths[e] + 1}) returned reward ${r}; rewards must be finite numbers`);
        }
        rewards[e] = r;
        this.episodeReturns[e] += r;
        this.episodeLengths[e] += 1;
        if (term[i] || trunc[i]) {
          terminated[e] = term[i] ? 1 : 0;
          truncated[e] = term[i] ? 0 : 1;
          const fin = new Float32Array(this.obsDim);
          const raw = new Float32Array(buf.buffer.slice(o, o + rd * 4));
          o += rd * 4;
          this.decodeObservations(raw, 1, fin, 0, "step()");
          finalObservations[e] = fin;
          episodes.push({ envIndex: e, return: this.episodeReturns[e], length: this.episodeLengths[e], terminated: !!term[i], truncated: !term[i] });
          this.episodeReturns[e] = 0;
          this.episodeLengths[e] = 0;
        }
      }
      this.readMasks(buf, o, a, m);
    });
    return { observations, rewards, terminated, truncated, finalObservations, episodes };
  }

  /** Seconds the runners spent inside env reset/step calls (max over runners), for the bridge benchmark. */
  envSeconds(): number {
    const replies = this.bridge.call(this.shards.map(() => frame(OP_TIMING)), this.spec.stepTimeoutMs, "timing");
    return Math.max(...replies.map((r) => new DataView(checkStatus(r as Uint8Array, "timing").slice().buffer).getFloat64(0, true)));
  }

  /** Closes the envs and ends the runners (bounded wait, then SIGKILL). Never throws. */
  close(): void {
    this.bridge.close();
  }
}

/**
 * One Python env copy as a synchronous {@link Env} (its own runner process; no auto-reset, no time limit: the
 * caller's wrappers apply). Observations come back flat (Dict/Tuple already flattened by the runner), Discrete as a
 * number; `info.actionMask` is set when the env gave `info["action_mask"]`.
 */
export class PythonEnvProxy implements Env {
  readonly observationSpace;
  readonly actionSpace;
  readonly description: PythonEnvDescription;
  private readonly bridge: PythonBridge;
  private closed = false;

  /** @throws PythonProcessError / PythonEnvError as {@link PythonVectorEnv} */
  constructor(readonly spec: PythonEnvSpec) {
    this.bridge = startBridge(spec, 1);
    try {
      const [reply] = this.bridge.call([initRequest({ ...spec, maxEpisodeSteps: 0 }, 1, false)], spec.initTimeoutMs ?? 120_000, "loading the env");
      this.description = JSON.parse(Buffer.from(checkStatus(reply as Uint8Array, "building the env")).toString("utf8")) as PythonEnvDescription;
    } catch (e) {
      this.bridge.kill();
      throw e;
    }
    this.observationSpace = reviveSpec(this.description.observationSpace);
    this.actionSpace = reviveSpec(this.description.actionSpace);
  }

  private observationOf(body: Uint8Array): { observation: number | number[]; info: Record<string, unknown>; rest: number } {
    const d = this.description;
    const obs = Array.from(new Float32Array(body.slice(0, d.obsDim * 4).buffer));
    const o = d.obsDim * 4;
    const info: Record<string, unknown> = {};
    const observation = d.observationSpace.type === "Discrete" ? obs[0] : obs;
    return { observation, info, rest: o };
  }

  private masksInto(body: Uint8Array, offset: number, info: Record<string, unknown>): void {
    const md = this.description.maskDim;
    if (md === 0 || body[offset] !== 1) return;
    info.actionMask = Array.from(body.subarray(offset + 1, offset + 1 + md));
  }

  reset(options?: ResetOptions): ResetResult {
    const seed = options?.seed;
    const payload = new Uint8Array(seed === undefined ? 1 : 9);
    if (seed !== undefined) {
      payload[0] = 1;
      new DataView(payload.buffer).setBigInt64(1, BigInt(Math.trunc(seed)), true);
    }
    const [reply] = this.bridge.call([frame(OP_RESET, payload)], this.spec.stepTimeoutMs, "reset()");
    const body = checkStatus(reply as Uint8Array, "reset()");
    const { observation, info, rest } = this.observationOf(body);
    this.masksInto(body, rest, info);
    return { observation, info };
  }

  step(action: Action): StepResult {
    const d = this.description;
    const values = typeof action === "number" ? [action] : Array.isArray(action) ? action : Array.from(action as ArrayLike<number>);
    if (values.length !== d.actionDim || values.some((v) => typeof v !== "number" || (d.actionKind === "int" && !Number.isInteger(v)))) {
      throw new EnvContractError(`the action ${JSON.stringify(action)} does not fit the Python env's action space (${d.actionDim} ${d.actionKind === "int" ? "integers" : "numbers"})`);
    }
    const payload = new Uint8Array(d.actionDim * (d.actionKind === "int" ? 8 : 4));
    const view = new DataView(payload.buffer);
    values.forEach((v, j) => (d.actionKind === "int" ? view.setBigInt64(j * 8, BigInt(v), true) : view.setFloat32(j * 4, v, true)));
    const [reply] = this.bridge.call([frame(OP_STEP, payload)], this.spec.stepTimeoutMs, "step()");
    const body = checkStatus(reply as Uint8Array, "step()");
    const { observation, info, rest } = this.observationOf(body);
    const dv = new DataView(body.slice(rest, rest + 10).buffer);
    const reward = dv.getFloat64(0, true);
    const terminated = dv.getUint8(8) === 1;
    const truncated = dv.getUint8(9) === 1;
    this.masksInto(body, rest + 10, info);
    return { observation, reward, terminated, truncated, info };
  }

  /** The env's `render()` as an RGB frame (`{ type: "rgb" }`), or a text frame saying there is none. */
  render(): RgbFrame | { type: "text"; text: string } {
    const idx = new Uint8Array(4);
    const [reply] = this.bridge.call([frame(OP_RENDER, idx)], this.spec.stepTimeoutMs, "render()");
    const body = checkStatus(reply as Uint8Array, "render()");
    const dv = new DataView(body.slice(0, 12).buffer);
    const height = dv.getUint32(0, true);
    const width = dv.getUint32(4, true);
    const channels = dv.getUint32(8, true);
    if (channels === 0) return { type: "text", text: "(the Python env's render() returned nothing; construct it with render_mode=\"rgb_array\")" };
    return { type: "rgb", width, height, channels: channels as 3 | 4, data: body.slice(12, 12 + width * height * channels) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bridge.close();
  }
}

export { PythonEnvError, PythonProcessError };
