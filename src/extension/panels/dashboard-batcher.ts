/**
 * Batches live dashboard data: metric rows and episodes are buffered per run and sent as one `update` message for
 * all runs at most every `intervalMs` (100 ms: at most ~10 messages per second, whatever the trainer's rate). The
 * first item after a quiet period goes out at once-ish (as soon as the interval since the last flush has passed).
 * Free of the `vscode` module (unit-tested with fake timers).
 */
import type { DashboardEpisode, MetricsMessageRow, ToDashboardMessage } from "../../protocol";

export type DashboardUpdate = Extract<ToDashboardMessage, { type: "update" }>;

export interface BatcherClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: BatcherClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Episodes kept per run between two flushes (the dashboard shows the latest ones only). */
export const MAX_EPISODES_PER_FLUSH = 500;

export class UpdateBatcher {
  private readonly pending = new Map<string, { rows: MetricsMessageRow[]; episodes: DashboardEpisode[] }>();
  private timer: unknown;
  private lastFlush = -Infinity;
  /** Messages sent so far. */
  sent = 0;

  constructor(
    private readonly send: (msg: DashboardUpdate) => void,
    readonly intervalMs = 100,
    private readonly clock: BatcherClock = systemClock,
  ) {}

  addRow(key: string, row: MetricsMessageRow): void {
    this.entry(key).rows.push(row);
    this.schedule();
  }

  addEpisode(key: string, episode: DashboardEpisode): void {
    const e = this.entry(key);
    e.episodes.push(episode);
    if (e.episodes.length > MAX_EPISODES_PER_FLUSH) e.episodes.splice(0, e.episodes.length - MAX_EPISODES_PER_FLUSH);
    this.schedule();
  }

  /** True when something waits to be sent. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  private entry(key: string): { rows: MetricsMessageRow[]; episodes: DashboardEpisode[] } {
    let e = this.pending.get(key);
    if (!e) {
      e = { rows: [], episodes: [] };
      this.pending.set(key, e);
    }
    return e;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Sends what is pending now (one message), if anything. */
  flush(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.size === 0) return;
    const runs = [...this.pending].map(([key, e]) => ({ key, rows: e.rows, episodes: e.episodes }));
    this.pending.clear();
    this.lastFlush = this.clock.now();
    this.sent++;
    this.send({ type: "update", runs });
  }

  /** Drops what is pending (a snapshot that already contains it is about to be sent, or the panel is hidden). */
  clear(): void {
    this.pending.clear();
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  dispose(): void {
    this.clear();
  }
}
