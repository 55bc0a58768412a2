/**
 * Types of the run directory format (DESIGN.md "A run directory"). Shared by the writer (trainer, CLI) and the
 * readers (extension, CLI `eval`, tree view).
 */

/** Version of the on-disk format written into `run.json` as `formatVersion`. */
export const RUN_FORMAT_VERSION = 1;

/** Lifecycle of a run, as recorded in `run.json`. */
export type RunStatus = "running" | "paused" | "finished" | "failed" | "stopped";

export const RUN_STATUSES: readonly RunStatus[] = ["running", "paused", "finished", "failed", "stopped"];

/** Versions of the software that produced the run. */
export interface RunVersions {
  ppoLab: string;
  tfjs: string;
  node: string;
}

/** Why a run failed (status "failed"). */
export interface RunErrorInfo {
  message: string;
  stack?: string;
}

/** Contents of `run.json`. */
export interface RunInfo {
  /** The run directory's folder name, e.g. "20261129-120501-cartpole-a1b2c3" (see `makeRunId`). */
  id: string;
  /** Format version of the run directory (RUN_FORMAT_VERSION when written by this code). */
  formatVersion: number;
  /** Name of the environment (built-in id or the env file's base name). */
  envName: string;
  /** Path of the env file the run trained on (as the caller gives it; absolute or workspace-relative). */
  envFile: string;
  /** Content hash of the env file, to tell whether the file changed since the run. */
  envHash: string;
  /** ISO 8601 timestamp of creation. */
  createdAt: string;
  /** ISO 8601 timestamp of the last `run.json` write. */
  updatedAt: string;
  status: RunStatus;
  seed: number;
  /** Compute engine actually used: "js", or the TF.js backend "tensorflow", "wasm" or "cpu". */
  backend: string;
  /** The fully resolved hyperparameters. */
  config: Record<string, unknown>;
  /** Where each hyperparameter came from (cli, envFile, settings, preset, default). */
  configSources?: Record<string, unknown>;
  versions: RunVersions;
  /** Environment steps done so far (updated by the trainer now and then). */
  totalTimesteps?: number;
  /** Step of the most recent checkpoint written, if any. */
  lastCheckpointStep?: number;
  /** ISO timestamp at which the run ended (finished, failed or stopped). */
  endedAt?: string;
  /** Set when status is "failed". */
  error?: RunErrorInfo;
  /** Free-form notes (e.g. a user label). */
  notes?: string;
  /** Anything else a caller wants to keep with the run; keep it JSON. */
  extra?: Record<string, unknown>;
}

/** What a caller supplies to create a run; the writer fills in the rest. */
export type NewRunInfo = Omit<RunInfo, "id" | "formatVersion" | "createdAt" | "updatedAt" | "status"> & {
  /** Defaults to "running". */
  status?: RunStatus;
};

/**
 * A patch for `updateRunInfo`: a shallow merge into `run.json` (nested objects such as `config` are replaced, not
 * merged). A key set to `undefined` is removed from the file (e.g. `{ status: "running", error: undefined }`).
 */
export type RunInfoPatch = Partial<Omit<RunInfo, "id" | "formatVersion" | "createdAt">>;

/** A `run.json` together with the folder it was read from. */
export type RunListing = RunInfo & { dir: string };

/**
 * One row of `metrics.jsonl` / `progress.csv`: one PPO update. Keys follow SB3/CleanRL names (`update`,
 * `total_timesteps`, `wall_seconds`, `ep_rew_mean`, `approx_kl`, ...).
 *
 * Non-finite numbers (NaN, +-Infinity) are written as `null` in JSON (JSON has no spelling for them) and as an empty
 * cell in the CSV (pandas reads it as NaN). A reader therefore sees `null` where the trainer had NaN or Infinity.
 */
export type MetricsRow = Record<string, number | null>;

/** One finished episode in `episodes.jsonl`. A non-finite return is written as null (see MetricsRow). */
export interface EpisodeRow {
  return: number | null;
  length: number;
  /** Global environment step at which the episode finished. */
  total_timesteps: number;
  /** Which sub-environment of the vector env produced it. */
  env_index?: number;
  wall_seconds?: number;
}

/** A position in a JSONL file, to read only what was appended since the last read (tailing a live run). */
export interface JsonlCursor {
  /** Byte offset just after the last complete line read. */
  byte: number;
  /** Number of lines (1-based numbering) before `byte`. */
  line: number;
}

/** Result of reading a JSONL file. Never throws on bad content: bad lines are reported, not fatal. */
export interface JsonlReadResult<T> {
  rows: T[];
  /** 1-based line numbers of lines that are not valid JSON (or not the expected shape). */
  corruptLines: number[];
  /** True if the file ends with an incomplete line (no "\n"): a write in progress or a crash. It is skipped. */
  partialTail: boolean;
  /** Where to continue reading next time (pass it back as `from`). */
  cursor: JsonlCursor;
  /** True if the file was shorter than the `from` cursor (it was replaced or truncated) and was re-read from the start. */
  restarted: boolean;
}

/** One tensor: row-major float32 data and its shape. */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** Named tensors, in insertion order (that order is kept in the files). */
export type WeightMap = Record<string, TensorData>;

/** Optimizer state: its slot tensors (e.g. Adam moments) and its step counter. */
export interface OptimizerState {
  step: number;
  weights: WeightMap;
}

/** Everything needed to resume or evaluate a policy. */
export interface Checkpoint {
  weights: WeightMap;
  optimizer?: OptimizerState;
  /** Observation/return normalisation statistics (JSON; typed arrays are stored as plain arrays). */
  normalization?: Record<string, unknown>;
  /** Random generator state (JSON). */
  rng?: Record<string, unknown>;
  /** Anything else (JSON), e.g. network architecture, update index. */
  meta?: Record<string, unknown>;
}

/** A checkpoint as read back: the same structure plus the step it was saved at. */
export interface LoadedCheckpoint extends Checkpoint {
  step: number;
}
