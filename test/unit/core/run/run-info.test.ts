import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  RunDirError,
  RunReader,
  RunWriter,
  listRuns,
  makeRunId,
  slugifyEnvName,
} from "../../../../src/core/run/run-dir";
import { removeDir, sampleInfo, tempDir, tempLeftovers } from "./helpers";

const dirs: string[] = [];
function freshRoot(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
after(() => dirs.forEach(removeDir));

describe("makeRunId", () => {
  it("formats <YYYYMMDD-HHMMSS>-<env>-<shortid> in UTC", () => {
    const date = new Date(Date.UTC(2026, 10, 29, 12, 5, 1));
    assert.equal(makeRunId("cartpole", date, "a1b2c3"), "20261129-120501-cartpole-a1b2c3");
    assert.equal(makeRunId("CartPole", date, "A1B2C3"), "20261129-120501-cartpole-a1b2c3");
  });

  it("slugifies env names and rejects bad short ids and dates", () => {
    assert.equal(slugifyEnvName("CartPole v1!"), "cartpole-v1");
    assert.equal(slugifyEnvName("../../etc/passwd"), "etc-passwd");
    assert.equal(slugifyEnvName("???"), "env");
    assert.throws(() => makeRunId("x", new Date(0), "a/b"), RangeError);
    assert.throws(() => makeRunId("x", new Date(0), ""), RangeError);
    assert.throws(() => makeRunId("x", new Date(Number.NaN), "abc"), RangeError);
  });
});

describe("run.json", () => {
  it("round-trips through RunWriter.create and RunReader.info", () => {
    const root = freshRoot();
    const now = new Date(Date.UTC(2026, 10, 29, 12, 5, 1, 250));
    const w = RunWriter.create(root, sampleInfo({ totalTimesteps: 0 }), { shortId: "abc123", now });
    assert.equal(path.basename(w.dir), "20261129-120501-cartpole-abc123");
    assert.equal(path.dirname(w.dir), root);
    const info = new RunReader(w.dir).info();
    assert.deepEqual(info, w.info);
    assert.deepEqual(info, {
      ...sampleInfo({ totalTimesteps: 0 }),
      id: "20261129-120501-cartpole-abc123",
      formatVersion: 1,
      createdAt: "2026-11-29T12:05:01.250Z",
      updatedAt: "2026-11-29T12:05:01.250Z",
      status: "running",
    });
    for (const f of ["run.json", "metrics.jsonl", "episodes.jsonl", "diagnostics.jsonl", "checkpoints"]) {
      assert.ok(fs.existsSync(path.join(w.dir, f)), f);
    }
    w.close();
  });

  it("updateRunInfo merges shallowly, sets updatedAt, removes undefined keys", () => {
    const root = freshRoot();
    let t = Date.UTC(2026, 0, 1);
    const clock = () => new Date((t += 1000));
    const w = RunWriter.create(root, sampleInfo(), { shortId: "u1", clock });
    w.updateRunInfo({ status: "failed", error: { message: "boom", stack: "at x" }, totalTimesteps: 2048 });
    let info = new RunReader(w.dir).info();
    assert.equal(info.status, "failed");
    assert.deepEqual(info.error, { message: "boom", stack: "at x" });
    assert.equal(info.totalTimesteps, 2048);
    assert.equal(info.seed, 42);
    assert.equal(info.updatedAt, new Date(Date.UTC(2026, 0, 1) + 2000).toISOString());
    assert.notEqual(info.updatedAt, info.createdAt);

    w.updateRunInfo({ status: "running", error: undefined, config: { nEnvs: 4 } });
    info = new RunReader(w.dir).info();
    assert.equal(info.status, "running");
    assert.ok(!("error" in info));
    assert.deepEqual(info.config, { nEnvs: 4 }, "nested objects are replaced, not merged");
    assert.deepEqual(info, w.info);
    assert.deepEqual(tempLeftovers(w.dir), []);
  });

  it("a non-serialisable patch throws before touching run.json (atomic write)", () => {
    const root = freshRoot();
    const w = RunWriter.create(root, sampleInfo(), { shortId: "atomic" });
    const file = path.join(w.dir, "run.json");
    const before = fs.readFileSync(file);
    const infoBefore = w.info;

    assert.throws(() => w.updateRunInfo({ config: { big: 10n } as unknown as Record<string, unknown> }), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => w.updateRunInfo({ extra: cyclic }), /Cannot serialise run\.json/);

    assert.deepEqual(fs.readFileSync(file), before, "run.json is byte-for-byte intact");
    assert.deepEqual(w.info, infoBefore, "in-memory info unchanged");
    assert.deepEqual(tempLeftovers(w.dir), [], "no .tmp file remains");
    // And the writer still works afterwards.
    w.updateRunInfo({ status: "paused" });
    assert.equal(new RunReader(w.dir).info().status, "paused");
    assert.deepEqual(tempLeftovers(w.dir), []);
  });

  it("a failed create (non-serialisable info) leaves no run folder", () => {
    const root = freshRoot();
    assert.throws(
      () => RunWriter.create(root, sampleInfo({ config: { x: 1n } as unknown as Record<string, unknown> }), { shortId: "bad" }),
      TypeError,
    );
    assert.deepEqual(fs.readdirSync(root), []);
  });

  it("RunReader.info explains a missing or invalid run.json", () => {
    const root = freshRoot();
    const dir = path.join(root, "not-a-run");
    fs.mkdirSync(dir);
    assert.throws(() => new RunReader(dir).info(), (e: unknown) => e instanceof RunDirError && /run\.json/.test(e.message));
    fs.writeFileSync(path.join(dir, "run.json"), "{ not json");
    assert.throws(() => new RunReader(dir).info(), /not valid JSON/);
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ id: "x" }));
    assert.throws(() => new RunReader(dir).info(), /not a valid PPO Lab run\.json/);
  });
});

describe("RunWriter.create errors", () => {
  it("refuses an existing folder for a caller-given short id", () => {
    const root = freshRoot();
    const now = new Date(Date.UTC(2026, 1, 2, 3, 4, 5));
    RunWriter.create(root, sampleInfo(), { shortId: "same", now });
    assert.throws(
      () => RunWriter.create(root, sampleInfo(), { shortId: "same", now }),
      (e: unknown) => e instanceof RunDirError && /already exists/.test(e.message),
    );
  });

  it("a default short id is 6 random hex digits", () => {
    const root = freshRoot();
    const w = RunWriter.create(root, sampleInfo(), { now: new Date(Date.UTC(2026, 1, 2)) });
    assert.match(path.basename(w.dir), /^20260202-000000-cartpole-[0-9a-f]{6}$/);
  });

  it("a root that is not a writable folder gives an error naming the path and the remedy", () => {
    const base = freshRoot();
    const file = path.join(base, "a-file");
    fs.writeFileSync(file, "x");
    const root = path.join(file, "runs");
    assert.throws(
      () => RunWriter.create(root, sampleInfo(), { shortId: "x1" }),
      (e: unknown) =>
        e instanceof RunDirError && e.message.includes(root) && /choose another folder for runs/.test(e.message),
    );
  });

  it("a read-only root gives a permission error (skipped as root)", (t) => {
    if (process.platform === "win32" || process.getuid?.() === 0) {
      t.skip("permissions are not enforced for root / on Windows");
      return;
    }
    const root = freshRoot();
    fs.chmodSync(root, 0o555);
    try {
      assert.throws(
        () => RunWriter.create(root, sampleInfo(), { shortId: "ro" }),
        (e: unknown) => e instanceof RunDirError && /Permission denied/.test(e.message) && /writable folder/.test(e.message),
      );
    } finally {
      fs.chmodSync(root, 0o755);
    }
  });
});

describe("listRuns", () => {
  it("lists runs newest first and skips folders without a readable run.json", () => {
    const root = freshRoot();
    const mk = (iso: string, id: string) =>
      RunWriter.create(root, sampleInfo({ envName: `env${id}` }), { shortId: id, now: new Date(iso) });
    const a = mk("2026-03-01T10:00:00Z", "aaa");
    const b = mk("2026-05-01T10:00:00Z", "bbb");
    const c = mk("2026-04-01T10:00:00Z", "ccc");
    fs.mkdirSync(path.join(root, "empty-folder"));
    fs.mkdirSync(path.join(root, "broken"));
    fs.writeFileSync(path.join(root, "broken", "run.json"), "{");
    fs.writeFileSync(path.join(root, "stray-file.txt"), "hello");

    const runs = listRuns(root);
    assert.deepEqual(
      runs.map((r) => r.id),
      [b.id, c.id, a.id],
    );
    assert.equal(runs[0].dir, b.dir);
    assert.equal(runs[0].envName, "envbbb");
  });

  it("returns [] for a missing root", () => {
    assert.deepEqual(listRuns(path.join(freshRoot(), "nope")), []);
  });
});
