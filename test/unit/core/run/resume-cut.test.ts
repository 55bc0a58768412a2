/**
 * RunWriter.open(dir, { resumeFromStep }): the rows a crashed trainer logged after its last checkpoint are cut, rows
 * up to the checkpoint are kept byte for byte, and progress.csv is rebuilt from what is kept.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RunWriter, readJsonl } from "../../../../src/core/run/run-dir";
import { cutRowsAfterStep } from "../../../../src/core/run/writer";
import { isEpisodeRow, isMetricsRow } from "../../../../src/core/run/jsonl";
import { parseSimpleCsv, removeDir, sampleInfo, tempDir } from "./helpers";

/** A run of `updates` updates of 100 steps, with an episode every 50 steps and one diagnostic per update; left open. */
function crashedRun(root: string, updates: number): string {
  const w = RunWriter.create(root, sampleInfo(), { shortId: "crash" });
  for (let u = 1; u <= updates; u++) {
    for (const t of [u * 100 - 50, u * 100]) w.appendEpisode({ return: t / 10, length: 50, total_timesteps: t, env_index: 0 });
    w.appendMetrics({ update: u, total_timesteps: u * 100, ep_rew_mean: u });
    w.appendDiagnostic({ id: "x.test", update: u, totalTimesteps: u * 100 });
  }
  w.close(); // the lock goes away as a crashed writer's would be replaced as stale
  return w.dir;
}

test("rows after the checkpoint are cut from metrics and episodes, rows up to it are intact, progress.csv matches", () => {
  const root = tempDir();
  try {
    const dir = crashedRun(root, 8);
    const metricsPath = path.join(dir, "metrics.jsonl");
    const episodesPath = path.join(dir, "episodes.jsonl");
    const before = fs.readFileSync(metricsPath, "utf8").split("\n");
    const episodesBefore = fs.readFileSync(episodesPath, "utf8").split("\n");
    // A crash in the middle of a write leaves a torn line.
    fs.appendFileSync(metricsPath, '{"update": 9, "total_tim');
    const w = RunWriter.open(dir, { resumeFromStep: 500 });
    const rows = readJsonl(metricsPath, isMetricsRow).rows;
    assert.deepEqual(rows.map((r) => r.total_timesteps), [100, 200, 300, 400, 500]);
    assert.equal(fs.readFileSync(metricsPath, "utf8"), before.slice(0, 5).join("\n") + "\n", "kept rows are byte-identical");
    assert.equal(fs.readFileSync(episodesPath, "utf8"), episodesBefore.slice(0, 10).join("\n") + "\n");
    assert.ok(readJsonl(episodesPath, isEpisodeRow).rows.every((e) => e.total_timesteps <= 500));
    // The diagnostics are findings that happened: kept whole.
    assert.equal(readJsonl(path.join(dir, "diagnostics.jsonl"), (v): v is object => typeof v === "object").rows.length, 8);
    // Appending continues after the checkpoint: steps strictly increase, progress.csv has the same rows.
    w.appendMetrics({ update: 6, total_timesteps: 600, ep_rew_mean: 6 });
    w.close();
    const after = readJsonl(metricsPath, isMetricsRow).rows.map((r) => r.total_timesteps as number);
    for (let i = 1; i < after.length; i++) assert.ok(after[i] > after[i - 1], `total_timesteps goes back at row ${i}: ${after.join(",")}`);
    const csv = parseSimpleCsv(fs.readFileSync(path.join(dir, "progress.csv"), "utf8"));
    const col = csv.header.indexOf("total_timesteps");
    assert.deepEqual(csv.rows.map((r) => Number(r[col])), after);
  } finally {
    removeDir(root);
  }
});

test("cutRowsAfterStep keeps corrupt lines, leaves a file with nothing to cut untouched, and open checks the step", () => {
  const root = tempDir();
  try {
    const f = path.join(root, "m.jsonl");
    fs.writeFileSync(f, '{"total_timesteps":1}\nnot json\n{"total_timesteps":3}\n{"other":9}\n');
    assert.equal(cutRowsAfterStep(f, 2), 1);
    assert.equal(fs.readFileSync(f, "utf8"), '{"total_timesteps":1}\nnot json\n{"other":9}\n');
    const mtime = fs.statSync(f).mtimeMs;
    const ino = fs.statSync(f).ino;
    assert.equal(cutRowsAfterStep(f, 2), 0);
    assert.equal(fs.statSync(f).ino, ino, "not rewritten when nothing is cut");
    assert.equal(fs.statSync(f).mtimeMs, mtime);
    assert.equal(cutRowsAfterStep(path.join(root, "missing.jsonl"), 2), 0);
    const dir = crashedRun(root, 2);
    assert.throws(() => RunWriter.open(dir, { resumeFromStep: Number.NaN }), (e: Error) => e instanceof RangeError && /resumeFromStep/.test(e.message));
    assert.ok(!fs.existsSync(path.join(dir, "trainer.lock")), "no lock left behind by a refused open");
    // Without resumeFromStep (reopening after a pause) nothing is cut.
    RunWriter.open(dir).close();
    assert.equal(readJsonl(path.join(dir, "metrics.jsonl"), isMetricsRow).rows.length, 2);
  } finally {
    removeDir(root);
  }
});
