import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunWriter, readRunInfo } from "../../../src/core/run/run-dir";
import type { FromTrainerMessage, ToTrainerMessage, TrainRequest } from "../../../src/protocol";
import { MetricsHistory } from "../../../src/extension/metrics-history";
import { RunManager, type TrainerHandle } from "../../../src/extension/run-manager";

/** A scripted stand-in for a trainer process. */
class FakeTrainer implements TrainerHandle {
  static all: FakeTrainer[] = [];
  readonly received: ToTrainerMessage[] = [];
  readonly killed: string[] = [];
  pid = 1000 + FakeTrainer.all.length;
  private msgListeners: ((m: FromTrainerMessage) => void)[] = [];
  private exitListeners: ((code: number | null, signal: string | null, tail: string) => void)[] = [];
  exited = false;
  constructor() {
    FakeTrainer.all.push(this);
  }
  send(msg: ToTrainerMessage): void {
    this.received.push(msg);
  }
  onMessage(l: (m: FromTrainerMessage) => void): void {
    this.msgListeners.push(l);
  }
  onExit(l: (code: number | null, signal: string | null, tail: string) => void): void {
    this.exitListeners.push(l);
  }
  kill(signal: "SIGTERM" | "SIGKILL"): void {
    this.killed.push(signal);
  }
  emit(m: FromTrainerMessage): void {
    for (const l of this.msgListeners) l(m);
  }
  exit(code: number | null, signal: string | null = null, tail = ""): void {
    this.exited = true;
    for (const l of this.exitListeners) l(code, signal, tail);
  }
}

const request = (env = "CartPole-v1"): TrainRequest => ({ env, cwd: "/tmp", runsRoot: "/tmp/runs" });

function manager(max = 2, stopTimeoutMs = 20) {
  FakeTrainer.all = [];
  return new RunManager(() => new FakeTrainer(), { maxConcurrent: () => max, stopTimeoutMs });
}

function started(runDir = "/tmp/runs/x"): FromTrainerMessage {
  return {
    type: "started",
    runId: path.basename(runDir),
    runDir,
    envName: "CartPole-v1",
    envFile: "/x/cartpole.ts",
    backend: "wasm",
    config: {} as never,
    sources: {},
  };
}

test("check first: an ok report starts training; an error report fails the run without training", () => {
  const m = manager();
  const ok = m.start(request());
  const t1 = FakeTrainer.all[0];
  assert.equal(ok.status, "checking");
  assert.equal(t1.received[0].type, "check");
  t1.emit({ type: "checkReport", report: { file: "f", findings: [], ok: true, probeSteps: 10 } });
  assert.equal(ok.status, "starting");
  assert.equal(t1.received[1].type, "start");
  t1.emit(started());
  assert.equal(ok.status, "running");
  assert.equal(ok.runId, "x");

  const bad = m.start(request("broken.ts"));
  const t2 = FakeTrainer.all[1];
  t2.emit({
    type: "checkReport",
    report: { file: "broken.ts", findings: [{ id: "step.reward-not-finite", severity: "error", message: "NaN reward at step 37" }], ok: false, probeSteps: 37 },
  });
  assert.equal(bad.status, "failed");
  assert.match(bad.error ?? "", /NaN reward at step 37/);
  assert.ok(!t2.received.some((x) => x.type === "start"), "no training starts");
  assert.equal(t2.received[t2.received.length - 1].type, "stop");
});

test("concurrency cap: extra runs queue and start when a run ends", () => {
  const m = manager(1);
  const a = m.start(request(), { check: false });
  const b = m.start(request(), { check: false });
  assert.equal(a.status, "starting");
  assert.equal(b.status, "queued");
  assert.equal(FakeTrainer.all.length, 1);
  FakeTrainer.all[0].emit(started());
  FakeTrainer.all[0].emit({ type: "finished", status: "finished", runDir: "/tmp/runs/x", totalTimesteps: 100 });
  FakeTrainer.all[0].exit(0);
  assert.equal(a.status, "finished");
  assert.equal(b.status, "starting");
  assert.equal(FakeTrainer.all.length, 2);
});

test("metrics are kept in the run's history and broadcast", () => {
  const m = manager();
  const run = m.start(request(), { check: false });
  const seen: number[] = [];
  m.onMetrics(({ row }) => seen.push(row.update as number));
  for (let u = 1; u <= 5; u++) FakeTrainer.all[0].emit({ type: "metrics", row: { update: u, total_timesteps: u * 256, ep_rew_mean: u } });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(run.history.length, 5);
  assert.equal(run.lastMetrics?.total_timesteps, 1280);
});

test("stop is graceful first, then SIGTERM, then SIGKILL when the trainer does not exit", async () => {
  const m = manager(2, 20);
  const run = m.start(request(), { check: false });
  const t = FakeTrainer.all[0];
  t.emit(started());
  m.stop(run);
  assert.equal(run.status, "stopping");
  assert.equal(t.received[t.received.length - 1].type, "stop");
  // Escalation takes two timeouts of 20 ms; poll (a loaded machine delays timers).
  for (let i = 0; i < 200 && t.killed.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(t.killed, ["SIGTERM", "SIGKILL"]);
  t.exit(null, "SIGKILL");
  assert.equal(run.status, "failed", "a trainer that had to be killed did not end cleanly");
});

test("a graceful stop that finishes is not escalated", async () => {
  const m = manager(2, 30);
  const run = m.start(request(), { check: false });
  const t = FakeTrainer.all[0];
  t.emit(started());
  m.stop(run);
  t.emit({ type: "finished", status: "stopped", runDir: "/tmp/runs/x", totalTimesteps: 512 });
  t.exit(0);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(t.killed, []);
  assert.equal(run.status, "stopped");
});

test("a crashed trainer marks the run failed with its stderr tail, in memory and in run.json", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "rm-crash-"));
  const w = RunWriter.create(root, {
    envName: "cartpole",
    envFile: "/x/cartpole.ts",
    envHash: "h",
    seed: 1,
    backend: "wasm",
    config: {},
    versions: { ppoLab: "0", tfjs: "0", node: "0" },
  });
  w.close();
  const m = manager();
  const run = m.start(request(), { check: false });
  const t = FakeTrainer.all[0];
  t.emit(started(w.dir));
  t.exit(134, null, "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
  assert.equal(run.status, "failed");
  assert.match(run.error ?? "", /exited with code 134[\s\S]*heap out of memory/);
  const info = readRunInfo(w.dir);
  assert.equal(info.status, "failed");
  assert.match(info.error?.message ?? "", /heap out of memory/);
  fs.rmSync(root, { recursive: true, force: true });
});

test("pause, resume and checkpoint are forwarded only in states where they apply", () => {
  const m = manager();
  const run = m.start(request(), { check: false });
  const t = FakeTrainer.all[0];
  m.pause(run); // still starting: ignored
  assert.ok(!t.received.some((x) => x.type === "pause"));
  t.emit(started());
  m.pause(run);
  t.emit({ type: "status", status: "paused" });
  assert.equal(run.status, "paused");
  m.checkpoint(run);
  m.resume(run);
  t.emit({ type: "status", status: "running" });
  assert.deepEqual(
    t.received.map((x) => x.type),
    ["start", "pause", "checkpoint", "resume"],
  );
  assert.equal(run.status, "running");
});

test("record next episode reaches a live trainer with its mode, and not an ended run", () => {
  const m = manager();
  const run = m.start(request(), { check: false });
  const t = FakeTrainer.all[FakeTrainer.all.length - 1];
  t.emit(started());
  m.recordReplay(run, true);
  m.recordReplay(run);
  assert.deepEqual(
    t.received.filter((x) => x.type === "recordReplay"),
    [
      { type: "recordReplay", deterministic: true },
      { type: "recordReplay", deterministic: false },
    ],
  );
  t.emit({ type: "finished", status: "finished", runDir: run.runDir ?? "", totalTimesteps: 10 });
  t.emit({ type: "status", status: "finished" });
  assert.equal(run.live, false);
  const before = t.received.length;
  m.recordReplay(run, false);
  assert.equal(t.received.length, before, "nothing sent to an ended run");
});

test("stopAll stops every run and resolves when the processes are gone", async () => {
  const m = manager(3, 1000);
  const runs = [m.start(request(), { check: false }), m.start(request(), { check: false })];
  for (const t of FakeTrainer.all) t.emit(started());
  const done = m.stopAll(2000);
  for (const t of FakeTrainer.all) {
    t.emit({ type: "finished", status: "stopped", runDir: "/tmp/runs/x", totalTimesteps: 1 });
    t.exit(0);
  }
  await done;
  assert.deepEqual(runs.map((r) => r.status), ["stopped", "stopped"]);
});

test("MetricsHistory stays bounded, keeps the newest rows exact and downsamples evenly", () => {
  const h = new MetricsHistory(100);
  for (let i = 1; i <= 1000; i++) h.push({ update: i });
  assert.ok(h.length <= 100, `${h.length}`);
  assert.equal(h.total, 1000);
  assert.equal(h.last?.update, 1000);
  const all = h.all().map((r) => r.update as number);
  for (let i = 1; i < all.length; i++) assert.ok(all[i] > all[i - 1], "ordered");
  const d = h.downsample(10);
  assert.equal(d.length, 10);
  assert.equal(d[0].update, all[0]);
  assert.equal(d[9].update, 1000);
});
