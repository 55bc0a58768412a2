import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_FILES, RunDirError, RunLockedError, RunWriter, listRuns, runLockHolder } from "../../../../src/core/run/run-dir";
import { LOCK_START_SLACK_MS, processStartTime } from "../../../../src/core/run/lock";
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
      // Written after the child started, as a real writer's lock is (an earlier startedAt would mean a reused pid).
      const startedAt = new Date().toISOString();
      writeLock(dir, { pid: child.pid, hostname: os.hostname(), startedAt });
      const before = snapshot(dir);
      assert.throws(
        () => RunWriter.open(dir),
        (e: unknown) =>
          e instanceof RunLockedError &&
          e.pid === child.pid &&
          e.message.includes(`process ${child.pid} (started ${startedAt})`) &&
          e.message.includes(`delete ${path.join(dir, RUN_FILES.lock)}`),
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

  const procSkip = processStartTime(1) === undefined ? "needs Linux /proc start times" : false;

  it("reads this process's start time from /proc to within the boot time's whole second", { skip: procSkip }, () => {
    const realStart = Date.now() - process.uptime() * 1000;
    const fromProc = processStartTime(process.pid)!;
    assert.ok(Math.abs(fromProc - realStart) < 2_000, `proc ${new Date(fromProc).toISOString()} vs ${new Date(realStart).toISOString()}`);
    assert.equal(processStartTime(deadPid()), undefined, "a gone process has no start time");
  });

  it("a lock naming a live pid whose process started after the lock was written is stale (pid reused) and replaced", { skip: procSkip }, () => {
    for (const pid of [1, process.ppid]) {
      const dir = closedRun("lr1");
      const started = processStartTime(pid)!;
      const startedAt = new Date(started - LOCK_START_SLACK_MS - 60_000).toISOString();
      writeLock(dir, { pid, hostname: os.hostname(), startedAt });
      assert.equal(runLockHolder(dir), undefined, `pid ${pid} started ${new Date(started).toISOString()}, lock ${startedAt}`);
      const w = RunWriter.open(dir);
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.lock), "utf8")).pid, process.pid);
      w.close();
    }
  });

  it("a lock of a live process written after it started is held, and the message says how to clear a stale one", { skip: procSkip }, () => {
    for (const pid of [1, process.ppid]) {
      const dir = closedRun("lr2");
      // within the slack of the process's start, and well after it
      for (const startedAt of [new Date(processStartTime(pid)! - 1_000).toISOString(), new Date().toISOString()]) {
        writeLock(dir, { pid, hostname: os.hostname(), startedAt });
        assert.equal(runLockHolder(dir)?.pid, pid, `lock ${startedAt}`);
        assert.throws(
          () => RunWriter.open(dir),
          (e: unknown) => e instanceof RunLockedError && e.pid === pid && e.message.includes(`delete ${path.join(dir, RUN_FILES.lock)}`),
        );
      }
    }
  });

  it("without a readable startedAt a live pid still holds the lock", () => {
    const dir = closedRun("lr3");
    writeLock(dir, { pid: process.ppid, hostname: os.hostname(), startedAt: "yesterday-ish" });
    assert.equal(runLockHolder(dir)?.pid, process.ppid);
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
