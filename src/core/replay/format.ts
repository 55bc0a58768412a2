/**
 * The binary file of one replay (`<runDir>/replays/<id>.replay`): per-step columns as typed arrays and the frames,
 * each frame encoded on its own (optionally deflated) behind an offset table, so that a reader fetches only the steps
 * and frames it is asked for with positioned reads.
 *
 * ```
 * offset 0   "PPOLRPL1"                      magic (8 bytes; the digit is the format version)
 *        8   u32 LE headerBytes
 *        12  header JSON (UTF-8, ReplayFileHeader), zero-padded so the body starts at a multiple of 8
 * body:      reward f64[len] | observation f32[len*obsDim] | action f32[len*actionDim] | value f32[len] (NaN: no critic)
 *            | entropy f32[len] | distribution f32[len*distWidth] | flags u8[len] (1 terminated, 2 truncated)
 *            | pad to 4 | frame table u32[frames*3] (offset from frame data start, byteLength, frame flags)
 *            | frame data
 * ```
 * Frame flags: bits 0-1 the type (0 none, 1 rgb, 2 scene, 3 text), bit 2 deflated (zlib raw deflate). Payloads: rgb =
 * u32 width, u32 height, u8 channels, then the pixel bytes; scene = the frame as UTF-8 JSON; text = the UTF-8 text.
 * Typed arrays are little-endian (the byte order of every platform Node.js runs on).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { RenderFrame, ReplayDistribution, ReplaySpaces, ReplayStepsChunk, ReplaySummary } from "./types";

export const REPLAY_MAGIC = "PPOLRPL1";
export const REPLAY_FILE_EXTENSION = ".replay";

/** How the distribution column is laid out per step. */
export type DistributionLayout =
  | { kind: "categorical"; nvec: number[] }
  | { kind: "gaussian"; dim: number }
  | { kind: "bernoulli"; n: number };

/** Number of float32 values per step for a distribution layout. */
export function distributionWidth(d: DistributionLayout): number {
  if (d.kind === "categorical") return d.nvec.reduce((a, b) => a + b, 0);
  if (d.kind === "gaussian") return 2 * d.dim;
  return d.n;
}

/** Byte ranges of the body, relative to the body start. */
export interface ColumnRange {
  offset: number;
  byteLength: number;
}

/** The JSON header at the start of a replay file. */
export interface ReplayFileHeader {
  format: "ppo-lab-replay";
  version: 1;
  /** The summary as recorded (its `bytes` is 0: the index holds the real size). */
  summary: ReplaySummary;
  spaces: ReplaySpaces;
  length: number;
  obsDim: number;
  actionDim: number;
  distribution: DistributionLayout;
  columns: {
    reward: ColumnRange;
    observation: ColumnRange;
    action: ColumnRange;
    value: ColumnRange;
    entropy: ColumnRange;
    distribution: ColumnRange;
    flags: ColumnRange;
    frameTable: ColumnRange;
    frameData: ColumnRange;
  };
  frameCount: number;
}

/** A replay file is missing, unreadable or corrupt; the message names the file and what is wrong. */
export class ReplayError extends Error {
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ReplayError";
  }
}

const FRAME_TYPE_CODE = { none: 0, rgb: 1, scene: 2, text: 3 } as const;
const DEFLATED = 4;
/**
 * Payloads smaller than this are stored as they are: a small scene (CartPole's is about 500 bytes of JSON) only halves
 * under deflate, and zlib's per-call cost would then be most of the recording time. Large scenes (a grid world),
 * text grids and RGB frames shrink many times.
 */
const MIN_DEFLATE_BYTES = 1024;

/**
 * Encodes one frame.
 * @returns the payload and its flags (type code, deflated bit)
 * @throws ReplayError when an rgb frame's data length is not width * height * channels, or a scene cannot be
 *   serialised.
 */
export function encodeFrame(frame: RenderFrame | null, compress: boolean): { payload: Buffer; flags: number } {
  if (frame === null) return { payload: Buffer.alloc(0), flags: FRAME_TYPE_CODE.none };
  let raw: Buffer;
  let code: number;
  if (frame.type === "rgb") {
    const channels = frame.channels ?? 3;
    const expected = frame.width * frame.height * channels;
    if (!Number.isInteger(frame.width) || !Number.isInteger(frame.height) || frame.width < 1 || frame.height < 1) {
      throw new ReplayError(`an rgb frame needs positive integer width and height, got ${frame.width} x ${frame.height}`);
    }
    const bytesOk = frame.data instanceof Uint8Array || (frame.data as unknown) instanceof Uint8ClampedArray;
    if (!bytesOk || frame.data.length !== expected) {
      throw new ReplayError(
        `an rgb frame of ${frame.width} x ${frame.height} x ${channels} needs ${expected} bytes of data, got ${bytesOk ? frame.data.length : typeof frame.data}`,
      );
    }
    raw = Buffer.alloc(9 + expected);
    raw.writeUInt32LE(frame.width, 0);
    raw.writeUInt32LE(frame.height, 4);
    raw.writeUInt8(channels, 8);
    raw.set(frame.data, 9);
    code = FRAME_TYPE_CODE.rgb;
  } else if (frame.type === "scene") {
    let json: string;
    try {
      json = JSON.stringify(frame);
    } catch (e) {
      throw new ReplayError(`a scene frame cannot be serialised: ${(e as Error).message}`);
    }
    raw = Buffer.from(json, "utf8");
    code = FRAME_TYPE_CODE.scene;
  } else if (frame.type === "text") {
    raw = Buffer.from(String(frame.text), "utf8");
    code = FRAME_TYPE_CODE.text;
  } else {
    throw new ReplayError(`unknown frame type ${JSON.stringify((frame as { type?: unknown }).type)}`);
  }
  if (compress && raw.length >= MIN_DEFLATE_BYTES) {
    const z = deflateRawSync(raw);
    if (z.length < raw.length) return { payload: z, flags: code | DEFLATED };
  }
  return { payload: raw, flags: code };
}

/**
 * Decodes one frame payload.
 * @throws ReplayError (with `where` in the message) when the payload is corrupt.
 */
export function decodeFrame(payload: Buffer, flags: number, where: string): RenderFrame | null {
  const code = flags & 3;
  if (code === FRAME_TYPE_CODE.none) return null;
  let raw: Buffer;
  try {
    raw = flags & DEFLATED ? inflateRawSync(payload) : payload;
  } catch (e) {
    throw new ReplayError(`${where}: the compressed frame is corrupt (${(e as Error).message})`);
  }
  if (code === FRAME_TYPE_CODE.rgb) {
    if (raw.length < 9) throw new ReplayError(`${where}: the rgb frame is truncated`);
    const width = raw.readUInt32LE(0);
    const height = raw.readUInt32LE(4);
    const channels = raw.readUInt8(8);
    if ((channels !== 3 && channels !== 4) || raw.length !== 9 + width * height * channels) {
      throw new ReplayError(`${where}: the rgb frame header (${width} x ${height} x ${channels}) does not match its ${raw.length - 9} bytes`);
    }
    return { type: "rgb", width, height, channels, data: new Uint8Array(raw.subarray(9)) };
  }
  const text = raw.toString("utf8");
  if (code === FRAME_TYPE_CODE.text) return { type: "text", text };
  try {
    return JSON.parse(text) as RenderFrame;
  } catch (e) {
    throw new ReplayError(`${where}: the scene frame is not valid JSON (${(e as Error).message})`);
  }
}

/** A growable typed column. */
class Column<T extends Float32Array | Float64Array | Uint8Array> {
  private data: T;
  length = 0;
  constructor(
    private readonly make: (n: number) => T,
    readonly width: number,
  ) {
    this.data = make(Math.max(1, width) * 64);
  }
  push(values: ArrayLike<number>): void {
    if (values.length !== this.width) throw new ReplayError(`expected ${this.width} values per step, got ${values.length}`);
    const need = (this.length + 1) * this.width;
    if (need > this.data.length) {
      const bigger = this.make(Math.max(need, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set(values, this.length * this.width);
    this.length++;
  }
  bytes(): Buffer {
    const view = this.data.subarray(0, this.length * this.width);
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  }
}

/** One recorded step as the recorder hands it over. */
export interface ReplayStep {
  /** `[obsDim]` flat encoded observation before normalisation. */
  observation: ArrayLike<number>;
  /** `[actionDim]` action as stored by the policy (class indices / raw Gaussian sample). */
  action: ArrayLike<number>;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  value: number;
  entropy: number;
  /** `[distributionWidth]`: probs (categorical components concatenated / Bernoulli), or mean then std (Gaussian). */
  distribution: ArrayLike<number>;
  frame: RenderFrame | null;
}

/**
 * Accumulates one episode step by step, encoding frames as they arrive (memory holds compressed frames only),
 * and produces the replay file's bytes.
 */
export class ReplayBuilder {
  private readonly reward: Column<Float64Array>;
  private readonly observation: Column<Float32Array>;
  private readonly action: Column<Float32Array>;
  private readonly value: Column<Float32Array>;
  private readonly entropy: Column<Float32Array>;
  private readonly dist: Column<Float32Array>;
  private readonly flags: Column<Uint8Array>;
  private readonly frameTable: number[] = [];
  private readonly framePayloads: Buffer[] = [];
  private frameBytes = 0;
  /** Type of the first recorded frame ("none" while no frame was recorded). */
  frameType: ReplaySummary["frameType"] = "none";
  /** Sum of rewards so far. */
  episodeReturn = 0;

  constructor(
    readonly obsDim: number,
    readonly actionDim: number,
    readonly distribution: DistributionLayout,
    readonly spaces: ReplaySpaces,
    private readonly compress = true,
  ) {
    this.reward = new Column((n) => new Float64Array(n), 1);
    this.observation = new Column((n) => new Float32Array(n), obsDim);
    this.action = new Column((n) => new Float32Array(n), actionDim);
    this.value = new Column((n) => new Float32Array(n), 1);
    this.entropy = new Column((n) => new Float32Array(n), 1);
    this.dist = new Column((n) => new Float32Array(n), distributionWidth(distribution));
    this.flags = new Column((n) => new Uint8Array(n), 1);
  }

  get length(): number {
    return this.reward.length;
  }

  /** Bytes held so far (a lower bound of the file size). */
  get approxBytes(): number {
    return this.frameBytes + this.length * (8 + 4 * (this.obsDim + this.actionDim + 2 + distributionWidth(this.distribution)) + 1 + 12);
  }

  /** @throws ReplayError when a column has the wrong width or the frame cannot be encoded. */
  push(step: ReplayStep): void {
    const enc = encodeFrame(step.frame, this.compress);
    this.observation.push(step.observation);
    this.action.push(step.action);
    this.dist.push(step.distribution);
    this.reward.push([step.reward]);
    this.value.push([step.value]);
    this.entropy.push([step.entropy]);
    this.flags.push([(step.terminated ? 1 : 0) | (step.truncated ? 2 : 0)]);
    this.frameTable.push(this.frameBytes, enc.payload.length, enc.flags);
    this.framePayloads.push(enc.payload);
    this.frameBytes += enc.payload.length;
    this.episodeReturn += step.reward;
    if (this.frameType === "none" && step.frame) this.frameType = step.frame.type;
  }

  /** The whole file for `summary` (its `bytes` field is ignored). */
  toBuffer(summary: ReplaySummary): Buffer {
    const parts: Buffer[] = [];
    let off = 0;
    const add = (b: Buffer): ColumnRange => {
      const r = { offset: off, byteLength: b.length };
      parts.push(b);
      off += b.length;
      return r;
    };
    const reward = add(this.reward.bytes());
    const observation = add(this.observation.bytes());
    const action = add(this.action.bytes());
    const value = add(this.value.bytes());
    const entropy = add(this.entropy.bytes());
    const distribution = add(this.dist.bytes());
    const flags = add(this.flags.bytes());
    if (off % 4) add(Buffer.alloc(4 - (off % 4)));
    const table = Uint32Array.from(this.frameTable);
    const frameTable = add(Buffer.from(table.buffer, table.byteOffset, table.byteLength));
    const frameData = { offset: off, byteLength: this.frameBytes };
    parts.push(...this.framePayloads);
    const header: ReplayFileHeader = {
      format: "ppo-lab-replay",
      version: 1,
      summary: { ...summary, bytes: 0 },
      spaces: this.spaces,
      length: this.length,
      obsDim: this.obsDim,
      actionDim: this.actionDim,
      distribution: this.distribution,
      columns: { reward, observation, action, value, entropy, distribution, flags, frameTable, frameData },
      frameCount: this.length,
    };
    const json = Buffer.from(JSON.stringify(header), "utf8");
    const headLen = 12 + json.length;
    const pad = (8 - (headLen % 8)) % 8;
    const head = Buffer.alloc(headLen + pad);
    head.write(REPLAY_MAGIC, 0, "latin1");
    head.writeUInt32LE(json.length + pad, 8);
    json.copy(head, 12);
    head.fill(0x20, headLen); // spaces: still valid JSON when parsed with the padding
    return Buffer.concat([head, ...parts]);
  }
}

/** Byte offset of the body in a file whose header JSON (with padding) is `headerBytes` long. */
export function bodyStart(headerBytes: number): number {
  return 12 + headerBytes;
}

/**
 * Parses and checks a header read from `file`.
 * @throws ReplayError naming the file when the magic, JSON or layout is wrong.
 */
export function parseHeader(prefix: Buffer, json: Buffer, fileSize: number, file: string): ReplayFileHeader {
  if (prefix.length < 12 || prefix.toString("latin1", 0, 8) !== REPLAY_MAGIC) {
    throw new ReplayError(`${file} is not a PPO Lab replay file (it does not start with "${REPLAY_MAGIC}")`, file);
  }
  let h: ReplayFileHeader;
  try {
    h = JSON.parse(json.toString("utf8")) as ReplayFileHeader;
  } catch (e) {
    throw new ReplayError(`${file}: the replay header is not valid JSON (${(e as Error).message}); the file is corrupt`, file);
  }
  if (h?.format !== "ppo-lab-replay" || h.version !== 1 || typeof h.length !== "number" || !h.columns) {
    throw new ReplayError(`${file}: unknown replay header (format ${JSON.stringify(h?.format)}, version ${JSON.stringify(h?.version)})`, file);
  }
  const body = bodyStart(prefix.readUInt32LE(8));
  const end = body + h.columns.frameData.offset + h.columns.frameData.byteLength;
  if (end > fileSize) {
    throw new ReplayError(`${file} is truncated: its header describes ${end} bytes but the file has ${fileSize}; the replay is corrupt`, file);
  }
  return h;
}

/** Splits `count` rows of a flat float column into arrays of `width`. */
export function rows(data: Float32Array, count: number, width: number): number[][] {
  const out: number[][] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = Array.from(data.subarray(i * width, (i + 1) * width));
  return out;
}

/** The per-step distribution objects of a chunk from the flat column. */
export function distributions(layout: DistributionLayout, data: Float32Array, count: number): ReplayDistribution[] {
  const w = distributionWidth(layout);
  const out: ReplayDistribution[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const row = Array.from(data.subarray(i * w, (i + 1) * w));
    if (layout.kind === "gaussian") out[i] = { kind: "gaussian", mean: row.slice(0, layout.dim), std: row.slice(layout.dim) };
    else if (layout.kind === "bernoulli") out[i] = { kind: "bernoulli", probs: row };
    else {
      const probs: number[][] = [];
      let o = 0;
      for (const n of layout.nvec) {
        probs.push(row.slice(o, o + n));
        o += n;
      }
      out[i] = { kind: "categorical", probs };
    }
  }
  return out;
}

/** An empty chunk for [from, from). */
export function emptyChunk(from: number): ReplayStepsChunk {
  return { from, to: from, observation: [], action: [], reward: [], terminated: [], truncated: [], value: [], entropy: [], distribution: [] };
}
