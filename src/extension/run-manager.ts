/**
 * Live runs: one trainer process per run, a concurrency cap with a queue, graceful stop with escalation, and the
 * authoritative in-memory history each panel replays from. Free of the `vscode` module (unit-tested with a fake
 * trainer); the extension wires it to the UI.
 */
import type { DiagnosticFinding } from "../core/diagnostics/types";
import type { ConfigSourceKind, PPOConfig } from "../core/ppo/config";
import { RunWriter } from "../core/run/run-dir";
import type { EnvCheckReport, FromTrainerMessage, MetricsMessageRow, ToTrainerMessage, TrainRequest } from "../protocol";
import { Emitter, type Event } from "./emitter";
import { MetricsHistory } from "./metrics-history";

/** A running trainer process as the manager sees it. */
export interface TrainerHandle {
  send(msg: ToTrainerMessage): void;
  onMessage(listener: (msg: FromTrainerMessage) => void): void;
  /** Called once when the process has exited; `stderrTail` holds its last lines of stderr. */
  onExit(listener: (code: number | null, signal: string | null, stderrTail: string) => void): void;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
  /** Closes the IPC channel: the trainer stops after its update as "interrupted" (resumed on the next activation). */
  disconnect?(): void;
  readonly pid: number | undefined;
}

export type SpawnTrainer = (cwd: string) => TrainerHandle;

export type LiveStatus =
  | "queued"
  | "checking"
  | "starting"
  | "running"
  | "paused"
  | "stopping"
  | "finished"
  | "stopped"
  | "failed";

const ENDED: readonly LiveStatus[] = ["finished", "stopped", "failed"];

export interface EpisodeEntry {
  return: number;
  length: number;
  totalTimesteps: number;
}

let nextKey = 1;

/** One run the extension started in this session (live, queued or ended). */
export class LiveRun {
  /** Session-local key (the run id is known only once the trainer created the run directory). */
  readonly key = `run-${nextKey++}`;
  status: LiveStatus = "queued";
  runId: string | undefined;
  runDir: string | undefined;
  envName: string;
  envFile: string | undefined;
  backend: string | undefined;
  config: PPOConfig | undefined;
  sources: Record<string, ConfigSourceKind> | undefined;
  readonly history = new MetricsHistory();
  /** The most recent episodes (bounded). */
  readonly episodes: EpisodeEntry[] = [];
  checkReport: EnvCheckReport | undefined;
  /** The diagnostics findings the trainer reported, oldest first. */
  readonly findings: DiagnosticFinding[] = [];
  /** Why the run failed, for the UI. */
  error: string | undefined;
  lastCheckpointStep: number | undefined;
  readonly startedAt = Date.now();
  handle: TrainerHandle | undefined;
  /** Set when the user asked to stop (so an exit is "stopped", not "failed"). */
  stopRequested = false;
  /**
   * Set when the trainer refused to resume this run because another live process writes it (its trainer.lock, e.g.
   * another window resumed it first): the run ends here as "stopped" with that message in `error`, and its run
   * directory, which this window does not own, is left alone (never marked failed).
   */
  notResumed = false;

  constructor(
    readonly request: TrainRequest,
    readonly check: boolean,
  ) {
    this.envName = request.env.split(/[\\/]/).pop() ?? request.env;
  }

  get live(): boolean {
    return !ENDED.includes(this.status) && this.status !== "queued";
  }

  get ended(): boolean {
    return ENDED.includes(this.status);
  }

  get lastMetrics(): MetricsMessageRow | undefined {
    return this.history.last;
  }
}

export interface RunManagerOptions {
  /** Maximum runs training at once; further runs queue. Read at each start so a settings change applies. */
  maxConcurrent: () => number;
  /** Milliseconds between a graceful stop request and SIGTERM, and again before SIGKILL. */
  stopTimeoutMs?: number;
  log?: (level: "info" | "warn" | "error", message: string) => void;
}

export class RunManager {
  private readonly all: LiveRun[] = [];
  private readonly changed = new Emitter<LiveRun>();
  private readonly metrics = new Emitter<{ run: LiveRun; row: MetricsMessageRow }>();
  private readonly messages = new Emitter<{ run: LiveRun; msg: FromTrainerMessage }>();
  private readonly checked = new Emitter<{ run: LiveRun; report: EnvCheckReport }>();
  /** Any change of a run's status or identity. */
  readonly onDidChangeRun: Event<LiveRun> = this.changed.event;
  /** Each metrics row of each run. */
  readonly onMetrics = this.metrics.event;
  /** Every message from every trainer (for panels that want more than metrics). */
  readonly onMessage = this.messages.event;
  /** The env checker's report, before training starts. */
  readonly onCheckReport = this.checked.event;

  constructor(
    private readonly spawn: SpawnTrainer,
    private readonly options: RunManagerOptions,
  ) {}

  runs(): LiveRun[] {
    return this.all.slice();
  }

  liveRuns(): LiveRun[] {
    return this.all.filter((r) => r.live);
  }

  find(keyOrRunId: string): LiveRun | undefined {
    return this.all.find((r) => r.key === keyOrRunId || r.runId === keyOrRunId || r.runDir === keyOrRunId);
  }

  /**
   * Queues a run; it starts at once when fewer than `maxConcurrent` runs are live.
   * @param check run the env checker first; errors end the run as "failed" before any training.
   */
  start(request: TrainRequest, opts: { check?: boolean } = {}): LiveRun {
    const run = new LiveRun(request, opts.check ?? true);
    this.all.push(run);
    this.changed.fire(run);
    this.pump();
    return run;
  }

  private log(level: "info" | "warn" | "error", message: string): void {
    try {
      this.options.log?.(level, message);
    } catch {
      // the output channel is closed while the extension host shuts down; the run directory must still be updated
    }
  }

  /** Starts queued runs while capacity allows. */
  private pump(): void {
    const cap = Math.max(1, this.options.maxConcurrent());
    for (const run of this.all) {
      if (this.all.filter((r) => r.live).length >= cap) return;
      if (run.status === "queued") this.launch(run);
    }
  }

  private setStatus(run: LiveRun, status: LiveStatus): void {
    if (run.status === status) return;
    run.status = status;
    this.changed.fire(run);
  }

  private launch(run: LiveRun): void {
    let handle: TrainerHandle;
    try {
      handle = this.spawn(run.request.cwd);
    } catch (e) {
      run.error = `could not start the trainer process: ${(e as Error).message}`;
      this.setStatus(run, "failed");
      return;
    }
    run.handle = handle;
    handle.onMessage((msg) => this.onTrainerMessage(run, msg));
    handle.onExit((code, signal, stderrTail) => this.onTrainerExit(run, code, signal, stderrTail));
    if (run.check) {
      this.setStatus(run, "checking");
      handle.send({ type: "check", env: run.request.env, cwd: run.request.cwd, envKwargs: run.request.overrides?.envKwargs });
    } else {
      this.setStatus(run, "starting");
      handle.send({ type: "start", request: run.request });
    }
  }

  private onTrainerMessage(run: LiveRun, msg: FromTrainerMessage): void {
    switch (msg.type) {
      case "checkReport":
        run.checkReport = msg.report;
        this.checked.fire({ run, report: msg.report });
        if (run.stopRequested) {
          run.handle?.send({ type: "stop" });
        } else if (msg.report.ok) {
          this.setStatus(run, "starting");
          run.handle?.send({ type: "start", request: { ...run.request, skipCheck: true } });
        } else {
          const errors = msg.report.findings.filter((f) => f.severity === "error");
          run.error = `the env checker found ${errors.length} error${errors.length === 1 ? "" : "s"}: ${errors[0]?.message ?? ""}`;
          run.handle?.send({ type: "stop" });
          this.setStatus(run, "failed");
        }
        break;
      case "started":
        run.runId = msg.runId;
        run.runDir = msg.runDir;
        run.envName = msg.envName;
        run.envFile = msg.envFile;
        run.backend = msg.backend;
        run.config = msg.config;
        run.sources = msg.sources;
        this.setStatus(run, run.stopRequested ? "stopping" : "running");
        if (run.stopRequested) run.handle?.send({ type: "stop" });
        break;
      case "metrics":
        run.history.push(msg.row);
        this.metrics.fire({ run, row: msg.row });
        break;
      case "episode":
        run.episodes.push({ return: msg.return, length: msg.length, totalTimesteps: msg.totalTimesteps });
        if (run.episodes.length > 1000) run.episodes.splice(0, run.episodes.length - 1000);
        break;
      case "status":
        if (msg.status === "paused" || msg.status === "running") {
          if (run.status !== "stopping") this.setStatus(run, msg.status);
        }
        break;
      case "checkpoint":
        run.lastCheckpointStep = msg.step;
        break;
      case "diagnostic":
        run.findings.push(msg.finding);
        break;
      case "error":
        run.error = msg.message;
        if (msg.runLocked) {
          run.notResumed = true;
          this.log("warn", `${run.envName}: not resumed: ${msg.message}`);
        }
        break;
      case "finished":
        this.setStatus(run, msg.status);
        break;
      default:
        break;
    }
    this.messages.fire({ run, msg });
  }

  private onTrainerExit(run: LiveRun, code: number | null, signal: string | null, stderrTail: string): void {
    run.handle = undefined;
    if (!run.ended && run.notResumed) {
      // Another process writes that run: not ours to mark; the message from the trainer stays the reason shown.
      this.setStatus(run, "stopped");
    } else if (!run.ended) {
      // The trainer died without saying how the run ended (crash, OOM, killed).
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      run.error = `the trainer process ${how}${stderrTail ? `; last output:\n${stderrTail}` : ""}`;
      this.log("error", `${run.envName}: ${run.error}`);
      if (run.runDir) markRunDirFailed(run.runDir, run.error, run.stopRequested);
      this.setStatus(run, run.stopRequested && !signal ? "stopped" : "failed");
    }
    this.pump();
  }

  /** Graceful stop: the trainer finishes its update, writes a final checkpoint; then SIGTERM, then SIGKILL. */
  stop(run: LiveRun): void {
    if (run.ended) return;
    run.stopRequested = true;
    if (run.status === "queued") {
      this.setStatus(run, "stopped");
      return;
    }
    this.setStatus(run, "stopping");
    const handle = run.handle;
    if (!handle) return;
    handle.send({ type: "stop" });
    const timeout = this.options.stopTimeoutMs ?? 20_000;
    const term = setTimeout(() => {
      if (run.handle !== handle) return;
      this.log("warn", `${run.envName}: the trainer did not stop within ${timeout} ms; sending SIGTERM`);
      handle.kill("SIGTERM");
      const kill = setTimeout(() => {
        if (run.handle === handle) {
          this.log("warn", `${run.envName}: sending SIGKILL`);
          handle.kill("SIGKILL");
        }
      }, timeout);
      kill.unref?.();
    }, timeout);
    term.unref?.();
  }

  pause(run: LiveRun): void {
    if (run.status === "running") run.handle?.send({ type: "pause" });
  }

  resume(run: LiveRun): void {
    if (run.status === "paused") run.handle?.send({ type: "resume" });
  }

  checkpoint(run: LiveRun): void {
    if (run.live) run.handle?.send({ type: "checkpoint" });
  }

  /** Asks the trainer to record its next episode as a "requested" replay (policy mode when `deterministic`). */
  recordReplay(run: LiveRun, deterministic = false): void {
    if (run.live) run.handle?.send({ type: "recordReplay", deterministic });
  }

  /** Stops every live or queued run and resolves when all trainer processes have exited (or `timeoutMs` passed). */
  async stopAll(timeoutMs = 30_000): Promise<void> {
    const pending = this.all.filter((r) => !r.ended);
    for (const r of pending) this.stop(r);
    const deadline = Date.now() + timeoutMs;
    while (this.all.some((r) => r.handle) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    for (const r of this.all) r.handle?.kill("SIGKILL");
  }

  /**
   * For the extension host going away (window reload or close): closes every trainer's IPC channel, so each stops
   * after its update with a final checkpoint and marks its run as interrupted (see reload-resume.ts); waits for the
   * processes to exit, at most `timeoutMs`, then kills what is left. Queued runs are dropped.
   */
  async interruptAll(timeoutMs = 30_000): Promise<void> {
    for (const r of this.all) {
      if (r.ended) continue;
      r.stopRequested = true;
      if (r.handle?.disconnect) r.handle.disconnect();
      else r.handle?.send({ type: "stop" });
    }
    const deadline = Date.now() + timeoutMs;
    while (this.all.some((r) => r.handle) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    for (const r of this.all) r.handle?.kill("SIGKILL");
  }

  /**
   * VS Code disposes of the extension's subscriptions right after calling `deactivate()`, without waiting for it:
   * a trainer that can be disconnected is interrupted here (it stops after its update with a final checkpoint,
   * marks the run as interrupted and exits by itself), not killed in the middle of writing its run directory.
   */
  dispose(): void {
    for (const r of this.all) {
      if (!r.handle) continue;
      if (r.handle.disconnect) {
        r.stopRequested = true;
        r.handle.disconnect();
      } else r.handle.kill("SIGKILL");
    }
    this.changed.dispose();
    this.metrics.dispose();
    this.messages.dispose();
    this.checked.dispose();
  }
}

/**
 * Records a crash in run.json when the trainer could not (status still "running"/"paused"). Does nothing when
 * another live process holds the run's writer lock (RunWriter.open refuses), so a run another window or the CLI
 * trains is never marked failed from here.
 */
function markRunDirFailed(dir: string, reason: string, stopRequested: boolean): void {
  try {
    const writer = RunWriter.open(dir);
    if (writer.info.status === "running" || writer.info.status === "paused") {
      writer.updateRunInfo({
        status: stopRequested ? "stopped" : "failed",
        error: stopRequested ? undefined : { message: reason },
        endedAt: new Date().toISOString(),
      });
    }
    writer.close();
  } catch {
    // the run directory may be gone or the disk full; the UI still shows the reason
  }
}
