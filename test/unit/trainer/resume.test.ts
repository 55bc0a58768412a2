/**
 * Resuming a run: step counters continue, the normalisation statistics are the saved ones, the metrics continue the
 * same curves in the same run directory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../../../src/core/ppo/config";
import { RunReader, readRunInfo } from "../../../src/core/run/run-dir";
import { CheckpointError } from "../../../src/trainer/checkpoints";
import { TrainingSession } from "../../../src/trainer/session";

const tiny = { nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 2, netArch: { pi: [16], vf: [16] }, normalizeObservation: true, normalizeReward: true, backend: "wasm" as const, seed: 5 };

async function train(root: string, extra: Record<string, unknown>) {
  return new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, ...extra } as never, { emit: () => undefined }).run();
}

test("train 2k steps, resume 2k more: counters continue, statistics are the saved ones, one run directory", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "resume-"));
  const first = await train(root, { overrides: { ...tiny, totalTimesteps: 2048 } });
  assert.equal(first.status, "finished");
  const savedStats = new RunReader(first.runDir).loadCheckpoint(2048).normalization as { observation: { count: number; mean: number[] } };
  const session = new TrainingSession(
    { env: "", cwd: root, runsRoot: root, resume: first.runDir, overrides: { totalTimesteps: 4096 } },
    { emit: () => undefined },
  );
  const second = await session.run();
  assert.equal(second.status, "finished");
  assert.equal(second.runDir, first.runDir, "the same run directory");
  const reader = new RunReader(first.runDir);
  const rows = reader.metrics().rows;
  assert.equal(rows.length, 32);
  assert.deepEqual(rows.map((r) => r.update), Array.from({ length: 32 }, (_, i) => i + 1), "update numbers continue");
  assert.equal(rows[16].total_timesteps, 2048 + 128, "step counter continues");
  assert.ok((rows[16].wall_seconds ?? 0) >= (rows[15].wall_seconds ?? 0), "wall clock continues");
  // The statistics after the resume start from the saved ones (count grows from there), not from scratch.
  const end = reader.loadCheckpoint(4096).normalization as { observation: { count: number } };
  assert.ok(end.observation.count > savedStats.observation.count + 2047, `${end.observation.count} vs saved ${savedStats.observation.count}`);
  assert.deepEqual(reader.listCheckpoints(), [2048, 4096]);
  const info = readRunInfo(first.runDir);
  assert.equal(info.status, "finished");
  assert.deepEqual(info.extra?.resumedFrom, [2048]);
  // Compared with a straight 4k run with the same seed: same counters at the end, and its statistics count the same
  // number of observations (fresh statistics after a resume would count ~2k fewer).
  const straight = await train(root, { overrides: { ...tiny, totalTimesteps: 4096 } });
  const sEnd = new RunReader(straight.runDir).loadCheckpoint(4096).normalization as { observation: { count: number } };
  assert.ok(Math.abs(sEnd.observation.count - end.observation.count) <= 2 * tiny.nEnvs, `${sEnd.observation.count} vs ${end.observation.count}`);
  const sRows = new RunReader(straight.runDir).metrics().rows;
  assert.equal(sRows[31].total_timesteps, rows[31].total_timesteps);
  fs.rmSync(root, { recursive: true, force: true });
});

test("resume errors: a finished run without a larger total, a corrupt checkpoint, a run of another env", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "resume-err-"));
  const first = await train(root, { overrides: { ...tiny, totalTimesteps: 256 } });
  await assert.rejects(train(root, { env: "", resume: first.runDir }), (e: Error) => e instanceof ConfigError && /larger --timesteps/.test(e.message));
  await assert.rejects(
    train(root, { env: "Pendulum-v1", resume: first.runDir, overrides: { totalTimesteps: 1024 } }),
    (e: Error) => e instanceof CheckpointError && /different env/.test(e.message),
  );
  fs.truncateSync(path.join(first.runDir, "checkpoints", "256", "weights.bin"), 7);
  await assert.rejects(train(root, { env: "", resume: first.runDir, overrides: { totalTimesteps: 1024 } }), (e: Error) => e instanceof CheckpointError && /cannot be read/.test(e.message));
  fs.rmSync(root, { recursive: true, force: true });
});
