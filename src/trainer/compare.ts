/**
 * Comparing algorithms (PPO, GRPO) and saved configs on one env with the same seed and step budget: the list of
 * runs to start, and a summary of each finished run computed from its metrics.jsonl. vscode-free: used by
 * `ppo-lab compare` (src/cli/compare-command.ts) and the extension's "Compare Algorithms" command.
 */
import * as path from "node:path";
import type { PPOConfig } from "../core/ppo/config";
import { ConfigError } from "../core/ppo/config";
import { RunReader } from "../core/run/reader";
import type { MetricsRow } from "../core/run/types";

/** Algorithms that `algorithm` in the config accepts. */
export const COMPARE_ALGORITHMS = ["ppo", "grpo"] as const;
export type CompareAlgorithm = (typeof COMPARE_ALGORITHMS)[number];

/** How many of the last metric rows `finalEpRewMean` averages. */
export const FINAL_WINDOW = 10;

/** One run of a comparison: an algorithm with the env's own config, or a saved config file (e.g. `tuned.ppo.json`). */
export interface CompareEntry {
  /** Shown in the summary: "ppo", "grpo" or the config file's base name. */
  label: string;
  /** Set for algorithm entries: becomes the `algorithm` override. */
  algorithm?: CompareAlgorithm;
  /** Set for config-file entries (absolute or relative to the caller's cwd); its own `algorithm` applies. */
  configFile?: string;
}

/**
 * The runs to start: one per algorithm (in the given order, duplicates dropped), then one per config file.
 * @throws ConfigError naming an unknown algorithm, or when the list is empty.
 */
export function buildCompareEntries(algorithms: readonly string[], configFiles: readonly string[] = []): CompareEntry[] {
  const entries: CompareEntry[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const raw of algorithms) {
    const a = raw.trim().toLowerCase();
    if (!a) continue;
    if (!(COMPARE_ALGORITHMS as readonly string[]).includes(a)) {
      problems.push(`unknown algorithm "${raw}": use ${COMPARE_ALGORITHMS.join(" or ")} (comma-separated, e.g. --algorithms ppo,grpo)`);
      continue;
    }
    if (seen.has(a)) continue;
    seen.add(a);
    entries.push({ label: a, algorithm: a as CompareAlgorithm });
  }
  const labels = new Set(entries.map((e) => e.label));
  for (const file of configFiles) {
    let label = path.basename(file);
    for (let i = 2; labels.has(label); i++) label = `${path.basename(file)} (${i})`;
    labels.add(label);
    entries.push({ label, configFile: file });
  }
  if (problems.length) throw new ConfigError("the compare options", problems);
  if (entries.length === 0) throw new ConfigError("the compare options", ["nothing to compare: give --algorithms (ppo,grpo) and/or --config files"]);
  return entries;
}

/**
 * The config overrides of one entry: the shared seed and budget, plus `algorithm` for algorithm entries (config-file
 * entries keep the file's algorithm; the overrides have the highest priority, so they must not set it).
 */
export function entryOverrides(entry: CompareEntry, shared: { seed?: number; totalTimesteps?: number }): Partial<PPOConfig> {
  const o: Partial<PPOConfig> = {};
  if (shared.seed !== undefined) o.seed = shared.seed;
  if (shared.totalTimesteps !== undefined) o.totalTimesteps = shared.totalTimesteps;
  if (entry.algorithm) o.algorithm = entry.algorithm;
  return o;
}

/** Summary of one run's learning curve. Rewards are in the env's reward units; steps are environment steps. */
export interface MetricsSummary {
  /** Mean ep_rew_mean over the last FINAL_WINDOW rows that have one; null when no row has an episode yet. */
  finalEpRewMean: number | null;
  /** Highest ep_rew_mean of any row; null when none. */
  bestEpRewMean: number | null;
  /** total_timesteps of the first row with ep_rew_mean >= threshold; null = never (or no threshold). */
  stepsToThreshold: number | null;
  /** total_timesteps of the last row (0 without rows). */
  totalTimesteps: number;
  /** wall_seconds of the last row (training wall-clock time); null when not logged. */
  wallSeconds: number | null;
  /** Number of metric rows (updates). */
  updates: number;
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Summarises metric rows (in logged order). Rows whose ep_rew_mean is null/non-finite (no finished episode yet) are
 * skipped for the reward figures; `finalEpRewMean` averages the last `window` rows that have one.
 * @param threshold reward level for `stepsToThreshold`; undefined leaves it null.
 * @throws RangeError when `window` is not a positive integer.
 */
export function summarizeMetrics(rows: readonly MetricsRow[], threshold?: number, window = FINAL_WINDOW): MetricsSummary {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`summarizeMetrics: window must be a positive integer, got ${window}`);
  const rewards: number[] = [];
  let best: number | null = null;
  let reached: number | null = null;
  for (const r of rows) {
    const v = r.ep_rew_mean;
    if (!finite(v)) continue;
    rewards.push(v);
    if (best === null || v > best) best = v;
    if (reached === null && threshold !== undefined && v >= threshold && finite(r.total_timesteps)) reached = r.total_timesteps;
  }
  const tail = rewards.slice(-window);
  const last = rows.length ? rows[rows.length - 1] : undefined;
  return {
    finalEpRewMean: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : null,
    bestEpRewMean: best,
    stepsToThreshold: reached,
    totalTimesteps: last && finite(last.total_timesteps) ? last.total_timesteps : 0,
    wallSeconds: last && finite(last.wall_seconds) ? last.wall_seconds : null,
    updates: rows.length,
  };
}

/** One row of the comparison table. */
export interface CompareResult extends MetricsSummary {
  label: string;
  /** The algorithm the run used (from run.json's config), if known. */
  algorithm?: string;
  runDir: string;
  /** run.json status: finished / stopped / failed / running. */
  status: string;
  /** Set when the run could not be read (it is then shown with "-" figures). */
  error?: string;
}

/**
 * Reads a run directory and summarises it. Never throws: an unreadable run gives a row with `error` set.
 */
export function summarizeRun(label: string, runDir: string, threshold?: number): CompareResult {
  const reader = new RunReader(runDir);
  try {
    const info = reader.info();
    const { rows } = reader.metrics();
    const algorithm = (info.config as { algorithm?: unknown } | undefined)?.algorithm;
    // A failed run's reason (run.json `error`), so the table's "failed" row can be explained.
    const error = info.status === "failed" && info.error?.message ? info.error.message : undefined;
    return {
      label,
      runDir,
      status: String(info.status),
      algorithm: typeof algorithm === "string" ? algorithm : undefined,
      ...(error ? { error } : {}),
      ...summarizeMetrics(rows, threshold),
    };
  } catch (e) {
    return { label, runDir, status: "unreadable", error: (e as Error).message, ...summarizeMetrics([], threshold) };
  }
}

function num(v: number | null, digits: number): string {
  return v === null ? "-" : v.toFixed(digits);
}

/** The table's header and cells (strings), shared by the plain-text and markdown renderings. */
export function summaryCells(results: readonly CompareResult[], threshold?: number): { header: string[]; rows: string[][] } {
  const header = ["algorithm/config", "final ep_rew_mean", "best", threshold === undefined ? "steps to threshold" : `steps to ${threshold}`, "wall s", "status", "run directory"];
  const rows = results.map((r) => [
    r.algorithm && r.algorithm !== r.label ? `${r.label} (${r.algorithm})` : r.label,
    num(r.finalEpRewMean, 1),
    num(r.bestEpRewMean, 1),
    threshold === undefined ? "-" : r.stepsToThreshold === null ? "never" : String(r.stepsToThreshold),
    num(r.wallSeconds, 1),
    r.status,
    r.runDir,
  ]);
  return { header, rows };
}

/** Plain padded columns for a terminal. */
export function formatSummaryTable(results: readonly CompareResult[], threshold?: number): string {
  const { header, rows } = summaryCells(results, threshold);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : i >= 1 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w, i) => (i === widths.length - 1 ? "-".repeat(Math.min(w, 40)) : "-".repeat(w))).join("  "), ...rows.map(line)].join("\n");
}

/**
 * Why runs failed or could not be read, one "label: reason" line each (indented continuation lines for a reason
 * over several lines), to print under the plain-text table; "" when every run has no error.
 */
export function formatFailureReasons(results: readonly CompareResult[]): string {
  return results
    .filter((r) => r.error)
    .map((r) => `${r.label} ${r.status}: ${(r.error as string).split("\n").join("\n    ")}`)
    .join("\n");
}

/** A markdown document: title, settings line and the table (cells with "|" escaped). */
export function formatSummaryMarkdown(results: readonly CompareResult[], opts: { envName?: string; seed?: number; totalTimesteps?: number; threshold?: number } = {}): string {
  const { header, rows } = summaryCells(results, opts.threshold);
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const settings = [
    opts.seed !== undefined ? `seed ${opts.seed}` : undefined,
    opts.totalTimesteps !== undefined ? `${opts.totalTimesteps} timesteps` : undefined,
    opts.threshold !== undefined ? `threshold ${opts.threshold}` : undefined,
  ].filter(Boolean);
  return [
    `# Algorithm comparison${opts.envName ? `: ${opts.envName}` : ""}`,
    "",
    settings.length ? `${settings.join(", ")}. Final ep_rew_mean is the mean of the last ${FINAL_WINDOW} updates.` : `Final ep_rew_mean is the mean of the last ${FINAL_WINDOW} updates.`,
    "",
    `| ${header.map(esc).join(" | ")} |`,
    `|${header.map((_, i) => (i >= 1 && i <= 4 ? " ---: " : " --- ")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
    ...results.filter((r) => r.error).map((r) => `\n- ${esc(r.label)}: ${r.error}`),
    "",
  ].join("\n");
}
