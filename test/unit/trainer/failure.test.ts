/**
 * A run that fails mid-way: the error names the env file and line, run.json says "failed" with that message, and the
 * last good state is kept as a checkpoint.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { FromTrainerMessage } from "../../../src/protocol";
import { RunReader, readRunInfo } from "../../../src/core/run/run-dir";
import { TrainingSession } from "../../../src/trainer/session";

const FIXTURE = path.join(__dirname, "..", "..", "fixtures", "trainer", "throws-late.ts");

test("an exception in step() mid-run: file:line in the error, status failed, last good checkpoint kept", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fail-"));
  const messages: FromTrainerMessage[] = [];
  const r = await new TrainingSession(
    {
      env: FIXTURE,
      cwd: root,
      runsRoot: root,
      overrides: { nEnvs: 1, nSteps: 128, batchSize: 64, nEpochs: 1, netArch: { pi: [8], vf: [8] }, totalTimesteps: 10_000, backend: "wasm" },
    },
    { emit: (m) => messages.push(m) },
  ).run();
  assert.equal(r.status, "failed");
  const err = messages.find((m) => m.type === "error") as Extract<FromTrainerMessage, { type: "error" }>;
  assert.ok(err, "an error message");
  assert.match(err.message, /the physics engine exploded/);
  assert.equal(err.file, FIXTURE);
  assert.equal(err.line, 14, `line ${err.line}`);
  const info = readRunInfo(r.runDir);
  assert.equal(info.status, "failed");
  assert.match(info.error?.message ?? "", /throws-late\.ts:14:\d+: .*physics engine exploded/);
  // 19 updates of 128 steps completed (2,432 steps) before the 2,500th step threw in the 20th rollout.
  const reader = new RunReader(r.runDir);
  assert.equal(reader.metrics().rows.length, 19);
  assert.deepEqual(reader.listCheckpoints(), [19 * 128]);
  fs.rmSync(root, { recursive: true, force: true });
});
