import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { appendPreference, PREFERENCES_FILE, readPreferences, toPreferencePairs } from "../../../../src/core/rlhf/preferences";

const at = "2026-11-29T12:00:00.000Z";

test("ratings round-trip through preferences.jsonl and survive a torn last line", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-prefs-"));
  appendPreference(dir, { a: "r1", b: "r2", choice: "a", rater: "user", createdAt: at });
  appendPreference(dir, { a: "r2", b: "r3", choice: "same", rater: "user", createdAt: at });
  fs.appendFileSync(path.join(dir, PREFERENCES_FILE), '{"a":"r1","b":"r3","cho'); // crash mid-write
  const { records, corruptLines } = readPreferences(dir);
  assert.deepEqual(records.map((r) => [r.a, r.b, r.choice]), [["r1", "r2", "a"], ["r2", "r3", "same"]]);
  assert.deepEqual(corruptLines, []);
  assert.throws(() => appendPreference(dir, { a: "r1", b: "r1", choice: "a", rater: "user", createdAt: at }), /two different episodes/);
});

test("ratings become labelled pairs; the latest rating of a pair wins and \"can't tell\" is left out", () => {
  const idx = new Map([["r1", 0], ["r2", 1], ["r3", 2]]);
  const pairs = toPreferencePairs(
    [
      { a: "r1", b: "r2", choice: "a", rater: "user", createdAt: at },
      { a: "r2", b: "r1", choice: "a", rater: "user", createdAt: at }, // re-rated: now r2 is better
      { a: "r2", b: "r3", choice: "same", rater: "user", createdAt: at },
      { a: "r1", b: "r3", choice: "unknown", rater: "user", createdAt: at },
      { a: "r1", b: "gone", choice: "b", rater: "user", createdAt: at },
    ],
    idx,
  );
  assert.deepEqual(pairs, [
    { a: 1, b: 0, label: 1 },
    { a: 1, b: 2, label: 0.5 },
  ]);
});

test("an append after a torn last line starts on a new line, so the new rating is kept", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-prefs-"));
  appendPreference(dir, { a: "r1", b: "r2", choice: "a", rater: "user", createdAt: at });
  fs.appendFileSync(path.join(dir, PREFERENCES_FILE), '{"a":"u000001-periodic","b":"u0000'); // crash mid-write
  appendPreference(dir, { a: "r2", b: "r3", choice: "b", rater: "user", createdAt: at });
  const { records, corruptLines } = readPreferences(dir);
  assert.deepEqual(records.map((r) => [r.a, r.b, r.choice]), [["r1", "r2", "a"], ["r2", "r3", "b"]]);
  assert.deepEqual(corruptLines, [2], "the torn line stays, as one malformed line");
  fs.rmSync(dir, { recursive: true, force: true });
});
