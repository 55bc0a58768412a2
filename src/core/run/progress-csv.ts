/**
 * `progress.csv`: the rows of `metrics.jsonl` as CSV for pandas and spreadsheets (formatted by `csv-stringify`).
 *
 * Columns: the header is the key set of the first row, in its key order. When a later row brings keys the header
 * lacks (rare: e.g. a metric that only appears once an episode has finished), the file is rebuilt from
 * `metrics.jsonl` with the enlarged header (old columns first, new ones appended in order of appearance) and
 * replaced atomically. We chose this over "ignore new keys" (loses values) and over "start progress-2.csv" (pandas
 * users would have to stitch files): every value is kept and the CSV stays one rectangular table. `metrics.jsonl`
 * is the source of truth, so the rebuild needs no CSV parser and cannot drift from it.
 *
 * Cells: numbers as JavaScript prints them (`1e-7` style is read fine by pandas); null (NaN/Infinity in the trainer)
 * and missing keys as an empty cell, which pandas reads as NaN.
 */
import { stringify } from "csv-stringify/sync";
import * as fs from "node:fs";
import type { MetricsRow } from "./types";
import { appendText, writeFileAtomic, wrapFsError } from "./fs-util";

/** Column order for `rows`: keys in order of first appearance. */
export function csvColumnsOf(rows: readonly MetricsRow[]): string[] {
  const seen = new Set<string>();
  const cols: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        cols.push(key);
      }
    }
  }
  return cols;
}

/** CSV text for `rows` under `columns`, with or without the header line. Always ends with "\n" when non-empty. */
export function formatCsv(rows: readonly MetricsRow[], columns: readonly string[], header: boolean): string {
  if (columns.length === 0) return "";
  return stringify(rows as MetricsRow[], { header, columns: [...columns], record_delimiter: "\n" });
}

/** Appends rows to a progress CSV, enlarging the header when needed (see the module comment). */
export class ProgressCsv {
  private columns: string[];
  private readonly columnSet: Set<string>;

  /**
   * @param filePath the CSV file
   * @param columns the header currently in the file ([] if the file is empty/has no header yet)
   */
  constructor(
    readonly filePath: string,
    columns: readonly string[],
  ) {
    this.columns = [...columns];
    this.columnSet = new Set(columns);
  }

  /** The current header. */
  get header(): readonly string[] {
    return this.columns;
  }

  /**
   * Writes `row`. If it has keys outside the header, `allRows` is called to get every row so far (including this
   * one) and the file is rebuilt atomically with the enlarged header.
   */
  append(row: MetricsRow, allRows: () => MetricsRow[]): void {
    const newKeys = Object.keys(row).filter((k) => !this.columnSet.has(k));
    if (newKeys.length === 0) {
      appendText(this.filePath, formatCsv([row], this.columns, false));
      return;
    }
    if (this.columns.length === 0) {
      // First row: header + row in one append.
      const cols = Object.keys(row);
      appendText(this.filePath, formatCsv([row], cols, true));
      this.setColumns(cols);
      return;
    }
    const cols = [...this.columns, ...newKeys];
    this.rewrite(allRows(), cols);
  }

  /** Replaces the file with `rows` under `columns` (default: all keys of `rows`), unless it already has that text. */
  rewrite(rows: readonly MetricsRow[], columns: readonly string[] = csvColumnsOf(rows)): void {
    const text = formatCsv(rows, columns, true);
    let current: string | undefined;
    try {
      current = fs.readFileSync(this.filePath, "utf8");
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ENOENT") throw wrapFsError(err, "reading", this.filePath);
    }
    if (current !== text) {
      writeFileAtomic(this.filePath, text, {
        afterDiskFull: "progress.csv was left as it was; metrics.jsonl has every row.",
      });
    }
    this.setColumns([...columns]);
  }

  private setColumns(cols: string[]): void {
    this.columns = cols;
    this.columnSet.clear();
    for (const c of cols) this.columnSet.add(c);
  }
}
