/**
 * Every message between the extension, the trainer process and (later) webviews, as discriminated unions on
 * `type`. Both ends import these types; nothing on a message path is `any`.
 */
import type { PPOConfig, ConfigSourceKind } from "./core/ppo/config";
import type { DiagnosticFinding } from "./core/diagnostics/types";
import type { RunStatus } from "./core/run/types";
import type { ReplayHeader, ReplayStepsChunk, ReplaySummary, SceneFrame, TextFrame } from "./core/replay/types";

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
  /** Continue this run directory from its newest checkpoint (`env` may then be empty: the run's env file is used). */
  resume?: string;
  /** The env checker already ran on this env (in this process); do not probe it again before training. */
  skipCheck?: boolean;
}

/** One finding of the env checker (`ppo-lab check`), as it travels to the extension's Problems panel. */
export interface EnvCheckFinding {
  id: string;
  severity: "error" | "warning" | "info";
  message: string;
  hint?: string;
  location?: { file: string; line: number; column: number };
}

/** The env checker's report on one env file. */
export interface EnvCheckReport {
  file: string;
  findings: EnvCheckFinding[];
  /** True when there is no error finding. */
  ok: boolean;
  probeSteps: number;
}

/** Extension -> trainer. */
export type ToTrainerMessage =
  | { type: "start"; request: TrainRequest }
  /** Run the env checker on `env`; the trainer answers with `checkReport` and then waits for `start` or `stop`. */
  | { type: "check"; env: string; cwd: string; envKwargs?: Record<string, unknown> }
  | { type: "stop" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "checkpoint" }
  /** Record the next episode now (a "requested" replay), with the mode of the policy when `deterministic`. */
  | { type: "recordReplay"; deterministic?: boolean };

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
  /** A diagnostics rule fired after an update (also appended to the run's `diagnostics.jsonl`). */
  | { type: "diagnostic"; finding: DiagnosticFinding }
  | { type: "checkReport"; report: EnvCheckReport }
  | { type: "status"; status: RunStatus }
  | { type: "checkpoint"; step: number; path: string }
  /** A replay was saved in the run directory (appended to `replays/index.json`). */
  | { type: "replay"; summary: ReplaySummary }
  | { type: "log"; level: "info" | "warn" | "error"; message: string }
  | { type: "finished"; status: RunStatus; runDir: string; totalTimesteps: number }
  /** `runLocked`: the run to resume is written by another live process (its lock); the run was left untouched. */
  | { type: "error"; message: string; file?: string; line?: number; column?: number; hint?: string; runLocked?: boolean };

/** A run as the dashboard shows it. */
export interface DashboardRunInfo {
  key: string;
  runId?: string;
  runDir?: string;
  envName: string;
  envFile?: string;
  status: string;
  backend?: string;
  seed?: number;
  totalTimesteps?: number;
  config?: Record<string, unknown>;
  /**
   * What kind of run it is ("PPO", "GRPO", "PPO (learned reward)"; src/run-kind.ts), from `config`, or for a live run
   * not started yet from the options it was started with (its resolved `config` comes later).
   */
  kind?: string;
  sources?: Record<string, string>;
  error?: string;
  live: boolean;
  /** When the run started (ms since the epoch), for the wall-time x axis. */
  startedAt?: number;
  /** Metric rows the host holds for the run (a snapshot carries at most a downsampled subset of them). */
  totalRows?: number;
}

/** One finished episode as the dashboard shows it (`return` is null where it was not finite). */
export interface DashboardEpisode {
  return: number | null;
  length: number;
  /** Global environment step at which the episode finished. */
  step: number;
}

/** Everything the dashboard shows of one run: header info, (downsampled) metric rows, the latest episodes. */
export interface DashboardRunData {
  info: DashboardRunInfo;
  rows: MetricsMessageRow[];
  episodes: DashboardEpisode[];
  /** The diagnostics findings of the run so far, oldest first (live: the trainer's messages; past: diagnostics.jsonl). */
  findings?: DiagnosticFinding[];
}

/** What a file export carries: CSV or JSON text, or a PNG as a `data:image/png;base64,...` URL. */
export type DashboardExportFormat = "csv" | "json" | "png";

/** Extension host -> dashboard webview. */
export type ToDashboardMessage =
  /** The full (downsampled) state, the answer to `ready` and the re-sync when a hidden panel is shown again. */
  | { type: "snapshot"; runs: DashboardRunData[] }
  /** Live rows and episodes since the previous update, batched over all runs (at most ~10 per second). */
  | { type: "update"; runs: { key: string; rows: MetricsMessageRow[]; episodes: DashboardEpisode[] }[] }
  | { type: "runInfo"; info: DashboardRunInfo }
  /** Findings that fired since the last message for this run (appended; sent after the rows they are about). */
  | { type: "findings"; key: string; findings: DiagnosticFinding[] };

/** Dashboard webview -> extension host. */
export type FromDashboardMessage =
  | { type: "ready" }
  | { type: "command"; command: "stop" | "pause" | "resume" | "checkpoint" | "openRunDir" | "openReplays"; key: string }
  /** Save a chart's data or image: the host asks where (save dialog) and writes the file. */
  | { type: "export"; format: DashboardExportFormat; fileName: string; data: string; key?: string }
  /** Copy a finding's suggestion to the clipboard: `text` is what is copied (the config change), `suggestion` the full text. */
  | { type: "copySuggestion"; key: string; findingId: string; suggestion: string; text: string }
  /** Open the run's env file at a finding's location, or at its top when the finding has none. */
  | { type: "openConfig"; key: string; findingId: string; location?: { file: string; line: number; column: number } };

/** The run a Replays panel shows. */
export interface ReplaysRunInfo {
  runDir: string;
  runId: string;
  envName: string;
  status: string;
  /** The run is training in this window: "Record next episode" can be sent to its trainer. */
  live: boolean;
}

/**
 * A frame as it travels to the Replays webview: scene and text frames as they are, RGB pixels as base64 (a message
 * is plain JSON-compatible data in every VS Code host, code-server included).
 */
export type WireFrame = SceneFrame | TextFrame | { type: "rgb"; width: number; height: number; channels: 3 | 4; base64: string };

/** What the Replays webview asks for; the host answers each with one `response` carrying the same `requestId`. */
export type ReplayRequest =
  | { kind: "header"; id: string }
  /** Steps [from, to) of replay `id` (clamped to its length and to the host's per-request cap). */
  | { kind: "steps"; id: string; from: number; to: number }
  /** Frames [from, to) of replay `id` (clamped likewise); `null` where no frame was recorded. */
  | { kind: "frames"; id: string; from: number; to: number };

export type ReplayResult =
  | { kind: "header"; header: ReplayHeader }
  | { kind: "steps"; chunk: ReplayStepsChunk }
  | { kind: "frames"; from: number; frames: (WireFrame | null)[] };

/** What a replay export carries: GIF/WebM bytes as base64, CSV as text. */
export type ReplayExportFormat = "gif" | "webm" | "csv";

/** Extension host -> Replays webview. */
export type ToReplaysMessage =
  /** The answer to `ready`: the run and its replay list (or why it could not be read). */
  | { type: "init"; run: ReplaysRunInfo; replays: ReplaySummary[]; error?: string }
  /** The replay list changed (a live run saved a replay, or the run ended). */
  | { type: "replays"; run: ReplaysRunInfo; replays: ReplaySummary[]; error?: string }
  | { type: "response"; requestId: number; ok: true; result: ReplayResult }
  | { type: "response"; requestId: number; ok: false; error: string }
  /** What became of a "record next episode" request. */
  | { type: "recordState"; state: "sent" | "unavailable"; message: string }
  /** Select a replay (e.g. opened from a notification); ignored when unknown. */
  | { type: "select"; id: string }
  /** Rate mode (RLHF in miniature): the ratings so far, the next pair to rate and the fitted reward model. */
  | { type: "rating"; state: RatingState };

/** Replays webview -> extension host. */
export type FromReplaysMessage =
  | { type: "ready" }
  | { type: "request"; requestId: number; request: ReplayRequest }
  /** Ask the live trainer to record its next episode. */
  | { type: "recordNext"; deterministic?: boolean }
  /** Save an export: the host asks where (save dialog) and writes the file. */
  | { type: "export"; format: ReplayExportFormat; fileName: string; data: string }
  /** Open the dashboard of this run. */
  | { type: "openDashboard" }
  /** Rate mode opened: the host answers with a `rating` state (ratings read back from preferences.jsonl). */
  | { type: "rateStart" }
  /** The user rated the pair (a, b); the host appends it to preferences.jsonl and answers with the next pair. */
  | { type: "rate"; a: string; b: string; choice: RatingChoice }
  /** Fit the reward model on the run's ratings (writes reward-model.json). */
  | { type: "fitReward" }
  /** Start a new run on the same env with the learned reward (ppoLab.trainOnLearnedReward). */
  | { type: "trainOnLearnedReward" };

/** A rating: A better, B better, the same, or "can't tell" (core/rlhf/preferences.ts PreferenceChoice). */
export type RatingChoice = "a" | "b" | "same" | "unknown";

/** What the Rate mode of the Replays panel shows. */
export interface RatingState {
  /** Ratings in preferences.jsonl. */
  count: number;
  /** Distinct pairs of this run's replays that have a rating, of `totalPairs`. */
  ratedPairs: number;
  totalPairs: number;
  /** The pair to rate next (unrated first), or null when the run has fewer than 2 replays. */
  next: [string, string] | null;
  /** The fitted reward model (reward-model.json), if any. */
  rewardModel: { pairs: number; trainAccuracy: number | null; validationAccuracy: number | null; createdAt: string } | null;
  /** Fitting is running. */
  fitting: boolean;
  /** A message to show (an error, a warning such as "only 3 decisive ratings", or what just happened). */
  message?: { level: "info" | "warning" | "error"; text: string };
}
