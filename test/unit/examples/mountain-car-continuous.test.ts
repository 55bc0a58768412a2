/**
 * examples/mountain-car-continuous.ts against an independent reference of Gymnasium's MountainCarContinuous-v0
 * (gymnasium/envs/classic_control/continuous_mountain_car.py: power 0.0015, goal 0.45, reward 100 - 0.1 a^2, the state
 * stored as float32 after every step).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import MountainCarContinuous, { maxEpisodeSteps } from "../../../examples/mountain-car-continuous";
import { TimeLimit } from "../../../src/core/envs/time-limit";
import { makeSpace } from "../../../src/core/spaces";
import type { Env } from "../../../src/core/env";

type State = readonly [number, number];

// ---- Reference: MountainCarContinuous-v0 from the equations, as a pure function. ----
function refStep(s: State, action: number, float32 = true): { next: State; reward: number; terminated: boolean } {
  const [x, v] = s;
  const force = Math.max(-1, Math.min(1, action));
  let v2 = Math.max(-0.07, Math.min(0.07, v + force * 0.0015 - 0.0025 * Math.cos(3 * x)));
  const x2 = Math.max(-1.2, Math.min(0.6, x + v2));
  if (x2 === -1.2 && v2 < 0) v2 = 0;
  const terminated = x2 >= 0.45 && v2 >= 0;
  // The penalty is on the action as given (Gymnasium squares action[0] before any clipping).
  const reward = (terminated ? 100 : 0) - 0.1 * action * action;
  const next: State = float32 ? [Math.fround(x2), Math.fround(v2)] : [x2, v2];
  return { next, reward, terminated };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]} (err ${err})`);
  }
}

function closeNum(actual: number, expected: number, tol: number, what: string): void {
  close([actual], [expected], tol, what);
}

/** Push along the velocity with full force (reaches the flag in about 100 steps). */
const pump = (s: ArrayLike<number>): number => (s[1] >= 0 ? 1 : -1);

// Compile-time check (tsc): the example satisfies the public Env contract without importing it.
const _contract: Env = new MountainCarContinuous();
void _contract;

test("exports maxEpisodeSteps = 999 (MountainCarContinuous-v0 time limit)", () => {
  assert.equal(maxEpisodeSteps, 999);
});

test("spaces are well formed: Box(2) [-1.2, -0.07]..[0.6, 0.07] (float32) and Box(1) [-1, 1]", () => {
  const env = new MountainCarContinuous();
  const obs = makeSpace(env.observationSpace, "observationSpace");
  const act = makeSpace(env.actionSpace, "actionSpace");
  assert.deepEqual(obs.shape, [2]);
  assert.deepEqual(act.shape, [1]);
  assert.deepEqual(env.observationSpace.low, [Math.fround(-1.2), Math.fround(-0.07)]);
  assert.deepEqual(env.observationSpace.high, [Math.fround(0.6), Math.fround(0.07)]);
  // The float32 rounding of a clipped speed (0.07 -> 0.07000000029802322) is still inside.
  assert.ok(obs.contains([Math.fround(0.6), Math.fround(0.07)]) && obs.contains([Math.fround(-1.2), Math.fround(-0.07)]));
  assert.deepEqual(env.actionSpace.low, [-1]);
  assert.deepEqual(env.actionSpace.high, [1]);
  assert.ok(act.contains([1]) && act.contains([-1]) && !act.contains([1.5]));
});

test("reference anchor: hand-computed steps", () => {
  // At the valley floor x = -pi/6 (cos(3x) = 0) at rest, force 1 adds exactly the power 0.0015.
  const r = refStep([-Math.PI / 6, 0], 1, false);
  close(r.next, [-Math.PI / 6 + 0.0015, 0.0015], 1e-15, "full force at the bottom");
  closeNum(r.reward, -0.1, 1e-15, "reward -0.1 a^2");
  // Goal: x = 0.44, v = 0.02 -> x = 0.4595... >= 0.45; reward 100 - 0.1 * 0.25.
  const g = refStep([0.44, 0.02], 0.5, false);
  assert.equal(g.terminated, true);
  closeNum(g.reward, 100 - 0.025, 1e-12, "goal reward");
  // Out-of-range action: the force is clipped, the penalty is not.
  const big = refStep([-0.5, 0], 3, false);
  const one = refStep([-0.5, 0], 1, false);
  assert.deepEqual(big.next, one.next);
  closeNum(big.reward, -0.9, 1e-15, "penalty on the raw action");
  // Left wall: x = -1.19, v = -0.05 -> x = -1.2, v = 0.
  assert.deepEqual(refStep([-1.19, -0.05], -1, false).next, [-1.2, 0]);
});

test("300-step trajectory matches the reference (float32 state) to 1e-9, rewards included", () => {
  const env = new MountainCarContinuous();
  const space = makeSpace(env.observationSpace);
  const { observation: start } = env.reset({ seed: 11 });
  assert.ok(space.contains(start));
  assert.ok(start[0] >= -0.6 && start[0] <= -0.4 && start[1] === 0);
  let s: State = [start[0], start[1]];
  for (let t = 0; t < 300; t++) {
    // A slow swing with some out-of-range actions: exercises the clip and the raw-action penalty.
    const a = 1.4 * Math.sin(0.09 * t) + (t % 11 === 0 ? 0.8 : 0);
    const r = refStep(s, a);
    const out = env.step(t % 2 === 0 ? a : [a]);
    close(out.observation, r.next, 1e-9, `step ${t}`);
    closeNum(out.reward, r.reward, 1e-9, `reward at step ${t}`);
    assert.equal(out.terminated, r.terminated, `terminated at step ${t}`);
    assert.equal(out.truncated, false);
    assert.ok(space.contains(out.observation), `observation outside the space at step ${t}`);
    s = r.next;
    if (r.terminated) break;
  }
});

test("the state is stored as float32 after each step, and that rounding feeds back into the dynamics", () => {
  const env = new MountainCarContinuous();
  const { observation: start } = env.reset({ seed: 12 });
  let s32: State = [start[0], start[1]];
  let s64: State = [start[0], start[1]];
  for (let t = 0; t < 150; t++) {
    const a = 0.3 * Math.cos(0.05 * t);
    const out = env.step(a);
    for (const v of out.observation) assert.equal(Math.fround(v), v, `observation value ${v} at step ${t} is not a float32`);
    s32 = refStep(s32, a).next;
    s64 = refStep(s64, a, false).next;
    assert.deepEqual(out.observation, [...s32], `step ${t}`);
  }
  // Pure float64 arithmetic drifts away (slightly): the rounding is part of the dynamics.
  const drift = Math.abs(s32[0] - s64[0]);
  assert.ok(drift > 0 && drift < 1e-4, `float32 vs float64 drift ${drift}`);
});

test("energy pumping reaches the flag: 100 - 0.1 on the last step, -0.1 before it", () => {
  const env = new MountainCarContinuous();
  for (const seed of [0, 1, 2]) {
    const { observation } = env.reset({ seed });
    let s: State = [observation[0], observation[1]];
    let steps = 0;
    let total = 0;
    for (;;) {
      const a = pump(s);
      const r = refStep(s, a);
      const out = env.step(a);
      steps++;
      total += out.reward;
      close(out.observation, r.next, 1e-9, `seed ${seed} step ${steps}`);
      s = r.next;
      if (out.terminated) {
        closeNum(out.reward, 99.9, 1e-12, "terminal reward");
        assert.ok(out.observation[0] >= 0.45 && out.observation[1] >= 0);
        break;
      }
      closeNum(out.reward, -0.1, 1e-12, `reward at step ${steps}`);
      assert.ok(steps < 999, `seed ${seed}: energy pumping did not reach the flag`);
    }
    closeNum(total, 100 - 0.1 * steps, 1e-9, "return");
    // Gymnasium's solved threshold is 90: full-force pumping pays about 0.1 per step.
    assert.ok(steps >= 50 && steps <= 150, `seed ${seed}: ${steps} steps`);
  }
});

test("doing nothing never reaches the flag: reward 0 every step; the time limit truncates at 999", () => {
  const env = new TimeLimit(new MountainCarContinuous(), maxEpisodeSteps);
  env.reset({ seed: 5 });
  for (let t = 1; t <= 999; t++) {
    const out = env.step([0]);
    assert.equal(out.terminated, false);
    assert.ok(out.reward === 0, `reward ${out.reward}`);
    assert.equal(out.truncated, t === 999, `truncated at step ${t}`);
  }
});

test("out-of-range actions: the force is clipped to [-1, 1], the penalty uses the action as given (Gymnasium)", () => {
  const a = new MountainCarContinuous();
  const b = new MountainCarContinuous();
  a.reset({ seed: 77 });
  b.reset({ seed: 77 });
  for (let t = 0; t < 20; t++) {
    const ra = a.step(t % 2 ? 5 : [-5]);
    const rb = b.step(t % 2 ? 1 : [-1]);
    assert.deepEqual(ra.observation, rb.observation, `step ${t}`);
    closeNum(ra.reward, -2.5, 1e-12, `raw penalty at step ${t}`);
    closeNum(rb.reward, -0.1, 1e-12, `clipped penalty at step ${t}`);
  }
});

test("reset({seed}) is deterministic, different seeds differ, and reset() continues the generator", () => {
  const a = new MountainCarContinuous();
  const b = new MountainCarContinuous();
  const a1 = a.reset({ seed: 2024 }).observation;
  assert.deepEqual(b.reset({ seed: 2024 }).observation, a1);
  const a2 = a.reset().observation;
  assert.deepEqual(b.reset().observation, a2);
  assert.notDeepEqual(a1, a2);
  assert.notDeepEqual(new MountainCarContinuous().reset({ seed: 0 }).observation, new MountainCarContinuous().reset({ seed: 1 }).observation);
  assert.deepEqual(new MountainCarContinuous().reset().observation, new MountainCarContinuous().reset().observation);
  a.step(1);
  assert.deepEqual(a.reset({ seed: 2024 }).observation, a1);
});

test("step rejects malformed actions with a clear error", () => {
  const env = new MountainCarContinuous();
  env.reset({ seed: 0 });
  for (const bad of [Number.NaN, [0, 1], [], "1", null]) {
    assert.throws(() => env.step(bad as unknown as number), /action must be a (force number|number or a one-element array)/, `action ${String(bad)}`);
  }
  assert.doesNotThrow(() => env.step(new Float32Array([0.5]) as unknown as number[]));
  assert.throws(() => new MountainCarContinuous().step(0), /reset\(\) before step\(\)/);
});

test("renderText returns a text frame with the state; close does not throw", () => {
  const env = new MountainCarContinuous();
  assert.match(env.renderText().text, /not reset/);
  env.reset({ seed: 3 });
  env.step(-2);
  const frame = env.renderText();
  assert.equal(frame.type, "text");
  assert.match(frame.text, /MountainCarContinuous {2}step 1/);
  assert.match(frame.text, /force -1\.000/);
  assert.doesNotThrow(() => env.close());
});
