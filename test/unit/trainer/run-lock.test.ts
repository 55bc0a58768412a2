/**
 * Resuming a run that another live process writes (its trainer.lock): the session and `ppo-lab train --resume`
 * refuse with a message naming that process, and the run directory is left byte for byte as it was (no status,
 * no error, no diagnostics written into a run this process does not own).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_FILES, RunLockedError, RunWriter } from "../../../src/core/run/run-dir";
import { TrainingSession } from "../../../src/trainer/session";

const REPO = path.resolve(__dirname, "..", "..", "..");
const tiny = { nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 1, netArch: { pi: [8], vf: [8] }, backend: "wasm" as const, seed: 3, totalTimesteps: 256 };
const root = fs.mkdtempSync(path.join(os.tmpdir(), "run-lock-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isFile()) out[name] = fs.readFileSync(p).toString("base64");
  }
  return out;
}

test("--resume of a run another live process trains fails with the holder's pid and leaves the run untouched", async () => {
  const first = await new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides: tiny } as never, { emit: () => undefined }).run();
  assert.equal(first.status, "finished");
  assert.equal(fs.existsSync(path.join(first.runDir, RUN_FILES.lock)), false, "the finished run's lock was released");
  const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    // Written after the holder started, as a real lock is (an earlier startedAt would mean a reused pid: stale).
    const startedAt = new Date().toISOString();
    fs.writeFileSync(path.join(first.runDir, RUN_FILES.lock), JSON.stringify({ pid: holder.pid, hostname: os.hostname(), startedAt }));
    const before = files(first.runDir);
    for (const f of [RUN_FILES.info, RUN_FILES.metrics, RUN_FILES.progress, RUN_FILES.diagnostics]) assert.ok(f in before, f);
    const messages: string[] = [];
    const session = new TrainingSession(
      { env: "", cwd: root, runsRoot: root, resume: first.runDir, overrides: { totalTimesteps: 1024 } },
      { emit: (m) => messages.push(m.type) },
    );
    await assert.rejects(session.run(), (e: Error) => {
      assert.ok(e instanceof RunLockedError, String(e));
      assert.equal(e.pid, holder.pid);
      assert.match(e.message, new RegExp(`run ${path.basename(first.runDir)} is being trained by process ${holder.pid} \\(started ${startedAt.replace(/\./g, "\\.")}\\); stop that run first, or wait for it to end`));
      return true;
    });
    assert.ok(!messages.includes("started"), "no run was started");
    assert.deepEqual(files(first.runDir), before, "run.json, logs and the lock are unchanged");

    // The CLI: prints the message and exits non-zero, still without touching the run.
    const cli = spawnSync(process.execPath, ["--import", "tsx", path.join("src", "cli", "main.ts"), "train", "--resume", first.runDir, "--timesteps", "1024"], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      timeout: 90_000,
    });
    assert.notEqual(cli.status, 0, `exit code ${cli.status}`);
    assert.match(cli.stderr, new RegExp(`error: run ${path.basename(first.runDir)} is being trained by process ${holder.pid} `));
    assert.doesNotMatch(cli.stderr, /\n\s+at /, "no stack trace");
    assert.deepEqual(files(first.runDir), before);
  } finally {
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
  }

  // Once that process is gone its lock is stale: the resume goes ahead.
  const resumed = await new TrainingSession({ env: "", cwd: root, runsRoot: root, resume: first.runDir, overrides: { totalTimesteps: 512 } }, { emit: () => undefined }).run();
  assert.equal(resumed.status, "finished");
  assert.equal(fs.existsSync(path.join(first.runDir, RUN_FILES.lock)), false);
});

test("--resume of a run that another process has just started (no checkpoint yet) names that process, not the missing checkpoint", async () => {
  const w = RunWriter.create(root, { envName: "CartPole-v1", envFile: "CartPole-v1", envHash: "h", seed: 1, backend: "js", config: {}, versions: { ppoLab: "0", tfjs: "0", node: "0" } });
  try {
    for (const target of [w.dir, path.join(w.dir, "checkpoints", "128")]) {
      await assert.rejects(
        new TrainingSession({ env: "", cwd: root, runsRoot: root, resume: target }, { emit: () => undefined }).run(),
        (e: Error) => e instanceof RunLockedError && e.pid === process.pid && e.message.startsWith(`run ${path.basename(w.dir)} is being trained by process ${process.pid}`),
      );
    }
  } finally {
    w.close();
  }
});
