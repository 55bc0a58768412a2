/**
 * Evaluation and export of trained policies from run directories (and their errors).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ActorCritic } from "../../../src/core/ppo/policy";
import { Rng } from "../../../src/core/rng";
import { makeSpace } from "../../../src/core/spaces";
import { CheckpointError, resolveCheckpoint } from "../../../src/trainer/checkpoints";
import { evaluatePolicy } from "../../../src/trainer/evaluate";
import { exportPolicy } from "../../../src/trainer/export";
import { TrainingSession } from "../../../src/trainer/session";

let root: string;
let runDir: string;
const tiny = { nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 2, netArch: { pi: [16, 16], vf: [16] }, totalTimesteps: 512, normalizeObservation: true };

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "policy-io-"));
  const r = await new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, backend: "wasm" } }, { emit: () => undefined }).run();
  runDir = r.runDir;
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

test("eval runs N episodes with frozen statistics; the same seed gives the same result", async () => {
  const a = await evaluatePolicy(runDir, { episodes: 4, deterministic: true, seed: 3 });
  const b = await evaluatePolicy(runDir, { episodes: 4, deterministic: true, seed: 3 });
  assert.equal(a.episodes.length, 4);
  assert.deepEqual(a.episodes, b.episodes);
  assert.ok(a.meanLength >= 8 && a.meanLength <= 500);
  assert.equal(a.checkpointStep, 512);
  // CartPole pays 1 per step.
  assert.equal(a.meanReturn, a.meanLength);
  const ck = resolveCheckpoint(runDir);
  const before = JSON.stringify(ck.checkpoint.normalization);
  await evaluatePolicy(path.join(runDir, "checkpoints", "512"), { episodes: 2 });
  assert.equal(JSON.stringify(resolveCheckpoint(runDir).checkpoint.normalization), before, "eval never writes statistics");
});

test("eval on an env with other spaces is refused: a run directory from a different env", async () => {
  await assert.rejects(evaluatePolicy(runDir, { env: "Pendulum-v1", episodes: 1 }), (e: Error) => e instanceof CheckpointError && /different env/.test(e.message) && /observationSpace Box \[4\] but .* has Box \[3\]/.test(e.message));
});

test("export writes a layers model whose output equals the trained actor's", async () => {
  const out = path.join(root, "export");
  const r = await exportPolicy(runDir, out);
  assert.deepEqual(r.files.map((f) => path.basename(f)).sort(), ["model.json", "policy.json", "weights.bin"]);
  const modelJson = JSON.parse(fs.readFileSync(path.join(out, "model.json"), "utf8"));
  const bin = fs.readFileSync(path.join(out, "weights.bin"));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const policyJson = JSON.parse(fs.readFileSync(path.join(out, "policy.json"), "utf8"));
  assert.equal(policyJson.observationDim, 4);
  assert.equal(policyJson.normalization.mean.length, 4);
  assert.equal(policyJson.output.meaning, "logits");
  const ck = resolveCheckpoint(runDir);
  const ac = new ActorCritic(4, makeSpace({ type: "Discrete", n: 2 }), { ...ck.config }, new Rng(0));
  ac.setWeights(ck.checkpoint.weights);
  const x = tf.tensor2d([[0.1, -0.2, 0.03, 0.5], [1, 2, -1, 0]]);
  const fromExport = (model.predict(x) as tf.Tensor).arraySync() as number[][];
  const fromActor = ac.actor.apply(x).arraySync();
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) assert.ok(Math.abs(fromExport[i][j] - fromActor[i][j]) < 1e-5);
  ac.dispose();
  model.dispose();
});

test("a corrupt checkpoint and a folder without checkpoints give clear errors", () => {
  const copy = path.join(root, "corrupt");
  fs.cpSync(runDir, copy, { recursive: true });
  const bin = path.join(copy, "checkpoints", "512", "weights.bin");
  fs.truncateSync(bin, 10);
  assert.throws(() => resolveCheckpoint(copy), (e: Error) => e instanceof CheckpointError && /cannot be read/.test(e.message) && e.message.includes("512"));
  const empty = path.join(root, "empty");
  fs.cpSync(runDir, empty, { recursive: true });
  fs.rmSync(path.join(empty, "checkpoints"), { recursive: true });
  assert.throws(() => resolveCheckpoint(empty), /has no checkpoint yet/);
  assert.throws(() => resolveCheckpoint(path.join(root, "nope")), /does not exist/);
});
