/**
 * JSON Lines: one JSON object per line, each line written whole with one append call (see `appendText`).
 *
 * Non-finite numbers: JSON cannot spell NaN or Infinity, so they are written as `null`. `JSON.stringify` already
 * does this for numbers; metrics rows are also normalised explicitly (`sanitizeMetricsRow`) so the CSV and the JSON
 * agree. Readers see `null` where the writer had NaN/Infinity.
 */
import * as fs from "node:fs";
import type { EpisodeRow, JsonlCursor, JsonlReadResult, MetricsRow } from "./types";
import { toJson, wrapFsError } from "./fs-util";

/**
 * Checks a metrics row and returns a copy with NaN/Infinity replaced by null. Keys whose value is `undefined` are
 * dropped. Throws a TypeError naming the key for any other value type, before anything is written.
 */
export function sanitizeMetricsRow(row: Readonly<Record<string, number | null | undefined>>): MetricsRow {
  const out: MetricsRow = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === undefined) continue;
    if (value === null) out[key] = null;
    else if (typeof value === "number") out[key] = Number.isFinite(value) ? value : null;
    else throw new TypeError(`Metrics value "${key}" must be a number or null, got ${typeof value}`);
  }
  return out;
}

/** Checks an episode row and returns a copy with a non-finite return replaced by null. */
export function sanitizeEpisodeRow(row: EpisodeRow): EpisodeRow {
  const out: EpisodeRow = {
    return: typeof row.return === "number" && Number.isFinite(row.return) ? row.return : null,
    length: row.length,
    total_timesteps: row.total_timesteps,
  };
  for (const key of ["length", "total_timesteps"] as const) {
    if (typeof out[key] !== "number" || !Number.isFinite(out[key])) {
      throw new TypeError(`Episode field "${key}" must be a finite number, got ${String(row[key])}`);
    }
  }
  if (row.env_index !== undefined) out.env_index = row.env_index;
  if (row.wall_seconds !== undefined) out.wall_seconds = Number.isFinite(row.wall_seconds) ? row.wall_seconds : undefined;
  return out;
}

/** One JSON line, "\n" included. Throws (TypeError) for values JSON cannot hold, such as BigInt or cycles. */
export function jsonLine(value: object, what: string): string {
  const text = toJson(value, what);
  // JSON.stringify never emits a raw newline (it escapes them in strings), so this is exactly one line.
  return text + "\n";
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A metrics line is valid if it is an object whose values are all numbers or null. */
export function isMetricsRow(v: unknown): v is MetricsRow {
  if (!isJsonObject(v)) return false;
  for (const value of Object.values(v)) if (value !== null && typeof value !== "number") return false;
  return true;
}

/** An episode line is valid if it has a numeric (or null) return and numeric length/total_timesteps. */
export function isEpisodeRow(v: unknown): v is EpisodeRow {
  return (
    isJsonObject(v) &&
    (v.return === null || typeof v.return === "number") &&
    typeof v.length === "number" &&
    typeof v.total_timesteps === "number"
  );
}

const START: JsonlCursor = { byte: 0, line: 0 };

/**
 * Reads the complete lines of a JSONL file from `from` (default: the start). Never throws on content:
 * - a final line without "\n" (a write in progress or a crash) is skipped and `partialTail` is set;
 * - a line that is not JSON, or fails `accept`, is listed in `corruptLines` (1-based) and skipped;
 * - blank lines are ignored.
 * A missing file reads as empty. Other fs errors (permissions, ...) throw a RunDirError.
 */
export function readJsonl<T>(
  filePath: string,
  accept: (v: unknown) => v is T,
  from: JsonlCursor = START,
): JsonlReadResult<T> {
  let buf: Buffer;
  let restarted = false;
  let start = from;
  try {
    const fd = fs.openSync(filePath, "r");
    try {
      const size = fs.fstatSync(fd).size;
      if (size < start.byte) {
        start = START;
        restarted = true;
      }
      buf = Buffer.alloc(size - start.byte);
      let off = 0;
      while (off < buf.length) {
        const n = fs.readSync(fd, buf, off, buf.length - off, start.byte + off);
        if (n === 0) break;
        off += n;
      }
      buf = buf.subarray(0, off);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") {
      return { rows: [], corruptLines: [], partialTail: false, cursor: { ...start }, restarted: false };
    }
    throw wrapFsError(err, "reading", filePath);
  }

  const lastNewline = buf.lastIndexOf(0x0a);
  const completeLength = lastNewline + 1; // 0 if no complete line
  const partialTail = completeLength < buf.length;
  const text = buf.subarray(0, completeLength).toString("utf8");
  const lines = text.length === 0 ? [] : text.slice(0, -1).split("\n");

  const rows: T[] = [];
  const corruptLines: number[] = [];
  lines.forEach((raw, i) => {
    const lineNo = start.line + i + 1;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      corruptLines.push(lineNo);
      return;
    }
    if (accept(value)) rows.push(value);
    else corruptLines.push(lineNo);
  });

  return {
    rows,
    corruptLines,
    partialTail,
    cursor: { byte: start.byte + completeLength, line: start.line + lines.length },
    restarted,
  };
}
