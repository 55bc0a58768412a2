/**
 * PPO over every action space (Discrete, MultiDiscrete, MultiBinary, Box), Dict/Tuple observations, and invalid-action
 * masking.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Bernoulli, MultiCategorical } from "../../../../src/core/distributions";
import type { Action, Env, StepResult } from "../../../../src/core/env";
import { SyncVectorEnv } from "../../../../src/core/envs/vector-env";
import { resolveConfig, type PPOConfig } from "../../../../src/core/ppo/config";
import { PPO } from "../../../../src/core/ppo/ppo";
import { Rng } from "../../../../src/core/rng";
import { DictSpace, MultiBinary, MultiDiscrete, TupleSpace, makeSpace } from "../../../../src/core/spaces";
import { selectBackend } from "../../../../src/trainer/backend";

before(async () => {
  await selectBackend("wasm");
});

const near = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test("MultiDiscrete and MultiBinary spaces validate, contain and sample", () => {
  const md = makeSpace({ type: "MultiDiscrete", nvec: [3, 2] }) as MultiDiscrete;
  assert.equal(md.totalN, 5);
  assert.ok(md.contains([2, 1]) && !md.contains([3, 0]) && !md.contains([1]) && !md.contains([0.5, 1]));
  const rng = new Rng(1);
  for (let i = 0; i < 100; i++) assert.ok(md.contains(md.sample(rng)));
  assert.throws(() => makeSpace({ type: "MultiDiscrete", nvec: [3, 0] }), /nvec\[1\] = 0/);
  const mb = makeSpace({ type: "MultiBinary", n: 3 }) as MultiBinary;
  assert.ok(mb.contains([0, 1, 1]) && !mb.contains([0, 2, 1]) && !mb.contains([0, 1]));
  for (let i = 0; i < 50; i++) assert.ok(mb.contains(mb.sample(rng)));
  const dict = makeSpace({ type: "Dict", spaces: { pos: { type: "Box", low: [-1, -1], high: [1, 1] }, cell: { type: "Discrete", n: 4 } } }) as DictSpace;
  assert.deepEqual(dict.entries.map(([k]) => k), ["cell", "pos"], "sorted keys");
  assert.ok(dict.contains({ pos: [0, 0.5], cell: 3 }) && !dict.contains({ pos: [0, 2], cell: 3 }));
  const tup = makeSpace({ type: "Tuple", spaces: [{ type: "Discrete", n: 2 }, { type: "MultiBinary", n: 2 }] }) as TupleSpace;
  assert.ok(tup.contains([1, [0, 1]]) && !tup.contains([1]));
});

test("MultiCategorical and Bernoulli log-probs and entropies match closed forms", async () => {
  const [lp, ent] = tf.tidy(() => {
    const d = new MultiCategorical(tf.tensor2d([[0, Math.log(3), 0, 0]]), [2, 2]);
    return [d.logProb(tf.tensor2d([[1, 0]])).arraySync()[0], d.entropy().arraySync()[0]];
  });
  // component 0: p = [1/4, 3/4]; component 1: uniform
  near(lp, Math.log(0.75) + Math.log(0.5));
  near(ent, -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)) + Math.log(2));
  const [blp, bent] = tf.tidy(() => {
    const d = new Bernoulli(tf.tensor2d([[0, Math.log(4)]])); // p = 0.5, 0.8
    return [d.logProb(tf.tensor2d([[1, 0]])).arraySync()[0], d.entropy().arraySync()[0]];
  });
  near(blp, Math.log(0.5) + Math.log(0.2));
  near(bent, Math.log(2) - (0.8 * Math.log(0.8) + 0.2 * Math.log(0.2)));
});

/** One step per episode: reward 1 when the action equals the target derived from the observation. */
class MatchEnv implements Env {
  observationSpace: Env["observationSpace"];
  actionSpace: Env["actionSpace"];
  private rng = new Rng(0);
  private target: number[] = [];
  lastAction: Action | undefined;
  constructor(
    private readonly kind: "multidiscrete" | "multibinary" | "dict",
    private readonly masked = false,
  ) {
    if (kind === "multibinary") {
      this.actionSpace = { type: "MultiBinary", n: 3 };
      this.observationSpace = { type: "Box", low: [0, 0, 0], high: [1, 1, 1] };
    } else {
      this.actionSpace = { type: "MultiDiscrete", nvec: [3, 2] };
      this.observationSpace =
        kind === "dict"
          ? { type: "Dict", spaces: { a: { type: "Discrete", n: 3 }, b: { type: "Tuple", spaces: [{ type: "Discrete", n: 2 }] } } }
          : { type: "MultiDiscrete", nvec: [3, 2] };
    }
  }
  private obs(): unknown {
    if (this.kind === "multibinary") return this.target;
    if (this.kind === "dict") return { a: this.target[0], b: [this.target[1]] };
    return this.target;
  }
  private info(): Record<string, unknown> {
    // Masked variant: component 0 may never take value 2.
    return this.masked ? { actionMask: [[1, 1, 0], [1, 1]] } : {};
  }
  reset(options?: { seed?: number }) {
    if (options?.seed !== undefined) this.rng = new Rng(options.seed);
    this.target = this.kind === "multibinary" ? [this.rng.int(2), this.rng.int(2), this.rng.int(2)] : [this.rng.int(this.masked ? 2 : 3), this.rng.int(2)];
    return { observation: this.obs() as number[], info: this.info() };
  }
  step(action: Action): StepResult {
    this.lastAction = action;
    const a = action as number[];
    if (this.masked && a[0] === 2) throw new Error("a masked action was taken");
    const reward = a.every((v, i) => v === this.target[i]) ? 1 : 0;
    return { observation: this.obs() as number[], reward, terminated: true, truncated: false, info: this.info() };
  }
}

function ppoFor(make: () => Env, overrides: Partial<PPOConfig> = {}): PPO {
  const { config } = resolveConfig([
    {
      kind: "flag",
      label: "test",
      values: { nEnvs: 4, nSteps: 32, batchSize: 64, nEpochs: 4, learningRate: 3e-3, netArch: { pi: [32], vf: [32] }, totalTimesteps: 20_000, ...overrides },
    },
  ]);
  return new PPO(new SyncVectorEnv(Array.from({ length: config.nEnvs }, make)), config);
}

for (const kind of ["multidiscrete", "multibinary", "dict"] as const) {
  test(`PPO learns a one-step matching task with ${kind} spaces; the first-minibatch ratio is 1`, () => {
    const ppo = ppoFor(() => new MatchEnv(kind));
    const first = ppo.iterate();
    const s0 = ppo.lastMinibatchStats[0];
    assert.ok(Math.abs(s0.ratioMin - 1) < 1e-6 && Math.abs(s0.ratioMax - 1) < 1e-6);
    assert.ok(first.ep_rew_mean < 0.6, `random policy is mostly wrong: ${first.ep_rew_mean}`);
    let last = first;
    while (!ppo.done && last.ep_rew_mean < 0.9) last = ppo.iterate();
    assert.ok(last.ep_rew_mean >= 0.9, `ep_rew_mean ${last.ep_rew_mean} after ${last.total_timesteps} steps`);
    ppo.dispose();
  });
}

test("invalid-action masking: masked actions are never sampled and never trained towards", () => {
  const ppo = ppoFor(() => new MatchEnv("multidiscrete", true), { totalTimesteps: 4096 });
  assert.equal(ppo.env.maskDim, 5);
  while (!ppo.done) ppo.iterate(); // MatchEnv throws if a masked action reaches it
  const s0 = ppo.lastMinibatchStats[0];
  assert.ok(Math.abs(s0.ratioMin - 1) < 1e-6 && Math.abs(s0.ratioMax - 1) < 1e-6, "masks in the update match the rollout");
  ppo.dispose();
});

test("a malformed action mask is a contract error naming the problem", () => {
  class BadMask extends MatchEnv {
    override reset(options?: { seed?: number }) {
      const r = super.reset(options);
      return { ...r, info: { actionMask: [0, 0, 0, 1, 1] } };
    }
  }
  assert.throws(() => ppoFor(() => new BadMask("multidiscrete")), /allows no action in component 0/);
});
