/**
 * What a resumed run needs from its own logs besides the checkpoint: the recent episodes (the episode statistics
 * window behind ep_rew_mean / ep_len_mean) and what the diagnostics should know about the updates before the
 * checkpoint. Read after `RunWriter.open(dir, { resumeFromStep })` has cut the rows logged after the checkpoint.
 */
import type { EpisodeRecord } from "../core/envs/vector-env";
import type { ResumeContext } from "../core/diagnostics/rules/rule";
import { isEpisodeRow, isMetricsRow, readJsonl } from "../core/run/jsonl";
import { runPaths } from "../core/run/layout";

export interface ResumeState {
  /** The last `windowSize` finished episodes with `total_timesteps <= step`, oldest first. */
  episodes: EpisodeRecord[];
  /** For the diagnostics monitor (see RuleContext.resumed). */
  diagnostics: ResumeContext;
}

/**
 * Reads episodes.jsonl and metrics.jsonl of `runDir` up to the checkpoint at global step `step`.
 * Episodes with a null return (written for a non-finite return) are skipped: they cannot enter a mean. Episode rows do
 * not record how the episode ended, so the records have `terminated` / `truncated` false; the window only uses
 * `return` and `length`. `everTerminated` comes from the metrics rows' `terminated_count`; for a run whose rows lack
 * that column it is true when any episode finished (so `signal.constant-reward` stays quiet rather than fire falsely).
 * Corrupt lines are skipped (readJsonl). @throws RunDirError when a file exists but cannot be read.
 */
export function readResumeState(runDir: string, step: number, windowSize: number): ResumeState {
  const p = runPaths(runDir);
  const episodes: EpisodeRecord[] = [];
  for (const row of readJsonl(p.episodes, isEpisodeRow).rows) {
    if (row.total_timesteps > step || row.return === null || !Number.isFinite(row.length)) continue;
    episodes.push({ envIndex: row.env_index ?? 0, return: row.return, length: row.length, terminated: false, truncated: false });
  }
  let everTerminated = false;
  let sawColumn = false;
  for (const row of readJsonl(p.metrics, isMetricsRow).rows) {
    const t = row.total_timesteps;
    if (typeof t === "number" && t > step) continue;
    const count = row.terminated_count;
    if (typeof count === "number") {
      sawColumn = true;
      if (count > 0) everTerminated = true;
    }
  }
  if (!sawColumn && episodes.length > 0) everTerminated = true;
  return {
    episodes: episodes.slice(Math.max(0, episodes.length - windowSize)),
    diagnostics: { totalTimesteps: step, everTerminated },
  };
}
