/**
 * Process bookkeeping for the e2e harness: every long-lived process the harness starts (code-server, its
 * `--install-extension` run) is spawned `detached`, i.e. as the leader of its own process group, so one
 * `kill(-pgid)` also reaches the extension host, the pty host and the PPO trainer forked by the extension.
 * Chromium is started by playwright-core (in its own group as well); as a backstop, every process whose command line
 * contains one of our session's temp folders is found with `pgrep -f` and killed. Nothing is killed by name.
 * On process exit (or SIGINT/SIGTERM) whatever is still tracked is killed with SIGKILL.
 */
import { spawnSync } from "node:child_process";

const groups = new Set<number>();
const markers = new Set<string>();

export function trackGroup(pgid: number): void {
  groups.add(pgid);
}

export function trackMarker(marker: string): void {
  markers.add(marker);
}

export function untrackMarker(marker: string): void {
  markers.delete(marker);
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** SIGTERM to the whole group, then SIGKILL if anything in it is still alive after `graceMs`. */
export async function killGroup(pgid: number, graceMs = 5_000): Promise<void> {
  if (groupAlive(pgid)) {
    signalGroup(pgid, "SIGTERM");
    if (!(await waitUntil(() => !groupAlive(pgid), graceMs))) {
      signalGroup(pgid, "SIGKILL");
      await waitUntil(() => !groupAlive(pgid), 5_000);
    }
  }
  groups.delete(pgid);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Pids (other than ours) whose full command line contains `marker`. */
export function pidsMatching(marker: string): number[] {
  const r = spawnSync("pgrep", ["-f", "--", escapeRegExp(marker)], { encoding: "utf8" });
  return (r.stdout ?? "")
    .split("\n")
    .map((s) => Number(s.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
}

/** `ps` lines for the given pids (for messages). */
export function describePids(pids: number[]): string {
  if (pids.length === 0) return "";
  const r = spawnSync("ps", ["-o", "pid=,pgid=,args=", "-p", pids.join(",")], { encoding: "utf8" });
  return (r.stdout ?? "").trimEnd();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Kills every process whose command line contains `marker` (TERM, then KILL after `graceMs`). Returns what it found
 * (`ps` lines), so a caller can report processes that outlived the normal teardown.
 */
export async function sweep(marker: string, graceMs = 3_000): Promise<string> {
  const found = pidsMatching(marker);
  if (found.length === 0) return "";
  const described = describePids(found);
  for (const pid of found) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // gone
    }
  }
  await waitUntil(() => found.every((pid) => !pidAlive(pid)), graceMs);
  for (const pid of found.filter(pidAlive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  return described;
}

function killEverythingSync(): void {
  for (const pgid of groups) signalGroup(pgid, "SIGKILL");
  for (const m of markers) {
    for (const pid of pidsMatching(m)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}

process.on("exit", killEverythingSync);
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.once(signal, () => {
    killEverythingSync();
    process.exit(code);
  });
}
