/**
 * Rule 7, NaN / Infinity: the first place a non-finite value appears is reported (env step with the observation
 * index, or the loss term), and the run stops safely with the state from before the failing update as its final
 * checkpoint. Run: node scripts/run-tests.mjs test/diagnostics
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadCheckpoint } from "../../src/core/run/checkpoint";
import { EnvLoadError } from "../../src/envs/loader";
import { ENVS, TINY, cleanup, describeFindings, train, type RunResult } from "./harness";

after(cleanup);

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** The run stopped as failed, with one final checkpoint holding the finite state after update `goodUpdates`. */
function assertStoppedWithGoodCheckpoint(r: RunResult, goodUpdates: number): void {
  assert.equal(r.status, "failed");
  assert.equal(r.rows.length, goodUpdates, "metrics of the completed updates only");
  const step = goodUpdates * 64;
  const info = readJson(path.join(r.runDir, "run.json"));
  assert.equal(info.status, "failed");
  assert.equal(info.lastCheckpointStep, step);
  const ckpts = fs.readdirSync(path.join(r.runDir, "checkpoints"));
  assert.deepEqual(ckpts, [String(step)]);
  const ck = loadCheckpoint(path.join(r.runDir, "checkpoints", String(step)));
  assert.equal((ck.meta as { updates: number }).updates, goodUpdates);
  for (const [name, w] of Object.entries(ck.weights)) {
    assert.ok(Array.from(w.data).every(Number.isFinite), `checkpoint parameter ${name} is not finite`);
  }
  const lines = fs.readFileSync(path.join(r.runDir, "diagnostics.jsonl"), "utf8").trim().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l)), JSON.parse(JSON.stringify(r.findings)));
}

describe("NaN / Infinity stop the run with a finding and the last good checkpoint", () => {
  test("a NaN reward at step 37 of each env copy: nonfinite.reward at the env's step method, checkpoint after update 1", async () => {
    // 32 steps per copy per update: step 37 is in the rollout of update 2 (episode step 17 of the second episode).
    const r = await train("nan-reward-step37.ts", { ...TINY, totalTimesteps: 64 * 10 }, { skipCheck: true });
    const f = r.first("nonfinite.reward");
    assert.ok(f, describeFindings(r));
    assert.equal(f.severity, "error");
    assert.equal(f.update, 1, "fired before update 2 completed");
    assert.deepEqual(f.evidence.updates, { from: 2, to: 2 });
    assert.equal(f.evidence.metric, "reward");
    assert.equal(f.evidence.context?.envIndex, 0);
    assert.equal(f.evidence.context?.episodeStep, 17);
    assert.equal(f.evidence.context?.checkpointStep, 64);
    assert.deepEqual(f.location, { file: path.join(ENVS, "nan-reward-step37.ts"), line: 14, column: 3, method: "step" });
    assert.match(r.errors[0], /returned reward NaN/);
    assertStoppedWithGoodCheckpoint(r, 1);
  });

  test("without skipping the env checker, the same NaN is refused before any run directory exists", async () => {
    await assert.rejects(train("nan-reward-step37.ts", { ...TINY, totalTimesteps: 64 * 10 }), (e: unknown) => {
      assert.ok(e instanceof EnvLoadError);
      assert.match(e.message, /NaN/);
      return true;
    });
  });

  test("NaN in observation[1] at step 150: nonfinite.observation names the index and the step method", async () => {
    const r = await train("nan-observation.ts", { ...TINY, totalTimesteps: 64 * 10 }, { skipCheck: true });
    const f = r.first("nonfinite.observation");
    assert.ok(f, describeFindings(r));
    assert.equal(f.evidence.metric, "observation[1]");
    assert.equal(f.location?.method, "step");
    assert.equal(f.location?.line, 13);
    // step 150 of each copy is in update 5 (steps 129-160)
    assert.equal(f.update, 4);
    assertStoppedWithGoodCheckpoint(r, 4);
  });

  test("a reward of 1e38 overflows the float32 value loss: nonfinite.loss names the term and minibatch", async () => {
    const r = await train("huge-reward-loss.ts", { ...TINY, totalTimesteps: 64 * 10 }, { skipCheck: true });
    const f = r.first("nonfinite.loss");
    assert.ok(f, describeFindings(r));
    assert.equal(f.severity, "error");
    assert.equal(f.evidence.metric, "value_loss");
    assert.match(f.title, /^value_loss became (Infinity|NaN) in update 5 \(epoch 1, minibatch 1\)/);
    assert.match(f.suggestions[0], /normalizeReward: true/);
    // the optimizer had already stepped with the bad loss: the checkpoint is the state from before update 5
    assertStoppedWithGoodCheckpoint(r, 4);
  });
});
