/**
 * The writer lock of a run directory: `trainer.lock` holds `{ pid, hostname, startedAt }` of the one process that
 * writes the run. `RunWriter.create` / `RunWriter.open` take it before touching anything else and `close()` removes
 * it, so two trainers (two VS Code windows resuming the same run, or `ppo-lab train --resume` next to the extension)
 * can never append to the same logs or rewrite the same run.json.
 *
 * The file is created with O_EXCL (`fs.openSync(path, "wx")`). A lock left by a process that is gone (crash,
 * `kill -9`: its pid is not alive on this host) or whose content is unreadable is stale and is replaced. On Linux a
 * lock whose pid was reused is stale too: the process with that pid started after the lock was written
 * (`/proc/<pid>/stat` start time against `startedAt`), so it cannot be the writer. A process removes the locks it
 * still holds when it exits (a `process.on("exit")` handler).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunDirError, randomHex, wrapFsError } from "./fs-util";
import { RUN_FILES } from "./layout";

/** What `trainer.lock` holds. */
export interface RunLockHolder {
  /** Process id of the writer. */
  pid: number;
  /** `os.hostname()` of the machine the writer runs on. */
  hostname: string;
  /** ISO 8601 time at which the writer took the lock. */
  startedAt: string;
}

/** Thrown when another live process holds a run directory's writer lock. Nothing in the run was changed. */
export class RunLockedError extends RunDirError {
  /** The process that holds the lock. */
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;

  constructor(runDir: string, holder: RunLockHolder) {
    const lockFile = path.join(runDir, RUN_FILES.lock);
    const id = path.basename(runDir);
    const elsewhere = holder.hostname !== os.hostname();
    super(
      `run ${id} is being trained by process ${holder.pid}${elsewhere ? ` on ${holder.hostname}` : ""} (started ${holder.startedAt}); ` +
        `stop that run first, or wait for it to end` +
        ` (if you know nothing trains it${elsewhere ? ` on ${holder.hostname}` : ""} any more, the lock is stale: delete ${lockFile})` +
        ".",
      lockFile,
      { code: "ELOCKED" },
    );
    this.name = "RunLockedError";
    this.pid = holder.pid;
    this.hostname = holder.hostname;
    this.startedAt = holder.startedAt;
  }
}

/** Lock files this process holds, with the exact text it wrote (so it never removes another process's lock). */
const held = new Map<string, string>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // A normal exit or process.exit(): remove what is still held. A kill -9 leaves the file; its pid is then dead,
  // so the next writer replaces it as stale.
  process.on("exit", () => {
    for (const file of [...held.keys()]) releaseFile(file);
  });
}

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Parses a lock file's text; undefined when it is not a well-formed lock (garbage, torn, empty). */
function parseHolder(text: string): RunLockHolder | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const v = json as Partial<RunLockHolder> | null;
  if (typeof v !== "object" || v === null) return undefined;
  if (typeof v.pid !== "number" || !Number.isInteger(v.pid) || v.pid <= 0) return undefined;
  if (typeof v.hostname !== "string" || typeof v.startedAt !== "string") return undefined;
  return { pid: v.pid, hostname: v.hostname, startedAt: v.startedAt };
}

/** True when process `pid` exists on this machine (`process.kill(pid, 0)`: ESRCH means gone; EPERM means alive). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) !== "ESRCH";
  }
}

/**
 * Whether a parsed holder is alive: another host's process cannot be checked and counts as alive; our own pid is
 * alive only when this process really holds that file (otherwise it is a leftover of a dead process whose pid was
 * reused); another pid is alive when it exists and, where its start time is known (Linux), it started no later than
 * the lock's `startedAt` (plus slack): a process started after the lock was written reuses a dead writer's pid.
 */
function holderAlive(holder: RunLockHolder, text: string): boolean {
  if (holder.hostname !== os.hostname()) return true;
  // Compared by content, not by path: the same folder may be reached by another path (relative, symlink).
  if (holder.pid === process.pid) return [...held.values()].includes(text);
  if (!pidAlive(holder.pid)) return false;
  return !startedAfterLock(holder);
}

/**
 * Slack (ms) allowed between a process's start time read from /proc and a lock's `startedAt`: the boot time in
 * /proc/stat has whole seconds, start times have clock ticks, and the wall clock may have been stepped a little
 * (NTP) since boot.
 */
export const LOCK_START_SLACK_MS = 5_000;

/** True when the holder's pid belongs to a process that started clearly after the lock was written (pid reused). */
function startedAfterLock(holder: RunLockHolder): boolean {
  const lockedAt = Date.parse(holder.startedAt);
  if (!Number.isFinite(lockedAt)) return false; // unknown: keep treating a live pid as the holder
  const started = processStartTime(holder.pid);
  return started !== undefined && started > lockedAt + LOCK_START_SLACK_MS;
}

/** Candidate clock-tick rates (USER_HZ) of /proc start times; 100 on nearly every Linux architecture. */
const TICK_RATES = [100, 1000, 1024, 250, 300, 128, 64] as const;
/** Cached ticks per second of /proc (undefined: not measured yet; null: /proc unusable here). */
let procTicksPerSecond: number | null | undefined;

/** Boot time of this machine (ms since the epoch) from the `btime` line of /proc/stat; undefined when unreadable. */
function bootTimeMs(): number | undefined {
  try {
    const m = /^btime\s+(\d+)\s*$/m.exec(fs.readFileSync("/proc/stat", "utf8"));
    return m ? Number(m[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Field 22 (`starttime`, clock ticks after boot) of `/proc/<pid>/stat`, or undefined when unreadable (no /proc, the
 * process is gone, hidden). The command name (field 2) may hold spaces and parentheses, so the fields are counted
 * after its last ")".
 */
function procStartTicks(pid: number | "self"): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  // After ")": field 3 (state) is index 0, so field 22 is index 19.
  const ticks = Number(text.slice(close + 1).trim().split(/\s+/)[19]);
  return Number.isFinite(ticks) && ticks >= 0 ? ticks : undefined;
}

/**
 * The clock-tick rate of /proc start times, measured on this process instead of assumed: the rate among
 * TICK_RATES that places this process's own /proc start time closest to its real start (now - process.uptime()),
 * accepted only within 2 s. Null when /proc is missing or no rate fits (then start times are not used at all).
 */
function ticksPerSecond(): number | null {
  if (procTicksPerSecond !== undefined) return procTicksPerSecond;
  procTicksPerSecond = null;
  const boot = bootTimeMs();
  const ticks = procStartTicks("self");
  if (boot === undefined || ticks === undefined) return null;
  const realStart = Date.now() - process.uptime() * 1000;
  let best: { rate: number; error: number } | undefined;
  for (const rate of TICK_RATES) {
    const error = Math.abs(boot + (ticks / rate) * 1000 - realStart);
    if (!best || error < best.error) best = { rate, error };
  }
  if (best && best.error <= 2_000) procTicksPerSecond = best.rate;
  return procTicksPerSecond;
}

/**
 * When process `pid` of this machine started, in ms since the epoch (whole-second precision from the boot time),
 * read from Linux's /proc (`/proc/<pid>/stat` field 22 starttime in clock ticks after boot, plus `btime` of
 * /proc/stat). Undefined where /proc is unavailable (macOS, Windows), the process is not visible, or the clock-tick
 * rate could not be established. Never throws.
 */
export function processStartTime(pid: number): number | undefined {
  if (process.platform !== "linux") return undefined;
  const rate = ticksPerSecond();
  if (rate === null) return undefined;
  const boot = bootTimeMs();
  const ticks = procStartTicks(pid);
  if (boot === undefined || ticks === undefined) return undefined;
  return boot + (ticks / rate) * 1000;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw wrapFsError(err, "reading", file);
  }
}

/**
 * The live process holding the writer lock of the run directory `runDir`, or undefined when nobody does (no lock
 * file, a stale lock of a dead process or of a process that reuses its pid, or an unreadable lock). A lock from
 * another host counts as held. Reads only; never changes the run directory. Throws a RunDirError only when the lock file exists but cannot be
 * read (permissions).
 */
export function runLockHolder(runDir: string): RunLockHolder | undefined {
  const file = path.join(runDir, RUN_FILES.lock);
  const text = readText(file);
  if (text === undefined) return undefined;
  const holder = parseHolder(text);
  return holder && holderAlive(holder, text) ? holder : undefined;
}

/** Creates the lock file with O_EXCL. Returns false if it already exists. */
function tryCreate(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "wx");
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return false;
    throw wrapFsError(err, "creating the lock", file);
  }
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw wrapFsError(err, "writing the lock", file);
  }
  fs.closeSync(fd);
  return true;
}

/**
 * Takes the writer lock of `runDir` (which must exist) for this process. `now` is written as the lock's
 * `startedAt` and must be the real current time outside tests: other processes treat the lock as stale when the
 * holder's pid belongs to a process that started after it (pid reuse). A stale lock (dead or reused pid on this
 * host, or content that is not a lock) is replaced: it is removed only if it still holds the text read, then the file is
 * created again with O_EXCL; a writer that wins that race in between is respected (one retry).
 * @returns a function that releases the lock (idempotent).
 * @throws RunLockedError when a live process holds the lock; RunDirError when the lock file cannot be created
 *   (read-only disk, missing folder, ...).
 */
export function acquireRunLock(runDir: string, now: Date = new Date()): () => void {
  const file = path.join(runDir, RUN_FILES.lock);
  const text = JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: now.toISOString() } satisfies RunLockHolder) + "\n";
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, text)) {
      installExitHandler();
      held.set(file, text);
      return () => releaseFile(file);
    }
    const existing = readText(file);
    if (existing === undefined) continue; // released meanwhile: create it again
    const holder = parseHolder(existing);
    if (holder && holderAlive(holder, existing)) throw new RunLockedError(runDir, holder);
    if (attempt === 2) break;
    // Stale: move it aside, and put it back if another writer replaced it between our read and the move.
    const aside = `${file}.stale-${process.pid}-${randomHex()}`;
    try {
      fs.renameSync(file, aside);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") continue;
      throw wrapFsError(err, "replacing the stale lock", file);
    }
    const moved = readText(aside);
    if (moved !== existing) {
      try {
        fs.linkSync(aside, file); // fails if yet another writer created one: that one then stands
      } catch {
        // ignore
      }
    }
    fs.rmSync(aside, { force: true });
  }
  const holder = parseHolder(readText(file) ?? "");
  if (holder) throw new RunLockedError(runDir, holder);
  throw new RunDirError(`Could not take the writer lock ${file}: other processes keep replacing it; try again.`, file);
}

/** Removes a lock file this process holds (only if it still holds our text). */
function releaseFile(file: string): void {
  const text = held.get(file);
  if (text === undefined) return;
  held.delete(file);
  try {
    if (fs.readFileSync(file, "utf8") === text) fs.rmSync(file, { force: true });
  } catch {
    // already gone, or the run directory was deleted
  }
}
