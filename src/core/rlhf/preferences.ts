/**
 * The user's ratings of episode pairs, stored append-only in the run directory as `preferences.jsonl`, one object per
 * line: `{ "a": "<replay id>", "b": "<replay id>", "choice": "a" | "b" | "same" | "unknown", "rater": "...",
 * "createdAt": "<ISO time>" }`. A torn last line (crash while writing) and other malformed lines are skipped on read
 * (and described, so the CLI can warn), so the other ratings survive.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { appendText, wrapFsError } from "../run/fs-util";
import { isJsonObject, jsonLine } from "../run/jsonl";
import type { PreferencePair } from "./reward-model";

/** File name inside a run directory. */
export const PREFERENCES_FILE = "preferences.jsonl";

/** What the rater said of a pair: A better, B better, equally good, or "can't tell" (not used for training). */
export type PreferenceChoice = "a" | "b" | "same" | "unknown";

export interface PreferenceRecord {
  a: string;
  b: string;
  choice: PreferenceChoice;
  /** "user", or "script:<file>" for a scripted rater. */
  rater: string;
  createdAt: string;
}

const CHOICES: readonly PreferenceChoice[] = ["a", "b", "same", "unknown"];

function isPreferenceRecord(v: unknown): v is PreferenceRecord {
  return recordProblem(v) === undefined;
}

/**
 * Appends one rating to `<runDir>/preferences.jsonl`.
 * @throws RangeError when `a` equals `b` or the choice is unknown; RunDirError when the file cannot be written.
 */
export function appendPreference(runDir: string, record: PreferenceRecord): void {
  if (record.a === record.b) throw new RangeError(`a preference compares two different episodes, got "${record.a}" twice`);
  if (!CHOICES.includes(record.choice)) throw new RangeError(`preference choice must be one of ${CHOICES.join(", ")}, got "${record.choice}"`);
  const file = path.join(runDir, PREFERENCES_FILE);
  // After a torn last line (a write cut off by a crash), start on a new line: the torn line stays one malformed line
  // instead of swallowing this rating.
  appendText(file, (endsWithoutNewline(file) ? "\n" : "") + jsonLine(record, "preference"));
}

/** True when `file` exists, is not empty and its last byte is not "\n". */
function endsWithoutNewline(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return false; // missing (created by the append) or unreadable (the append reports it)
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

/** A line of preferences.jsonl that is not a rating, or a rating that cannot be used. */
export interface PreferenceProblem {
  /** 1-based line number. */
  line: number;
  /** What is wrong, e.g. `"choice" is "maybe"; it must be one of a, b, same, unknown`. */
  message: string;
}

/** What {@link readPreferences} found. */
export interface PreferencesRead {
  /** Valid ratings, oldest first. */
  records: PreferenceRecord[];
  /** 1-based line of each record in `records`. */
  lines: number[];
  /** 1-based numbers of the complete lines that are not ratings (a torn last line is not counted here). */
  corruptLines: number[];
  /** Why each line of `corruptLines` (and a torn last line) was skipped. */
  problems: PreferenceProblem[];
}

/** Why a parsed line is not a rating, or undefined when it is one. */
function recordProblem(v: unknown): string | undefined {
  if (!isJsonObject(v)) return `not a JSON object (a rating is {"a", "b", "choice", "rater", "createdAt"})`;
  for (const key of ["a", "b", "choice", "rater", "createdAt"]) {
    if (!(key in v)) return `"${key}" is missing`;
    if (typeof v[key] !== "string") return `"${key}" must be a string, got ${JSON.stringify(v[key])}`;
  }
  if (!(CHOICES as readonly unknown[]).includes(v.choice)) return `"choice" is ${JSON.stringify(v.choice)}; it must be one of ${CHOICES.join(", ")}`;
  return undefined;
}

/**
 * Reads every valid rating of a run, oldest first, with the line each came from. Lines that are not ratings (not
 * JSON, a missing field, an unknown choice) are skipped and described in `problems` with their 1-based line numbers;
 * so is a torn last line (no final newline). A missing file reads as empty.
 * @throws RunDirError when the file exists but cannot be read.
 */
export function readPreferences(runDir: string): PreferencesRead {
  const file = path.join(runDir, PREFERENCES_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { records: [], lines: [], corruptLines: [], problems: [] };
    throw wrapFsError(e, "reading", file);
  }
  const out: PreferencesRead = { records: [], lines: [], corruptLines: [], problems: [] };
  const parts = text.split("\n");
  const tail = parts.pop() ?? "";
  parts.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    let value: unknown;
    let problem: string | undefined;
    try {
      value = JSON.parse(line);
      problem = recordProblem(value);
    } catch {
      problem = "not valid JSON (a truncated or hand-edited line?)";
    }
    if (problem === undefined && isPreferenceRecord(value)) {
      out.records.push(value);
      out.lines.push(i + 1);
    } else {
      out.corruptLines.push(i + 1);
      out.problems.push({ line: i + 1, message: problem ?? "not a rating" });
    }
  });
  if (tail.trim().length > 0) out.problems.push({ line: parts.length + 1, message: "incomplete last line (no newline at its end: a write was cut off)" });
  return out;
}

/**
 * Ratings of episodes that are not replays of the run (e.g. a mistyped or deleted id): one problem per such rating.
 * @param known every replay id of the run (include replays skipped for another reason, so they are not reported twice)
 */
export function unknownEpisodeProblems(read: Pick<PreferencesRead, "records" | "lines">, known: ReadonlySet<string>): PreferenceProblem[] {
  const out: PreferenceProblem[] = [];
  read.records.forEach((r, k) => {
    const missing = [r.a, r.b].filter((id) => !known.has(id));
    if (missing.length > 0) out.push({ line: read.lines[k], message: `episode ${missing.map((id) => JSON.stringify(id)).join(" and ")} is not a replay of this run` });
  });
  return out;
}

/**
 * Warning lines for the problems of `file`, sorted by line: the first `max` as "file:line: message", then one
 * "... and N more" line.
 */
export function describePreferenceProblems(file: string, problems: readonly PreferenceProblem[], max = 5): string[] {
  const sorted = [...problems].sort((x, y) => x.line - y.line);
  const shown = sorted.slice(0, max).map((p) => `${file}:${p.line}: ${p.message}; this line is skipped`);
  if (sorted.length > max) shown.push(`... and ${sorted.length - max} more skipped line${sorted.length - max === 1 ? "" : "s"} in ${file}`);
  return shown;
}

/**
 * Turns ratings into training pairs for the reward model: "a" -> label 1, "b" -> 0, "same" -> 0.5; "unknown" ratings
 * and ratings of episodes not in `indexOf` are left out. When the same pair was rated more than once, the latest
 * rating wins.
 * @param indexOf episode id -> index into the reward model's episode list
 */
export function toPreferencePairs(records: readonly PreferenceRecord[], indexOf: ReadonlyMap<string, number>): PreferencePair[] {
  const latest = new Map<string, PreferenceRecord>();
  for (const r of records) latest.set([r.a, r.b].sort().join("\u0000"), r);
  const pairs: PreferencePair[] = [];
  for (const r of latest.values()) {
    if (r.choice === "unknown") continue;
    const a = indexOf.get(r.a);
    const b = indexOf.get(r.b);
    // An episode against itself (two ids of one recording) says nothing about which is better.
    if (a === undefined || b === undefined || a === b) continue;
    pairs.push({ a, b, label: r.choice === "a" ? 1 : r.choice === "b" ? 0 : 0.5 });
  }
  return pairs;
}
