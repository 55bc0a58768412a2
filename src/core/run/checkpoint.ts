/**
 * Checkpoints: `checkpoints/<step>/` holding
 * - `model.json`: `{ format: "ppo-lab-checkpoint", version: 1, step, weightsManifest, optimizerManifest?,
 *   optimizerStep?, normalization?, rng?, meta? }`. `weightsManifest` is the TF.js weights manifest
 *   (`[{ paths: ["weights.bin"], weights: [{ name, shape, dtype: "float32" }] }]`), so TF.js tools can read it.
 * - `weights.bin`: the tensors' float32 data concatenated in manifest order, little-endian (the layout
 *   `tf.io.encodeWeights` produces).
 * - `optimizer.bin`: the same for the optimizer's slot tensors (listed in `optimizerManifest`).
 *
 * A checkpoint is written into `checkpoints/<step>.tmp-<pid>-<rand>/` and renamed to `checkpoints/<step>/` when
 * complete, so a crash never leaves a half checkpoint under a final name. Folders with `.tmp-` in their name are
 * ignored by `listCheckpoints` and removed by `cleanTempCheckpoints`.
 *
 * This module is TF.js-free: plain Float32Array concatenation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Checkpoint, LoadedCheckpoint, OptimizerState, TensorData, WeightMap } from "./types";
import { RunDirError, fsyncDir, isTempName, randomHex, toJson, wrapFsError, writeFileSynced } from "./fs-util";
import { isJsonObject } from "./jsonl";

export const CHECKPOINT_FORMAT = "ppo-lab-checkpoint";
export const CHECKPOINT_VERSION = 1;
const MODEL_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";
const OPTIMIZER_FILE = "optimizer.bin";

/** One entry of a TF.js weights manifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: "float32";
}

/** A TF.js weights manifest group. */
export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** The contents of a checkpoint's `model.json`. */
export interface CheckpointModelJson {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  step: number;
  weightsManifest: WeightsManifestGroup[];
  optimizerManifest?: WeightsManifestGroup[];
  optimizerStep?: number;
  normalization?: Record<string, unknown>;
  rng?: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`Checkpoint step must be a non-negative integer, got ${step}`);
  }
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Validates the tensors and returns their manifest entries and concatenated little-endian bytes. */
function encodeWeights(weights: WeightMap, what: string): { specs: WeightSpec[]; bytes: Buffer } {
  const specs: WeightSpec[] = [];
  let total = 0;
  for (const [name, t] of Object.entries(weights)) {
    checkTensor(name, t, what);
    specs.push({ name, shape: [...t.shape], dtype: "float32" });
    total += t.data.byteLength;
  }
  const bytes = Buffer.alloc(total);
  let off = 0;
  for (const t of Object.values(weights)) {
    // Copy the raw bytes (keeps NaN payloads bit-exact), then fix the byte order on big-endian hosts.
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(bytes, off);
    off += t.data.byteLength;
  }
  if (!LITTLE_ENDIAN) bytes.swap32();
  return { specs, bytes };
}

function checkTensor(name: string, t: TensorData, what: string): void {
  if (!(t?.data instanceof Float32Array)) throw new TypeError(`${what} tensor "${name}": data must be a Float32Array`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TypeError(`${what} tensor "${name}": shape must be an array of non-negative integers`);
  }
  if (sizeOf(t.shape) !== t.data.length) {
    throw new RangeError(
      `${what} tensor "${name}": shape [${t.shape.join(", ")}] has ${sizeOf(t.shape)} elements but data has ${t.data.length}`,
    );
  }
}

/** Splits `bytes` into tensors per `specs`. */
function decodeWeights(bytes: Buffer, specs: readonly WeightSpec[], file: string): WeightMap {
  const expected = specs.reduce((a, s) => a + sizeOf(s.shape) * 4, 0);
  if (bytes.length !== expected) {
    throw new RunDirError(
      `${file} has ${bytes.length} bytes but model.json lists ${expected}: the checkpoint is damaged; use an earlier checkpoint.`,
      file,
    );
  }
  const out: WeightMap = {};
  let off = 0;
  for (const s of specs) {
    const n = sizeOf(s.shape);
    // Copy into a fresh (aligned) buffer; then fix the byte order on big-endian hosts.
    const chunk = Buffer.from(bytes.subarray(off, off + n * 4));
    if (!LITTLE_ENDIAN) chunk.swap32();
    out[s.name] = { shape: [...s.shape], data: new Float32Array(chunk.buffer, chunk.byteOffset, n) };
    off += n * 4;
  }
  return out;
}

/** JSON replacer: typed arrays (e.g. running mean/var as Float64Array) become plain arrays. */
function typedArraysToArrays(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  return value;
}

/**
 * Writes `ckpt` as `<checkpointsDir>/<step>/` (see the module comment) and returns that folder. All validation and
 * serialisation happens before anything is written. An existing checkpoint for the same step is replaced.
 */
export function saveCheckpoint(checkpointsDir: string, step: number, ckpt: Checkpoint): string {
  checkStep(step);
  const weights = encodeWeights(ckpt.weights, "Checkpoint");
  const optimizer = ckpt.optimizer === undefined ? undefined : encodeOptimizer(ckpt.optimizer);
  const model: CheckpointModelJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    step,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weights.specs }],
  };
  if (optimizer) {
    model.optimizerManifest = [{ paths: [OPTIMIZER_FILE], weights: optimizer.specs }];
    model.optimizerStep = optimizer.step;
  }
  if (ckpt.normalization !== undefined) model.normalization = ckpt.normalization;
  if (ckpt.rng !== undefined) model.rng = ckpt.rng;
  if (ckpt.meta !== undefined) model.meta = ckpt.meta;
  const modelText = toJson(model, `checkpoint ${step} model.json`, typedArraysToArrays, 2) + "\n";

  const finalDir = path.join(checkpointsDir, String(step));
  const tmpDir = `${finalDir}.tmp-${process.pid}-${randomHex()}`;
  const hint = { afterDiskFull: "earlier checkpoints are intact; the incomplete one was removed." };
  let current = tmpDir;
  try {
    fs.mkdirSync(checkpointsDir, { recursive: true });
    fs.mkdirSync(tmpDir);
    current = path.join(tmpDir, WEIGHTS_FILE);
    writeFileSynced(current, weights.bytes);
    if (optimizer) {
      current = path.join(tmpDir, OPTIMIZER_FILE);
      writeFileSynced(current, optimizer.bytes);
    }
    // model.json last: a folder with a model.json has all its files.
    current = path.join(tmpDir, MODEL_FILE);
    writeFileSynced(current, modelText);
    fsyncDir(tmpDir);
    current = finalDir;
    if (fs.existsSync(finalDir)) {
      // Replace: move the old one aside under a temp name (ignored by readers), move the new one in, delete the old.
      const oldDir = `${finalDir}.tmp-old-${process.pid}-${randomHex()}`;
      fs.renameSync(finalDir, oldDir);
      try {
        fs.renameSync(tmpDir, finalDir);
      } catch (err) {
        fs.renameSync(oldDir, finalDir); // put the old one back
        throw err;
      }
      try {
        fs.rmSync(oldDir, { recursive: true, force: true });
      } catch {
        // ignore: the new checkpoint is in place; a leftover temp folder is ignored and cleaned on resume
      }
    } else {
      fs.renameSync(tmpDir, finalDir);
    }
    fsyncDir(checkpointsDir);
  } catch (err) {
    try {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    } catch {
      // ignore: best effort cleanup; the temp name is ignored by readers anyway
    }
    throw wrapFsError(err, "writing", current, hint);
  }
  return finalDir;
}

function encodeOptimizer(opt: OptimizerState): { specs: WeightSpec[]; bytes: Buffer; step: number } {
  if (typeof opt.step !== "number" || !Number.isFinite(opt.step)) {
    throw new TypeError(`Optimizer step must be a finite number, got ${String(opt.step)}`);
  }
  return { ...encodeWeights(opt.weights, "Optimizer"), step: opt.step };
}

function readModelJson(dir: string): CheckpointModelJson {
  const file = path.join(dir, MODEL_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw wrapFsError(err, "reading", file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RunDirError(`${file} is not valid JSON: the checkpoint is damaged; use an earlier checkpoint.`, file, {
      cause: err,
    });
  }
  if (!isJsonObject(json) || json.format !== CHECKPOINT_FORMAT) {
    throw new RunDirError(`${file} is not a PPO Lab checkpoint (format "${CHECKPOINT_FORMAT}" expected).`, file);
  }
  if (typeof json.version !== "number" || json.version > CHECKPOINT_VERSION) {
    throw new RunDirError(
      `${file} has checkpoint format version ${String(json.version)}; this PPO Lab reads up to ${CHECKPOINT_VERSION}: update PPO Lab.`,
      file,
    );
  }
  if (!isManifest(json.weightsManifest) || (json.optimizerManifest !== undefined && !isManifest(json.optimizerManifest))) {
    throw new RunDirError(`${file} has a malformed weights manifest: the checkpoint is damaged.`, file);
  }
  return json as unknown as CheckpointModelJson;
}

function isManifest(v: unknown): v is WeightsManifestGroup[] {
  return (
    Array.isArray(v) &&
    v.every(
      (g) =>
        isJsonObject(g) &&
        Array.isArray(g.paths) &&
        g.paths.every((p) => typeof p === "string" && !p.includes("/") && !p.includes("\\") && p !== ".." && p !== ".") &&
        Array.isArray(g.weights) &&
        g.weights.every(
          (w) =>
            isJsonObject(w) &&
            typeof w.name === "string" &&
            Array.isArray(w.shape) &&
            w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) &&
            w.dtype === "float32",
        ),
    )
  );
}

/** Reads a manifest's tensors: each group's files concatenated hold that group's weights, as in TF.js. */
function readManifest(dir: string, manifest: readonly WeightsManifestGroup[]): WeightMap {
  const out: WeightMap = {};
  for (const group of manifest) {
    const parts: Buffer[] = [];
    let file = dir;
    try {
      for (const p of group.paths) {
        file = path.join(dir, p);
        parts.push(fs.readFileSync(file));
      }
    } catch (err) {
      throw wrapFsError(err, "reading", file);
    }
    Object.assign(out, decodeWeights(Buffer.concat(parts), group.weights, file));
  }
  return out;
}

/**
 * What a checkpoint's `model.json` says besides its tensors: the step it was saved at, the optimizer's step count
 * (when it has optimizer state) and the JSON parts (normalization, RNG state, meta such as the spaces it was trained on).
 */
export type CheckpointMeta = Pick<CheckpointModelJson, "step" | "optimizerStep" | "normalization" | "rng" | "meta">;

function metaOf(model: CheckpointModelJson): CheckpointMeta {
  const out: CheckpointMeta = { step: model.step };
  if (model.optimizerStep !== undefined) out.optimizerStep = model.optimizerStep;
  if (model.normalization !== undefined) out.normalization = model.normalization;
  if (model.rng !== undefined) out.rng = model.rng;
  if (model.meta !== undefined) out.meta = model.meta;
  return out;
}

/**
 * Reads the metadata of the checkpoint in folder `dir` (a `checkpoints/<step>/` folder) from its `model.json` alone:
 * no weights file is opened, so it is cheap and works on a checkpoint whose weights are damaged or missing.
 * @throws RunDirError when `model.json` is missing, unreadable, not a PPO Lab checkpoint or of a newer version.
 */
export function readCheckpointMeta(dir: string): CheckpointMeta {
  return metaOf(readModelJson(dir));
}

/**
 * Reads the checkpoint in folder `dir` (a `checkpoints/<step>/` folder): its metadata as {@link readCheckpointMeta}
 * gives it, plus its weights and optimizer state. Throws a RunDirError if it is damaged.
 */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const model = readModelJson(dir);
  const { optimizerStep, ...meta } = metaOf(model);
  const out: LoadedCheckpoint = { ...meta, weights: readManifest(dir, model.weightsManifest) };
  if (model.optimizerManifest !== undefined) {
    out.optimizer = { step: optimizerStep ?? 0, weights: readManifest(dir, model.optimizerManifest) };
  }
  return out;
}

/**
 * Steps of the complete checkpoints in `checkpointsDir`, ascending (numeric order: 900 before 10000). Only folders
 * named by a plain integer that contain a `model.json` count; temp folders (`<step>.tmp-...`) are ignored.
 */
export function listCheckpoints(checkpointsDir: string): number[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(checkpointsDir, { withFileTypes: true });
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return [];
    throw wrapFsError(err, "reading", checkpointsDir);
  }
  const steps: number[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !/^(0|[1-9]\d*)$/.test(e.name)) continue;
    const step = Number(e.name);
    if (!Number.isSafeInteger(step)) continue;
    if (!fs.existsSync(path.join(checkpointsDir, e.name, MODEL_FILE))) continue;
    steps.push(step);
  }
  return steps.sort((a, b) => a - b);
}

/** Removes leftover temp checkpoint folders (from a crash). Only call when no other process writes this run. */
export function cleanTempCheckpoints(checkpointsDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(checkpointsDir);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return [];
    throw wrapFsError(err, "reading", checkpointsDir);
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isTempName(name)) continue;
    const p = path.join(checkpointsDir, name);
    try {
      fs.rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch (err) {
      throw wrapFsError(err, "removing", p);
    }
  }
  return removed;
}
