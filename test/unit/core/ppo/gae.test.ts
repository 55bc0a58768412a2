import { test } from "node:test";
import assert from "node:assert/strict";
import { computeGae, type GaeInput } from "../../../../src/core/ppo/gae";

// Time-major layout: index t * nEnvs + e. Two envs, three steps, gamma 0.9, lambda 0.8.
// env 0: episode terminated at t = 1, a new episode starts at t = 2 (bootstrap from lastValues[0] = 0.2).
// env 1: episode truncated at t = 0 with V(final observation) = 5; then runs on (lastValues[1] = 2).
function base(): GaeInput {
  return {
    nSteps: 3,
    nEnvs: 2,
    rewards: [1, 1, 2, 1, 3, 1],
    values: [0.5, 1, 0.4, 1, 0.3, 1],
    terminated: [0, 0, 1, 0, 0, 0],
    truncated: [0, 1, 0, 0, 0, 0],
    finalValues: [0, 5, 0, 0, 0, 0],
    lastValues: [0.2, 2],
    gamma: 0.9,
    gaeLambda: 0.8,
  };
}

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test("GAE matches hand-computed advantages with a termination and a truncation inside the rollout", () => {
  const { advantages, returns } = computeGae(base());
  // env 0: t2: 3 + 0.9*0.2 - 0.3 = 2.88; t1 (terminated): 2 - 0.4 = 1.6; t0: 1 + 0.9*0.4 - 0.5 + 0.72*1.6 = 2.012
  // env 1: t2: 1 + 0.9*2 - 1 = 1.8; t1: 1 + 0.9 - 1 + 0.72*1.8 = 2.196; t0 (truncated): 1 + 0.9*5 - 1 = 4.5
  close(advantages, [2.012, 4.5, 1.6, 2.196, 2.88, 1.8]);
  close(returns, [2.512, 5.5, 2.0, 3.196, 3.18, 2.8]);
});

test("truncation bootstraps from V(final observation); termination does not", () => {
  const a = computeGae(base());
  const b = computeGae({ ...base(), finalValues: [0, 7, 0, 0, 0, 0] });
  assert.ok(Math.abs(b.advantages[1] - a.advantages[1] - 0.9 * 2) < 1e-5, "truncated step moves with gamma * dV_final");
  const c = computeGae({ ...base(), finalValues: [0, 5, 123, 0, 0, 0] });
  assert.equal(c.advantages[2], a.advantages[2], "a final value on a terminated step is ignored");
});

test("terminated wins when both flags are set", () => {
  const both = computeGae({ ...base(), truncated: [0, 1, 1, 0, 0, 0], finalValues: [0, 5, 99, 0, 0, 0] });
  const term = computeGae(base());
  close(both.advantages, Array.from(term.advantages));
});

test("a reward change in one episode does not change advantages in another", () => {
  const a = computeGae(base());
  const r = [...(base().rewards as number[])];
  r[4] += 10; // env 0, t = 2: the second episode of env 0
  const b = computeGae({ ...base(), rewards: r });
  assert.equal(b.advantages[0], a.advantages[0]);
  assert.equal(b.advantages[2], a.advantages[2]);
  for (const i of [1, 3, 5]) assert.equal(b.advantages[i], a.advantages[i], "the other env is untouched");
  assert.notEqual(b.advantages[4], a.advantages[4]);
});

test("without episode ends, GAE with lambda = 1 gives discounted returns bootstrapped from lastValues", () => {
  const g = 0.5;
  const { returns } = computeGae({
    nSteps: 3,
    nEnvs: 1,
    rewards: [1, 2, 4],
    values: [9, 9, 9],
    terminated: [0, 0, 0],
    truncated: [0, 0, 0],
    finalValues: [0, 0, 0],
    lastValues: [8],
    gamma: g,
    gaeLambda: 1,
  });
  close(returns, [1 + g * 2 + g * g * 4 + g ** 3 * 8, 2 + g * 4 + g * g * 8, 4 + g * 8]);
});
