/** Writing a run directory: see run-dir.ts for the layout. */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import type { Checkpoint, EpisodeRow, NewRunInfo, RunInfo, RunInfoPatch } from "./types";
import { RUN_FORMAT_VERSION } from "./types";
import { RunDirError, appendText, repairTornTail, touch, wrapFsError, writeFileAtomic } from "./fs-util";
import { isJsonObject, isMetricsRow, jsonLine, readJsonl, sanitizeEpisodeRow, sanitizeMetricsRow } from "./jsonl";
import { ProgressCsv } from "./progress-csv";
import { cleanTempCheckpoints, listCheckpoints, saveCheckpoint } from "./checkpoint";
import { RUN_FILES, makeRunId, readRunInfo, runPaths, serialiseRunInfo } from "./layout";
import { acquireRunLock } from "./lock";

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
  /**
   * Resuming from the checkpoint at this global step S (`total_timesteps`): rows written after that checkpoint (by a
   * trainer that crashed or was killed before its next one) are cut right after the lock is taken, so the resumed
   * run does not log updates S+1.. twice. metrics.jsonl keeps the rows with `total_timesteps <= S`, episodes.jsonl the
   * episodes that finished at `total_timesteps <= S`; progress.csv is rebuilt from the kept metrics rows.
   * diagnostics.jsonl is kept whole on purpose: its findings happened (a NaN finding may be the very reason the run
   * crashed) and each names its own update/step, so they stay true history rather than duplicated measurements.
   * Omitted: nothing is cut (reopening after a pause, or a run without checkpoint).
   */
  resumeFromStep?: number;
}

const defaultClock = (): Date => new Date();
const NOT_CREATED = { afterDiskFull: "no run was created." };

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
  /** Removes this writer's `trainer.lock`. */
  private readonly releaseLock: () => void;

  private constructor(dir: string, info: RunInfo, csv: ProgressCsv, clock: () => Date, releaseLock: () => void) {
    this.dir = dir;
    this.paths = runPaths(dir);
    this.infoValue = info;
    this.csv = csv;
    this.clock = clock;
    this.releaseLock = releaseLock;
  }

  /**
   * Creates `<root>/<runId>/` (and `root` if needed) with `run.json` and empty log files. Throws a RunDirError if
   * `root` is not writable or the folder already exists (with a caller-given `shortId`; a default one is retried).
   * The new run's writer lock (`trainer.lock`, see lock.ts) is taken before run.json is written; `close()` removes it.
   */
  static create(root: string, info: NewRunInfo, opts: CreateRunOptions = {}): RunWriter {
    const clock = opts.clock ?? defaultClock;
    const now = opts.now ?? clock();
    try {
      fs.mkdirSync(root, { recursive: true });
    } catch (err) {
      throw wrapFsError(err, "creating the runs folder", root, NOT_CREATED);
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
        throw wrapFsError(err, "creating the run folder", dir, NOT_CREATED);
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
    let releaseLock: (() => void) | undefined;
    try {
      const text = serialiseRunInfo(full); // throws on BigInt etc. before writing
      releaseLock = acquireRunLock(dir, now);
      writeFileAtomic(p.info, text);
      fs.mkdirSync(p.checkpoints);
      for (const f of [p.metrics, p.episodes, p.diagnostics]) touch(f);
    } catch (err) {
      // Do not leave a half-made run behind: we created this folder, so we remove it.
      releaseLock?.();
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // ignore
      }
      throw err instanceof TypeError ? err : wrapFsError(err, "creating", dir, NOT_CREATED);
    }
    return new RunWriter(dir, full, new ProgressCsv(p.progress, []), clock, releaseLock);
  }

  /**
   * Reopens an existing run to continue writing (resume after pause or crash): cuts torn last lines off the JSONL
   * files, rebuilds `progress.csv` from `metrics.jsonl`, and removes leftover temp checkpoint folders.
   *
   * First of all it takes the run's writer lock (`trainer.lock`, see lock.ts), replacing a stale one; `close()`
   * removes it. With `opts.resumeFromStep` = S it then cuts the rows logged after step S (see OpenRunOptions); each
   * file is rewritten atomically, so a crash during the cut leaves either the old or the cut file, never fewer rows
   * <= S. Lines that are not valid rows (corrupt) are kept as they were.
   * @throws RangeError when `resumeFromStep` is not a finite number >= 0 (before the lock is taken).
   * @throws RunLockedError (a RunDirError with the holder's `pid`) when another live process writes the run: the
   *   run directory is then left exactly as it was. RunDirError when run.json is missing or invalid (nothing is
   *   written either).
   */
  static open(dir: string, opts: OpenRunOptions = {}): RunWriter {
    const s = opts.resumeFromStep;
    if (s !== undefined && !(typeof s === "number" && Number.isFinite(s) && s >= 0)) {
      throw new RangeError(`RunWriter.open(${dir}): resumeFromStep must be a finite number >= 0 (the checkpoint's step), got ${String(s)}`);
    }
    readRunInfo(dir); // not a run: fail before creating a lock file in that folder
    const releaseLock = acquireRunLock(dir);
    try {
      return RunWriter.openLocked(dir, opts, releaseLock);
    } catch (err) {
      releaseLock();
      throw err;
    }
  }

  private static openLocked(dir: string, opts: OpenRunOptions, releaseLock: () => void): RunWriter {
    // Read again under the lock: the previous writer may have updated run.json until it let go.
    const info = readRunInfo(dir);
    const p = runPaths(dir);
    for (const f of [p.metrics, p.episodes, p.diagnostics]) {
      repairTornTail(f);
      touch(f);
    }
    if (opts.resumeFromStep !== undefined) {
      for (const f of [p.metrics, p.episodes]) cutRowsAfterStep(f, opts.resumeFromStep);
    }
    for (const name of safeReaddir(dir)) {
      if (
        name.startsWith(RUN_FILES.info + ".tmp-") ||
        name.startsWith(RUN_FILES.progress + ".tmp-") ||
        name.startsWith(RUN_FILES.lock + ".stale-") // a stale lock set aside by a writer that crashed right then
      ) {
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
    return new RunWriter(dir, info, csv, opts.clock ?? defaultClock, releaseLock);
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
   * Ends writing. Flushes the log files to disk (fsync) and removes the writer lock (also when a flush fails). Does
   * not change the status: call `updateRunInfo({ status: "finished", endedAt })` first. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
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
    } finally {
      this.releaseLock();
    }
  }
}

/**
 * Rewrites the JSONL file `filePath` (atomically) without the rows whose numeric `total_timesteps` is above `step`.
 * Every other line (rows <= step, corrupt lines, rows without the field) is kept byte for byte, in order. Leaves the
 * file untouched when nothing is above `step`. Expects a file without torn tail (call `repairTornTail` first).
 * @returns the number of rows cut.
 */
export function cutRowsAfterStep(filePath: string, step: number): number {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return 0;
    throw wrapFsError(err, "reading", filePath);
  }
  if (text.length === 0) return 0;
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  const kept: string[] = [];
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      kept.push(line);
      continue;
    }
    const t = isJsonObject(value) ? value.total_timesteps : undefined;
    if (typeof t === "number" && t > step) continue;
    kept.push(line);
  }
  const cut = lines.length - kept.length;
  if (cut > 0) {
    writeFileAtomic(filePath, kept.length ? kept.join("\n") + "\n" : "", {
      afterDiskFull: `${path.basename(filePath)} was left as it was (with the rows after step ${step}); free space and resume again.`,
    });
  }
  return cut;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    throw wrapFsError(err, "reading", dir);
  }
}
