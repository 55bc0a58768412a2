import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RunDirError, RunReader, RunWriter } from "../../../../src/core/run/run-dir";
import { parseSimpleCsv, removeDir, sampleInfo, tempDir, tempLeftovers } from "./helpers";

const dirs: string[] = [];
function newRun(shortId = "log1"): RunWriter {
  const root = tempDir();
  dirs.push(root);
  return RunWriter.create(root, sampleInfo(), { shortId });
}
after(() => dirs.forEach(removeDir));

describe("metrics.jsonl", () => {
  it("appends one line per row and reads the rows back", () => {
    const w = newRun();
    w.appendMetrics({ update: 1, total_timesteps: 1024, wall_seconds: 0.5, ep_rew_mean: 12.5, approx_kl: 0.01 });
    w.appendMetrics({ update: 2, total_timesteps: 2048, wall_seconds: 1.1, ep_rew_mean: 20, approx_kl: 0.02 });
    const text = fs.readFileSync(path.join(w.dir, "metrics.jsonl"), "utf8");
    assert.equal(text.split("\n").length, 3);
    assert.ok(text.endsWith("\n"));
    const r = new RunReader(w.dir).metrics();
    assert.deepEqual(r.corruptLines, []);
    assert.equal(r.partialTail, false);
    assert.deepEqual(r.rows, [
      { update: 1, total_timesteps: 1024, wall_seconds: 0.5, ep_rew_mean: 12.5, approx_kl: 0.01 },
      { update: 2, total_timesteps: 2048, wall_seconds: 1.1, ep_rew_mean: 20, approx_kl: 0.02 },
    ]);
  });

  it("writes NaN and +-Infinity as null and drops undefined", () => {
    const w = newRun();
    w.appendMetrics({ update: 1, ep_rew_mean: Number.NaN, a: Infinity, b: -Infinity, c: null, d: undefined });
    const text = fs.readFileSync(path.join(w.dir, "metrics.jsonl"), "utf8");
    assert.equal(text, '{"update":1,"ep_rew_mean":null,"a":null,"b":null,"c":null}\n');
    assert.deepEqual(new RunReader(w.dir).metrics().rows, [{ update: 1, ep_rew_mean: null, a: null, b: null, c: null }]);
  });

  it("rejects non-numeric values before writing anything", () => {
    const w = newRun();
    assert.throws(() => w.appendMetrics({ update: 1, name: "x" as unknown as number }), /"name" must be a number/);
    assert.throws(() => w.appendMetrics({}), TypeError);
    assert.equal(fs.readFileSync(path.join(w.dir, "metrics.jsonl"), "utf8"), "");
    assert.ok(!fs.existsSync(path.join(w.dir, "progress.csv")) || fs.readFileSync(path.join(w.dir, "progress.csv"), "utf8") === "");
  });

  it("skips a truncated last line and reports a garbage middle line by number", () => {
    const w = newRun();
    const file = path.join(w.dir, "metrics.jsonl");
    w.appendMetrics({ update: 1 });
    fs.appendFileSync(file, "this is not json\n");
    w.appendMetrics({ update: 2 });
    fs.appendFileSync(file, '["an array"]\n');
    w.appendMetrics({ update: 3 });
    fs.appendFileSync(file, '{"update":4,"total_ti'); // a crash mid-write
    const r = new RunReader(w.dir).metrics();
    assert.deepEqual(
      r.rows.map((x) => x.update),
      [1, 2, 3],
    );
    assert.deepEqual(r.corruptLines, [2, 4]);
    assert.equal(r.partialTail, true);
  });

  it("reads incrementally from a cursor (tailing a live run)", () => {
    const w = newRun();
    const reader = new RunReader(w.dir);
    w.appendMetrics({ update: 1 });
    const first = reader.metrics();
    assert.equal(first.rows.length, 1);
    fs.appendFileSync(path.join(w.dir, "metrics.jsonl"), '{"upd');
    const none = reader.metrics(first.cursor);
    assert.deepEqual(none.rows, []);
    assert.equal(none.partialTail, true);
    assert.deepEqual(none.cursor, first.cursor);
    fs.appendFileSync(path.join(w.dir, "metrics.jsonl"), 'ate":2}\nnope\n{"update":3}\n');
    const more = reader.metrics(first.cursor);
    assert.deepEqual(
      more.rows.map((x) => x.update),
      [2, 3],
    );
    assert.deepEqual(more.corruptLines, [3], "line numbers continue from the cursor");
    assert.equal(more.partialTail, false);
  });

  it("a missing file reads as empty", () => {
    const w = newRun();
    fs.rmSync(path.join(w.dir, "episodes.jsonl"));
    assert.deepEqual(new RunReader(w.dir).episodes().rows, []);
  });

  it("RunWriter.open cuts a torn tail so appends continue cleanly", () => {
    const w = newRun();
    w.appendMetrics({ update: 1, loss: 0.5 });
    w.appendEpisode({ return: 10, length: 10, total_timesteps: 10 });
    fs.appendFileSync(path.join(w.dir, "metrics.jsonl"), '{"update":2,"lo');
    fs.appendFileSync(path.join(w.dir, "episodes.jsonl"), '{"return":');
    w.close();

    const w2 = RunWriter.open(w.dir);
    assert.equal(w2.info.id, w.info.id);
    w2.appendMetrics({ update: 2, loss: 0.25 });
    w2.appendEpisode({ return: 20, length: 20, total_timesteps: 30 });
    const r = new RunReader(w.dir);
    const m = r.metrics();
    assert.deepEqual(m.rows, [
      { update: 1, loss: 0.5 },
      { update: 2, loss: 0.25 },
    ]);
    assert.deepEqual(m.corruptLines, []);
    assert.equal(m.partialTail, false);
    assert.deepEqual(
      r.episodes().rows.map((e) => e.return),
      [10, 20],
    );
    assert.deepEqual(parseSimpleCsv(fs.readFileSync(path.join(w.dir, "progress.csv"), "utf8")), {
      header: ["update", "loss"],
      rows: [
        ["1", "0.5"],
        ["2", "0.25"],
      ],
    });
  });

  it("a full disk (ENOSPC) gives an error naming the file and the remedy", (t) => {
    if (!fs.existsSync("/dev/full")) {
      t.skip("needs /dev/full (Linux)");
      return;
    }
    const w = newRun();
    const file = path.join(w.dir, "metrics.jsonl");
    fs.rmSync(file);
    fs.symlinkSync("/dev/full", file);
    assert.throws(
      () => w.appendMetrics({ update: 1 }),
      (e: unknown) =>
        e instanceof RunDirError &&
        e.code === "ENOSPC" &&
        e.message.startsWith(`No space left on device while writing ${file}: free some disk space;`) &&
        /readable up to the last complete line/.test(e.message),
    );
  });
});

describe("progress.csv", () => {
  it("has the first row's keys as header and numeric values (null -> empty cell)", () => {
    const w = newRun();
    w.appendMetrics({ update: 1, total_timesteps: 2048, ep_rew_mean: Number.NaN, approx_kl: 1e-7 });
    w.appendMetrics({ update: 2, total_timesteps: 4096, ep_rew_mean: 22.5, approx_kl: 0.0123 });
    const csv = parseSimpleCsv(fs.readFileSync(path.join(w.dir, "progress.csv"), "utf8"));
    assert.deepEqual(csv.header, ["update", "total_timesteps", "ep_rew_mean", "approx_kl"]);
    assert.deepEqual(csv.rows, [
      ["1", "2048", "", "1e-7"],
      ["2", "4096", "22.5", "0.0123"],
    ]);
    assert.equal(Number(csv.rows[0][3]), 1e-7);
  });

  it("keeps every value when a later row brings a new key (header enlarged, file rewritten)", () => {
    const w = newRun();
    w.appendMetrics({ update: 1, loss: 0.5 });
    w.appendMetrics({ loss: 0.4, update: 2 }); // other key order: mapped by column name
    w.appendMetrics({ update: 3, loss: 0.3, ep_rew_mean: 9 });
    w.appendMetrics({ update: 4, ep_len_mean: 7 }); // "loss" missing, another new key
    w.appendMetrics({ update: 5, loss: 0.1, ep_rew_mean: 11, ep_len_mean: 8 });
    const csv = parseSimpleCsv(fs.readFileSync(path.join(w.dir, "progress.csv"), "utf8"));
    assert.deepEqual(csv.header, ["update", "loss", "ep_rew_mean", "ep_len_mean"]);
    assert.deepEqual(csv.rows, [
      ["1", "0.5", "", ""],
      ["2", "0.4", "", ""],
      ["3", "0.3", "9", ""],
      ["4", "", "", "7"],
      ["5", "0.1", "11", "8"],
    ]);
    assert.deepEqual(tempLeftovers(w.dir), []);
  });

  it("quotes awkward column names (csv-stringify)", () => {
    const w = newRun();
    w.appendMetrics({ "a,b": 1, 'say "hi"': 2 });
    assert.equal(fs.readFileSync(path.join(w.dir, "progress.csv"), "utf8"), '"a,b","say ""hi"""\n1,2\n');
  });
});

describe("episodes.jsonl and diagnostics.jsonl", () => {
  it("round-trip episodes (NaN return -> null)", () => {
    const w = newRun();
    w.appendEpisode({ return: 21.5, length: 22, total_timesteps: 176, env_index: 3, wall_seconds: 0.8 });
    w.appendEpisode({ return: Number.NaN, length: 5, total_timesteps: 200 });
    const r = new RunReader(w.dir).episodes();
    assert.deepEqual(r.rows, [
      { return: 21.5, length: 22, total_timesteps: 176, env_index: 3, wall_seconds: 0.8 },
      { return: null, length: 5, total_timesteps: 200 },
    ]);
    assert.deepEqual(r.corruptLines, []);
    assert.throws(() => w.appendEpisode({ return: 1, length: Number.NaN, total_timesteps: 1 }), /"length"/);
  });

  it("round-trip diagnostics objects", () => {
    const w = newRun();
    const d1 = { id: "value-loss-explodes", severity: "warning", update: 3, detail: { ratio: 12.5, list: [1, 2] } };
    const d2 = { id: "nan-loss", severity: "critical", value: Number.NaN };
    w.appendDiagnostic(d1);
    w.appendDiagnostic(d2);
    assert.throws(() => w.appendDiagnostic([1, 2]), TypeError);
    const r = new RunReader(w.dir).diagnostics();
    assert.deepEqual(r.rows, [d1, { ...d2, value: null }]);
  });

  it("a closed writer refuses further writes", () => {
    const w = newRun();
    w.close();
    w.close(); // idempotent
    assert.throws(() => w.appendMetrics({ update: 1 }), /closed/);
  });
});
