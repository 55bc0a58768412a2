/**
 * Small helpers the rules share: reading one metric out of the history, windowed medians, and building the
 * evidence of a finding.
 */
import type { UpdateMetrics } from "../ppo/ppo";
import type { DiagnosticEvidence } from "./types";

/** Names of the numeric metrics of a row (what a rule can look at). */
export type MetricName = { [K in keyof UpdateMetrics]-?: UpdateMetrics[K] extends number | undefined ? K : never }[keyof UpdateMetrics];

/** The last `n` rows (fewer when the history is shorter). */
export function tail(history: readonly UpdateMetrics[], n: number): readonly UpdateMetrics[] {
  return history.slice(Math.max(0, history.length - n));
}

/** One metric of each row; NaN where the row does not have it. */
export function series(rows: readonly UpdateMetrics[], metric: MetricName | ((r: UpdateMetrics) => number | undefined)): number[] {
  const f = typeof metric === "function" ? metric : (r: UpdateMetrics) => r[metric];
  return rows.map((r) => {
    const v = f(r);
    return typeof v === "number" ? v : NaN;
  });
}

/** Median of the finite values; NaN when there are none. */
export function median(xs: readonly number[]): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Largest finite value; NaN when there are none. */
export function maxFinite(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (Number.isFinite(x) && x > m) m = x;
  return m === -Infinity ? NaN : m;
}

/** Smallest finite value; NaN when there are none. */
export function minFinite(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (Number.isFinite(x) && x < m) m = x;
  return m === Infinity ? NaN : m;
}

/** A number as it goes into a finding (JSON): null for NaN/Infinity. */
export function jsonNumber(v: number | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Rounds for display without losing the order of magnitude (4 significant digits). */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return "n/a";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return Number(v.toPrecision(3)).toExponential().replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

/** Evidence for a windowed rule: the metric's values over `rows`. */
export function windowEvidence(
  rows: readonly UpdateMetrics[],
  metric: string,
  values: readonly number[],
  value: number,
  threshold: number,
  comparison: "above" | "below",
  smoothing: string,
  context?: DiagnosticEvidence["context"],
): DiagnosticEvidence {
  const ev: DiagnosticEvidence = {
    metric,
    values: values.map((v) => jsonNumber(v)),
    updates: { from: rows.length ? rows[0].update : 0, to: rows.length ? rows[rows.length - 1].update : 0 },
    value: jsonNumber(value),
    threshold,
    comparison,
    smoothing,
  };
  if (context) {
    ev.context = Object.fromEntries(
      Object.entries(context).map(([k, v]) => [k, typeof v === "number" ? jsonNumber(v) : v]),
    ) as DiagnosticEvidence["context"];
  }
  return ev;
}

/** "median of the last 5 updates" */
export function medianOf(n: number): string {
  return `median of the last ${n} update${n === 1 ? "" : "s"}`;
}
