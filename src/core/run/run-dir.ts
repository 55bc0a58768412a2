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
 *   replays/            index.json (the replay list, replaced atomically) + <id>.replay per episode (src/core/replay)
 *   trainer.lock        {pid, hostname, startedAt} of the process writing the run, while it writes (lock.ts)
 * ```
 *
 * Append-only files are written one whole line per append call, so a crash leaves at most a torn last line; readers
 * skip it and report unparsable lines by number instead of throwing. `RunWriter.open` (resume) cuts a torn tail off.
 *
 * The writer is the only process that writes a run (its `trainer.lock` makes a second writer fail with a
 * RunLockedError); any number of readers may read it while it is written.
 */
export * from "./types";
export { RunDirError } from "./fs-util";
export { RUN_FILES, makeRunId, parseRunInfo, readRunInfo, runPaths, slugifyEnvName } from "./layout";
export { RunWriter } from "./writer";
export { RunLockedError, runLockHolder } from "./lock";
export type { RunLockHolder } from "./lock";
export type { CreateRunOptions, OpenRunOptions } from "./writer";
export { RunReader, listRuns } from "./reader";
export { loadCheckpoint, listCheckpoints, readCheckpointMeta, saveCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from "./checkpoint";
export type { CheckpointMeta, CheckpointModelJson, WeightSpec, WeightsManifestGroup } from "./checkpoint";
export { readJsonl } from "./jsonl";
