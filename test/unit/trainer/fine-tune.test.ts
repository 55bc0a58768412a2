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

test("GRPO measures its KL against referencePolicy; a missing referencePolicy is an error; an unused one warns", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-grpo-ref-"));
  const base = await train(root, { ...tiny, totalTimesteps: 2048, seed: 9 });
  const grpo = { ...tiny, totalTimesteps: 128, algorithm: "grpo" };
  const own = new RunReader((await train(root, grpo)).runDir).metrics().rows;
  const withRef = new RunReader((await train(root, { ...grpo, referencePolicy: base.runDir })).runDir).metrics().rows;
  // Against its own initial policy the first rollout's KL is 0; against another run's policy it is not.
  assert.ok(Math.abs(own[0].kl_to_reference as number) < 1e-4, `own kl_to_reference ${own[0].kl_to_reference}`);
  assert.ok((withRef[0].kl_to_reference as number) > 1e-3, `kl_to_reference ${withRef[0].kl_to_reference}`);
  const before = fs.readdirSync(root).length;
  const nope = path.join(root, "nope");
  for (const overrides of [{ ...grpo, referencePolicy: nope }, { ...tiny, totalTimesteps: 128, referencePolicy: nope }]) {
    await assert.rejects(train(root, overrides), (e: unknown) => e instanceof CheckpointError && /^referencePolicy: .*nope does not exist/.test((e as Error).message));
  }
  assert.equal(fs.readdirSync(root).length, before);
  const warnings: string[] = [];
  const emit = (m: { type: string; level?: string; message?: string }) => {
    if (m.type === "log" && m.level === "warn" && m.message) warnings.push(m.message);
  };
  const ppo = await new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, totalTimesteps: 128, referencePolicy: base.runDir } } as never, { emit } as never).run();
  assert.equal(ppo.status, "finished");
  assert.ok(warnings.some((w) => /^referencePolicy is unused.*klPenalty is off/.test(w)), warnings.join("\n"));
  fs.rmSync(root, { recursive: true, force: true });
});

test("resuming with an initFrom is rejected and leaves run.json's initFrom as it was", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-resume-"));
  const base = await train(root, { ...tiny, totalTimesteps: 128 });
  const runJson = fs.readFileSync(path.join(base.runDir, "run.json"), "utf8");
  await assert.rejects(
    new TrainingSession({ env: "", cwd: root, runsRoot: root, resume: base.runDir, overrides: { totalTimesteps: 512, initFrom: base.runDir } } as never, { emit: () => undefined }).run(),
    (e: unknown) => e instanceof ConfigError && /initFrom \(--init-from\) cannot be combined with resume/.test((e as Error).message),
  );
  assert.equal(fs.readFileSync(path.join(base.runDir, "run.json"), "utf8"), runJson);
  fs.rmSync(root, { recursive: true, force: true });
});

test("a number too large for a double in a --config file (1e400) is a config error naming that file, not the env file", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-inf-"));
  const cfg = path.join(root, "cfg.json");
  fs.writeFileSync(cfg, '{ "klPenalty": { "mode": "fixed", "coef": 1e400 }, "netArch": { "pi": [16], "vf": [16] } }');
  await assert.rejects(
    new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, configFile: cfg, overrides: { totalTimesteps: 128 } } as never, { emit: () => undefined }).run(),
    (e: unknown) =>
      e instanceof ConfigError && e.source === cfg && /klPenalty\.coef must be a finite number, got Infinity/.test(e.message) && !/cartpole\.ts|ppo-lab check/.test(e.message),
  );
  assert.deepEqual(fs.readdirSync(root), ["cfg.json"]);
  fs.rmSync(root, { recursive: true, force: true });
});

test("a grpo block with algorithm ppo is reported as ignored; with algorithm grpo it is not", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-grpo-block-"));
  const warnings: string[] = [];
  const emit = (m: { type: string; level?: string; message?: string }) => {
    if (m.type === "log" && m.level === "warn" && m.message) warnings.push(m.message);
  };
  const run = (extra: Record<string, unknown>) =>
    new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, totalTimesteps: 128, grpo: { groupSize: 4 }, ...extra } } as never, { emit } as never).run();
  await run({});
  assert.ok(warnings.some((w) => /^grpo settings \(from the flag\) are ignored: algorithm is "ppo"/.test(w)), warnings.join("\n"));
  warnings.length = 0;
  await run({ algorithm: "grpo" });
  assert.ok(!warnings.some((w) => /grpo settings/.test(w)), warnings.join("\n"));
  fs.rmSync(root, { recursive: true, force: true });
});
