/**
 * SyncVectorEnv (src/core/envs/vector-env.ts): same-step auto-reset with the real final observation kept, episode
 * statistics on raw rewards, observation encoding, action decoding and the env-contract errors.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ActionDecoder,
  EnvContractError,
  ObservationEncoder,
  SyncVectorEnv,
} from "../../../../src/core/envs/vector-env";
import { TimeLimit } from "../../../../src/core/envs/time-limit";
import { Box, Discrete, SpaceError } from "../../../../src/core/spaces";
import type { Env } from "../../../../src/core/env";
import { CounterEnv, ScriptedEnv, discreteActions } from "./helpers";

const ok = (observation: unknown, reward = 0, terminated = false, truncated = false) => ({ observation, reward, terminated, truncated });

function contractError(fn: () => unknown): EnvContractError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EnvContractError, `expected an EnvContractError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an EnvContractError");
}

describe("SyncVectorEnv reset", () => {
  test("seeds env i with seed + i and returns the concatenated first observations", () => {
    const envs = [new CounterEnv(3), new CounterEnv(5), new CounterEnv(7)];
    const vec = new SyncVectorEnv(envs);
    assert.equal(vec.nEnvs, 3);
    assert.equal(vec.obsDim, 2);
    const obs = vec.reset(100);
    assert.ok(obs instanceof Float32Array);
    assert.deepEqual(Array.from(obs), [0, 1, 0, 1, 0, 1]);
    assert.deepEqual(envs.map((e) => e.resets[0]?.seed), [100, 101, 102]);
  });

  test("resetEach passes each env its seed, and its task as options.task when tasks are given", () => {
    const envs = [new CounterEnv(3), new CounterEnv(5)];
    const vec = new SyncVectorEnv(envs);
    vec.resetEach([7, 7]);
    vec.resetEach([8, 9], ["a", { level: 2 }]);
    assert.deepEqual(envs[0].resets, [{ seed: 7 }, { seed: 8, task: "a" }]);
    assert.deepEqual(envs[1].resets, [{ seed: 7 }, { seed: 9, task: { level: 2 } }]);
    assert.throws(() => vec.resetEach([1, 2], ["a"]), /resetEach: 1 tasks for 2 envs/);
    assert.equal(vec.tasks, undefined);
    const withTasks = Object.assign(new CounterEnv(3), { tasks: ["x", "y"] });
    assert.deepEqual(new SyncVectorEnv([new TimeLimit(withTasks, 10)]).tasks, ["x", "y"], "the tasks are seen through the TimeLimit wrapper");
  });

  test("needs at least one env; malformed spaces are SpaceErrors", () => {
    assert.throws(() => new SyncVectorEnv([]), /at least one env/);
    const bad = new CounterEnv(3);
    bad.observationSpace = { type: "Box", low: [1], high: [0] };
    assert.throws(() => new SyncVectorEnv([bad]), (e: unknown) => e instanceof SpaceError && /observationSpace/.test((e as Error).message));
  });
});

describe("SyncVectorEnv auto-reset", () => {
  test("an ended episode's copy returns the new episode's first observation; finalObservations holds the real last one", () => {
    const envs = [new CounterEnv(3), new CounterEnv(5)];
    const vec = new SyncVectorEnv(envs);
    vec.reset(0);
    const a = discreteActions(2);

    for (const t of [1, 2]) {
      const r = vec.step(a, 1);
      assert.deepEqual(Array.from(r.observations), [t, 1, t, 1]);
      assert.deepEqual(r.finalObservations, [null, null]);
      assert.deepEqual(r.episodes, []);
      assert.deepEqual(Array.from(r.terminated), [0, 0]);
      assert.deepEqual(Array.from(r.truncated), [0, 0]);
      assert.deepEqual(Array.from(r.rewards), [t, t]);
    }

    const r3 = vec.step(a, 1);
    // env 0 ended at t = 3 and was reset at once: episode 2, t = 0; env 1 keeps going.
    assert.deepEqual(Array.from(r3.observations), [0, 2, 3, 1]);
    assert.ok(r3.finalObservations[0] instanceof Float32Array);
    assert.deepEqual(Array.from(r3.finalObservations[0]!), [3, 1]);
    assert.equal(r3.finalObservations[1], null);
    assert.deepEqual(Array.from(r3.terminated), [1, 0]);
    assert.deepEqual(Array.from(r3.truncated), [0, 0]);
    assert.deepEqual(Array.from(r3.rewards), [3, 3], "the reward of the last step is the real one, not the reset's");
    assert.deepEqual(r3.episodes, [{ envIndex: 0, return: 1 + 2 + 3, length: 3, terminated: true, truncated: false }]);
    // The auto-reset does not reuse the first seed (that would replay the same episode forever).
    assert.equal(envs[0].resets.length, 2);
    assert.notEqual(envs[0].resets[1]?.seed, 0);

    vec.step(a, 1); // 4: env0 t=1, env1 t=4
    const r5 = vec.step(a, 1); // 5: env0 t=2, env1 ends
    assert.deepEqual(Array.from(r5.observations), [2, 2, 0, 2]);
    assert.deepEqual(Array.from(r5.finalObservations[1]!), [5, 1]);
    assert.deepEqual(r5.episodes, [{ envIndex: 1, return: 15, length: 5, terminated: true, truncated: false }]);

    const r6 = vec.step(a, 1); // 6: env0 ends its second episode
    assert.deepEqual(Array.from(r6.finalObservations[0]!), [3, 2]);
    assert.deepEqual(r6.episodes, [{ envIndex: 0, return: 6, length: 3, terminated: true, truncated: false }]);
  });

  test("two copies ending on the same step give two records in env order", () => {
    const vec = new SyncVectorEnv([new CounterEnv(2), new CounterEnv(2)]);
    vec.reset(0);
    vec.step(discreteActions(2), 1);
    const r = vec.step(discreteActions(2), 1);
    assert.deepEqual(r.episodes.map((e) => e.envIndex), [0, 1]);
    assert.deepEqual(Array.from(r.observations), [0, 2, 0, 2]);
    assert.deepEqual(r.finalObservations.map((o) => Array.from(o!)), [[2, 1], [2, 1]]);
  });

  test("a time-limit cut is truncated (not terminated) with the real final observation", () => {
    const vec = new SyncVectorEnv([new TimeLimit(new CounterEnv(), 4)]);
    vec.reset(0);
    for (let t = 1; t <= 3; t++) assert.equal(vec.step(discreteActions(1), 1).truncated[0], 0);
    const r = vec.step(discreteActions(1), 1);
    assert.equal(r.truncated[0], 1);
    assert.equal(r.terminated[0], 0);
    assert.deepEqual(Array.from(r.finalObservations[0]!), [4, 1]);
    assert.deepEqual(Array.from(r.observations), [0, 2]);
    assert.deepEqual(r.episodes, [{ envIndex: 0, return: 10, length: 4, terminated: false, truncated: true }]);
  });

  test("terminated and truncated both true counts as terminated", () => {
    const env = new ScriptedEnv((t) => ok([t, 0], 1, t === 2, t === 2));
    const vec = new SyncVectorEnv([env]);
    vec.reset(0);
    vec.step(discreteActions(1), 1);
    const r = vec.step(discreteActions(1), 1);
    assert.equal(r.terminated[0], 1);
    assert.equal(r.truncated[0], 0);
    assert.deepEqual(r.episodes, [{ envIndex: 0, return: 2, length: 2, terminated: true, truncated: false }]);
  });

  test("episode statistics use raw rewards (negative and fractional ones included)", () => {
    const rewards = [-1.5, 0.25, 100];
    const env = new ScriptedEnv((t) => ok([t, 0], rewards[t - 1], t === 3));
    const vec = new SyncVectorEnv([env]);
    vec.reset(0);
    let last;
    for (let i = 0; i < 3; i++) last = vec.step(discreteActions(1), 1);
    assert.deepEqual(Array.from(last!.rewards), [100]);
    assert.equal(last!.episodes[0].return, -1.5 + 0.25 + 100);
    assert.equal(last!.episodes[0].length, 3);
  });

  test("reset() restarts the episode statistics", () => {
    const vec = new SyncVectorEnv([new CounterEnv(3)]);
    vec.reset(0);
    vec.step(discreteActions(1), 1);
    vec.step(discreteActions(1), 1);
    vec.reset(1);
    vec.step(discreteActions(1), 1);
    vec.step(discreteActions(1), 1);
    const r = vec.step(discreteActions(1), 1);
    assert.deepEqual(r.episodes, [{ envIndex: 0, return: 6, length: 3, terminated: true, truncated: false }]);
  });

  test("results are copies: changing them does not change the next step", () => {
    const vec = new SyncVectorEnv([new CounterEnv(10)]);
    const first = vec.reset(0);
    first.fill(99);
    const r1 = vec.step(discreteActions(1), 1);
    r1.observations.fill(99);
    const r2 = vec.step(discreteActions(1), 1);
    assert.deepEqual(Array.from(r2.observations), [2, 1]);
  });

  test("close() closes every copy", () => {
    const envs = [new CounterEnv(3), new CounterEnv(3)];
    new SyncVectorEnv(envs).close();
    assert.deepEqual(envs.map((e) => e.closed), [true, true]);
  });
});

describe("observation encoding", () => {
  class DiscreteObsEnv implements Env {
    observationSpace;
    actionSpace = { type: "Discrete" as const, n: 2 };
    constructor(
      readonly n: number,
      readonly start: number,
      readonly seq: unknown[],
    ) {
      this.observationSpace = { type: "Discrete" as const, n, start };
    }
    private i = 0;
    reset() {
      this.i = 0;
      return { observation: this.seq[0] as number };
    }
    step() {
      this.i += 1;
      return ok(this.seq[this.i], 0) as never;
    }
  }

  test("Discrete observations are one-hot encoded (obsDim = n)", () => {
    const vec = new SyncVectorEnv([new DiscreteObsEnv(4, 0, [2, 0, 3]), new DiscreteObsEnv(4, 0, [1, 1, 0])]);
    assert.equal(vec.obsDim, 4);
    assert.deepEqual(Array.from(vec.reset(0)), [0, 0, 1, 0, 0, 1, 0, 0]);
    assert.deepEqual(Array.from(vec.step(discreteActions(2), 1).observations), [1, 0, 0, 0, 0, 1, 0, 0]);
    assert.deepEqual(Array.from(vec.step(discreteActions(2), 1).observations), [0, 0, 0, 1, 1, 0, 0, 0]);
  });

  test("one-hot respects start, and a one-element array is accepted", () => {
    const vec = new SyncVectorEnv([new DiscreteObsEnv(3, 5, [6, [7]])]);
    assert.deepEqual(Array.from(vec.reset(0)), [0, 1, 0]);
    assert.deepEqual(Array.from(vec.step(discreteActions(1), 1).observations), [0, 0, 1]);
  });

  test("a Discrete observation outside the space is a contract error, not a silent write into another copy's slot", () => {
    for (const bad of [4, -1, 1.5, "2"]) {
      const vec = new SyncVectorEnv([new DiscreteObsEnv(4, 0, [0, bad]), new DiscreteObsEnv(4, 0, [0, 0])]);
      vec.reset(0);
      const e = contractError(() => vec.step(discreteActions(2), 1));
      assert.match(e.message, /env 0/, String(bad));
    }
  });

  test("ObservationEncoder writes Box observations row-major at the offset and accepts typed arrays", () => {
    const enc = new ObservationEncoder(new Box({ type: "Box", low: 0, high: 1, shape: [2, 2] }));
    const out = new Float32Array(10).fill(-1);
    enc.encode(Float64Array.of(0.1, 0.2, 0.3, 0.4), out, 3, "test");
    assert.deepEqual(Array.from(out), [-1, -1, -1, 0.1, 0.2, 0.3, 0.4, -1, -1, -1].map(Math.fround));
  });
});

describe("action decoding", () => {
  test("Box actions are clipped to the bounds for the env while the stored actions stay untouched", () => {
    const space = { type: "Box" as const, low: [-1, -2], high: [1, 2] };
    const envs = [new CounterEnv(undefined, space), new CounterEnv(undefined, space)];
    const vec = new SyncVectorEnv(envs);
    vec.reset(0);
    const actions = Float32Array.of(5, -5, 0.5, 1.5);
    vec.step(actions, 2);
    assert.deepEqual(envs[0].actions[0], [1, -2]);
    assert.deepEqual(envs[1].actions[0], [0.5, 1.5]);
    assert.deepEqual(Array.from(actions), [5, -5, 0.5, 1.5]);
  });

  test("ActionDecoder: Discrete adds start; Box clips each element to its own bounds", () => {
    const d = new ActionDecoder(new Discrete({ type: "Discrete", n: 3, start: 10 }));
    assert.equal(d.decode(Float32Array.of(0, 2), 1), 12);
    const b = new ActionDecoder(new Box({ type: "Box", low: [0, -Infinity], high: [1, 0] }));
    const raw = Float32Array.of(9, 0.5, -1e9, 3, 0.25);
    assert.deepEqual(b.decode(raw, 0), [1, 0]);
    assert.deepEqual(b.decode(raw, 1), [0.5, -1e9]);
    assert.deepEqual(b.decode(raw, 3), [1, 0]);
    assert.deepEqual(Array.from(raw), [9, 0.5, -1e9, 3, 0.25].map(Math.fround));
  });

  test("Discrete actions reach the env as plain integers", () => {
    const envs = [new CounterEnv(), new CounterEnv()];
    const vec = new SyncVectorEnv(envs);
    vec.reset(0);
    vec.step(Float32Array.of(1, 0), 1);
    assert.deepEqual([envs[0].actions[0], envs[1].actions[0]], [1, 0]);
  });
});

describe("env contract errors", () => {
  test("a NaN reward names the env index and the episode step", () => {
    const vec = new SyncVectorEnv([new CounterEnv(), new ScriptedEnv((t) => ok([t, 0], t === 3 ? Number.NaN : 0))]);
    vec.reset(0);
    vec.step(discreteActions(2), 1);
    vec.step(discreteActions(2), 1);
    const e = contractError(() => vec.step(discreteActions(2), 1));
    assert.match(e.message, /env 1\b/);
    assert.match(e.message, /episode step 3\b/);
    assert.match(e.message, /NaN/);
    assert.match(e.message, /reward/);
  });

  test("the step in the message counts from the start of the current episode", () => {
    let global = 0;
    const env = new ScriptedEnv((t) => {
      global += 1;
      return ok([t, 0], global === 5 ? Number.NaN : 1, t === 3);
    });
    const vec = new SyncVectorEnv([env]);
    vec.reset(0);
    for (let i = 0; i < 4; i++) vec.step(discreteActions(1), 1);
    assert.match(contractError(() => vec.step(discreteActions(1), 1)).message, /episode step 2\b/);
  });

  test("infinite and non-number rewards are errors too", () => {
    for (const reward of [Infinity, -Infinity, "1", undefined, null]) {
      const vec = new SyncVectorEnv([new ScriptedEnv((t) => ({ observation: [t, 0], reward, terminated: false, truncated: false }))]);
      vec.reset(0);
      assert.match(contractError(() => vec.step(discreteActions(1), 1)).message, /reward/, String(reward));
    }
  });

  test("a wrong observation length names both lengths", () => {
    const vec = new SyncVectorEnv([new ScriptedEnv((t) => ok([t, 0, 0], 1))]);
    vec.reset(0);
    const e = contractError(() => vec.step(discreteActions(1), 1));
    assert.match(e.message, /env 0/);
    assert.match(e.message, /length 3/);
    assert.match(e.message, /2 elements/);
  });

  test("non-finite and non-numeric observations are errors", () => {
    for (const observation of [[0, Number.NaN], [Infinity, 0], "12", null, { x: 1 }]) {
      const vec = new SyncVectorEnv([new ScriptedEnv(() => ok(observation, 1))]);
      vec.reset(0);
      contractError(() => vec.step(discreteActions(1), 1));
    }
  });

  test("non-boolean terminated / truncated are errors that show the values", () => {
    const vec = new SyncVectorEnv([new ScriptedEnv((t) => ({ observation: [t, 0], reward: 1, terminated: 0, truncated: false }))]);
    vec.reset(0);
    const e = contractError(() => vec.step(discreteActions(1), 1));
    assert.match(e.message, /terminated = 0/);
    assert.match(e.message, /booleans/);
    const vec2 = new SyncVectorEnv([new ScriptedEnv((t) => ({ observation: [t, 0], reward: 1, terminated: false }))]);
    vec2.reset(0);
    assert.match(contractError(() => vec2.step(discreteActions(1), 1)).message, /truncated = undefined/);
  });

  test("step returning nothing or a bare array is an error that says what to return", () => {
    for (const result of [undefined, null, [0, 0], 5]) {
      const vec = new SyncVectorEnv([new ScriptedEnv(() => result)]);
      vec.reset(0);
      const e = contractError(() => vec.step(discreteActions(1), 1));
      assert.match(e.message, /must return \{ observation, reward, terminated, truncated/, JSON.stringify(result));
    }
  });

  test("reset returning a bare array is an error, at the first reset and at an auto-reset", () => {
    const vec = new SyncVectorEnv([new ScriptedEnv(() => ok([0, 0]), () => [0, 0])]);
    const e = contractError(() => vec.reset(0));
    assert.match(e.message, /reset\(\) of env 0 must return \{ observation, info\? \}/);
    assert.match(e.message, /\[0,0\]/);

    let resets = 0;
    const env = new ScriptedEnv(
      (t) => ok([t, 0], 1, t === 2),
      () => (++resets === 1 ? { observation: [0, 0] } : [0, 0]),
    );
    const vec2 = new SyncVectorEnv([new CounterEnv(), env]);
    vec2.reset(0);
    vec2.step(discreteActions(2), 1);
    assert.match(contractError(() => vec2.step(discreteActions(2), 1)).message, /reset\(\) of env 1 must return/);
  });

  test("a wrong-length observation from reset is an error naming reset", () => {
    const vec = new SyncVectorEnv([new ScriptedEnv(() => ok([0, 0]), () => ({ observation: [0] }))]);
    assert.match(contractError(() => vec.reset(0)).message, /reset\(\) of env 0.*length 1/);
  });
});
