import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunWriter } from "../../../src/core/run/run-dir";
import type { FromTrainerMessage, ToTrainerMessage } from "../../../src/protocol";
import { interruptedMark, ReloadResume } from "../../../src/extension/reload-resume";
import { RunManager, type TrainerHandle } from "../../../src/extension/run-manager";

class FakeTrainer implements TrainerHandle {
  readonly received: ToTrainerMessage[] = [];
  disconnected = false;
  pid = 4242;
  private exitListeners: ((code: number | null, signal: string | null, tail: string) => void)[] = [];
  send(msg: ToTrainerMessage): void {
    this.received.push(msg);
  }
  onMessage(_l: (m: FromTrainerMessage) => void): void {}
  onExit(l: (code: number | null, signal: string | null, tail: string) => void): void {
    this.exitListeners.push(l);
  }
  kill(): void {}
  disconnect(): void {
    this.disconnected = true;
    // the trainer stops after its update and exits
    setTimeout(() => this.exitListeners.forEach((l) => l(0, null, "")), 5);
  }
}

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "ppo-reload-resume-"));
}

/** A run directory with 3 metric rows, ended with `status` and optionally the trainer's `interrupted` mark. */
function makeRun(root: string, status: "stopped" | "finished" | "running", interruptedAt?: Date): string {
  const w = RunWriter.create(root, {
    envName: "cartpole",
    envFile: path.join(root, "cartpole.ts"),
    envHash: "h",
    seed: 1,
    backend: "wasm",
    config: {},
    versions: { ppoLab: "0", tfjs: "0", node: "0" },
  });
  for (let i = 1; i <= 3; i++) w.appendMetrics({ update: i, total_timesteps: 512 * i, ep_rew_mean: 10 * i });
  if (status !== "running") {
    w.updateRunInfo({
      status,
      endedAt: new Date().toISOString(),
      extra: interruptedAt ? { interrupted: { at: interruptedAt.toISOString(), reason: "window reloaded" } } : undefined,
    });
  }
  w.close();
  return w.dir;
}

function setup() {
  const trainers: FakeTrainer[] = [];
  const manager = new RunManager(
    () => {
      const t = new FakeTrainer();
      trainers.push(t);
      return t;
    },
    { maxConcurrent: () => 4 },
  );
  return { manager, trainers };
}

test("a run interrupted by a reload is resumed in its own directory, with its history read back", async () => {
  const root = tempRoot();
  const dir = makeRun(root, "stopped", new Date());
  const { manager, trainers } = setup();
  const rr = new ReloadResume(manager, { cwdFor: () => root, log: () => {} });
  rr.scan([root]);
  await rr.settled([dir]);
  assert.equal(trainers.length, 1);
  const start = trainers[0].received[0];
  assert.equal(start.type, "start");
  assert.equal(start.type === "start" && start.request.resume, dir);
  const run = manager.find(dir);
  assert.ok(run, "the resumed run is live under its run directory");
  assert.equal(run.live, true);
  assert.deepEqual(run.history.all().map((r) => r.ep_rew_mean), [10, 20, 30]);
  fs.rmSync(root, { recursive: true, force: true });
});

test("runs stopped by the user, finished, or interrupted long ago are not resumed", async () => {
  const root = tempRoot();
  const stopped = makeRun(root, "stopped");
  const finished = makeRun(root, "finished", new Date());
  const old = makeRun(root, "stopped", new Date(Date.now() - 60 * 60_000));
  const { manager, trainers } = setup();
  const rr = new ReloadResume(manager, { cwdFor: () => root, log: () => {} });
  rr.scan([root]);
  await rr.settled([stopped, finished, old]);
  assert.equal(trainers.length, 0);
  fs.rmSync(root, { recursive: true, force: true });
});

test("a run still marked running is watched until the old trainer wrote its final state", async () => {
  const root = tempRoot();
  const dir = makeRun(root, "running");
  const { manager, trainers } = setup();
  const rr = new ReloadResume(manager, { cwdFor: () => root, log: () => {}, settleTimeoutMs: 10_000 });
  rr.scan([root]);
  setTimeout(() => {
    const w = RunWriter.open(dir);
    w.updateRunInfo({ status: "stopped", endedAt: new Date().toISOString(), extra: { interrupted: { at: new Date().toISOString(), reason: "window reloaded" } } });
    w.close();
  }, 300);
  await rr.settled([dir]);
  assert.equal(trainers.length, 1, "resumed once the old trainer marked it interrupted");
  rr.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

test("interruptAll closes the trainers' IPC channels (no stop message) and waits for them", async () => {
  const { manager, trainers } = setup();
  const run = manager.start({ env: "CartPole-v1", cwd: "/tmp", runsRoot: "/tmp/runs" }, { check: false });
  await manager.interruptAll(2_000);
  assert.equal(trainers[0].disconnected, true);
  assert.equal(trainers[0].received.filter((m) => m.type === "stop").length, 0);
  assert.equal(run.status, "stopped");
});

test("interruptedMark reads only a well-formed mark", () => {
  assert.equal(interruptedMark(undefined), undefined);
  assert.equal(interruptedMark({ interrupted: { at: 1 } }), undefined);
  assert.deepEqual(interruptedMark({ interrupted: { at: "2026-01-01T00:00:00Z", reason: "r" } }), { at: "2026-01-01T00:00:00Z", reason: "r" });
});

test("dispose (VS Code does not wait for deactivate) interrupts trainers instead of killing them", () => {
  const { manager, trainers } = setup();
  manager.start({ env: "CartPole-v1", cwd: "/tmp", runsRoot: "/tmp/runs" }, { check: false });
  let killed = false;
  trainers[0].kill = () => {
    killed = true;
  };
  manager.dispose();
  assert.equal(trainers[0].disconnected, true);
  assert.equal(killed, false);
});

test("a run another window resumed first (its lock taken after this activation) is skipped, with the holder in the log", async () => {
  const root = tempRoot();
  const dir = makeRun(root, "stopped", new Date());
  const { manager, trainers } = setup();
  const logs: string[] = [];
  const rr = new ReloadResume(manager, { cwdFor: () => root, log: (_l, m) => logs.push(m), settleTimeoutMs: 5_000 });
  const other = RunWriter.open(dir); // the other window's trainer
  try {
    rr.scan([root]);
    await rr.settled([dir]);
    assert.equal(trainers.length, 0, "not resumed a second time");
    assert.equal(manager.find(dir), undefined);
    assert.ok(logs.some((m) => m.includes(`is being trained by process ${process.pid}`)), logs.join("\n"));
  } finally {
    other.close();
    rr.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("a stopped run whose old trainer still holds the lock (taken before this activation) is resumed once it lets go", async () => {
  const root = tempRoot();
  const dir = makeRun(root, "stopped", new Date());
  const old = RunWriter.open(dir); // the old trainer, closing up after writing "stopped"
  await new Promise((r) => setTimeout(r, 5));
  const { manager, trainers } = setup();
  const rr = new ReloadResume(manager, { cwdFor: () => root, log: () => {}, settleTimeoutMs: 10_000 });
  rr.scan([root]);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(trainers.length, 0, "not resumed while the lock is held");
  old.close();
  await rr.settled([dir]);
  assert.equal(trainers.length, 1, "resumed after the lock was released");
  rr.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

test("a resume the trainer refuses (another process took the lock in between) shows the message, stopped, never failed", async () => {
  const root = tempRoot();
  const dir = makeRun(root, "stopped", new Date());
  let onMsg: ((m: FromTrainerMessage) => void) | undefined;
  let onExit: ((code: number | null, signal: string | null, tail: string) => void) | undefined;
  const manager = new RunManager(
    () => ({
      pid: 4343,
      send: () => undefined,
      onMessage: (l) => (onMsg = l),
      onExit: (l) => (onExit = l),
      kill: () => undefined,
    }),
    { maxConcurrent: () => 2, log: () => undefined },
  );
  const rr = new ReloadResume(manager, { cwdFor: () => root, log: () => {} });
  rr.scan([root]);
  await rr.settled([dir]);
  const run = manager.find(dir);
  assert.ok(run && onMsg && onExit);
  // Meanwhile another window's trainer took the run: it is "running" under that process's lock.
  const other = RunWriter.open(dir);
  other.updateRunInfo({ status: "running" });
  const before = fs.readFileSync(path.join(dir, "run.json"), "utf8");
  const message = `run ${path.basename(dir)} is being trained by process 999 (started x); stop that run first, or wait for it to end.`;
  onMsg({ type: "error", message, runLocked: true });
  onExit(2, null, "");
  assert.equal(run.status, "stopped");
  assert.equal(run.notResumed, true);
  assert.equal(run.error, message);
  assert.equal(fs.readFileSync(path.join(dir, "run.json"), "utf8"), before, "run.json untouched");
  other.close();
  rr.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});
