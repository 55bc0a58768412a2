import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import CartPole from "../../../../examples/cartpole";
import Pendulum from "../../../../examples/pendulum";
import type { Env } from "../../../../src/core/env";
import { TimeLimit } from "../../../../src/core/envs/time-limit";
import { SyncVectorEnv } from "../../../../src/core/envs/vector-env";
import { resolveConfig, type PPOConfig } from "../../../../src/core/ppo/config";
import { PPO } from "../../../../src/core/ppo/ppo";
import { selectBackend } from "../../../../src/trainer/backend";
import { TrainingSession } from "../../../../src/trainer/session";

const tiny: Partial<PPOConfig> = {
  nEnvs: 2,
  nSteps: 64,
  batchSize: 32,
  nEpochs: 2,
  netArch: { pi: [16, 16], vf: [16, 16] },
  totalTimesteps: 10_000,
};

function makePPO(make: () => Env, overrides: Partial<PPOConfig> = {}, maxSteps = 200): PPO {
  const { config } = resolveConfig([{ kind: "flag", label: "test", values: { ...tiny, ...overrides } }]);
  const envs = Array.from({ length: config.nEnvs }, () => new TimeLimit(make(), maxSteps));
  return new PPO(new SyncVectorEnv(envs), config);
}

before(async () => {
  await selectBackend("wasm");
});

for (const [name, make] of [
  ["categorical (CartPole)", () => new CartPole()],
  ["Gaussian (Pendulum)", () => new Pendulum()],
] as const) {
  test(`the ratio is 1 on the first minibatch of the first epoch: ${name}`, () => {
    const ppo = makePPO(make);
    ppo.collectRollout();
    const { advantages, returns } = ppo.computeAdvantages();
    const { stats } = ppo.update(advantages, returns);
    const first = stats[0];
    assert.equal(first.epoch, 0);
    // Same network, same float32 arithmetic: equal to float32 rounding of exp(0).
    assert.ok(Math.abs(first.ratioMin - 1) < 1e-6 && Math.abs(first.ratioMax - 1) < 1e-6, `${first.ratioMin} .. ${first.ratioMax}`);
    assert.ok(Math.abs(first.approxKl) < 1e-7 && first.clipFraction === 0);
    // Later minibatches see a changed policy.
    const last = stats[stats.length - 1];
    assert.ok(last.ratioMin < 1 - 1e-6 || last.ratioMax > 1 + 1e-6, "the policy moved during the update");
    ppo.dispose();
  });
}

test("no tensor leak: tf.memory().numTensors is the same after update 3 and update 10", () => {
  const ppo = makePPO(() => new Pendulum(), { normalizeObservation: true, normalizeReward: true, targetKl: 0.5 });
  let after3 = -1;
  for (let u = 1; u <= 10; u++) {
    ppo.iterate();
    if (u === 3) after3 = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, after3);
  ppo.dispose();
});

test("stored Gaussian actions are unclipped; action_saturation counts samples outside the bounds", () => {
  const ppo = makePPO(() => new Pendulum(), { logStdInit: 1.5 }); // std 4.5 on a [-2, 2] action
  const m = ppo.iterate();
  const outside = Array.from(ppo.buffer.actions).filter((a) => a < -2 || a > 2).length;
  assert.ok(outside > 0, "some stored actions lie outside [-2, 2]");
  assert.ok(Math.abs((m.action_saturation ?? -1) - outside / ppo.buffer.actions.length) < 1e-12);
  assert.ok(Math.abs((m.std ?? 0) - Math.exp(1.5)) < 0.05);
  ppo.dispose();
});

test("targetKl stops the epochs of an update early", () => {
  const ppo = makePPO(() => new CartPole(), { nEpochs: 10, targetKl: 1e-9 });
  const m = ppo.iterate();
  assert.equal(m.epochs_run, 1);
  const free = makePPO(() => new CartPole(), { nEpochs: 10 });
  assert.equal(free.iterate().epochs_run, 10);
  ppo.dispose();
  free.dispose();
});

test("linear schedules anneal the learning rate and clip range towards 0", () => {
  const ppo = makePPO(() => new CartPole(), { totalTimesteps: 512, lrSchedule: "linear", clipRangeSchedule: "linear", learningRate: 1e-3 });
  const rows = [];
  while (!ppo.done) rows.push(ppo.iterate());
  assert.equal(rows.length, 4);
  assert.deepEqual(
    rows.map((r) => +r.learning_rate.toFixed(8)),
    [1e-3, 7.5e-4, 5e-4, 2.5e-4],
  );
  assert.ok(Math.abs(rows[2].clip_range - 0.1) < 1e-12);
  ppo.dispose();
});

function runOnce(seed: number): Promise<Record<string, unknown>[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-det-"));
  const session = new TrainingSession(
    { env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, totalTimesteps: 768, seed, nEnvs: 4, nSteps: 64 } },
    { emit: () => undefined },
  );
  return session.run().then((r) => {
    const rows = fs
      .readFileSync(path.join(r.runDir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const row of rows) {
      delete row.wall_seconds;
      delete row.steps_per_second;
    }
    fs.rmSync(root, { recursive: true, force: true });
    return rows;
  });
}

test("determinism: two runs with the same seed write identical metrics.jsonl values; another seed differs", async () => {
  const a = await runOnce(11);
  const b = await runOnce(11);
  const c = await runOnce(12);
  assert.equal(a.length, 3);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});
