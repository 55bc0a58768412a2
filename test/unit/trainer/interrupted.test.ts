/**
 * A run whose extension went away (the trainer's IPC channel closed) ends "stopped" with a final checkpoint and an
 * `extra.interrupted` mark the extension resumes it by; a user's stop leaves no mark; resuming clears it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readRunInfo } from "../../../src/core/run/run-dir";
import type { FromTrainerMessage } from "../../../src/protocol";
import { TrainingSession } from "../../../src/trainer/session";

const tiny = { nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 1, netArch: { pi: [8], vf: [8] }, backend: "wasm" as const, seed: 3, totalTimesteps: 64 * 2 * 50 };

/** Trains CartPole and calls `stop(session)` after the second update's metrics. */
async function trainAndStop(root: string, stop: (s: TrainingSession) => void) {
  let updates = 0;
  const session: TrainingSession = new TrainingSession(
    { env: "CartPole-v1", cwd: root, runsRoot: root, overrides: tiny },
    {
      emit: (m: FromTrainerMessage) => {
        if (m.type === "metrics" && ++updates === 2) stop(session);
      },
    },
  );
  return session.run();
}

test("an interrupting stop marks run.json; a user's stop does not; resuming clears the mark", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "interrupted-"));
  const interrupted = await trainAndStop(root, (s) => s.stop({ interrupted: "window reloaded" }));
  assert.equal(interrupted.status, "stopped");
  const info = readRunInfo(interrupted.runDir);
  assert.equal(info.status, "stopped");
  assert.equal(info.lastCheckpointStep, info.totalTimesteps, "final checkpoint at the last step");
  const mark = info.extra?.interrupted as { at: string; reason: string } | undefined;
  assert.equal(mark?.reason, "window reloaded");
  assert.ok(Number.isFinite(Date.parse(mark?.at ?? "")), `mark.at ${mark?.at}`);

  const user = await trainAndStop(root, (s) => s.stop());
  assert.equal(readRunInfo(user.runDir).status, "stopped");
  assert.equal(readRunInfo(user.runDir).extra?.interrupted, undefined);

  // Resume the interrupted run for one more update: the mark goes, resumedFrom records the checkpoint.
  const resumed = new TrainingSession(
    { env: "", cwd: root, runsRoot: root, resume: interrupted.runDir, overrides: { totalTimesteps: (info.totalTimesteps ?? 0) + 128 } },
    { emit: () => undefined },
  );
  const end = await resumed.run();
  assert.equal(end.status, "finished");
  const after = readRunInfo(interrupted.runDir);
  assert.equal(after.extra?.interrupted, undefined);
  assert.deepEqual(after.extra?.resumedFrom, [info.totalTimesteps]);
  fs.rmSync(root, { recursive: true, force: true });
});
