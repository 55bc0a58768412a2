/**
 * The dashboard's copy of one run: header info, metric columns (one number array per metric, NaN where a row had
 * null or no value) and the latest episodes. Filled from the host's snapshot and live updates; bounded like the
 * host's MetricsHistory (past `capacity` rows the older half is thinned), so a very long live run keeps a fixed cost.
 */
import type { DiagnosticFinding } from "../../src/core/diagnostics/types";
import type { DashboardEpisode, DashboardRunInfo, MetricsMessageRow } from "../../src/protocol";
import { algorithmLabel } from "../../src/run-kind";

export type XAxisKind = "step" | "update" | "wall" | "relative";

const EPISODE_CAPACITY = 1000;

export class RunStore {
  info: DashboardRunInfo;
  private readonly columns = new Map<string, number[]>();
  private rows = 0;
  episodes: DashboardEpisode[] = [];
  /** Diagnostics findings, in the order they fired. */
  findings: DiagnosticFinding[] = [];
  /** Bumped on every change of data (charts compare it to skip work). */
  version = 0;

  constructor(
    info: DashboardRunInfo,
    readonly capacity = 20_000,
  ) {
    this.info = info;
  }

  /** The key colours are derived from: the run id when known (stable across sessions), else the session key. */
  get colorKey(): string {
    return this.info.runId ?? this.info.key;
  }

  get length(): number {
    return this.rows;
  }

  /** Metric names present in any row. */
  metrics(): string[] {
    return [...this.columns.keys()];
  }

  has(metric: string): boolean {
    return this.columns.has(metric);
  }

  column(metric: string): number[] | undefined {
    return this.columns.get(metric);
  }

  /** The last finite value of a metric. */
  last(metric: string): number | undefined {
    const c = this.columns.get(metric);
    if (!c) return undefined;
    for (let i = c.length - 1; i >= 0; i--) if (Number.isFinite(c[i])) return c[i];
    return undefined;
  }

  /** Appends rows; a row whose `update` is not after the last one held is a duplicate and is skipped. */
  append(rows: MetricsMessageRow[]): number {
    let added = 0;
    const updates = this.columns.get("update");
    let lastUpdate = updates && updates.length > 0 ? updates[updates.length - 1] : -Infinity;
    for (const row of rows) {
      const u = row.update;
      if (typeof u === "number" && Number.isFinite(lastUpdate) && u <= lastUpdate) continue;
      if (typeof u === "number") lastUpdate = u;
      for (const [k, v] of Object.entries(row)) {
        if (!this.columns.has(k)) this.columns.set(k, new Array<number>(this.rows).fill(NaN));
        this.columns.get(k)!.push(typeof v === "number" ? v : NaN);
      }
      this.rows++;
      for (const c of this.columns.values()) if (c.length < this.rows) c.push(NaN);
      added++;
    }
    if (this.rows > this.capacity) this.thin();
    if (added > 0) this.version++;
    return added;
  }

  /** Keeps every other row of the older half (the recent half stays exact). */
  private thin(): void {
    const half = Math.floor(this.rows / 2);
    for (const [k, c] of this.columns) {
      const older = c.slice(0, half).filter((_, i) => i % 2 === 0);
      this.columns.set(k, older.concat(c.slice(half)));
    }
    this.rows = this.columns.values().next().value?.length ?? 0;
  }

  addEpisodes(episodes: DashboardEpisode[]): void {
    if (episodes.length === 0) return;
    this.episodes = this.episodes.concat(episodes);
    if (this.episodes.length > EPISODE_CAPACITY) this.episodes = this.episodes.slice(-EPISODE_CAPACITY);
    this.version++;
  }

  /** Adds findings not held yet (same rule id and update = the same finding); returns how many were new. */
  addFindings(findings: readonly DiagnosticFinding[]): number {
    let added = 0;
    for (const f of findings) {
      if (this.findings.some((g) => g.id === f.id && g.update === f.update)) continue;
      this.findings.push(f);
      added++;
    }
    if (added > 0) this.version++;
    return added;
  }

  /**
   * Where update `update` lies on an x axis: its row's x value when the row is held, else from the finding's own
   * figures for the step and update axes (undefined for the time axes).
   */
  xAtUpdate(kind: XAxisKind, update: number, totalTimesteps: number): number | undefined {
    const updates = this.columns.get("update");
    if (updates) {
      // Updates are increasing: binary search.
      let lo = 0;
      let hi = updates.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (updates[mid] === update) return this.xAt(kind, mid);
        if (updates[mid] < update) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    if (kind === "step") return totalTimesteps;
    if (kind === "update") return update;
    return undefined;
  }

  /** The x value of row `i` (as in `x(kind)[i]`, without building the whole array). */
  private xAt(kind: XAxisKind, i: number): number | undefined {
    const name = kind === "step" ? "total_timesteps" : kind === "update" ? "update" : "wall_seconds";
    const c = this.columns.get(name);
    const v = c ? c[i] : i + 1;
    if (v === undefined || !Number.isFinite(v)) return undefined;
    return kind === "wall" && this.info.startedAt !== undefined ? this.info.startedAt / 1000 + v : v;
  }

  /**
   * The x values for an axis kind: env steps, update number, seconds since the run started, or wall-clock seconds
   * since the epoch (falls back to relative time when the start time is unknown).
   */
  x(kind: XAxisKind): number[] {
    const name = kind === "step" ? "total_timesteps" : kind === "update" ? "update" : "wall_seconds";
    let c = this.columns.get(name);
    if (!c) {
      // A run without the column (never in practice): the row index.
      c = Array.from({ length: this.rows }, (_, i) => i + 1);
    }
    if (kind === "wall" && this.info.startedAt !== undefined) {
      const t0 = this.info.startedAt / 1000;
      return c.map((s) => t0 + s);
    }
    return c;
  }
}

/**
 * What kind of run it is ("PPO", "GRPO", "PPO (learned reward)"): the host's `kind` when it sent one (a queued run
 * named from its start options), else worked out from the resolved config (src/run-kind.ts).
 */
export function runKindText(info: DashboardRunInfo): string {
  return info.kind ?? algorithmLabel(info.config);
}

/** The run without its kind: env name plus the tail of its id ("CartPole-v1 · 9ebd20"), for places that show the kind apart. */
export function runIdLabel(info: DashboardRunInfo): string {
  const id = info.runId ?? info.key;
  const tail = id.split("-").pop() ?? id;
  return info.runId ? `${info.envName} · ${tail}` : info.envName;
}

/**
 * A short, human label of a run wherever runs are named side by side (legend, card values, episode table, config
 * columns, findings, exports): its kind, env name and the tail of its id, "GRPO · CartPole-v1 · 0e45b1", so a
 * PPO/GRPO comparison says which run is which.
 */
export function runLabel(info: DashboardRunInfo): string {
  return `${runKindText(info)} · ${runIdLabel(info)}`;
}
