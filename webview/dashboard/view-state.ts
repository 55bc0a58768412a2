/**
 * The dashboard's view state (smoothing, x axis, toggles, pins, hidden runs): the only thing the webview keeps
 * across reloads, via `vscode.setState`. The host reads `runDirs` from the same state to restore the panel after a
 * window reload (DashboardPanel.revive).
 */
import type { XAxisKind } from "./run-store";

export interface ViewSettings {
  /** TensorBoard-style smoothing weight, 0 (off) .. 0.99. */
  smoothing: number;
  xAxis: XAxisKind;
  /** Fit the y axis to the 5th-95th percentile of the data. */
  ignoreOutliers: boolean;
  /** Card ids with a logarithmic y axis. */
  logScale: string[];
  /** Card ids pinned to the top, in pin order. */
  pinned: string[];
  /** Card ids collapsed to their header. */
  collapsed: string[];
  /** Group ids whose section is open (absent: the group's default). */
  openGroups: Record<string, boolean>;
  /** Colour keys of runs hidden from the charts (compare legend). */
  hiddenRuns: string[];
}

export interface SavedState {
  runDirs: string[];
  view: ViewSettings;
}

export const DEFAULT_VIEW: ViewSettings = {
  smoothing: 0.6,
  xAxis: "step",
  ignoreOutliers: false,
  logScale: [],
  pinned: [],
  collapsed: [],
  openGroups: {},
  hiddenRuns: [],
};

const X_AXES: XAxisKind[] = ["step", "update", "wall", "relative"];

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

/** Reads saved view settings, falling back to the defaults field by field. */
export function parseView(raw: unknown): ViewSettings {
  const v = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const smoothing = typeof v.smoothing === "number" && v.smoothing >= 0 && v.smoothing < 1 ? v.smoothing : DEFAULT_VIEW.smoothing;
  const openGroups: Record<string, boolean> = {};
  if (v.openGroups && typeof v.openGroups === "object") {
    for (const [k, b] of Object.entries(v.openGroups)) if (typeof b === "boolean") openGroups[k] = b;
  }
  return {
    smoothing,
    xAxis: X_AXES.includes(v.xAxis as XAxisKind) ? (v.xAxis as XAxisKind) : DEFAULT_VIEW.xAxis,
    ignoreOutliers: typeof v.ignoreOutliers === "boolean" ? v.ignoreOutliers : DEFAULT_VIEW.ignoreOutliers,
    logScale: strings(v.logScale),
    pinned: strings(v.pinned),
    collapsed: strings(v.collapsed),
    openGroups,
    hiddenRuns: strings(v.hiddenRuns),
  };
}

export function toggleIn(list: string[], id: string, on: boolean): string[] {
  const without = list.filter((x) => x !== id);
  return on ? [...without, id] : without;
}
