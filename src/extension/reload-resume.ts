/**
 * Runs survive a window reload. VS Code ends the extension host when its window reloads or closes, and the trainer
 * (our child process) loses its IPC channel: it then stops after its current update with a final checkpoint and
 * records `extra.interrupted` in run.json (src/trainer/main.ts). When the extension activates again (a restored
 * dashboard, the Runs view, a command), runs interrupted that way within the last `RESUME_WITHIN_MS` are resumed in
 * their own run directory from that checkpoint (counters, optimizer, normalisation and RNG continue), with their
 * metric history, episodes and findings read back from disk so the dashboard shows the whole run.
 *
 * A run the user stopped is never resumed (no `interrupted` mark); nor is one interrupted longer ago (a window
 * closed yesterday): it stays a past run with its checkpoint. Free of the `vscode` module.
 *
 * Two windows on the same workspace both see the interrupted run. The run directory's writer lock (trainer.lock)
 * decides: a run whose lock a live process took after this window activated was resumed by another window and is
 * skipped; a lock taken earlier may be the old trainer still closing the run, so it is waited for (at most
 * `settleTimeoutMs`). If another process still wins the race, the trainer refuses with that message and the run is
 * shown as not resumed (see `LiveRun.notResumed`), its run.json untouched.
 */
import * as path from "node:path";
import { listRuns, readRunInfo, RunLockedError, runLockHolder, RunReader, type RunLockHolder } from "../core/run/run-dir";
import type { TrainRequest } from "../protocol";
import { findingsFromRows } from "./findings";
import type { LiveRun, RunManager } from "./run-manager";

/** An interruption older than this is not resumed by itself (the user may not expect training to start). */
export const RESUME_WITHIN_MS = 5 * 60_000;
/** How long a run still marked "running" is watched for the old trainer to finish its final checkpoint. */
export const SETTLE_TIMEOUT_MS = 90_000;
const POLL_MS = 250;

/** What the trainer writes into run.json's `extra` when its window went away. */
export interface InterruptedMark {
  /** ISO time. */
  at: string;
  reason: string;
}

/** The `interrupted` mark of a run.json `extra`, when well-formed. */
export function interruptedMark(extra: Record<string, unknown> | undefined): InterruptedMark | undefined {
  const v = extra?.interrupted as Partial<InterruptedMark> | undefined;
  return v && typeof v.at === "string" && typeof v.reason === "string" ? { at: v.at, reason: v.reason } : undefined;
}

export interface ReloadResumeOptions {
  /** Working directory for the resumed trainer (the workspace folder holding `runsRoot`). */
  cwdFor: (runDir: string) => string;
  log: (level: "info" | "warn" | "error", message: string) => void;
  /** Defaults to Date.now; for tests. */
  now?: () => number;
  settleTimeoutMs?: number;
  resumeWithinMs?: number;
}

export class ReloadResume {
  /** Run directories being watched or resumed, with the resumed run (undefined: not resumed). */
  private readonly pending = new Map<string, Promise<LiveRun | undefined>>();
  private disposed = false;
  /** When this window's extension activated (ms): a writer lock taken later is another window's trainer. */
  private readonly activatedAtMs: number;

  constructor(
    private readonly manager: RunManager,
    private readonly options: ReloadResumeOptions,
  ) {
    this.activatedAtMs = this.now();
  }

  /**
   * Looks through the run directories under `roots` for runs interrupted by a window reload (or still finishing
   * their final update, status "running") and resumes the recent ones. Returns at once; see `settled`.
   */
  scan(roots: string[]): void {
    for (const root of roots) {
      let runs;
      try {
        runs = listRuns(root);
      } catch {
        continue; // an unreadable runs folder: nothing to resume there
      }
      for (const info of runs) {
        if (this.pending.has(info.dir) || this.manager.find(info.dir)) continue;
        const recent = (mark: InterruptedMark | undefined) => mark !== undefined && this.now() - Date.parse(mark.at) < this.resumeWithinMs;
        if (info.status === "running" || info.status === "paused" || (info.status === "stopped" && recent(interruptedMark(info.extra)))) {
          this.pending.set(info.dir, this.watch(root, info.dir));
        }
      }
    }
  }

  /**
   * Resolves when every one of `dirs` that is being watched has been resumed or given up on (at most
   * `settleTimeoutMs` later); the resumed runs are then live in the manager.
   */
  async settled(dirs: string[]): Promise<void> {
    await Promise.all(dirs.map((d) => this.pending.get(d)));
  }

  dispose(): void {
    this.disposed = true;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private get resumeWithinMs(): number {
    return this.options.resumeWithinMs ?? RESUME_WITHIN_MS;
  }

  /**
   * Waits for the old trainer to leave "running"/"paused" and to release the run's writer lock, then resumes the
   * run if it was interrupted. Gives up on a run whose lock another process took after this window activated.
   */
  private async watch(root: string, dir: string): Promise<LiveRun | undefined> {
    const deadline = this.now() + (this.options.settleTimeoutMs ?? SETTLE_TIMEOUT_MS);
    for (;;) {
      if (this.disposed) return undefined;
      let info;
      try {
        info = readRunInfo(dir);
      } catch {
        return undefined; // deleted, or not readable: nothing to resume
      }
      const holder = lockHolder(dir);
      if (holder && Date.parse(holder.startedAt) >= this.activatedAtMs) {
        // Not the old trainer of this window (that one started before this activation): another window or the
        // CLI resumed the run.
        this.options.log("info", `${path.basename(dir)}: not resumed here: ${new RunLockedError(dir, holder).message}`);
        return undefined;
      }
      if (info.status !== "running" && info.status !== "paused") {
        const mark = interruptedMark(info.extra);
        if (info.status !== "stopped" || !mark || this.now() - Date.parse(mark.at) >= this.resumeWithinMs) return undefined;
        if (this.manager.find(dir)) return undefined; // resumed by hand meanwhile
        // Stopped, but its lock is still held: the old trainer is closing the run (replays, env processes).
        if (!holder) return this.resume(root, dir, mark);
      }
      // Still "running": the old trainer is finishing its update (or another process trains it: then leave it).
      if (this.now() > deadline) {
        if (holder) this.options.log("info", `${path.basename(dir)}: not resumed: ${new RunLockedError(dir, holder).message}`);
        return undefined;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private resume(root: string, dir: string, mark: InterruptedMark): LiveRun {
    this.options.log("info", `${path.basename(dir)}: resuming after "${mark.reason}" (at ${mark.at})`);
    const request: TrainRequest = { env: "", cwd: this.options.cwdFor(dir), runsRoot: root, resume: dir };
    const run = this.manager.start(request, { check: false });
    run.runDir = dir;
    // The history before the interruption: the old trainer has finished writing (status "stopped"), and the new one
    // only appends after it restored the checkpoint, so the dashboard's first snapshot already shows the whole run.
    preloadFromDisk(run, dir);
    return run;
  }
}

/** The live process holding `dir`'s writer lock; an unreadable lock file counts as none (the trainer decides). */
function lockHolder(dir: string): RunLockHolder | undefined {
  try {
    return runLockHolder(dir);
  } catch {
    return undefined;
  }
}

/** Puts a resumed run's metric rows, latest episodes and findings from its run directory into its live state. */
export function preloadFromDisk(run: LiveRun, dir: string): void {
  const reader = new RunReader(dir);
  try {
    const rows = reader.metrics().rows;
    if (run.history.length === 0) for (const row of rows) run.history.push(row);
  } catch {
    // unreadable metrics: the dashboard shows the rows from now on
  }
  try {
    const eps = reader.episodes().rows.slice(-1000);
    run.episodes.unshift(...eps.map((e) => ({ return: e.return ?? Number.NaN, length: e.length, totalTimesteps: e.total_timesteps })));
  } catch {
    // no episodes file
  }
  try {
    run.findings.unshift(...findingsFromRows(reader.diagnostics().rows));
  } catch {
    // no diagnostics file
  }
}
