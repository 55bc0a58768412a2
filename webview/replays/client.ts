/**
 * The webview side of the replay requests: `ReplayClient` numbers each request and resolves it with the host's
 * `response`; `LoadedReplay` holds one replay's header, the per-step columns (pulled in chunks) and a bounded cache
 * of frames pulled in chunks around the playhead, so only what is played is ever asked for.
 */
import type { ReplayHeader, ReplayDistribution } from "../../src/core/replay/types";
import type { FromReplaysMessage, ReplayRequest, ReplayResult, ToReplaysMessage, WireFrame } from "../../src/protocol";

/** Steps asked for per request (the host caps requests at 2048). */
export const STEPS_CHUNK = 1024;
/** Frames asked for per request. */
export const FRAMES_CHUNK = 32;
/** Frames kept in memory per replay; the farthest from the playhead are dropped first. */
export const FRAME_CACHE = 512;

export class ReplayClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ReplayResult) => void; reject: (e: Error) => void }>();
  /** Requests sent, for tests: kind, id and range. */
  readonly sent: ReplayRequest[] = [];

  constructor(private readonly post: (m: FromReplaysMessage) => void) {}

  request(request: ReplayRequest): Promise<ReplayResult> {
    const requestId = this.nextId++;
    this.sent.push(request);
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.post({ type: "request", requestId, request });
    });
  }

  /** Settles the request a `response` answers; returns false for other messages. */
  onMessage(m: ToReplaysMessage): boolean {
    if (m.type !== "response") return false;
    const p = this.pending.get(m.requestId);
    if (!p) return true;
    this.pending.delete(m.requestId);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
    return true;
  }
}

/** The per-step columns of a replay, filled as chunks arrive (`loaded` steps from 0). */
export interface StepColumns {
  observation: number[][];
  action: number[][];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  value: number[];
  entropy: number[];
  distribution: ReplayDistribution[];
  /** Cumulative (undiscounted) return after each step. */
  cumulative: number[];
}

export class LoadedReplay {
  readonly steps: StepColumns = { observation: [], action: [], reward: [], terminated: [], truncated: [], value: [], entropy: [], distribution: [], cumulative: [] };
  /** Steps loaded so far (contiguous from 0). */
  loaded = 0;
  private readonly frames = new Map<number, WireFrame | null>();
  private readonly inflight = new Set<number>();
  private stepsDone: Promise<void> | undefined;
  /** Called when steps or frames arrive (to redraw). */
  onData: () => void = () => undefined;
  error: string | undefined;

  private constructor(
    private readonly client: ReplayClient,
    readonly header: ReplayHeader,
  ) {}

  static async open(client: ReplayClient, id: string): Promise<LoadedReplay> {
    const r = await client.request({ kind: "header", id });
    if (r.kind !== "header") throw new Error(`expected a header for ${id}, got ${r.kind}`);
    return new LoadedReplay(client, r.header);
  }

  get id(): string {
    return this.header.summary.id;
  }

  get length(): number {
    return this.header.summary.length;
  }

  /** Pulls every step's data, chunk by chunk (steps are small; the timelines need all of them). */
  loadSteps(): Promise<void> {
    this.stepsDone ??= (async () => {
      while (this.loaded < this.length) {
        const r = await this.client.request({ kind: "steps", id: this.id, from: this.loaded, to: Math.min(this.length, this.loaded + STEPS_CHUNK) });
        if (r.kind !== "steps") throw new Error(`expected steps, got ${r.kind}`);
        const c = r.chunk;
        if (c.from !== this.loaded || c.to <= c.from) break;
        const s = this.steps;
        let total = s.cumulative.length ? s.cumulative[s.cumulative.length - 1] : 0;
        for (let i = 0; i < c.to - c.from; i++) {
          s.observation.push(c.observation[i] ?? []);
          s.action.push(c.action[i] ?? []);
          s.reward.push(c.reward[i]);
          s.terminated.push(c.terminated[i]);
          s.truncated.push(c.truncated[i]);
          s.value.push(c.value[i]);
          s.entropy.push(c.entropy[i]);
          s.distribution.push(c.distribution[i]);
          total += Number.isFinite(c.reward[i]) ? c.reward[i] : 0;
          s.cumulative.push(total);
        }
        this.loaded = c.to;
        this.onData();
      }
    })().catch((e: Error) => {
      this.error = e.message;
      this.onData();
    });
    return this.stepsDone;
  }

  /** The frame at step `i` when it is cached (`undefined` when not loaded yet, `null` when none was recorded). */
  frame(i: number): WireFrame | null | undefined {
    return this.frames.get(i);
  }

  /** Makes sure frames [i, i + ahead) are cached or on their way; drops frames far from `i` past the cache size. */
  prefetch(i: number, ahead = FRAMES_CHUNK * 2): void {
    if (this.header.summary.frameType === "none") return;
    const end = Math.min(this.length, i + ahead);
    for (let start = Math.floor(i / FRAMES_CHUNK) * FRAMES_CHUNK; start < end; start += FRAMES_CHUNK) {
      if (this.inflight.has(start)) continue;
      // Ask from the first frame of the chunk not cached (a byte-capped answer may have filled only part of it).
      const chunkEnd = Math.min(this.length, start + FRAMES_CHUNK);
      let first = start;
      while (first < chunkEnd && this.frames.has(first)) first++;
      if (first < chunkEnd) void this.fetchChunk(start, first, chunkEnd);
    }
    if (this.frames.size > FRAME_CACHE) {
      const far = [...this.frames.keys()].sort((a, b) => Math.abs(b - i) - Math.abs(a - i));
      for (const k of far.slice(0, this.frames.size - FRAME_CACHE)) this.frames.delete(k);
    }
  }

  /** Loads the frames [from, to) (for exports) and returns them in order. */
  async framesRange(from: number, to: number): Promise<(WireFrame | null)[]> {
    const out: (WireFrame | null)[] = [];
    for (let start = from; start < to; start += FRAMES_CHUNK) {
      const end = Math.min(to, start + FRAMES_CHUNK);
      const cached = Array.from({ length: end - start }, (_, k) => this.frames.get(start + k));
      if (cached.every((f) => f !== undefined)) {
        out.push(...(cached as (WireFrame | null)[]));
        continue;
      }
      let at = start;
      while (at < end) {
        const r = await this.client.request({ kind: "frames", id: this.id, from: at, to: end });
        if (r.kind !== "frames") throw new Error(`expected frames, got ${r.kind}`);
        if (r.frames.length === 0) {
          for (; at < end; at++) out.push(null);
          break;
        }
        out.push(...r.frames);
        at += r.frames.length;
      }
    }
    return out;
  }

  /** Fetches frames [from, to) of the chunk starting at `chunk` (one request in flight per chunk). */
  private async fetchChunk(chunk: number, from: number, to: number): Promise<void> {
    this.inflight.add(chunk);
    try {
      const r = await this.client.request({ kind: "frames", id: this.id, from, to });
      if (r.kind !== "frames") throw new Error(`expected frames, got ${r.kind}`);
      r.frames.forEach((f, k) => this.frames.set(r.from + k, f));
      // An empty answer for a range inside the replay: the file has fewer frames than steps; do not ask again.
      if (r.frames.length === 0) for (let k = from; k < to; k++) this.frames.set(k, null);
    } catch (e) {
      // Shown under the frame; the range is not asked again on every played step.
      this.error = (e as Error).message;
      for (let k = from; k < to; k++) if (!this.frames.has(k)) this.frames.set(k, null);
    } finally {
      this.inflight.delete(chunk);
      this.onData();
    }
  }
}
