import { test } from "node:test";
import assert from "node:assert/strict";
import type { Env } from "../../../../src/core/env";
import { SyncVectorEnv, type VectorEnv } from "../../../../src/core/envs/vector-env";
import { GRPO, GrpoError } from "../../../../src/core/grpo/grpo";
import { resolveConfig, type PPOConfig } from "../../../../src/core/ppo/config";
import { PPO } from "../../../../src/core/ppo/ppo";
import { unusedSettings } from "../../../../src/run-kind";
import GoalEnv from "../../../fixtures/envs/with-tasks";

/** Start state from the seed; episodes of 3 steps; reward = action (Discrete(2)) unless `flat`. */
class Seeded implements Env {
  observationSpace = { type: "Box" as const, low: [0], high: [1e9] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  static starts: number[] = [];
  private t = 0;
  private s = 0;
  constructor(private readonly flat: boolean) {}
  reset(options?: { seed?: number }) {
    this.t = 0;
    this.s = options?.seed ?? 0;
    Seeded.starts.push(this.s);
    return { observation: [this.s % 1000] };
  }
  step(action: number | number[]) {
    this.t++;
    return { observation: [this.s % 1000], reward: this.flat ? 1 : (action as number), terminated: this.t >= 3, truncated: false };
  }
}

function config(over: Partial<PPOConfig> = {}): PPOConfig {
  return resolveConfig([
    {
      kind: "flag",
      label: "test",
      values: { algorithm: "grpo", grpo: { groupSize: 4, klCoef: 0.04, scaleByStd: true, maxRolloutSteps: 100 }, nEnvs: 4, nSteps: 6, batchSize: 8, nEpochs: 2, seed: 3, ...over },
    },
  ]).config;
}

test("every rollout of a group starts from the group's seed; advantages carry the learning signal", () => {
  Seeded.starts = [];
  const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Seeded(false))), config());
  Seeded.starts = [];
  const m = grpo.iterate();
  // 24 steps wanted, 12 steps per group of four 3-step episodes: two groups, each reset with one seed for all copies.
  // Auto-resets after an episode pass no seed (start 0); the group resets pass the group's seed to all four copies.
  const seeded = Seeded.starts.filter((x) => x !== 0);
  assert.equal(seeded.length, 8, "two group resets of 4 copies");
  assert.equal(new Set(seeded.slice(0, 4)).size, 1);
  assert.equal(new Set(seeded.slice(4)).size, 1);
  assert.notEqual(seeded[0], seeded[4], "the next group has another seed");
  assert.equal(m.total_timesteps, 24);
  assert.equal(grpo.buffer.size, 24);
  assert.ok(m.zero_advantage_fraction !== undefined && m.zero_advantage_fraction < 1);
  assert.ok(Math.abs(m.kl_to_reference as number) < 1e-4, "the first rollout's policy is the reference");
  assert.equal(m.kl_coef, 0.04);
  grpo.dispose();
});

test("groups whose rollouts all score the same carry no signal: zero_advantage_fraction 1, no policy change", () => {
  const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Seeded(true))), config({ grpo: { groupSize: 4, klCoef: 0, scaleByStd: true, maxRolloutSteps: 100 } }));
  const before = grpo.policy.getWeights()["actor/0/kernel"].data.slice();
  const m = grpo.iterate();
  assert.equal(m.zero_advantage_fraction, 1);
  assert.deepEqual(Array.from(grpo.policy.getWeights()["actor/0/kernel"].data), Array.from(before));
  grpo.dispose();
});

test("GRPO refuses envs it cannot run, with a clear message", () => {
  const envs = new SyncVectorEnv(Array.from({ length: 2 }, () => new Seeded(false)));
  assert.throws(() => new GRPO(envs, config()), (e: unknown) => e instanceof GrpoError && /groupSize = 4/.test((e as Error).message));
  const noResetEach = Object.assign(Object.create(Object.getPrototypeOf(envs)) as object, envs, { resetEach: undefined }) as unknown as VectorEnv;
  assert.throws(() => new GRPO(noResetEach, config({ grpo: { groupSize: 2, klCoef: 0, scaleByStd: true, maxRolloutSteps: 100 } })), /does not support/);
  class Endless extends Seeded {
    override step() {
      return { observation: [0], reward: 0, terminated: false, truncated: false };
    }
  }
  const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Endless(false))), config());
  assert.throws(() => grpo.iterate(), /without ending; GRPO scores whole episodes/);
  grpo.dispose();
});

for (const backend of ["js", "cpu"] as const) {
  test(`GRPO never runs the critic (${backend === "js" ? "js" : "TF.js"} engine): its parameters stay bit-identical and no value metrics are reported`, () => {
    // vfCoef and clipRangeVf as a PPO run would set them: GRPO must ignore them.
    const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Seeded(false))), config({ backend, vfCoef: 0.5, clipRangeVf: 0.2 }));
    const critic = (w: Record<string, { data: Float32Array }>): [string, number[]][] =>
      Object.entries(w)
        .filter(([k]) => k.startsWith("critic/"))
        .map(([k, v]) => [k, Array.from(v.data)]);
    const before = critic(grpo.policy.getWeights());
    const actorBefore = Array.from(grpo.policy.getWeights()["actor/0/kernel"].data);
    // The model keeps the critic's parameters: a GRPO checkpoint has PPO's parameter names and shapes.
    const ppo = new PPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Seeded(false))), config({ backend, algorithm: "ppo" }));
    const shapes = (w: Record<string, { shape: number[] }>): [string, number[]][] => Object.entries(w).map(([k, v]) => [k, v.shape]);
    assert.deepEqual(shapes(grpo.policy.getWeights()), shapes(ppo.policy.getWeights()));
    ppo.dispose();
    assert.ok(before.length >= 2, "critic parameters present");
    // Count the critic's forward passes: the rollout and the loss must not make any.
    let criticCalls = 0;
    const net = (grpo.policy as unknown as { critic: Record<string, (...args: unknown[]) => unknown> }).critic;
    const method = backend === "js" ? "forward" : "apply";
    const original = net[method];
    net[method] = (...args: unknown[]) => {
      criticCalls++;
      return original.apply(net, args);
    };
    for (let u = 0; u < 3; u++) {
      const m = grpo.iterate();
      for (const key of ["value_loss", "explained_variance", "value_mean"]) assert.ok(!(key in m), `update ${u + 1}: ${key} is not reported`);
      assert.ok(Number.isFinite(m.policy_gradient_loss) && Number.isFinite(m.grad_norm));
      assert.ok(grpo.lastMinibatchStats.every((s) => s.valueLoss === undefined), "no per-minibatch value loss");
    }
    assert.equal(criticCalls, 0, "critic forward passes");
    assert.deepEqual(critic(grpo.policy.getWeights()), before, "the critic's parameters are as initialised");
    assert.notDeepEqual(Array.from(grpo.policy.getWeights()["actor/0/kernel"].data), actorBefore, "the actor did train");
    const moments = grpo.optimizer.getState();
    for (const [k] of before) assert.ok(moments.m[k].every((x) => x === 0) && moments.v[k].every((x) => x === 0), `no Adam moments for ${k}`);
    grpo.dispose();
  });
}

/** The task each group's reset gave its copies: the group resets are the ones with a seed (auto-resets have none). */
function groupTasks(): unknown[][] {
  const seeded = GoalEnv.resets.filter((r) => r.seed !== undefined);
  const groups: unknown[][] = [];
  for (let i = 0; i < seeded.length; i += 4) groups.push(seeded.slice(i, i + 4).map((r) => r.task));
  return groups;
}

test("an env with tasks: every copy of a group is reset with the group's seed and task; tasks vary across groups, seeded", () => {
  const run = (seed: number): unknown[][] => {
    GoalEnv.resets = [];
    const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new GoalEnv())), config({ seed, nSteps: 30 }));
    GoalEnv.resets = [];
    for (let u = 0; u < 2; u++) grpo.iterate();
    grpo.dispose();
    return groupTasks();
  };
  const groups = run(3);
  // 120 steps wanted per update, 12 per group of four 3-step episodes: 10 groups per update.
  assert.equal(groups.length, 20);
  for (const [i, g] of groups.entries()) {
    assert.equal(g.length, 4);
    for (const t of g) assert.deepEqual(t, g[0], `group ${i}: every copy gets the same task`);
    assert.ok([0, 1, 2].some((goal) => JSON.stringify(g[0]) === JSON.stringify({ goal })), `group ${i}: one of the env's tasks`);
  }
  const distinct = new Set(groups.map((g) => JSON.stringify(g[0])));
  assert.equal(distinct.size, 3, `all three tasks are drawn over 20 groups: ${[...distinct].join(" ")}`);
  assert.deepEqual(run(3), groups, "the same seed draws the same tasks");
  assert.notDeepEqual(run(4), groups, "another seed draws other tasks");
});

test("an env without tasks gets no task option (resets as before)", () => {
  const resets: string[][] = [];
  class Recording extends Seeded {
    override reset(options?: { seed?: number }) {
      resets.push(Object.keys(options ?? {}));
      return super.reset(options);
    }
  }
  const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Recording(false))), config());
  grpo.iterate();
  grpo.dispose();
  assert.ok(resets.length > 8);
  assert.ok(resets.every((keys) => !keys.includes("task")), JSON.stringify(resets));
});

test("GRPO refuses malformed tasks with a message naming what is wrong", () => {
  const make = (tasks: unknown) => () => new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => Object.assign(new GoalEnv(), { tasks }))), config());
  assert.throws(make("easy"), /`tasks` is a string, not an array; make `tasks` an array of JSON values/);
  assert.throws(make([]), /`tasks` is an empty array/);
  assert.throws(make([{ goal: 1 }, { goal: () => 2 }]), /tasks\[1\]\.goal is a function/);
  assert.throws(make([1, NaN]), /tasks\[1\] is NaN/);
  assert.throws(make([new Map()]), /tasks\[0\] is a Map object/);
});

test("linear schedules anneal by steps: GRPO's batches of whole episodes outgrow nEnvs x nSteps, so counting updates would stop short of 0", () => {
  // 20 steps wanted per batch, but a group is four whole 3-step episodes (12 steps): each batch holds 24 steps, so a
  // 240-step run takes 10 updates, not PPO's ceil(240 / 20) = 12.
  const lr = 0.01;
  const clip = 0.2;
  const grpo = new GRPO(
    new SyncVectorEnv(Array.from({ length: 4 }, () => new Seeded(false))),
    config({ nSteps: 5, totalTimesteps: 240, learningRate: lr, lrSchedule: "linear", clipRange: clip, clipRangeSchedule: "linear" }),
  );
  let before = 0;
  let updates = 0;
  while (!grpo.done) {
    const m = grpo.iterate();
    const frac = 1 - before / 240;
    assert.ok(Math.abs((m.learning_rate as number) - lr * frac) < 1e-12, `update ${updates + 1}: learning_rate ${m.learning_rate}, expected ${lr * frac}`);
    assert.ok(Math.abs((m.clip_range as number) - clip * frac) < 1e-12, `update ${updates + 1}: clip_range ${m.clip_range}`);
    before = m.total_timesteps as number;
    updates++;
  }
  assert.equal(updates, 10);
  assert.equal(before, 240);
  grpo.dispose();
});

test("the settings the dashboard marks unused for GRPO have no effect: changing each leaves the trained actor bit-identical", () => {
  const trainedActor = (over: Partial<PPOConfig>): number[] => {
    const grpo = new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Seeded(false))), config(over));
    for (let u = 0; u < 2; u++) grpo.iterate();
    const w = grpo.policy.getWeights();
    grpo.dispose();
    return Object.entries(w)
      .filter(([k]) => k.startsWith("actor/"))
      .flatMap(([, v]) => Array.from(v.data));
  };
  const base = trainedActor({});
  // A changed setting that GRPO does read moves the weights (else this test could not fail).
  assert.notDeepEqual(trainedActor({ clipRange: 0.05 }), base, "clipRange (used) changes the result");
  const changed: Record<string, unknown> = {
    gamma: 0.5,
    gaeLambda: 0.3,
    vfCoef: 2,
    clipRangeVf: 0.1,
    zeroInitValueHead: true,
    normalizeAdvantage: false,
    normalizeReward: true,
    clipReward: 0.5,
    whitenRewards: true,
  };
  const unused = unusedSettings({ ...config(), algorithm: "grpo" });
  assert.deepEqual([...unused.keys()].sort(), Object.keys(changed).sort(), "every unused setting is exercised here");
  for (const [k, v] of Object.entries(changed)) assert.deepEqual(trainedActor({ [k]: v } as Partial<PPOConfig>), base, `${k} = ${JSON.stringify(v)} changed GRPO's training`);
  // PPO does not read the grpo block; GRPO reads everything else.
  assert.deepEqual([...unusedSettings({ ...config(), algorithm: "ppo" }).keys()], ["grpo"]);
  assert.equal(unusedSettings(undefined).size, 0);
});

test("a resumed GRPO run does not replay its first groups' start seeds", () => {
  const make = () => new GRPO(new SyncVectorEnv(Array.from({ length: 4 }, () => new Seeded(false))), config());
  const first = make();
  Seeded.starts = [];
  for (let u = 0; u < 3; u++) first.iterate();
  const before = new Set(Seeded.starts.filter((x) => x !== 0));
  const state = first.getState();
  first.dispose();
  const resumed = make();
  resumed.restore(state);
  Seeded.starts = [];
  resumed.iterate();
  const after = Seeded.starts.filter((x) => x !== 0);
  assert.ok(after.length >= 8, `group resets after the resume: ${after.length}`);
  // The restore's own env.reset(seed + 1000 * (updates + 1)) is PPO's; the groups' seeds are GRPO's.
  const groupSeeds = after.slice(-8);
  assert.deepEqual(groupSeeds.filter((x) => before.has(x)), [], `seeds before ${[...before].join(",")}, after ${groupSeeds.join(",")}`);
  resumed.dispose();
});
