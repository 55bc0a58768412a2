/**
 * Fine-tuning (`initFrom`) and the KL reference policy in the trainer: the RLHF shape (pretrained policy, stay close to
 * it) on short CartPole runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunReader } from "../../../src/core/run/run-dir";
import { ConfigError } from "../../../src/core/ppo/config";
import { CheckpointError } from "../../../src/trainer/checkpoints";
import { TrainingSession } from "../../../src/trainer/session";

const tiny = { nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 2, netArch: { pi: [16], vf: [16] }, normalizeObservation: true, seed: 5, learningRate: 3e-3 };
const refKl = { mode: "fixed", coef: 0.1, target: 0.01, horizon: 10_000, against: "reference" } as const;

async function train(root: string, overrides: Record<string, unknown>) {
  return new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides } as never, { emit: () => undefined }).run();
}

test("initFrom starts from the checkpoint's policy, which is then the KL reference; a checkpoint reference is used as given", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-"));
  const base = await train(root, { ...tiny, totalTimesteps: 4096, seed: 9 });
  assert.equal(base.status, "finished");
  // Fine-tuned from the base run: the first rollout's policy is the reference, so KL to it is ~0.
  const tuned = await train(root, { ...tiny, totalTimesteps: 256, initFrom: base.runDir, klPenalty: refKl });
  assert.equal(tuned.status, "finished");
  const tunedRows = new RunReader(tuned.runDir).metrics().rows;
  assert.ok(Math.abs(tunedRows[0].kl_to_reference as number) < 1e-4, `kl_to_reference ${tunedRows[0].kl_to_reference}`);
  // A fresh policy measured against the base run's policy is far from it from the start.
  const fresh = await train(root, { ...tiny, totalTimesteps: 256, referencePolicy: base.runDir, klPenalty: refKl });
  const freshRows = new RunReader(fresh.runDir).metrics().rows;
  assert.ok((freshRows[0].kl_to_reference as number) > 1e-3, `kl_to_reference ${freshRows[0].kl_to_reference}`);
  fs.rmSync(root, { recursive: true, force: true });
});

test("an initFrom that is not a run gives a clear error and no run directory", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-bad-"));
  await assert.rejects(
    train(root, { ...tiny, totalTimesteps: 256, initFrom: path.join(root, "nowhere") }),
    (e: unknown) => e instanceof CheckpointError && /^--init-from: .*nowhere does not exist/.test((e as Error).message),
  );
  assert.deepEqual(fs.readdirSync(root), []);
  // A file given as the reference policy: the error names the option and says it is a file.
  const file = path.join(os.tmpdir(), `finetune-ref-${process.pid}.json`);
  fs.writeFileSync(file, "{}");
  await assert.rejects(
    train(root, { ...tiny, totalTimesteps: 256, referencePolicy: file, klPenalty: refKl }),
    (e: unknown) => e instanceof CheckpointError && /^referencePolicy: .* is a file: give a run directory/.test((e as Error).message),
  );
  fs.rmSync(file);
  assert.deepEqual(fs.readdirSync(root), []);
  fs.rmSync(root, { recursive: true, force: true });
});

test("GRPO with klPenalty against the reference is a config error naming grpo.klCoef; against the old policy it trains", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-grpo-"));
  const run = (klPenalty: unknown) =>
    new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, totalTimesteps: 128, algorithm: "grpo", klPenalty } } as never, { emit: () => undefined } as never).run();
  await assert.rejects(run({ mode: "adaptive", against: "reference" }), (e: unknown) =>
    e instanceof ConfigError && /klPenalty\.against = "reference".*algorithm "grpo".*grpo\.klCoef \(now 0\.04\)/.test((e as Error).message),
  );
  assert.deepEqual(fs.readdirSync(root), []);
  assert.equal((await run({ ...refKl, against: "old" })).status, "finished");
  fs.rmSync(root, { recursive: true, force: true });
});
