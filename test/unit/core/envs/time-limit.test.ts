/**
 * TimeLimit (src/core/envs/time-limit.ts), Gymnasium semantics: truncated exactly at maxEpisodeSteps, never when the
 * episode terminated on that step, counter restarted by reset.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeLimit } from "../../../../src/core/envs/time-limit";
import { CounterEnv } from "./helpers";

function run(env: TimeLimit, steps: number): { terminated: boolean; truncated: boolean; reward: number }[] {
  const out = [];
  for (let i = 0; i < steps; i++) {
    const r = env.step(0);
    out.push({ terminated: r.terminated, truncated: r.truncated, reward: r.reward });
  }
  return out;
}

describe("TimeLimit", () => {
  test("truncated is false before maxEpisodeSteps and true exactly at it", () => {
    const env = new TimeLimit(new CounterEnv(), 5);
    env.reset({ seed: 1 });
    const rs = run(env, 5);
    assert.deepEqual(rs.map((r) => r.truncated), [false, false, false, false, true]);
    assert.deepEqual(rs.map((r) => r.terminated), [false, false, false, false, false]);
    assert.deepEqual(rs.map((r) => r.reward), [1, 2, 3, 4, 5], "rewards pass through unchanged");
  });

  test("terminated on the last allowed step wins: not truncated", () => {
    const env = new TimeLimit(new CounterEnv(5), 5);
    env.reset();
    const last = run(env, 5)[4];
    assert.equal(last.terminated, true);
    assert.equal(last.truncated, false);
  });

  test("terminating before the limit is untouched", () => {
    const env = new TimeLimit(new CounterEnv(2), 5);
    env.reset();
    assert.deepEqual(run(env, 2), [
      { terminated: false, truncated: false, reward: 1 },
      { terminated: true, truncated: false, reward: 2 },
    ]);
  });

  test("reset restarts the count", () => {
    const env = new TimeLimit(new CounterEnv(), 3);
    env.reset();
    run(env, 2);
    env.reset();
    assert.deepEqual(run(env, 3).map((r) => r.truncated), [false, false, true]);
  });

  test("maxEpisodeSteps = 1 truncates every step", () => {
    const env = new TimeLimit(new CounterEnv(), 1);
    env.reset();
    assert.equal(env.step(0).truncated, true);
  });

  test("the observation and info of the inner step pass through", () => {
    const env = new TimeLimit(new CounterEnv(), 2);
    env.reset();
    env.step(0);
    const r = env.step(0);
    assert.deepEqual(r.observation, [2, 1]);
  });

  test("reset options reach the wrapped env; spaces are the wrapped env's", () => {
    const inner = new CounterEnv(undefined, { type: "Box", low: [-1], high: [1] });
    const env = new TimeLimit(inner, 3);
    const r = env.reset({ seed: 77 });
    assert.deepEqual(inner.resets, [{ seed: 77 }]);
    assert.deepEqual(r.observation, [0, 1]);
    assert.equal(env.observationSpace, inner.observationSpace);
    assert.equal(env.actionSpace, inner.actionSpace);
  });

  test("rejects a maxEpisodeSteps that is not a positive integer", () => {
    for (const bad of [0, -3, 2.5, Number.NaN]) {
      assert.throws(() => new TimeLimit(new CounterEnv(), bad), /maxEpisodeSteps must be a positive integer/, String(bad));
    }
  });

  test("close() and render() are forwarded", () => {
    const inner = new CounterEnv();
    const env = new TimeLimit(inner, 3);
    env.close();
    assert.equal(inner.closed, true);
    assert.throws(() => env.render(), /no render/);
  });
});
