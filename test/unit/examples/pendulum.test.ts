/**
 * examples/pendulum.ts against an independent reference of Gymnasium's Pendulum-v1 equations
 * (gymnasium/envs/classic_control/pendulum.py).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Pendulum, { maxEpisodeSteps } from "../../../examples/pendulum";
import { makeSpace } from "../../../src/core/spaces";
import type { Env } from "../../../src/core/env";

// ---- Reference: Pendulum-v1 written straight from the equations, as a pure function. ----
const P = { maxSpeed: 8, maxTorque: 2, dt: 0.05, g: 10, m: 1, l: 1 };

/** Wraps to [-pi, pi) by floor division (a different route from the env's remainder). */
function wrap(a: number): number {
  const twoPi = 2 * Math.PI;
  return a + Math.PI - twoPi * Math.floor((a + Math.PI) / twoPi) - Math.PI;
}

function refStep(th: number, thdot: number, action: number): { th: number; thdot: number; reward: number } {
  const u = Math.min(P.maxTorque, Math.max(-P.maxTorque, action));
  const cost = wrap(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
  const acc = (3 * P.g) / (2 * P.l) * Math.sin(th) + (3.0 / (P.m * P.l ** 2)) * u;
  const w = Math.min(P.maxSpeed, Math.max(-P.maxSpeed, thdot + acc * P.dt));
  return { th: th + w * P.dt, thdot: w, reward: -cost };
}

const obsOf = (th: number, thdot: number): number[] => [Math.cos(th), Math.sin(th), thdot];

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

/** Start state read back from a seeded reset's observation. */
function startOf(env: Pendulum, seed: number): { th: number; thdot: number; obs: number[] } {
  const { observation } = env.reset({ seed });
  return { th: Math.atan2(observation[1], observation[0]), thdot: observation[2], obs: observation };
}

// Compile-time check (tsc): the example satisfies the public Env contract without importing it.
const _contract: Env = new Pendulum();
void _contract;

test("exports maxEpisodeSteps = 200 (Pendulum-v1 time limit)", () => {
  assert.equal(maxEpisodeSteps, 200);
});

test("spaces are well formed: Box(3) [-1,-1,-8]..[1,1,8] and Box(1) [-2, 2]", () => {
  const env = new Pendulum();
  const obs = makeSpace(env.observationSpace, "observationSpace");
  const act = makeSpace(env.actionSpace, "actionSpace");
  assert.deepEqual(obs.shape, [3]);
  assert.deepEqual(act.shape, [1]);
  assert.deepEqual(env.observationSpace.low, [-1, -1, -8]);
  assert.deepEqual(env.observationSpace.high, [1, 1, 8]);
  assert.deepEqual(env.actionSpace.low, [-2]);
  assert.deepEqual(env.actionSpace.high, [2]);
  assert.ok(act.contains([2]) && act.contains([-2]) && !act.contains([2.5]));
});

test("reference anchor: hand-computed first step", () => {
  // th = pi/2 (horizontal, left), thdot = 1, u = 1:
  // cost = (pi/2)^2 + 0.1 + 0.001; thdot' = 1 + (15 * 1 + 3 * 1) * 0.05 = 1.9; th' = pi/2 + 1.9 * 0.05.
  const r = refStep(Math.PI / 2, 1, 1);
  closeNum(r.reward, -((Math.PI / 2) ** 2 + 0.101), 1e-12, "reward");
  closeNum(r.thdot, 1.9, 1e-12, "thdot");
  closeNum(r.th, Math.PI / 2 + 0.095, 1e-12, "th");
  // Speed clip: from thdot = 7.9 with th = pi/2, u = 2: 7.9 + (15 + 6) * 0.05 = 8.95 -> 8, and th' uses the clipped 8.
  const c = refStep(Math.PI / 2, 7.9, 2);
  assert.equal(c.thdot, 8);
  closeNum(c.th, Math.PI / 2 + 0.4, 1e-12, "th after clip");
  // Angle wrap: 3pi/2 is -pi/2; -3pi/2 is pi/2.
  closeNum(wrap((3 * Math.PI) / 2), -Math.PI / 2, 1e-12, "wrap(3pi/2)");
  closeNum(wrap((-3 * Math.PI) / 2), Math.PI / 2, 1e-12, "wrap(-3pi/2)");
});

test("200-step trajectory matches the reference to 1e-9 (fixed actions, some out of range)", () => {
  const env = new Pendulum();
  const space = makeSpace(env.observationSpace);
  let { th, thdot, obs } = startOf(env, 11);
  assert.ok(space.contains(obs));
  assert.ok(thdot >= -1 && thdot <= 1);
  for (let t = 0; t < 200; t++) {
    const a = 3 * Math.sin(0.13 * t) + (t % 7 === 0 ? -4 : 0); // range about [-7, 3]: clipping is exercised
    const r = refStep(th, thdot, a);
    const out = env.step(t % 2 === 0 ? a : [a]);
    close(out.observation, obsOf(r.th, r.thdot), 1e-9, `obs at step ${t}`);
    closeNum(out.reward, r.reward, 1e-9, `reward at step ${t}`);
    assert.equal(out.terminated, false);
    assert.equal(out.truncated, false);
    assert.ok(space.contains(out.observation), `observation outside the space at step ${t}`);
    assert.ok(out.reward <= 0 && out.reward >= -16.2736044 - 1e-9, `reward ${out.reward} outside [-16.27, 0]`);
    th = r.th;
    thdot = r.thdot;
  }
});

test("reward uses the normalised angle: a swinging pendulum past pi still has reward >= -16.27", () => {
  // Energy pumping spins the pendulum, so the raw angle leaves [-pi, pi] by many turns.
  const env = new Pendulum();
  let { th, thdot } = startOf(env, 3);
  let maxRawAngle = 0;
  let sawWrapMatter = false;
  for (let t = 0; t < 200; t++) {
    const a = thdot >= 0 ? 2 : -2;
    const r = refStep(th, thdot, a);
    const out = env.step(a);
    closeNum(out.reward, r.reward, 1e-9, `reward at step ${t}`);
    close(out.observation, obsOf(r.th, r.thdot), 1e-9, `obs at step ${t}`);
    assert.ok(out.reward >= -16.2736044 - 1e-9, `reward ${out.reward} below the documented minimum`);
    if (Math.abs(th) > Math.PI) {
      // Without normalisation the cost would be th^2, which differs here.
      const unnormalised = -(th ** 2 + 0.1 * thdot ** 2 + 0.001 * 4);
      if (Math.abs(unnormalised - out.reward) > 1e-3) sawWrapMatter = true;
    }
    maxRawAngle = Math.max(maxRawAngle, Math.abs(r.th));
    th = r.th;
    thdot = r.thdot;
  }
  assert.ok(maxRawAngle > 3 * Math.PI, `the pendulum should have spun (max |theta| ${maxRawAngle})`);
  assert.ok(sawWrapMatter, "the normalisation was never exercised");
});

test("reward on the first step equals -(norm(th0)^2 + 0.1 thdot0^2 + 0.001 u^2) of the start state", () => {
  const env = new Pendulum();
  for (const seed of [0, 1, 2, 3, 4]) {
    const { th, thdot } = startOf(env, seed);
    const out = env.step(0.5);
    // atan2 already gives (-pi, pi], so no wrap is needed here.
    closeNum(out.reward, -(th ** 2 + 0.1 * thdot ** 2 + 0.001 * 0.25), 1e-9, `seed ${seed}`);
  }
});

test("torque is clipped: action 5 behaves like 2 and -7 like -2", () => {
  for (const [big, clipped] of [
    [5, 2],
    [-7, -2],
    [Infinity, 2],
  ] as const) {
    const a = new Pendulum();
    const b = new Pendulum();
    a.reset({ seed: 77 });
    b.reset({ seed: 77 });
    for (let t = 0; t < 20; t++) {
      const ra = a.step(t % 2 ? big : [big]);
      const rb = b.step(clipped);
      assert.deepEqual(ra.observation, rb.observation, `step ${t}`);
      assert.equal(ra.reward, rb.reward, `reward at step ${t}`);
    }
  }
  // And the clip matters: 2 differs from 1.
  const a = new Pendulum();
  const b = new Pendulum();
  a.reset({ seed: 77 });
  b.reset({ seed: 77 });
  assert.notDeepEqual(a.step(2).observation, b.step(1).observation);
});

test("angular speed is clipped to [-8, 8] and the angle moves by the clipped speed", () => {
  const env = new Pendulum();
  let { th, thdot } = startOf(env, 3);
  let hits = 0;
  for (let t = 0; t < 200; t++) {
    const a = thdot >= 0 ? 2 : -2;
    const r = refStep(th, thdot, a);
    const out = env.step(a);
    const unclipped = thdot + ((3 * 10) / 2 * Math.sin(th) + 3 * a) * 0.05;
    assert.ok(Math.abs(out.observation[2]) <= 8, `speed ${out.observation[2]}`);
    if (Math.abs(unclipped) > 8) {
      hits++;
      assert.equal(Math.abs(out.observation[2]), 8, `speed not clipped at step ${t}`);
      // th' = th + 8 * sign * dt: check through the observation.
      const thNext = th + Math.sign(unclipped) * 8 * 0.05;
      close(out.observation, obsOf(thNext, Math.sign(unclipped) * 8), 1e-9, `clipped step ${t}`);
    }
    th = r.th;
    thdot = r.thdot;
  }
  assert.ok(hits > 0, "the speed limit was never reached");
});

test("reset({seed}) is deterministic, different seeds differ, and reset() continues the generator", () => {
  const a = new Pendulum();
  const b = new Pendulum();
  const a1 = a.reset({ seed: 99 }).observation;
  assert.deepEqual(b.reset({ seed: 99 }).observation, a1);
  const a2 = a.reset().observation;
  assert.deepEqual(b.reset().observation, a2);
  assert.notDeepEqual(a1, a2);
  assert.notDeepEqual(new Pendulum().reset({ seed: 0 }).observation, new Pendulum().reset({ seed: 1 }).observation);
  assert.deepEqual(new Pendulum().reset().observation, new Pendulum().reset().observation);
  a.step(1);
  assert.deepEqual(a.reset({ seed: 99 }).observation, a1);
});

test("reset draws theta uniformly in [-pi, pi] and thdot in [-1, 1]", () => {
  const env = new Pendulum();
  env.reset({ seed: 5 });
  const n = 2000;
  let minTh = Infinity;
  let maxTh = -Infinity;
  let minW = Infinity;
  let maxW = -Infinity;
  let sumW = 0;
  let sumCos = 0;
  for (let i = 0; i < n; i++) {
    const o = env.reset().observation;
    const th = Math.atan2(o[1], o[0]);
    minTh = Math.min(minTh, th);
    maxTh = Math.max(maxTh, th);
    minW = Math.min(minW, o[2]);
    maxW = Math.max(maxW, o[2]);
    sumW += o[2];
    sumCos += o[0];
    closeNum(o[0] ** 2 + o[1] ** 2, 1, 1e-12, "cos^2 + sin^2");
  }
  assert.ok(minW >= -1 && maxW <= 1 && minW < -0.99 && maxW > 0.99, `thdot range [${minW}, ${maxW}]`);
  assert.ok(minTh < -3.1 && maxTh > 3.1, `theta range [${minTh}, ${maxTh}]`);
  // E[thdot] = 0 (sd 0.577/sqrt(n) = 0.013) and E[cos theta] = 0 (sd 0.707/sqrt(n) = 0.016): allow 5 sd.
  assert.ok(Math.abs(sumW / n) < 0.065, `mean thdot ${sumW / n}`);
  assert.ok(Math.abs(sumCos / n) < 0.08, `mean cos ${sumCos / n}`);
});

test("step rejects malformed actions with a clear error, and step before reset throws", () => {
  const env = new Pendulum();
  assert.throws(() => env.step(0), /reset\(\) before step\(\)/);
  env.reset({ seed: 0 });
  assert.throws(() => env.step([1, 2]), /one-element array/);
  assert.throws(() => env.step([]), /one-element array/);
  assert.throws(() => env.step(Number.NaN), /torque number/);
  assert.throws(() => env.step("1" as unknown as number), /torque number/);
  assert.doesNotThrow(() => env.step(Float32Array.of(1) as unknown as number[]));
});

test("renderText returns a text frame with the state; close does not throw", () => {
  const env = new Pendulum();
  env.reset({ seed: 3 });
  env.step(-1.5);
  const frame = env.renderText();
  assert.equal(frame.type, "text");
  assert.match(frame.text, /Pendulum/);
  assert.match(frame.text, /theta [+-]\d+\.\d deg/);
  assert.match(frame.text, /torque -1\.500/);
  assert.doesNotThrow(() => env.close());
});
