/**
 * Ctrl-C and SIGTERM for CLI commands that train (`train`, `compare`): the first Ctrl-C (or a SIGTERM) stops the
 * current run after its update with a final checkpoint; a second Ctrl-C quits at once, first marking the run
 * directory "stopped" (with the steps logged so far) so that it is never left at "running".
 */
import type { TrainingSession } from "../trainer/session";

export interface InterruptHandlers {
  /** The session being trained now, if any (compare runs several one after another). */
  current(): TrainingSession | undefined;
  /** Prints the "stopping after the current update" notice of the first Ctrl-C. */
  onFirstInterrupt(): void;
  /** Called on the first Ctrl-C and on SIGTERM, after the current session was asked to stop. */
  onStop?(): void;
  /** Called before the second Ctrl-C's message and exit (e.g. to remove a progress bar). */
  beforeQuit?(): void;
}

/**
 * Records in run.json that the run ended without its final checkpoint: status "stopped", endedAt, the step count
 * of the last logged update and the reason as `error.message`. Never throws (the writer may be closed or the disk full).
 */
export function markQuitBeforeCheckpoint(session: TrainingSession | undefined, reason: string): void {
  try {
    const steps = session?.ppo?.totalTimesteps;
    session?.writer?.updateRunInfo({
      status: "stopped",
      endedAt: new Date().toISOString(),
      ...(steps !== undefined ? { totalTimesteps: steps } : {}),
      error: { message: reason },
    });
  } catch {
    // exit anyway
  }
}

/**
 * Installs SIGINT / SIGTERM handlers (see the file header); the second Ctrl-C exits the process with code 130.
 * @returns a function that removes them.
 */
export function installInterruptHandlers(h: InterruptHandlers): () => void {
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      h.onFirstInterrupt();
      h.current()?.stop();
      h.onStop?.();
      return;
    }
    h.beforeQuit?.();
    process.stderr.write("quitting at once: no final checkpoint (the run directory keeps the updates logged so far)\n");
    markQuitBeforeCheckpoint(h.current(), "interrupted (second Ctrl-C) before the final checkpoint");
    process.exit(130);
  };
  // SIGTERM (a service manager, `kill`): stop gracefully, as the first Ctrl-C, with a final checkpoint.
  const onSigterm = (): void => {
    h.current()?.stop();
    h.onStop?.();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  return () => {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
  };
}
