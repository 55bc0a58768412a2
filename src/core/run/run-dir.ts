/**
 * The run directory reader/writer (DESIGN.md "A run directory"):
 *
 * ```
 * <root>/<YYYYMMDD-HHMMSS>-<env>-<shortid>/
 *   run.json            RunInfo, replaced atomically (temp file + fsync + rename) on every update
 *   metrics.jsonl       one MetricsRow per PPO update (append-only; NaN/Infinity written as null)
 *   progress.csv        the same rows as CSV (see progress-csv.ts for how new columns are handled)
 *   episodes.jsonl      one EpisodeRow per finished episode (append-only)
 *   diagnostics.jsonl   one object per diagnostic (append-only)
 *   checkpoints/<step>/ model.json + weights.bin (+ optimizer.bin), see checkpoint.ts
 *   replays/            replays/<step>-<kind>.json (written by the replay module)
 * ```
 *
 * Append-only files are written one whole line per append call, so a crash leaves at most a torn last line; readers
 * skip it and report unparsable lines by number instead of throwing. `RunWriter.open` (resume) cuts a torn tail off.
 *
 * The writer is the only process that writes a run; any number of readers may read it while it is written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import type {
  Checkpoint,
  EpisodeRow,
  JsonlCursor,
  JsonlReadResult,
  LoadedCheckpoint,
  MetricsRow,
  NewRunInfo,
  RunInfo,
  RunInfoPatch,
  RunListing,
} from "./types";
import { RUN_FORMAT_VERSION, RUN_STATUSES } from "./types";
import { RunDirError, appendText, isTempName, repairTornTail, toJson, touch, wrapFsError, writeFileAtomic } from "./fs-util";
import {
  isEpisodeRow,
  isJsonObject,
  isMetricsRow,
  jsonLine,
  readJsonl,
  sanitizeEpisodeRow,
  sanitizeMetricsRow,
} from "./jsonl";
import { ProgressCsv } from "./progress-csv";
import { cleanTempCheckpoints, listCheckpoints, loadCheckpoint, saveCheckpoint } from "./checkpoint";

export * from "./types";
export { RunDirError } from "./fs-util";
export { loadCheckpoint, listCheckpoints } from "./checkpoint";
export type { CheckpointModelJson, WeightSpec, WeightsManifestGroup } from "./checkpoint";

/** File and folder names inside a run directory. */
export const RUN_FILES = {
  info: "run.json",
  metrics: "metrics.jsonl",
  progress: "progress.csv",
  episodes: "episodes.jsonl",
  diagnostics: "diagnostics.jsonl",
  checkpoints: "checkpoints",
  replays: "replays",
} as const;

/** Absolute paths of everything in the run directory `dir`. */
export function runPaths(dir: string): { [K in keyof typeof RUN_FILES]: string } {
  return {
    info: path.join(dir, RUN_FILES.info),
    metrics: path.join(dir, RUN_FILES.metrics),
    progress: path.join(dir, RUN_FILES.progress),
    episodes: path.join(dir, RUN_FILES.episodes),
    diagnostics: path.join(dir, RUN_FILES.diagnostics),
    checkpoints: path.join(dir, RUN_FILES.checkpoints),
    replays: path.join(dir, RUN_FILES.replays),
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Lower-case, file-name-safe form of an env name: "CartPole v1!" -> "cartpole-v1". */
export function slugifyEnvName(envName: string): string {
  const slug = envName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 40)
    .replace(/[-.]+$/g, "");
  return slug.length > 0 ? slug : "env";
}

/**
 * The folder name of a run: `<YYYYMMDD-HHMMSS>-<env>-<shortid>`, e.g. "20261129-120501-cartpole-a1b2c3".
 * The timestamp is in UTC, so the CLI and the extension agree on any machine (`createdAt` in run.json is the exact
 * ISO time). `envName` is slugified (`slugifyEnvName`); `shortId` must be letters/digits.
 */
export function makeRunId(envName: string, date: Date, shortId: string): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("makeRunId: invalid date");
  if (!/^[A-Za-z0-9]+$/.test(shortId)) throw new RangeError(`makeRunId: shortId must be letters/digits, got "${shortId}"`);
  const stamp =
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  return `${stamp}-${slugifyEnvName(envName)}-${shortId.toLowerCase()}`;
}

/** Checks the shape of a parsed run.json; throws a RunDirError naming the file and the problem. */
export function parseRunInfo(json: unknown, file: string): RunInfo {
  const bad = (why: string): never => {
    throw new RunDirError(`${file} is not a valid PPO Lab run.json: ${why}.`, file);
  };
  if (!isJsonObject(json)) return bad("not a JSON object");
  for (const key of ["id", "envName", "envFile", "envHash", "createdAt", "updatedAt", "backend"] as const) {
    if (typeof json[key] !== "string") bad(`"${key}" must be a string`);
  }
  if (!RUN_STATUSES.includes(json.status as RunInfo["status"])) bad(`"status" must be one of ${RUN_STATUSES.join(", ")}`);
  if (typeof json.seed !== "number") bad(`"seed" must be a number`);
  if (!isJsonObject(json.config)) bad(`"config" must be an object`);
  if (!isJsonObject(json.versions)) bad(`"versions" must be an object`);
  // Files from before formatVersion existed count as version 1.
  return { ...(json as unknown as RunInfo), formatVersion: typeof json.formatVersion === "number" ? json.formatVersion : 1 };
}

/** Reads and checks `<dir>/run.json`. */
export function readRunInfo(dir: string): RunInfo {
  const file = path.join(dir, RUN_FILES.info);
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
    throw new RunDirError(`${file} is not valid JSON (${(err as Error).message}).`, file, { cause: err });
  }
  return parseRunInfo(json, file);
}

function serialiseRunInfo(info: RunInfo): string {
  return toJson(info, "run.json", undefined, 2) + "\n";
}

/** Options for `RunWriter.create`. */
export interface CreateRunOptions {
  /** Letters/digits for the folder name. Default: 6 random hex digits (node:crypto). */
  shortId?: string;
  /** Creation time. Default: now. */
  now?: Date;
  /** Clock for `updatedAt`/`endedAt`. Default: `() => new Date()`. */
  clock?: () => Date;
}

/** Options for `RunWriter.open`. */
export interface OpenRunOptions {
  clock?: () => Date;
}

const defaultClock = (): Date => new Date();

/**
 * Writes one run directory. Every method writes synchronously and completely before returning (nothing is
 * buffered), so a crash loses at most the write in progress. Errors are RunDirErrors whose message names the file
 * and the remedy (disk full, permissions, ...); invalid values (BigInt, NaN in a place that needs a number) throw a
 * TypeError before any file is touched.
 */
export class RunWriter {
  readonly dir: string;
  readonly paths: ReturnType<typeof runPaths>;
  private infoValue: RunInfo;
  private readonly csv: ProgressCsv;
  private readonly clock: () => Date;
  private closed = false;

  private constructor(dir: string, info: RunInfo, csv: ProgressCsv, clock: () => Date) {
    this.dir = dir;
    this.paths = runPaths(dir);
    this.infoValue = info;
    this.csv = csv;
    this.clock = clock;
  }

  /**
   * Creates `<root>/<runId>/` (and `root` if needed) with `run.json` and empty log files. Throws a RunDirError if
   * `root` is not writable or the folder already exists (with a caller-given `shortId`; a default one is retried).
   */
  static create(root: string, info: NewRunInfo, opts: CreateRunOptions = {}): RunWriter {
    const clock = opts.clock ?? defaultClock;
    const now = opts.now ?? clock();
    try {
      fs.mkdirSync(root, { recursive: true });
    } catch (err) {
      throw wrapFsError(err, "creating the runs folder", root);
    }
    let id = "";
    let dir = "";
    for (let attempt = 0; ; attempt++) {
      id = makeRunId(info.envName, now, opts.shortId ?? randomBytes(3).toString("hex"));
      dir = path.join(root, id);
      try {
        fs.mkdirSync(dir);
        break;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === "EEXIST" && opts.shortId === undefined && attempt < 5) continue;
        if (code === "EEXIST") {
          throw new RunDirError(`A run folder ${dir} already exists: use another short id.`, dir, { cause: err, code });
        }
        throw wrapFsError(err, "creating the run folder", dir);
      }
    }
    const stamp = now.toISOString();
    const full: RunInfo = {
      ...info,
      id,
      formatVersion: RUN_FORMAT_VERSION,
      createdAt: stamp,
      updatedAt: stamp,
      status: info.status ?? "running",
    };
    const p = runPaths(dir);
    try {
      const text = serialiseRunInfo(full); // throws on BigInt etc. before writing
      writeFileAtomic(p.info, text);
      fs.mkdirSync(p.checkpoints);
      for (const f of [p.metrics, p.episodes, p.diagnostics]) touch(f);
    } catch (err) {
      // Do not leave a half-made run behind: we created this folder, so we remove it.
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // ignore
      }
      throw err instanceof TypeError ? err : wrapFsError(err, "creating", dir);
    }
    return new RunWriter(dir, full, new ProgressCsv(p.progress, []), clock);
  }

  /**
   * Reopens an existing run to continue writing (resume after pause or crash): cuts torn last lines off the JSONL
   * files, rebuilds `progress.csv` from `metrics.jsonl`, and removes leftover temp checkpoint folders.
   */
  static open(dir: string, opts: OpenRunOptions = {}): RunWriter {
    const info = readRunInfo(dir);
    const p = runPaths(dir);
    for (const f of [p.metrics, p.episodes, p.diagnostics]) {
      repairTornTail(f);
      touch(f);
    }
    for (const name of safeReaddir(dir)) {
      if (name.startsWith(RUN_FILES.info + ".tmp-") || name.startsWith(RUN_FILES.progress + ".tmp-")) {
        const tmp = path.join(dir, name);
        try {
          fs.rmSync(tmp, { force: true });
        } catch (err) {
          throw wrapFsError(err, "removing", tmp);
        }
      }
    }
    cleanTempCheckpoints(p.checkpoints);
    const rows = readJsonl(p.metrics, isMetricsRow).rows;
    const csv = new ProgressCsv(p.progress, []);
    if (rows.length > 0) csv.rewrite(rows);
    return new RunWriter(dir, info, csv, opts.clock ?? defaultClock);
  }

  /** The current run.json contents (a copy). */
  get info(): RunInfo {
    return structuredClone(this.infoValue);
  }

  get id(): string {
    return this.infoValue.id;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`RunWriter for ${this.dir} is closed`);
  }

  /**
   * Appends one update's metrics to `metrics.jsonl` and `progress.csv`. NaN/Infinity are written as null; keys
   * with `undefined` are left out. Throws a TypeError for non-numeric values.
   */
  appendMetrics(row: Readonly<Record<string, number | null | undefined>>): void {
    this.checkOpen();
    const clean = sanitizeMetricsRow(row);
    if (Object.keys(clean).length === 0) throw new TypeError("appendMetrics: the row has no values");
    appendText(this.paths.metrics, jsonLine(clean, "metrics row"));
    // Rare: a new key rebuilds progress.csv from metrics.jsonl, which already holds this row.
    this.csv.append(clean, () => readJsonl(this.paths.metrics, isMetricsRow).rows);
  }

  /** Appends one finished episode to `episodes.jsonl`. A non-finite return is written as null. */
  appendEpisode(row: EpisodeRow): void {
    this.checkOpen();
    appendText(this.paths.episodes, jsonLine(sanitizeEpisodeRow(row), "episode row"));
  }

  /** Appends any JSON object to `diagnostics.jsonl` (NaN/Infinity become null, as JSON.stringify does). */
  appendDiagnostic(obj: object): void {
    this.checkOpen();
    if (!isJsonObject(obj)) throw new TypeError("appendDiagnostic: expected a plain object");
    appendText(this.paths.diagnostics, jsonLine(obj, "diagnostic"));
  }

  /**
   * Shallow-merges `patch` into run.json and rewrites it atomically (updatedAt is set). Keys set to `undefined`
   * are removed. If serialisation or the write fails, run.json and `info` are unchanged. Returns the new info.
   */
  updateRunInfo(patch: RunInfoPatch): RunInfo {
    this.checkOpen();
    const next: RunInfo = { ...this.infoValue, ...patch, updatedAt: (patch.updatedAt ?? this.clock().toISOString()) };
    for (const key of Object.keys(next) as (keyof RunInfo)[]) if (next[key] === undefined) delete next[key];
    const text = serialiseRunInfo(next); // throws before touching run.json
    writeFileAtomic(this.paths.info, text);
    this.infoValue = JSON.parse(text) as RunInfo;
    return this.info;
  }

  /** Saves a checkpoint as `checkpoints/<step>/` and records `lastCheckpointStep` in run.json. Returns the folder. */
  saveCheckpoint(step: number, ckpt: Checkpoint): string {
    this.checkOpen();
    const dir = saveCheckpoint(this.paths.checkpoints, step, ckpt);
    if (this.infoValue.lastCheckpointStep === undefined || step >= this.infoValue.lastCheckpointStep) {
      this.updateRunInfo({ lastCheckpointStep: step });
    }
    return dir;
  }

  /** Steps of the complete checkpoints, ascending. */
  listCheckpoints(): number[] {
    return listCheckpoints(this.paths.checkpoints);
  }

  /**
   * Ends writing. Flushes the log files to disk (fsync). Does not change the status: call
   * `updateRunInfo({ status: "finished", endedAt })` first. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of [this.paths.metrics, this.paths.progress, this.paths.episodes, this.paths.diagnostics]) {
      let fd: number | undefined;
      try {
        fd = fs.openSync(f, "r+");
        fs.fsyncSync(fd);
      } catch (err) {
        if ((err as { code?: unknown }).code !== "ENOENT") throw wrapFsError(err, "flushing", f);
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    throw wrapFsError(err, "reading", dir);
  }
}

/**
 * Reads a run directory, possibly while it is being written. Every call reads the files afresh; pass the returned
 * `cursor` back as `from` to read only what was appended since (tailing a live run).
 */
export class RunReader {
  readonly dir: string;
  readonly paths: ReturnType<typeof runPaths>;

  constructor(dir: string) {
    this.dir = dir;
    this.paths = runPaths(dir);
  }

  /** run.json. Throws a RunDirError if missing or invalid. */
  info(): RunInfo {
    return readRunInfo(this.dir);
  }

  metrics(from?: JsonlCursor): JsonlReadResult<MetricsRow> {
    return readJsonl(this.paths.metrics, isMetricsRow, from);
  }

  episodes(from?: JsonlCursor): JsonlReadResult<EpisodeRow> {
    return readJsonl(this.paths.episodes, isEpisodeRow, from);
  }

  diagnostics(from?: JsonlCursor): JsonlReadResult<Record<string, unknown>> {
    return readJsonl(this.paths.diagnostics, isJsonObject, from);
  }

  /** Steps of the complete checkpoints, ascending. */
  listCheckpoints(): number[] {
    return listCheckpoints(this.paths.checkpoints);
  }

  /** The newest complete checkpoint, or undefined. */
  latestCheckpoint(): { step: number; dir: string } | undefined {
    const steps = this.listCheckpoints();
    if (steps.length === 0) return undefined;
    const step = steps[steps.length - 1];
    return { step, dir: this.checkpointDir(step) };
  }

  checkpointDir(step: number): string {
    return path.join(this.paths.checkpoints, String(step));
  }

  loadCheckpoint(step: number): LoadedCheckpoint {
    return loadCheckpoint(this.checkpointDir(step));
  }
}

/**
 * The runs under `root` (each sub-folder with a readable, valid run.json), newest first by `createdAt` (then by id).
 * Folders without a readable run.json, temp names and plain files are skipped. A missing `root` gives [].
 */
export function listRuns(root: string): RunListing[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return [];
    throw wrapFsError(err, "reading", root);
  }
  const runs: RunListing[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || isTempName(e.name)) continue;
    const dir = path.join(root, e.name);
    try {
      runs.push({ ...readRunInfo(dir), dir });
    } catch {
      // not a run (or a damaged one): skipped
    }
  }
  const time = (r: RunListing): number => {
    const t = Date.parse(r.createdAt);
    return Number.isNaN(t) ? -Infinity : t;
  };
  return runs.sort((a, b) => time(b) - time(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
