/**
 * Reading the replays of a run directory (extension host, CLI): {@link RunReplaySource} implements `ReplaySource`
 * with positioned reads, so a request for steps [from, to) or frames [from, to) reads only those byte ranges of the
 * replay file (plus its header).
 */
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import {
  bodyStart,
  decodeFrame,
  distributionWidth,
  distributions,
  emptyChunk,
  parseHeader,
  ReplayError,
  rows,
  type ColumnRange,
  type ReplayFileHeader,
} from "./format";
import { checkReplayId, parseReplayIndex, REPLAY_INDEX_FILE, replayFile, replaysDir } from "./store";
import type { RenderFrame, ReplayHeader, ReplaySource, ReplayStepsChunk, ReplaySummary } from "./types";

/** An open replay file with its parsed header. */
interface OpenReplay {
  handle: fsp.FileHandle;
  header: ReplayFileHeader;
  body: number;
  file: string;
}

/** Bytes read through the source so far (tests check that a range read stays small). */
export interface ReadStats {
  reads: number;
  bytes: number;
}

export class RunReplaySource implements ReplaySource {
  readonly dir: string;
  readonly stats: ReadStats = { reads: 0, bytes: 0 };

  constructor(readonly runDir: string) {
    this.dir = replaysDir(runDir);
  }

  /** The run's replays, oldest first; a run without replays gives []. @throws ReplayError when index.json is corrupt. */
  async list(): Promise<ReplaySummary[]> {
    const file = path.join(this.dir, REPLAY_INDEX_FILE);
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new ReplayError(`cannot read ${file}: ${(e as Error).message}`, file, { cause: e });
    }
    return parseReplayIndex(text, file).replays;
  }

  /** @throws ReplayError when `id` is not in the index. */
  private async summary(id: string): Promise<ReplaySummary> {
    checkReplayId(id);
    const s = (await this.list()).find((r) => r.id === id);
    if (!s) throw new ReplayError(`no replay "${id}" in ${path.join(this.dir, REPLAY_INDEX_FILE)} (it may have been dropped by the replay cap)`);
    return s;
  }

  async header(id: string): Promise<ReplayHeader> {
    const summary = await this.summary(id);
    return this.withFile(id, async (r) => ({ summary, spaces: r.header.spaces }));
  }

  async steps(id: string, from: number, to: number): Promise<ReplayStepsChunk> {
    checkReplayId(id);
    return this.withFile(id, async (r) => {
      const h = r.header;
      const [a, b] = clampRange(from, to, h.length);
      if (b <= a) return emptyChunk(a);
      const n = b - a;
      const f32 = async (col: ColumnRange, width: number): Promise<Float32Array> =>
        new Float32Array(toArrayBuffer(await this.read(r, col, a * width * 4, n * width * 4)));
      const reward = new Float64Array(toArrayBuffer(await this.read(r, h.columns.reward, a * 8, n * 8)));
      const obs = await f32(h.columns.observation, h.obsDim);
      const act = await f32(h.columns.action, h.actionDim);
      const value = await f32(h.columns.value, 1);
      const entropy = await f32(h.columns.entropy, 1);
      const dist = await f32(h.columns.distribution, distributionWidth(h.distribution));
      const flags = await this.read(r, h.columns.flags, a, n);
      return {
        from: a,
        to: b,
        observation: rows(obs, n, h.obsDim),
        action: rows(act, n, h.actionDim),
        reward: Array.from(reward),
        terminated: Array.from(flags, (x) => (x & 1) === 1),
        truncated: Array.from(flags, (x) => (x & 2) === 2),
        value: Array.from(value),
        entropy: Array.from(entropy),
        distribution: distributions(h.distribution, dist, n),
      };
    });
  }

  async frames(id: string, from: number, to: number): Promise<(RenderFrame | null)[]> {
    checkReplayId(id);
    return this.withFile(id, async (r) => {
      const h = r.header;
      const [a, b] = clampRange(from, to, h.frameCount);
      if (b <= a) return [];
      const table = new Uint32Array(toArrayBuffer(await this.read(r, h.columns.frameTable, a * 12, (b - a) * 12)));
      const start = table[0];
      const last = (b - a - 1) * 3;
      const end = table[last] + table[last + 1];
      if (end < start) throw new ReplayError(`${r.file}: the frame table is corrupt`, r.file);
      const data = await this.read(r, h.columns.frameData, start, end - start);
      const out: (RenderFrame | null)[] = [];
      for (let i = 0; i < b - a; i++) {
        const off = table[i * 3] - start;
        const len = table[i * 3 + 1];
        if (off < 0 || off + len > data.length) throw new ReplayError(`${r.file}: the frame table of frame ${a + i} points outside the file`, r.file);
        out.push(decodeFrame(data.subarray(off, off + len), table[i * 3 + 2], `${r.file} frame ${a + i}`));
      }
      return out;
    });
  }

  /** Reads `length` bytes at `offset` inside column `col`. @throws ReplayError when the file ends early. */
  private async read(r: OpenReplay, col: ColumnRange, offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || offset + length > col.byteLength) {
      throw new ReplayError(`${r.file}: a read of ${length} bytes at ${offset} falls outside its column of ${col.byteLength} bytes; the file is corrupt`, r.file);
    }
    const buf = Buffer.alloc(length);
    if (length === 0) return buf;
    const { bytesRead } = await r.handle.read(buf, 0, length, r.body + col.offset + offset);
    this.stats.reads++;
    this.stats.bytes += bytesRead;
    if (bytesRead !== length) throw new ReplayError(`${r.file} is truncated (read ${bytesRead} of ${length} bytes); the replay is corrupt`, r.file);
    return buf;
  }

  /** Opens the replay file of `id`, parses its header, runs `fn` and closes the file. */
  private async withFile<T>(id: string, fn: (r: OpenReplay) => Promise<T>): Promise<T> {
    const file = replayFile(this.dir, id);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, "r");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ReplayError(
        code === "ENOENT" ? `replay "${id}" has no file ${file} (it may have been dropped by the replay cap)` : `cannot open ${file}: ${(e as Error).message}`,
        file,
        { cause: e },
      );
    }
    try {
      const size = (await handle.stat()).size;
      const prefix = Buffer.alloc(12);
      const p = await handle.read(prefix, 0, 12, 0);
      this.stats.reads++;
      this.stats.bytes += p.bytesRead;
      if (p.bytesRead < 12) throw new ReplayError(`${file} is not a PPO Lab replay file (only ${p.bytesRead} bytes)`, file);
      const headerBytes = prefix.toString("latin1", 0, 8) === "PPOLRPL1" ? prefix.readUInt32LE(8) : 0;
      if (12 + headerBytes > size) throw new ReplayError(`${file} is truncated inside its header; the replay is corrupt`, file);
      const json = Buffer.alloc(headerBytes);
      const j = await handle.read(json, 0, headerBytes, 12);
      this.stats.reads++;
      this.stats.bytes += j.bytesRead;
      const header = parseHeader(prefix, json, size, file);
      return await fn({ handle, header, body: bodyStart(headerBytes), file });
    } finally {
      await handle.close();
    }
  }
}

function clampRange(from: number, to: number, length: number): [number, number] {
  const a = Math.max(0, Math.min(length, Math.floor(Number.isFinite(from) ? from : 0)));
  const b = Math.max(a, Math.min(length, Math.floor(Number.isFinite(to) ? to : length)));
  return [a, b];
}

/** A fresh, aligned ArrayBuffer with the bytes of `b` (typed-array views need alignment). */
function toArrayBuffer(b: Buffer): ArrayBuffer {
  const out = new ArrayBuffer(b.length);
  new Uint8Array(out).set(b);
  return out;
}
