/**
 * Every message between the extension, the trainer process and (later) webviews, as discriminated unions on
 * `type`. Both ends import these types; nothing on a message path is `any`.
 */
import type { PPOConfig, ConfigSourceKind } from "./core/ppo/config";
import type { RunStatus } from "./core/run/types";

/** What to train: sent by the extension or built by the CLI. */
export interface TrainRequest {
  /** Env file path or built-in id ("CartPole-v1"). */
  env: string;
  /** Directory relative paths resolve against. */
  cwd: string;
  /** Folder that holds run directories (`<workspace>/.ppo-lab/runs`). */
  runsRoot: string;
  /** A JSON config file given with `--config`. */
  configFile?: string;
  /** Hyperparameters from workspace settings (lower priority than the env file's `config`). */
  settings?: Partial<PPOConfig>;
  /** Hyperparameters from flags/command arguments (highest priority). */
  overrides?: Partial<PPOConfig>;
}

/** Extension -> trainer. */
export type ToTrainerMessage =
  | { type: "start"; request: TrainRequest }
  | { type: "stop" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "checkpoint" };

/** A metrics row as it travels: numbers, or null where the value is undefined (NaN). */
export type MetricsMessageRow = Record<string, number | null>;

/** Trainer -> extension. */
export type FromTrainerMessage =
  | {
      type: "started";
      runId: string;
      runDir: string;
      envName: string;
      envFile: string;
      backend: string;
      config: PPOConfig;
      sources: Record<string, ConfigSourceKind>;
    }
  | { type: "metrics"; row: MetricsMessageRow }
  | { type: "episode"; return: number; length: number; totalTimesteps: number }
  | { type: "status"; status: RunStatus }
  | { type: "checkpoint"; step: number; path: string }
  | { type: "log"; level: "info" | "warn" | "error"; message: string }
  | { type: "finished"; status: RunStatus; runDir: string; totalTimesteps: number }
  | { type: "error"; message: string; file?: string; line?: number; column?: number; hint?: string };
