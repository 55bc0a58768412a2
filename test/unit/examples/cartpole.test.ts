/**
 * examples/cartpole.ts against an independent reference of Gymnasium's CartPole-v1 equations
 * (gymnasium/envs/classic_control/cartpole.py, explicit Euler, tau = 0.02).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import CartPole, { maxEpisodeSteps } from "../../../examples/cartpole";
import { makeSpace } from "../../../src/core/spaces";
import type { Env } from "../../../src/core/env";

type State = readonly [number, number, number, number];

// ---- Reference: CartPole-v1 written straight from the equations, as a pure function. ----
const ref = {
  g: 9.8,
  mc: 1.0,
  mp: 0.1,
  l: 0.5, // half the pole length
  fmag: 10.0,
  tau: 0.02,
  thetaLimit: (12 * 2 * Math.PI) / 360,
  xLimit: 2.4,
};

function refStep(s: State, action: 0 | 1): { next: State; terminated: boolean } {
  const [x, v, th, w] = s;
  const F = action === 1 ? ref.fmag : -ref.fmag;
  const M = ref.mp + ref.mc;
  const ml = ref.mp * ref.l;
  const c = Math.cos(th);
  const sn = Math.sin(th);
  const tmp = (F + ml * w ** 2 * sn) / M;
  const alpha = (ref.g * sn - c * tmp) / (ref.l * (4.0 / 3.0 - (ref.mp * c ** 2) / M));
  const a = tmp - (ml * alpha * c) / M;
  const next: State = [x + ref.tau * v, v + ref.tau * a, th + ref.tau * w, w + ref.tau * alpha];
  const terminated = Math.abs(next[0]) > ref.xLimit || Math.abs(next[2]) > ref.thetaLimit;
  return { next, terminated };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]} (err ${err})`);
  }
}

/** A fixed, irregular action sequence (a tiny LCG, independent of the env's generator). */
function actionSequence(n: number, seed: number): (0 | 1)[] {
  const out: (0 | 1)[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s >>> 31 ? 1 : 0);
  }
  return out;
}

// Compile-time check (tsc): the example satisfies the public Env contract without importing it.
const _contract: Env = new CartPole();
void _contract;

test("exports maxEpisodeSteps = 500 (CartPole-v1 time limit)", () => {
  assert.equal(maxEpisodeSteps, 500);
});

test("spaces are well formed: Box(4) with Gymnasium's bounds and Discrete(2)", () => {
  const env = new CartPole();
  const obs = makeSpace(env.observationSpace, "observationSpace");
  const act = makeSpace(env.actionSpace, "actionSpace");
  assert.deepEqual(obs.shape, [4]);
  assert.equal(obs.flatDim, 4);
  const thr = (12 * 2 * Math.PI) / 360;
  const f32max = 3.4028234663852886e38;
  assert.deepEqual(env.observationSpace.high, [4.8, f32max, 2 * thr, f32max]);
  assert.deepEqual(env.observationSpace.low, [-4.8, -f32max, -2 * thr, -f32max]);
  assert.equal(act.flatDim, 1);
  assert.ok(act.contains(0) && act.contains(1));
  assert.ok(!act.contains(2));
});

test("reference anchor: one push right from the zero state gives xacc = 400/41, thetaacc = -600/41", () => {
  // Hand-derived: temp = 100/11, thetaacc = -(100/11) / (0.5 * 41/33) = -600/41, xacc = 100/11 + 300/451 = 400/41.
  const { next } = refStep([0, 0, 0, 0], 1);
  close(next, [0, 0.02 * (400 / 41), 0, 0.02 * (-600 / 41)], 1e-12, "refStep(0)");
});

test("200-step trajectory matches the reference to 1e-9 (fixed irregular actions)", () => {
  const env = new CartPole();
  const { observation: start } = env.reset({ seed: 123 });
  for (const v of start) assert.ok(v >= -0.05 && v <= 0.05, `start value ${v} outside [-0.05, 0.05]`);
  let s: State = [start[0], start[1], start[2], start[3]];
  const actions = actionSequence(200, 7);
  let refTerminatedAt = -1;
  let envTerminatedAt = -1;
  for (let t = 0; t < actions.length; t++) {
    const r = refStep(s, actions[t]);
    const out = env.step(actions[t]);
    close(out.observation, r.next, 1e-9, `step ${t}`);
    assert.equal(out.truncated, false);
    assert.equal(out.terminated, r.terminated, `terminated at step ${t}`);
    if (r.terminated && refTerminatedAt < 0) refTerminatedAt = t;
    if (out.terminated && envTerminatedAt < 0) envTerminatedAt = t;
    // +1 up to and including the terminating step, 0 afterwards (Gymnasium's steps_beyond_terminated).
    const expectedReward = refTerminatedAt < 0 || t === refTerminatedAt ? 1 : 0;
    assert.equal(out.reward, expectedReward, `reward at step ${t}`);
    s = r.next;
  }
  assert.equal(envTerminatedAt, refTerminatedAt);
});

test("a balancing (feedback) policy stays inside the observation space for 200 steps and matches the reference", () => {
  const env = new CartPole();
  const space = makeSpace(env.observationSpace);
  const { observation: start } = env.reset({ seed: 5 });
  assert.ok(space.contains(start));
  let s: State = [start[0], start[1], start[2], start[3]];
  for (let t = 0; t < 200; t++) {
    const a: 0 | 1 = s[2] + 0.5 * s[3] + 0.01 * s[0] + 0.05 * s[1] > 0 ? 1 : 0;
    const r = refStep(s, a);
    const out = env.step(a);
    close(out.observation, r.next, 1e-9, `step ${t}`);
    assert.ok(space.contains(out.observation), `observation ${out.observation.join(",")} at step ${t}`);
    assert.equal(out.terminated, false, `the PD policy should keep the pole up (step ${t})`);
    assert.equal(out.reward, 1);
    s = r.next;
  }
});

test("always pushing right terminates on the pole angle at exactly the reference step", () => {
  const env = new CartPole();
  const { observation: start } = env.reset({ seed: 42 });
  let s: State = [start[0], start[1], start[2], start[3]];
  let refSteps = 0;
  for (;;) {
    const r = refStep(s, 1);
    refSteps++;
    s = r.next;
    if (r.terminated) break;
    assert.ok(refSteps < 100, "reference never terminated");
  }
  // Pushing right swings the pole left (theta < -12 deg) within a few tenths of a second.
  assert.ok(s[2] < -ref.thetaLimit, `expected the pole to fall left, theta = ${s[2]}`);
  assert.ok(refSteps >= 5 && refSteps <= 15, `terminated after ${refSteps} steps`);

  const space = makeSpace(env.observationSpace);
  let total = 0;
  for (let t = 1; t <= refSteps; t++) {
    const out = env.step(1);
    total += out.reward;
    assert.equal(out.reward, 1);
    assert.equal(out.truncated, false);
    assert.ok(space.contains(out.observation), "terminating observation must still be inside the space");
    if (t < refSteps) assert.equal(out.terminated, false, `terminated early at step ${t}`);
    else {
      assert.equal(out.terminated, true, `not terminated at step ${t}`);
      close(out.observation, s, 1e-9, "terminal observation");
      assert.ok(Math.abs(out.observation[2]) > ref.thetaLimit);
    }
  }
  assert.equal(total, refSteps);
  // Stepping past termination: reward 0, still terminated.
  const after = env.step(1);
  assert.equal(after.reward, 0);
  assert.equal(after.terminated, true);
  // reset clears it.
  env.reset({ seed: 42 });
  assert.equal(env.step(1).reward, 1);
});

test("cart leaving the track terminates (|x| > 2.4)", () => {
  // Alternate so the pole stays up-ish while the cart drifts: use the reference to find an x-termination.
  const env = new CartPole();
  const { observation: start } = env.reset({ seed: 9 });
  let s: State = [start[0], start[1], start[2], start[3]];
  // Balance the pole while biasing the cart to the right until it leaves the track.
  for (let t = 0; t < 500; t++) {
    const a: 0 | 1 = s[2] + 0.5 * s[3] - 0.02 * (2.0 - s[1]) > 0 ? 1 : 0;
    const r = refStep(s, a);
    const out = env.step(a);
    close(out.observation, r.next, 1e-9, `step ${t}`);
    assert.equal(out.terminated, r.terminated);
    s = r.next;
    if (r.terminated) {
      assert.ok(Math.abs(s[0]) > 2.4, `expected termination on x, state ${s.join(",")}`);
      assert.ok(Math.abs(s[2]) <= ref.thetaLimit, `expected the pole still up, theta ${s[2]}`);
      return;
    }
  }
  assert.fail("the cart never left the track");
});

test("reset({seed}) is deterministic, different seeds differ, and reset() continues the generator", () => {
  const a = new CartPole();
  const b = new CartPole();
  const a1 = a.reset({ seed: 2024 }).observation;
  const b1 = b.reset({ seed: 2024 }).observation;
  assert.deepEqual(a1, b1);
  const a2 = a.reset().observation;
  const b2 = b.reset().observation;
  assert.deepEqual(a2, b2, "unseeded resets after the same seed must follow the same stream");
  assert.notDeepEqual(a1, a2, "an unseeded reset must draw new values");
  const c1 = new CartPole().reset({ seed: 2025 }).observation;
  assert.notDeepEqual(a1, c1);
  assert.notDeepEqual(new CartPole().reset({ seed: 0 }).observation, new CartPole().reset({ seed: 1 }).observation);
  // The constructor seeds a default, so fresh envs agree without a seed.
  assert.deepEqual(new CartPole().reset().observation, new CartPole().reset().observation);
  // Reseeding mid-episode restarts the same episode.
  a.step(1);
  assert.deepEqual(a.reset({ seed: 2024 }).observation, a1);
});

test("reset draws every state value uniformly in [-0.05, 0.05]", () => {
  const env = new CartPole();
  env.reset({ seed: 1 });
  const n = 2000;
  const sums = [0, 0, 0, 0];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const o = env.reset().observation;
    assert.equal(o.length, 4);
    for (let j = 0; j < 4; j++) {
      sums[j] += o[j];
      min = Math.min(min, o[j]);
      max = Math.max(max, o[j]);
    }
  }
  assert.ok(min >= -0.05 && max <= 0.05, `range [${min}, ${max}]`);
  assert.ok(min < -0.049 && max > 0.049, `range [${min}, ${max}] should nearly fill [-0.05, 0.05]`);
  // Mean of U(-0.05, 0.05) is 0 with sd 0.0289/sqrt(n) = 0.00065; allow 5 sd.
  for (const s of sums) assert.ok(Math.abs(s / n) < 0.0033, `mean ${s / n}`);
});

test("step rejects actions other than 0 and 1 with a clear error", () => {
  const env = new CartPole();
  env.reset({ seed: 0 });
  for (const bad of [2, -1, 0.5, Number.NaN, [0, 1], "1"]) {
    assert.throws(() => env.step(bad as unknown as number), /action must be 0 \(push left\) or 1 \(push right\)/, `action ${String(bad)}`);
  }
  // A one-element array is what Discrete.contains accepts, so it is accepted too.
  assert.doesNotThrow(() => env.step([1]));
});

test("step before reset throws", () => {
  assert.throws(() => new CartPole().step(0), /reset\(\) before step\(\)/);
});

test("renderText returns a text frame with the state; close does not throw", () => {
  const env = new CartPole();
  env.reset({ seed: 3 });
  env.step(0);
  const frame = env.renderText();
  assert.equal(frame.type, "text");
  assert.match(frame.text, /CartPole/);
  assert.match(frame.text, /theta [+-]\d+\.\d{2} deg/);
  assert.match(frame.text, /push: left/);
  assert.doesNotThrow(() => env.close());
});
