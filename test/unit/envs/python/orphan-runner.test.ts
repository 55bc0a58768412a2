/**
 * A Python runner whose trainer dies before opening the FIFOs (kill -9 during start-up) does not wait forever: it
 * notices that its parent is gone, removes its FIFOs and their folder, and exits. Skipped where FIFOs do not exist
 * (Windows) or without python3 + numpy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { processRunning as alive, PYTHON, skipWithoutNumpy } from "../../../fixtures/python/python-test-env";

const RUNNER = path.resolve(__dirname, "../../../../python/ppo_lab_runner.py");

test("a runner orphaned while opening its FIFOs exits and removes them", { skip: process.platform === "win32" ? "no FIFOs" : skipWithoutNumpy() }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-py-orphan-"));
  const fifos = [path.join(dir, "req"), path.join(dir, "res")];
  for (const f of fifos) execFileSync("mkfifo", [f]);
  // The parent shell starts the runner and never opens the FIFOs, so the runner blocks in open(); then the shell dies.
  const sh = spawn("sh", ["-c", `"$0" "$1" --serve --fifo "$2" "$3" & echo $!; exec sleep 60`, PYTHON, RUNNER, fifos[0], fifos[1]], { stdio: ["ignore", "pipe", "ignore"] });
  const runnerPid = await new Promise<number>((resolve, reject) => {
    sh.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    sh.once("error", reject);
  });
  try {
    assert.ok(runnerPid > 0 && alive(runnerPid), "the runner started");
    await new Promise((r) => setTimeout(r, 1500)); // it is now blocked opening the request FIFO
    assert.ok(alive(runnerPid), "the runner waits while its parent lives");
    sh.kill("SIGKILL");
    const until = Date.now() + 10_000;
    while (alive(runnerPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(runnerPid), false, "the orphaned runner exited");
    assert.equal(fs.existsSync(dir), false, "its FIFOs and their folder were removed");
  } finally {
    if (alive(runnerPid)) process.kill(runnerPid, "SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
