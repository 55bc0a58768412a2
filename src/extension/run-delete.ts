/**
 * Deleting a run directory from the Runs view without pulling it from under a trainer: a run trained by a live run
 * of this window, or by any other live process that holds its writer lock (`ppo-lab train` in a terminal, another
 * VS Code window), is refused. Otherwise the lock is taken for the time of the deletion, so no trainer can open the
 * run between the check and the removal (a trainer that lost its folder would recreate run.json and metrics.jsonl
 * without a lock, and a later `--resume` would let two trainers write the same run).
 *
 * No vscode import: the command in extension.ts shows the outcome; this module is unit-tested on its own.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RunDirError, RunLockedError, runLockHolder } from "../core/run/run-dir";
import { acquireRunLock } from "../core/run/lock";

/** Outcome of {@link deleteRunDirectory}. */
export type DeleteRunResult = { deleted: true } | { deleted: false; reason: string };

/** The real path of `p` when it exists, else its resolved path (so symlinked / relative names compare equal). */
function canonical(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Why the run directory `dir` must not be deleted now, or undefined when nothing trains it: a live run of this
 * window trains it, or a live process holds its writer lock (`runLockHolder`; the message names its pid and says to
 * stop that run first), or the lock cannot be read. Reads only. Used to refuse before asking for confirmation;
 * {@link deleteRunDirectory} checks again under the lock.
 * @param liveRunDirs as for {@link deleteRunDirectory}.
 */
export function runDeleteRefusal(dir: string, liveRunDirs: readonly (string | undefined)[]): string | undefined {
  const target = canonical(dir);
  if (liveRunDirs.some((d) => d !== undefined && canonical(d) === target)) {
    return `run ${path.basename(dir)} is training in this window; stop that run first, then delete it.`;
  }
  try {
    const holder = runLockHolder(dir);
    return holder ? lockRefusal(dir, new RunLockedError(dir, holder)) : undefined;
  } catch (e) {
    return lockRefusal(dir, e as Error);
  }
}

/** The refusal for a lock that is held (RunLockedError) or could not be read or taken (any other error). */
function lockRefusal(dir: string, e: Error): string {
  const why = e instanceof RunLockedError ? e.message : `could not check whether run ${path.basename(dir)} is being trained: ${e.message}`;
  return `${why} The run was not deleted.`;
}

/**
 * Deletes the run directory `dir` (recursively) unless something trains it.
 * @param dir the run directory to delete.
 * @param liveRunDirs run directories of this window's live (not ended) runs; undefined entries (a run whose trainer
 *   has not reported its folder yet) are ignored here, their trainer's lock covers them.
 * @returns `{ deleted: true }`, or `{ deleted: false, reason }` with a message naming the training process (pid,
 *   host) and saying to stop that run first, or why the lock could not be checked. Nothing is changed when refused.
 * @throws the file system's error when the removal itself fails (permissions, busy files); the lock taken for the
 *   deletion is released in that case.
 */
export async function deleteRunDirectory(dir: string, liveRunDirs: readonly (string | undefined)[]): Promise<DeleteRunResult> {
  const refusal = runDeleteRefusal(dir, liveRunDirs);
  if (refusal) return { deleted: false, reason: refusal };
  let release: () => void;
  try {
    release = acquireRunLock(dir);
  } catch (e) {
    if (e instanceof RunDirError) return { deleted: false, reason: lockRefusal(dir, e) }; // RunLockedError included
    throw e;
  }
  try {
    await fs.promises.rm(dir, { recursive: true, force: true });
  } finally {
    release(); // the lock file went with the folder; if the removal failed half-way, the folder is left unlocked
  }
  return { deleted: true };
}
