import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_FILES, RunDirError, RunLockedError, RunWriter, listRuns, runLockHolder } from "../../../../src/core/run/run-dir";
import { removeDir, sampleInfo, tempDir } from "./helpers";

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** A closed run with some metrics and a torn metrics tail (which open() would repair). */
function closedRun(shortId: string): string {
  const root = tempDir();
  dirs.push(root);
  const w = RunWriter.create(root, sampleInfo(), { shortId });
  w.appendMetrics({ update: 1, total_timesteps: 128, ep_rew_mean: 10 });
  w.appendMetrics({ update: 2, total_timesteps: 256, ep_rew_mean: 12 });
  w.updateRunInfo({ status: "stopped" });
  w.close();
  fs.appendFileSync(path.join(w.dir, RUN_FILES.metrics), '{"update":3,"tot'); // torn tail
  fs.writeFileSync(path.join(w.dir, RUN_FILES.progress), "stale,csv\n"); // open() would rebuild it
  return w.dir;
}

/** Every file of the run directory (recursive) with its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p).toString("base64"));
    }
  };
  walk(dir);
  return out;
}

/** The pid of a process that has exited (so it is certainly not alive). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const pid = Number(r.stdout);
  assert.ok(Number.isInteger(pid) && pid > 0, `child pid: ${r.stdout}`);
  return pid;
}

function writeLock(dir: string, holder: object | string): void {
  fs.writeFileSync(path.join(dir, RUN_FILES.lock), typeof holder === "string" ? holder : JSON.stringify(holder));
}

describe("run writer lock", () => {
  it("create() holds the lock (pid, hostname, startedAt) until close()", () => {
    const root = tempDir();
    dirs.push(root);
    const w = RunWriter.create(root, sampleInfo(), { shortId: "lk1", now: new Date("2026-11-29T12:00:00Z") });
    const lock = JSON.parse(fs.readFileSync(path.join(w.dir, RUN_FILES.lock), "utf8"));
    assert.deepEqual(lock, { pid: process.pid, hostname: os.hostname(), startedAt: "2026-11-29T12:00:00.000Z" });
    assert.deepEqual(runLockHolder(w.dir), lock);
    assert.throws(() => RunWriter.open(w.dir), RunLockedError);
    w.close();
    assert.equal(fs.existsSync(path.join(w.dir, RUN_FILES.lock)), false);
    assert.equal(runLockHolder(w.dir), undefined);
    w.close(); // idempotent
  });

  it("a second open() is refused while the first writer is open, and changes no byte of the run", () => {
    const dir = closedRun("lk2");
    const first = RunWriter.open(dir);
    // what the first writer made of it (torn tail cut, progress.csv rebuilt)
    const before = snapshot(dir);
    assert.ok(before.has(RUN_FILES.lock));
    let err: unknown;
    try {
      RunWriter.open(dir);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RunLockedError, `expected RunLockedError, got ${String(err)}`);
    assert.ok(err instanceof RunDirError);
    assert.equal(err.pid, process.pid);
    assert.match(err.message, new RegExp(`run ${path.basename(dir)} is being trained by process ${process.pid} \\(started .+\\); stop that run first, or wait for it to end`));
    assert.deepEqual(snapshot(dir), before);
    first.close();
    const again = RunWriter.open(dir);
    again.close();
  });

  it("a lock held by another live process refuses open() and leaves run.json, metrics.jsonl and progress.csv unchanged", async () => {
    const dir = closedRun("lk3");
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      assert.ok(child.pid);
      writeLock(dir, { pid: child.pid, hostname: os.hostname(), startedAt: "2026-11-29T10:00:00.000Z" });
      const before = snapshot(dir);
      assert.throws(
        () => RunWriter.open(dir),
        (e: unknown) => e instanceof RunLockedError && e.pid === child.pid && e.message.includes(`process ${child.pid} (started 2026-11-29T10:00:00.000Z)`),
      );
      assert.deepEqual(snapshot(dir), before);
      for (const f of [RUN_FILES.info, RUN_FILES.metrics, RUN_FILES.progress]) assert.ok(before.has(f), f);
      assert.equal(runLockHolder(dir)?.pid, child.pid);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    // The holder is gone (killed): its lock is now stale and replaced.
    const w = RunWriter.open(dir);
    assert.equal(runLockHolder(dir)?.pid, process.pid);
    w.close();
  });

  it("replaces a stale lock: a dead pid, garbage, or an empty file", () => {
    for (const content of [{ pid: deadPid(), hostname: os.hostname(), startedAt: "2026-11-29T09:00:00.000Z" }, "not json {", "", '{"pid":"x"}']) {
      const dir = closedRun("lk4");
      writeLock(dir, content);
      assert.equal(runLockHolder(dir), undefined, `stale: ${JSON.stringify(content)}`);
      const w = RunWriter.open(dir);
      const lock = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.lock), "utf8"));
      assert.equal(lock.pid, process.pid);
      assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith(RUN_FILES.lock)), [RUN_FILES.lock], "nothing set aside is left");
      w.close();
      assert.equal(fs.existsSync(path.join(dir, RUN_FILES.lock)), false);
    }
  });

  it("a writer of this process is not mistaken for a stale lock when the folder is named by another path", () => {
    const dir = closedRun("lk9");
    const w = RunWriter.open(dir);
    const relative = path.relative(process.cwd(), dir);
    assert.notEqual(relative, dir);
    assert.throws(() => RunWriter.open(relative), RunLockedError);
    w.close();
  });

  it("a lock of another host counts as held and the message says how to clear it", () => {
    const dir = closedRun("lk5");
    writeLock(dir, { pid: 1, hostname: `${os.hostname()}-elsewhere`, startedAt: "2026-11-29T08:00:00.000Z" });
    assert.throws(() => RunWriter.open(dir), (e: unknown) => e instanceof RunLockedError && e.message.includes(`on ${os.hostname()}-elsewhere`) && e.message.includes(`delete ${path.join(dir, RUN_FILES.lock)}`));
  });

  it("a process killed with SIGKILL leaves a stale lock that the next open() replaces", async () => {
    const dir = closedRun("lk6");
    const writerModule = path.resolve("src/core/run/writer.ts");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "-e", `const { RunWriter } = require(${JSON.stringify(writerModule)}); RunWriter.open(${JSON.stringify(dir)}); console.log("locked"); setTimeout(() => {}, 30000);`],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
      child.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
    });
    assert.equal(runLockHolder(dir)?.pid, child.pid);
    assert.throws(() => RunWriter.open(dir), RunLockedError);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.lock), "utf8")).pid, child.pid, "kill -9 leaves the file");
    const w = RunWriter.open(dir);
    assert.equal(runLockHolder(dir)?.pid, process.pid);
    w.close();
  });

  it("a process that exits without close() removes its lock", () => {
    const dir = closedRun("lk7");
    const writerModule = path.resolve("src/core/run/writer.ts");
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", `const { RunWriter } = require(${JSON.stringify(writerModule)}); RunWriter.open(${JSON.stringify(dir)}); process.exit(3);`], { encoding: "utf8" });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(fs.existsSync(path.join(dir, RUN_FILES.lock)), false);
  });

  it("open() of a folder without run.json creates no lock file; listRuns ignores the lock", () => {
    const root = tempDir();
    dirs.push(root);
    assert.throws(() => RunWriter.open(root), RunDirError);
    assert.deepEqual(fs.readdirSync(root), []);
    const w = RunWriter.create(root, sampleInfo(), { shortId: "lk8" });
    assert.deepEqual(listRuns(root).map((r) => r.dir), [w.dir]);
    w.close();
  });
});
