/**
 * examples/mountain-car.ts against an independent reference of Gymnasium's MountainCar-v0
 * (gymnasium/envs/classic_control/mountain_car.py: force 0.001, gravity 0.0025, clip, inelastic left wall, goal 0.5).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import MountainCar, { maxEpisodeSteps } from "../../../examples/mountain-car";
import { TimeLimit } from "../../../src/core/envs/time-limit";
import { makeSpace } from "../../../src/core/spaces";
import type { Env } from "../../../src/core/env";

type State = readonly [number, number];

// ---- Reference: MountainCar-v0 written straight from the equations, as a pure function. ----
function refStep(s: State, action: 0 | 1 | 2): { next: State; terminated: boolean } {
  const [x, v] = s;
  let v2 = v + (action - 1) * 0.001 - 0.0025 * Math.cos(3 * x);
  v2 = Math.max(-0.07, Math.min(0.07, v2));
  const x2 = Math.max(-1.2, Math.min(0.6, x + v2));
  if (x2 === -1.2 && v2 < 0) v2 = 0;
  return { next: [x2, v2], terminated: x2 >= 0.5 && v2 >= 0 };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]} (err ${err})`);
  }
}

/** A fixed, irregular action sequence in {0, 1, 2} (a tiny LCG, independent of the env's generator). */
function actionSequence(n: number, seed: number): (0 | 1 | 2)[] {
  const out: (0 | 1 | 2)[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.floor(((s >>> 8) / 16777216) * 3) as 0 | 1 | 2);
  }
  return out;
}

/** Push along the velocity (the classic energy-pumping controller; reaches the flag in about 100 steps). */
const pump = (o: ArrayLike<number>): 0 | 2 => (o[1] >= 0 ? 2 : 0);

// Compile-time check (tsc): the example satisfies the public Env contract without importing it.
const _contract: Env = new MountainCar();
void _contract;

test("exports maxEpisodeSteps = 200 (MountainCar-v0 time limit)", () => {
  assert.equal(maxEpisodeSteps, 200);
});

test("spaces are well formed: Box(2) [-1.2, -0.07]..[0.6, 0.07] (float32) and Discrete(3)", () => {
  const env = new MountainCar();
  const obs = makeSpace(env.observationSpace, "observationSpace");
  const act = makeSpace(env.actionSpace, "actionSpace");
  assert.deepEqual(obs.shape, [2]);
  assert.deepEqual(env.observationSpace.low, [Math.fround(-1.2), Math.fround(-0.07)]);
  assert.deepEqual(env.observationSpace.high, [Math.fround(0.6), Math.fround(0.07)]);
  assert.ok(obs.contains([-1.2, -0.07]) && obs.contains([0.6, 0.07]));
  assert.ok(!obs.contains([0.61, 0]) && !obs.contains([0, 0.071]));
  assert.equal(act.flatDim, 1);
  assert.ok(act.contains(0) && act.contains(2) && !act.contains(3));
});

test("reference anchor: hand-computed steps", () => {
  // From the valley floor x = -pi/6 (cos(3x) = 0) at rest, pushing right adds exactly the force.
  const r = refStep([-Math.PI / 6, 0], 2);
  close(r.next, [-Math.PI / 6 + 0.001, 0.001], 1e-15, "push right at the bottom");
  // At x = 0, cos 0 = 1: no push gives v = -0.0025.
  close(refStep([0, 0], 1).next, [-0.0025, -0.0025], 1e-15, "gravity at x = 0");
  // Speed clip: v = 0.0695 at x = -pi/6 pushed right -> 0.0705 -> 0.07.
  assert.equal(refStep([-Math.PI / 6, 0.0695], 2).next[1], 0.07);
  // Left wall: x = -1.19, v = -0.05 -> x clipped to -1.2 and v set to 0.
  assert.deepEqual(refStep([-1.19, -0.05], 0).next, [-1.2, 0]);
  // Goal: x = 0.49, v = 0.02 -> x = 0.51 >= 0.5 with v >= 0.
  assert.equal(refStep([0.49, 0.02], 2).terminated, true);
});

test("200-step trajectory (fixed irregular actions) matches the reference to 1e-9", () => {
  const env = new MountainCar();
  const space = makeSpace(env.observationSpace);
  const { observation: start } = env.reset({ seed: 123 });
  assert.ok(start[0] >= -0.6 && start[0] <= -0.4 && start[1] === 0, `start ${start.join(",")}`);
  let s: State = [start[0], start[1]];
  for (const [t, a] of actionSequence(200, 7).entries()) {
    const r = refStep(s, a);
    const out = env.step(a);
    close(out.observation, r.next, 1e-9, `step ${t}`);
    assert.equal(out.terminated, r.terminated, `terminated at step ${t}`);
    assert.equal(out.reward, -1);
    assert.equal(out.truncated, false);
    assert.ok(space.contains(out.observation), `observation outside the space at step ${t}`);
    s = r.next;
  }
});

test("energy pumping reaches the flag: -1 every step including the last, terminal position >= 0.5", () => {
  const env = new MountainCar();
  for (const seed of [0, 1, 2, 3]) {
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
      assert.equal(out.reward, -1);
      s = r.next;
      if (out.terminated) {
        assert.ok(out.observation[0] >= 0.5 && out.observation[1] >= 0);
        break;
      }
      assert.ok(steps < 200, `seed ${seed}: energy pumping did not reach the flag within 200 steps`);
    }
    assert.equal(total, -steps);
    assert.ok(steps >= 80, `seed ${seed}: ${steps} steps is implausibly fast`);
  }
});

test("the car cannot drive straight up: always pushing right never terminates; the time limit truncates at 200", () => {
  const env = new TimeLimit(new MountainCar(), maxEpisodeSteps);
  env.reset({ seed: 5 });
  let maxX = -Infinity;
  for (let t = 1; t <= 200; t++) {
    const out = env.step(2);
    const o = out.observation as number[];
    maxX = Math.max(maxX, o[0]);
    assert.equal(out.terminated, false);
    assert.equal(out.reward, -1);
    assert.equal(out.truncated, t === 200, `truncated at step ${t}`);
  }
  assert.ok(maxX < 0, `pushing right should stall on the slope, got x = ${maxX}`);
});

test("the left wall is inelastic: pushing left stops the car at -1.2 with velocity 0", () => {
  const env = new MountainCar();
  const { observation } = env.reset({ seed: 6 });
  let s: State = [observation[0], observation[1]];
  let hits = 0;
  // Pump energy for 40 steps, then push left into the wall.
  for (let t = 0; t < 200; t++) {
    const a: 0 | 1 | 2 = t < 40 ? pump(s) : 0;
    const r = refStep(s, a);
    const out = env.step(a);
    close(out.observation, r.next, 1e-9, `step ${t}`);
    if (out.observation[0] === -1.2) {
      hits++;
      assert.equal(out.observation[1], 0, `velocity at the wall at step ${t}`);
    }
    s = r.next;
  }
  assert.ok(hits > 0, "the car never reached the left wall");
});

test("reset({seed}) is deterministic, different seeds differ, and reset() continues the generator", () => {
  const a = new MountainCar();
  const b = new MountainCar();
  const a1 = a.reset({ seed: 2024 }).observation;
  assert.deepEqual(b.reset({ seed: 2024 }).observation, a1);
  const a2 = a.reset().observation;
  assert.deepEqual(b.reset().observation, a2, "unseeded resets after the same seed must follow the same stream");
  assert.notDeepEqual(a1, a2);
  assert.notDeepEqual(new MountainCar().reset({ seed: 0 }).observation, new MountainCar().reset({ seed: 1 }).observation);
  assert.deepEqual(new MountainCar().reset().observation, new MountainCar().reset().observation);
  a.step(2);
  assert.deepEqual(a.reset({ seed: 2024 }).observation, a1);
});

test("reset draws the position uniformly in [-0.6, -0.4] with velocity 0", () => {
  const env = new MountainCar();
  env.reset({ seed: 1 });
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const [x, v] = env.reset().observation;
    assert.equal(v, 0);
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
  }
  assert.ok(min >= -0.6 && max <= -0.4 && min < -0.599 && max > -0.401, `range [${min}, ${max}]`);
  // Mean -0.5, sd 0.0577 / sqrt(n) = 0.0013; allow 5 sd.
  assert.ok(Math.abs(sum / n + 0.5) < 0.0065, `mean ${sum / n}`);
});

test("step rejects invalid actions with a clear error and accepts a one-element array", () => {
  const env = new MountainCar();
  env.reset({ seed: 0 });
  for (const bad of [3, -1, 1.5, Number.NaN, [0, 1], "1"]) {
    assert.throws(() => env.step(bad as unknown as number), /action must be 0 \(accelerate left\), 1 \(no acceleration\) or 2/, `action ${String(bad)}`);
  }
  assert.doesNotThrow(() => env.step([2]));
  assert.throws(() => new MountainCar().step(0), /reset\(\) before step\(\)/);
});

test("renderText returns a text frame with the state; close does not throw", () => {
  const env = new MountainCar();
  assert.match(env.renderText().text, /not reset/);
  env.reset({ seed: 3 });
  env.step(0);
  const frame = env.renderText();
  assert.equal(frame.type, "text");
  assert.match(frame.text, /MountainCar {2}step 1/);
  assert.match(frame.text, /push: left/);
  assert.match(frame.text, /F/);
  assert.doesNotThrow(() => env.close());
});
