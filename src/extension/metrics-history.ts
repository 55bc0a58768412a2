/**
 * The in-memory metric history of a live run, bounded: past `capacity` rows the older half is thinned to every
 * other row, so a very long run keeps its shape at a fixed memory cost while recent updates stay exact.
 */
import type { MetricsMessageRow } from "../protocol";

export class MetricsHistory {
  private rows: MetricsMessageRow[] = [];
  /** Number of rows ever added (the history may hold fewer). */
  total = 0;

  constructor(readonly capacity = 20_000) {
    if (capacity < 4) throw new Error("MetricsHistory capacity must be at least 4");
  }

  push(row: MetricsMessageRow): void {
    this.rows.push(row);
    this.total++;
    if (this.rows.length > this.capacity) {
      const half = Math.floor(this.rows.length / 2);
      const older = this.rows.slice(0, half).filter((_, i) => i % 2 === 0);
      this.rows = older.concat(this.rows.slice(half));
    }
  }

  get length(): number {
    return this.rows.length;
  }

  get last(): MetricsMessageRow | undefined {
    return this.rows[this.rows.length - 1];
  }

  /** All rows held, oldest first (a copy). */
  all(): MetricsMessageRow[] {
    return this.rows.slice();
  }

  /**
   * At most `maxPoints` rows spread evenly over the history, always including the first and the last.
   */
  downsample(maxPoints: number): MetricsMessageRow[] {
    return downsampleEvenly(this.rows.slice(), maxPoints);
  }
}

/** At most `max` items spread evenly over `rows`, always the first and the last (`rows` itself when short enough). */
export function downsampleEvenly<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  const step = (rows.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => rows[Math.round(i * step)]);
}
