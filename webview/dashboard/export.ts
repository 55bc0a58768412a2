/**
 * A chart card's data as CSV or JSON: one row per update of each shown run, with the axis columns, the raw values
 * of the card's metrics and, when smoothing is on, the smoothed values the chart draws. Built from every row the
 * panel holds (the host downsamples histories longer than its snapshot size; `progress.csv` in the run directory
 * has every update).
 */
import type { CardSpec } from "./catalog";
import { runLabel, type RunStore } from "./run-store";
import { classicSmoothing } from "./series";
import type { ViewSettings } from "./view-state";

export interface ExportTable {
  columns: string[];
  rows: (string | number | null)[][];
}

const AXES = ["total_timesteps", "update", "wall_seconds"] as const;

export function exportTable(spec: CardSpec, runs: RunStore[], view: ViewSettings): ExportTable {
  const smoothed = view.smoothing > 0;
  const metricColumns = [...spec.lines.flatMap((m) => (smoothed ? [m, `${m}_smoothed`] : [m])), ...(spec.band ?? [])];
  const columns = ["run", "run_id", "step", "update", "wall_seconds", ...metricColumns];
  const rows: ExportTable["rows"] = [];
  for (const run of runs) {
    const cols = new Map<string, ArrayLike<number> | undefined>();
    for (const a of AXES) cols.set(a, run.column(a));
    for (const m of spec.lines) {
      const c = run.column(m);
      cols.set(m, c);
      if (smoothed) cols.set(`${m}_smoothed`, c && classicSmoothing(c, view.smoothing));
    }
    for (const m of spec.band ?? []) cols.set(m, run.column(m));
    const label = runLabel(run.info);
    const id = run.info.runId ?? run.info.key;
    const value = (name: string, i: number): number | null => {
      const v = cols.get(name)?.[i];
      return v !== undefined && Number.isFinite(v) ? v : null;
    };
    for (let i = 0; i < run.length; i++) {
      rows.push([label, id, value("total_timesteps", i), value("update", i), value("wall_seconds", i), ...metricColumns.map((m) => value(m, i))]);
    }
  }
  return { columns, rows };
}

function csvCell(v: string | number | null): string {
  if (v === null) return "";
  if (typeof v === "number") return String(v);
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** RFC 4180 CSV with a header row; empty cells where a value is undefined (pandas reads NaN). */
export function toCsv(table: ExportTable): string {
  return [table.columns, ...table.rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

/** JSON: the card, the settings used, and one object per row. */
export function toJson(spec: CardSpec, table: ExportTable, view: ViewSettings): string {
  const records = table.rows.map((r) => Object.fromEntries(table.columns.map((c, i) => [c, r[i]])));
  return JSON.stringify({ chart: spec.id, metrics: [...spec.lines, ...(spec.band ?? [])], smoothing: view.smoothing, rows: records }, null, 2) + "\n";
}

/** A file name for the export: `<run>-<card>.<ext>`, or `compare-<n>-runs-<card>.<ext>`. */
export function exportFileName(spec: CardSpec, runs: RunStore[], ext: string): string {
  const base = runs.length === 1 ? (runs[0].info.runId ?? runs[0].info.envName) : `compare-${runs.length}-runs`;
  return `${base}-${spec.id}.${ext}`.replace(/[^\w.-]+/g, "_");
}
