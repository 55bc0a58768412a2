/**
 * The user's ratings of episode pairs, stored append-only in the run directory as `preferences.jsonl`, one object per
 * line: `{ "a": "<replay id>", "b": "<replay id>", "choice": "a" | "b" | "same" | "unknown", "rater": "...",
 * "createdAt": "<ISO time>" }`. A torn last line (crash while writing) is skipped on read, so ratings survive reloads.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { appendText } from "../run/fs-util";
import { isJsonObject, jsonLine, readJsonl } from "../run/jsonl";
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
  return (
    isJsonObject(v) &&
    typeof v.a === "string" &&
    typeof v.b === "string" &&
    typeof v.choice === "string" &&
    (CHOICES as readonly string[]).includes(v.choice) &&
    typeof v.rater === "string" &&
    typeof v.createdAt === "string"
  );
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

/**
 * Reads every valid rating of a run, oldest first; corrupt lines are reported by their 1-based line numbers.
 */
export function readPreferences(runDir: string): { records: PreferenceRecord[]; corruptLines: number[] } {
  const r = readJsonl(path.join(runDir, PREFERENCES_FILE), isPreferenceRecord);
  return { records: r.rows, corruptLines: r.corruptLines };
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
    if (a === undefined || b === undefined) continue;
    pairs.push({ a, b, label: r.choice === "a" ? 1 : r.choice === "b" ? 0 : 0.5 });
  }
  return pairs;
}
