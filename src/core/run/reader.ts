/** Reading run directories (also while they are written): see run-dir.ts for the layout. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EpisodeRow, JsonlCursor, JsonlReadResult, LoadedCheckpoint, MetricsRow, RunInfo, RunListing } from "./types";
import { isTempName, wrapFsError } from "./fs-util";
import { isEpisodeRow, isJsonObject, isMetricsRow, readJsonl } from "./jsonl";
import { listCheckpoints, loadCheckpoint, readCheckpointMeta, type CheckpointMeta } from "./checkpoint";
import { readRunInfo, runPaths } from "./layout";

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

  /** The metadata of the checkpoint at `step`, read without its weights (see readCheckpointMeta). */
  checkpointMeta(step: number): CheckpointMeta {
    return readCheckpointMeta(this.checkpointDir(step));
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
