/**
 * examples/acrobot.ts against an independent reference of Gymnasium's Acrobot-v1
 * (gymnasium/envs/classic_control/acrobot.py: "book" dynamics, one RK4 step of dt = 0.2, wrap / bound, reward -1 / 0).
 *
 * The reference writes the dynamics in manipulator form, M(q) q'' + c(q, q') + g(q) = [0, tau], and solves the 2 x 2
 * system by Cramer's rule (the env eliminates ddtheta1 by substitution, as the book does); both are the same
 * equations, so they must agree to rounding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Acrobot, { maxEpisodeSteps } from "../../../examples/acrobot";
import { TimeLimit } from "../../../src/core/envs/time-limit";
import { makeSpace } from "../../../src/core/spaces";
import type { Env } from "../../../src/core/env";

type State = readonly [number, number, number, number];

// ---- Reference: Acrobot-v1 from the manipulator equations, as pure functions. ----
const P = { m1: 1, m2: 1, l1: 1, lc1: 0.5, lc2: 0.5, I1: 1, I2: 1, g: 9.8, dt: 0.2, maxV1: 4 * Math.PI, maxV2: 9 * Math.PI };
const TORQUE = [-1, 0, 1];

/** [ddtheta1, ddtheta2] from M q'' = [0, tau] - c - g (Spong's two-link arm with the elbow actuated). */
function refAccel(s: State, tau: number): [number, number] {
  const [q1, q2, w1, w2] = s;
  const { m1, m2, l1, lc1, lc2, I1, I2, g } = P;
  const c2 = Math.cos(q2);
  const s2 = Math.sin(q2);
  const M11 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * c2) + I1 + I2;
  const M12 = m2 * (lc2 * lc2 + l1 * lc2 * c2) + I2;
  const M22 = m2 * lc2 * lc2 + I2;
  // Coriolis / centrifugal terms.
  const h1 = -m2 * l1 * lc2 * s2 * w2 * w2 - 2 * m2 * l1 * lc2 * s2 * w1 * w2;
  const h2 = m2 * l1 * lc2 * s2 * w1 * w1;
  // Gravity (angles from straight down: cos(q - pi/2) = sin q).
  const g2 = m2 * lc2 * g * Math.sin(q1 + q2);
  const g1 = (m1 * lc1 + m2 * l1) * g * Math.sin(q1) + g2;
  const b1 = -h1 - g1;
  const b2 = tau - h2 - g2;
  const det = M11 * M22 - M12 * M12;
  return [(b1 * M22 - M12 * b2) / det, (M11 * b2 - M12 * b1) / det];
}

function deriv(s: State, tau: number): State {
  const [a1, a2] = refAccel(s, tau);
  return [s[2], s[3], a1, a2];
}

function refStep(s: State, action: number, h = P.dt): { next: State; terminated: boolean; reward: number } {
  const tau = TORQUE[action];
  const axpy = (x: State, k: State, f: number): State => x.map((v, i) => v + f * k[i]) as unknown as State;
  const k1 = deriv(s, tau);
  const k2 = deriv(axpy(s, k1, h / 2), tau);
  const k3 = deriv(axpy(s, k2, h / 2), tau);
  const k4 = deriv(axpy(s, k3, h), tau);
  const y = s.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
  const wrapPi = (x: number): number => {
    while (x > Math.PI) x -= 2 * Math.PI;
    while (x < -Math.PI) x += 2 * Math.PI;
    return x;
  };
  const next: State = [
    wrapPi(y[0]),
    wrapPi(y[1]),
    Math.min(Math.max(y[2], -P.maxV1), P.maxV1),
    Math.min(Math.max(y[3], -P.maxV2), P.maxV2),
  ];
  const terminated = -Math.cos(next[0]) - Math.cos(next[1] + next[0]) > 1;
  return { next, terminated, reward: terminated ? 0 : -1 };
}

function obsOf(s: State): number[] {
  return [Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]];
}

/** The state behind an observation (angles via atan2, which returns (-pi, pi] like the wrapped angles). */
function stateOf(o: ArrayLike<number>): State {
  return [Math.atan2(o[1], o[0]), Math.atan2(o[3], o[2]), o[4], o[5]];
}

/** Total mechanical energy (kinetic 1/2 q'^T M q' plus potential, zero at the pivot height). */
function energy(s: State): number {
  const [q1, q2, w1, w2] = s;
  const { m1, m2, l1, lc1, lc2, I1, I2, g } = P;
  const c2 = Math.cos(q2);
  const M11 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * c2) + I1 + I2;
  const M12 = m2 * (lc2 * lc2 + l1 * lc2 * c2) + I2;
  const M22 = m2 * lc2 * lc2 + I2;
  const kinetic = 0.5 * (M11 * w1 * w1 + 2 * M12 * w1 * w2 + M22 * w2 * w2);
  const potential = -m1 * g * lc1 * Math.cos(q1) - m2 * g * (l1 * Math.cos(q1) + lc2 * Math.cos(q1 + q2));
  return kinetic + potential;
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]} (err ${err})`);
  }
}

/** A fixed, irregular action sequence in {0, 1, 2} (a tiny LCG, independent of the env's generator). */
function actionSequence(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.floor(((s >>> 8) / 16777216) * 3));
  }
  return out;
}

/** Energy pumping: torque along the elbow's swing, sign(dtheta2) (reaches the goal in about 70 to 150 steps). */
const pump = (o: ArrayLike<number>): number => (o[5] > 0 ? 2 : 0);

// Compile-time check (tsc): the example satisfies the public Env contract without importing it.
const _contract: Env = new Acrobot();
void _contract;

test("exports maxEpisodeSteps = 500 (Acrobot-v1 time limit)", () => {
  assert.equal(maxEpisodeSteps, 500);
});

test("spaces are well formed: Box(6) with Gymnasium's float32 bounds and Discrete(3)", () => {
  const env = new Acrobot();
  const obs = makeSpace(env.observationSpace, "observationSpace");
  const act = makeSpace(env.actionSpace, "actionSpace");
  assert.deepEqual(obs.shape, [6]);
  assert.equal(obs.flatDim, 6);
  const high = [1, 1, 1, 1, Math.fround(4 * Math.PI), Math.fround(9 * Math.PI)];
  assert.deepEqual(env.observationSpace.high, high);
  assert.deepEqual(env.observationSpace.low, high.map((v) => -v));
  // The float32 bounds lie just outside the float64 velocity limits, so a clipped velocity is inside the space.
  assert.ok(high[4] >= 4 * Math.PI && high[5] >= 9 * Math.PI);
  assert.ok(obs.contains([1, 0, 1, 0, 4 * Math.PI, -9 * Math.PI]));
  assert.equal(act.flatDim, 1);
  assert.ok(act.contains(0) && act.contains(1) && act.contains(2));
  assert.ok(!act.contains(3) && !act.contains(-1));
});

test("reference anchor: torque +1 from the zero state gives ddtheta1 = -28/41 and ddtheta2 = 72/41", () => {
  // d1 = 0.25 + 2.25 + 2 = 4.5, d2 = 0.75 + 1 = 1.75, phi1 = phi2 = 0:
  // ddtheta2 = 1 / (1.25 - 1.75^2 / 4.5) = 72/41, ddtheta1 = -1.75 ddtheta2 / 4.5 = -28/41.
  const [a1, a2] = refAccel([0, 0, 0, 0], 1);
  close([a1, a2], [-28 / 41, 72 / 41], 1e-12, "accel");
  // Hanging still with no torque is an equilibrium.
  const { next, terminated, reward } = refStep([0, 0, 0, 0], 1 /* torque 0 */);
  close(next, [0, 0, 0, 0], 1e-15, "equilibrium");
  assert.equal(terminated, false);
  assert.equal(reward, -1);
});

test("reference anchor: with no torque the equations conserve the mechanical energy", () => {
  // A physics check of the reference itself. A free swing from (60, -23) degrees for 10 s: with RK4 steps of 0.05 s the
  // energy drifts by about 1e-5 (relative); the NIPS paper's equations (without -m2 l1 lc2 dtheta1^2 sin theta2) drift
  // by about 0.8. With the env's 0.2 s steps, RK4's own error is below 1%.
  for (const [h, steps, tol] of [
    [0.05, 200, 1e-4],
    [0.2, 50, 0.01],
  ] as const) {
    let s: State = [Math.PI / 3, -0.4, 0, 0];
    const e0 = energy(s);
    let worst = 0;
    for (let t = 0; t < steps; t++) {
      s = refStep(s, 1, h).next;
      worst = Math.max(worst, Math.abs(energy(s) - e0) / Math.abs(e0));
    }
    assert.ok(worst <= tol, `dt ${h}: relative energy drift ${worst}`);
  }
});

test("the start state is uniform in [-0.1, 0.1] and rounded to float32 as in Gymnasium", () => {
  const env = new Acrobot();
  env.reset({ seed: 4 });
  for (let i = 0; i < 200; i++) {
    const s = stateOf(env.reset().observation);
    for (const v of s) assert.ok(v >= -0.1 && v <= 0.1, `start value ${v}`);
    // Velocities come back exactly; angles through cos/sin/atan2, to rounding.
    assert.equal(Math.fround(s[2]), s[2]);
    assert.equal(Math.fround(s[3]), s[3]);
    assert.ok(Math.abs(Math.fround(s[0]) - s[0]) < 1e-15 && Math.abs(Math.fround(s[1]) - s[1]) < 1e-15);
  }
});

test("100-step trajectory (fixed irregular actions) matches the free-running reference to 1e-9", () => {
  const env = new Acrobot();
  const space = makeSpace(env.observationSpace);
  const { observation: start } = env.reset({ seed: 123 });
  assert.ok(space.contains(start));
  let s = stateOf(start);
  const actions = actionSequence(100, 7);
  for (let t = 0; t < actions.length; t++) {
    const r = refStep(s, actions[t]);
    const out = env.step(actions[t]);
    close(out.observation, obsOf(r.next), 1e-9, `step ${t}`);
    assert.equal(out.terminated, r.terminated, `terminated at step ${t}`);
    assert.equal(out.reward, r.reward, `reward at step ${t}`);
    assert.equal(out.truncated, false);
    assert.ok(space.contains(out.observation), `observation outside the space at step ${t}`);
    s = r.next;
    if (r.terminated) break;
  }
});

test("every step of a 500-step mixed run matches the reference to 1e-9, with wrapped angles inside the space", () => {
  // The double pendulum is chaotic, so over hundreds of steps the reference restarts each step from the env's state.
  const env = new Acrobot();
  const space = makeSpace(env.observationSpace);
  let obs = env.reset({ seed: 5 }).observation;
  const actions = actionSequence(500, 3);
  let wrapped = 0;
  let episodes = 0;
  for (let t = 0; t < 500; t++) {
    const a = t % 3 === 0 ? actions[t] : pump(obs);
    const s = stateOf(obs);
    const r = refStep(s, a);
    const out = env.step(a);
    close(out.observation, obsOf(r.next), 1e-9, `step ${t}`);
    assert.equal(out.terminated, r.terminated, `terminated at step ${t}`);
    assert.equal(out.reward, r.reward);
    assert.ok(space.contains(out.observation), `observation outside the space at step ${t}`);
    // An angle that crossed +-pi was wrapped (the sign of sin flips while cos stays near -1).
    if (Math.abs(s[0]) > 2.5 && Math.sign(s[0]) !== Math.sign(stateOf(out.observation)[0])) wrapped++;
    obs = out.observation;
    if (out.terminated) {
      episodes++;
      obs = env.reset().observation;
    }
  }
  assert.ok(episodes >= 3, `expected several episodes to reach the goal, got ${episodes}`);
  assert.ok(wrapped > 0, "no angle was ever wrapped");
});

test("energy pumping reaches the goal: reward -1 per step, 0 on the terminating step, tip above the line", () => {
  const env = new Acrobot();
  let obs = env.reset({ seed: 42 }).observation;
  let total = 0;
  let steps = 0;
  for (;;) {
    const out = env.step(pump(obs));
    steps++;
    total += out.reward;
    assert.equal(out.truncated, false);
    obs = out.observation;
    if (out.terminated) {
      assert.equal(out.reward, 0);
      const [c1, s1, c2, s2] = obs;
      // -cos(t1) - cos(t1 + t2) > 1, with cos(t1 + t2) = c1 c2 - s1 s2.
      assert.ok(-c1 - (c1 * c2 - s1 * s2) > 1, "tip not above the line");
      break;
    }
    assert.equal(out.reward, -1);
    assert.ok(steps < 500, "energy pumping never reached the goal");
  }
  assert.equal(total, -(steps - 1));
  assert.ok(steps > 10, `reached the goal implausibly fast (${steps} steps)`);
});

test("never terminates while hanging: no torque keeps the links down; the time limit truncates at 500", () => {
  const env = new TimeLimit(new Acrobot(), maxEpisodeSteps);
  env.reset({ seed: 8 });
  for (let t = 1; t <= 500; t++) {
    const out = env.step(1);
    assert.equal(out.terminated, false);
    assert.equal(out.reward, -1);
    assert.equal(out.truncated, t === 500, `truncated at step ${t}`);
  }
});

test("reset({seed}) is deterministic, different seeds differ, and reset() continues the generator", () => {
  const a = new Acrobot();
  const b = new Acrobot();
  const a1 = a.reset({ seed: 2024 }).observation;
  assert.deepEqual(b.reset({ seed: 2024 }).observation, a1);
  const a2 = a.reset().observation;
  assert.deepEqual(b.reset().observation, a2, "unseeded resets after the same seed must follow the same stream");
  assert.notDeepEqual(a1, a2);
  assert.notDeepEqual(new Acrobot().reset({ seed: 0 }).observation, new Acrobot().reset({ seed: 1 }).observation);
  assert.deepEqual(new Acrobot().reset().observation, new Acrobot().reset().observation);
  // The same seed and actions give the same trajectory.
  a.reset({ seed: 7 });
  b.reset({ seed: 7 });
  for (const act of actionSequence(50, 1)) assert.deepEqual(a.step(act), b.step(act));
  // Reseeding mid-episode restarts the same episode.
  assert.deepEqual(a.reset({ seed: 2024 }).observation, a1);
});

test("step rejects invalid actions with a clear error and accepts a one-element array", () => {
  const env = new Acrobot();
  env.reset({ seed: 0 });
  for (const bad of [3, -1, 0.5, Number.NaN, [0, 1], "1"]) {
    assert.throws(() => env.step(bad as unknown as number), /action must be 0 \(torque -1\), 1 \(torque 0\) or 2 \(torque \+1\)/, `action ${String(bad)}`);
  }
  assert.doesNotThrow(() => env.step([2]));
  assert.throws(() => new Acrobot().step(0), /reset\(\) before step\(\)/);
});

test("renderText returns a text frame with the state; close does not throw", () => {
  const env = new Acrobot();
  assert.match(env.renderText().text, /not reset/);
  env.reset({ seed: 3 });
  env.step(2);
  const frame = env.renderText();
  assert.equal(frame.type, "text");
  assert.match(frame.text, /Acrobot {2}step 1/);
  assert.match(frame.text, /torque \+1/);
  assert.match(frame.text, /tip height/);
  assert.doesNotThrow(() => env.close());
});
