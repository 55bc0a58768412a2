import { after, before, describe, it } from "node:test";
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
import { PolicySnapshot, observationLabels, recordEpisode, replaySpaces } from "../../../../src/core/replay/recorder";
import { RunReplaySource } from "../../../../src/core/replay/source";
import { ReplayStore } from "../../../../src/core/replay/store";
import { DictSpace, makeSpace } from "../../../../src/core/spaces";
import { selectBackend } from "../../../../src/trainer/backend";

const tiny: Partial<PPOConfig> = {
  nEnvs: 2,
  nSteps: 64,
  batchSize: 32,
  nEpochs: 2,
  netArch: { pi: [16, 16], vf: [16, 16] },
  totalTimesteps: 10_000,
};

function makePPO(make: () => Env, overrides: Partial<PPOConfig> = {}): PPO {
  const { config } = resolveConfig([{ kind: "flag", label: "test", values: { ...tiny, ...overrides } }]);
  const envs = Array.from({ length: config.nEnvs }, () => new TimeLimit(make(), 200));
  return new PPO(new SyncVectorEnv(envs), config);
}

function snap(ppo: PPO): PolicySnapshot {
  return new PolicySnapshot(ppo.policy, ppo.env.obsDim, ppo.env.actionSpace, ppo.config.activation, ppo.config.logStdRange);
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
before(async () => {
  await selectBackend("wasm");
});

describe("recordEpisode", () => {
  it("records what the policy saw and did, and reads back equal through the store", async () => {
    const ppo = makePPO(() => new CartPole(), { normalizeObservation: true });
    try {
      ppo.iterate();
      const env = new TimeLimit(new CartPole(), 200);
      const rec = recordEpisode(snap(ppo), ppo.obsNormalizer, env, { seed: 123, deterministic: false });
      assert.ok(rec.length >= 8 && rec.length <= 200, `length ${rec.length}`);
      assert.equal(rec.return, rec.length); // +1 per step
      assert.equal(rec.terminated || rec.truncated, true);

      // The same seed gives the same episode (own generator, env seeded with it).
      const again = recordEpisode(snap(ppo), ppo.obsNormalizer, new TimeLimit(new CartPole(), 200), { seed: 123, deterministic: false });
      assert.equal(again.length, rec.length);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-recorder-"));
      dirs.push(dir);
      const store = new ReplayStore(dir, { maxCount: 5, maxBytes: 1e8 });
      const { saved } = store.save(rec.builder, {
        kind: "requested",
        update: 1,
        step: ppo.totalTimesteps,
        return: rec.return,
        length: rec.length,
        terminated: rec.terminated,
        seed: rec.seed,
        deterministic: false,
        frameType: rec.builder.frameType,
        createdAt: new Date().toISOString(),
      });
      assert.ok(saved);
      assert.equal(saved.frameType, "scene");
      const src = new RunReplaySource(dir);
      const chunk = await src.steps(saved.id, 0, rec.length);
      const header = await src.header(saved.id);
      assert.deepEqual(header.spaces.actionNvec, [2]);

      // The recorded V(s) and probabilities are the training policy's for the recorded observation.
      const t = Math.floor(rec.length / 2);
      const obs = Float32Array.from(chunk.observation[t]);
      const x = ppo.obsNormalizer!.normalize(obs, 1, new Float32Array(obs.length));
      const v = ppo.policy.predictValues(x, 1)[0];
      assert.ok(Math.abs(chunk.value[t] - v) < 1e-4, `V(s) ${chunk.value[t]} vs the policy's ${v}`);
      const d = chunk.distribution[t];
      assert.equal(d.kind, "categorical");
      if (d.kind === "categorical") {
        assert.ok(Math.abs(d.probs[0][0] + d.probs[0][1] - 1) < 1e-5);
        const h = -d.probs[0].reduce((a, p) => a + p * Math.log(p), 0);
        assert.ok(Math.abs(h - chunk.entropy[t]) < 1e-4, `entropy ${chunk.entropy[t]} vs -sum p log p ${h}`);
        // Deterministic action of the policy = the most probable class.
        const det = ppo.policy.act(x, 1, new Float32Array(2).fill(0.5), true);
        assert.equal(det.actions[0], d.probs[0][0] >= d.probs[0][1] ? 0 : 1);
      }
      assert.ok(chunk.action.every((a) => a[0] === 0 || a[0] === 1));
      assert.equal(chunk.reward.reduce((a, b) => a + b, 0), saved.return);
      const frames = await src.frames(saved.id, t, t + 2);
      assert.equal(frames.length, 2);
      assert.ok(frames[0] !== null);
    } finally {
      ppo.dispose();
    }
  });

  it("records mean and std for a Gaussian policy, and the deterministic action is the mean", () => {
    const ppo = makePPO(() => new Pendulum());
    try {
      const rec = recordEpisode(snap(ppo), undefined, new TimeLimit(new Pendulum(), 30), { seed: 5, deterministic: true });
      assert.equal(rec.length, 30);
      assert.equal(rec.truncated, true);
      const buf = rec.builder.toBuffer({
        id: "x",
        kind: "periodic",
        update: 0,
        step: 0,
        return: rec.return,
        length: rec.length,
        terminated: false,
        seed: 5,
        deterministic: true,
        frameType: rec.builder.frameType,
        createdAt: "",
        bytes: 0,
      });
      assert.ok(buf.length > 30 * 4 * 5);
      const spaces = replaySpaces(ppo.env.observationSpace, ppo.env.actionSpace);
      assert.equal(spaces.actionKind, "continuous");
      assert.deepEqual(spaces.actionLow, [-2]);
    } finally {
      ppo.dispose();
    }
  });

  it("does not disturb training: the same seed gives identical metrics with and without recording", () => {
    const run = (record: boolean): number[] => {
      const ppo = makePPO(() => new CartPole(), { normalizeObservation: true, normalizeReward: true });
      try {
        const out: number[] = [];
        for (let u = 0; u < 3; u++) {
          const m = ppo.iterate();
          out.push(m.ep_rew_mean, m.value_loss ?? NaN, m.approx_kl, m.entropy);
          if (record) recordEpisode(snap(ppo), ppo.obsNormalizer, new TimeLimit(new CartPole(), 200), { seed: 9 + u, deterministic: u === 1 });
        }
        return out;
      } finally {
        ppo.dispose();
      }
    };
    const before = tf.memory().numTensors;
    const a = run(false);
    const b = run(true);
    assert.deepEqual(b, a);
    assert.equal(tf.memory().numTensors, before);
  });

  for (const [name, make, backend] of [
    ["categorical, js engine", () => new CartPole(), "auto"],
    ["categorical, tfjs engine", () => new CartPole(), "wasm"],
    ["Gaussian, js engine", () => new Pendulum(), "auto"],
    ["Gaussian, tfjs engine", () => new Pendulum(), "wasm"],
  ] as const) {
    it(`the snapshot acts like the training policy (${name})`, () => {
      const ppo = makePPO(make, { backend: backend as PPOConfig["backend"] });
      try {
        ppo.iterate();
        const s = snap(ppo);
        let seed = 3;
        const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 1) / 2147483650;
        for (let i = 0; i < 20; i++) {
          const obs = Float32Array.from({ length: ppo.env.obsDim }, () => rnd() * 2 - 1);
          const noise = Float32Array.from({ length: s.noiseDim }, () => (s.noiseKind === "normal" ? rnd() * 2 - 1 : rnd()));
          const want = ppo.policy.act(obs, 1, noise, false);
          const got = s.step(obs, noise, false);
          got.action.forEach((a, j) => assert.ok(Math.abs(a - want.actions[j]) < 1e-4, `action ${a} vs ${want.actions[j]}`));
          assert.ok(Math.abs(got.value - want.values[0]) < 1e-4, `value ${got.value} vs ${want.values[0]}`);
        }
      } finally {
        ppo.dispose();
      }
    });
  }

  it("labels observations from the space", () => {
    assert.deepEqual(observationLabels(makeSpace({ type: "Box", low: [0, 0], high: [1, 1], labels: ["pos", "vel"] } as never)), ["pos", "vel"]);
    assert.deepEqual(observationLabels(makeSpace({ type: "Box", low: [0, 0], high: [1, 1] })), ["x[0]", "x[1]"]);
    const dict = makeSpace({ type: "Dict", spaces: { b: { type: "Discrete", n: 2 }, a: { type: "Box", low: [0], high: [1] } } });
    assert.ok(dict instanceof DictSpace);
    assert.deepEqual(observationLabels(dict), ["a[0]", "b=0", "b=1"]);
  });
});
