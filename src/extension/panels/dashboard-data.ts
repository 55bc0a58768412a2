/**
 * What the dashboard shows of a run, from a live run (RunManager's in-memory history) or a past one (its run
 * directory): header info, metric rows downsampled to at most SNAPSHOT_POINTS, the latest episodes. Free of the
 * `vscode` module.
 */
import { downsampleEvenly } from "../metrics-history";
import { RunReader, type RunListing } from "../../core/run/run-dir";
import type { DashboardEpisode, DashboardRunData, DashboardRunInfo, MetricsMessageRow } from "../../protocol";
import type { DiagnosticFinding } from "../../core/diagnostics/types";
import { findingsFromRows } from "../findings";
import { liveRunConfig } from "../format";
import type { EpisodeEntry, LiveRun } from "../run-manager";
import { algorithmLabel, runKindLabel, runKind } from "../../run-kind";

/** Metric rows per run in a snapshot; longer histories are downsampled (live updates then arrive at full rate). */
export const SNAPSHOT_POINTS = 2000;
/** Episodes per run in a snapshot (the dashboard's histogram and table use the latest ones). */
export const SNAPSHOT_EPISODES = 1000;

export type DashboardSource = { kind: "live"; run: LiveRun } | { kind: "past"; info: RunListing };

export function sourceKey(s: DashboardSource): string {
  return s.kind === "live" ? s.run.key : s.info.dir;
}

/**
 * The config that says what kind of run a source is: a past run's run.json config; a live run's resolved config,
 * or before the trainer has sent it (queued, checking), the overrides it was started with.
 */
export function sourceConfig(s: DashboardSource): unknown {
  return s.kind === "live" ? liveRunConfig(s.run) : s.info.config;
}

/**
 * The dashboard tab title: "PPO: CartPole-v1", "GRPO: CartPole-v1", "PPO (learned reward): CartPole-v1" for one run
 * (a past run by its id); "PPO: compare 2 runs" when all compared runs are of one kind, else "Compare 2 runs: PPO,
 * GRPO" (kinds in the order of the runs, each once).
 */
export function dashboardTitle(sources: readonly DashboardSource[]): string {
  const labels = sources.map((s) => algorithmLabel(sourceConfig(s)));
  if (sources.length === 1) {
    const s = sources[0];
    return `${labels[0]}: ${s.kind === "live" ? s.run.envName : s.info.id}`;
  }
  const kinds = [...new Set(labels)];
  if (kinds.length <= 1) return `${kinds[0] ?? runKindLabel(runKind(undefined))}: compare ${sources.length} runs`;
  return `Compare ${sources.length} runs: ${kinds.join(", ")}`;
}

export function liveInfo(run: LiveRun): DashboardRunInfo {
  return {
    key: run.key,
    runId: run.runId,
    runDir: run.runDir,
    envName: run.envName,
    envFile: run.envFile,
    status: run.status,
    backend: run.backend,
    seed: run.config?.seed,
    totalTimesteps: run.config?.totalTimesteps,
    config: run.config as unknown as Record<string, unknown> | undefined,
    kind: algorithmLabel(liveRunConfig(run)),
    sources: run.sources,
    error: run.error,
    live: run.live,
    startedAt: run.startedAt,
    totalRows: run.history.total,
  };
}

export function pastInfo(info: RunListing, totalRows?: number): DashboardRunInfo {
  const created = Date.parse(info.createdAt);
  return {
    key: info.dir,
    runId: info.id,
    runDir: info.dir,
    envName: info.envName,
    envFile: info.envFile,
    status: info.status,
    backend: info.backend,
    seed: info.seed,
    totalTimesteps: (info.config as { totalTimesteps?: number }).totalTimesteps,
    config: info.config,
    kind: algorithmLabel(info.config),
    sources: info.configSources as Record<string, string> | undefined,
    error: info.error?.message,
    live: false,
    startedAt: Number.isFinite(created) ? created : undefined,
    totalRows,
  };
}

/** At most `max` items spread evenly, always the first and the last. */
export const downsample = downsampleEvenly;

export function episodeFromLive(e: EpisodeEntry): DashboardEpisode {
  return { return: Number.isFinite(e.return) ? e.return : null, length: e.length, step: e.totalTimesteps };
}

export function runData(s: DashboardSource): DashboardRunData {
  if (s.kind === "live") {
    return {
      info: liveInfo(s.run),
      rows: s.run.history.downsample(SNAPSHOT_POINTS),
      episodes: s.run.episodes.slice(-SNAPSHOT_EPISODES).map(episodeFromLive),
      findings: s.run.findings.slice(),
    };
  }
  let rows: MetricsMessageRow[] = [];
  let episodes: DashboardEpisode[] = [];
  const reader = new RunReader(s.info.dir);
  try {
    rows = reader.metrics().rows;
  } catch {
    // an unreadable metrics file: the header only
  }
  try {
    episodes = reader
      .episodes()
      .rows.slice(-SNAPSHOT_EPISODES)
      .map((e) => ({ return: e.return, length: e.length, step: e.total_timesteps }));
  } catch {
    // no episodes file
  }
  return { info: pastInfo(s.info, rows.length), rows: downsample(rows, SNAPSHOT_POINTS), episodes, findings: sourceFindings(s) };
}

/** The findings of a run: a live run's in-memory list, a past run's `diagnostics.jsonl` (empty when unreadable). */
export function sourceFindings(s: DashboardSource): DiagnosticFinding[] {
  if (s.kind === "live") return s.run.findings.slice();
  try {
    return findingsFromRows(new RunReader(s.info.dir).diagnostics().rows);
  } catch {
    return [];
  }
}
