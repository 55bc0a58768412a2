import { test } from "node:test";
import assert from "node:assert/strict";
import { broadcastToSteps, groupAdvantages, GRPO_STD_EPS } from "../../../../src/core/grpo/advantages";

test("group advantages match a hand-computed group", () => {
  // Group 0: returns 1, 2, 3, 6 -> mean 3, unbiased std sqrt((4 + 1 + 0 + 9) / 3) = sqrt(14/3).
  // Group 1: returns 10, 10, 10, 10 -> no signal.
  const { advantages, zeroAdvantageFraction, groupMean, groupStd } = groupAdvantages([1, 2, 3, 6, 10, 10, 10, 10], 4);
  const std = Math.sqrt(14 / 3);
  const expected = [-2, -1, 0, 3].map((d) => d / (std + GRPO_STD_EPS));
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(advantages[j] - expected[j]) < 1e-6, `${advantages[j]} vs ${expected[j]}`);
  assert.deepEqual(Array.from(advantages.slice(4)), [0, 0, 0, 0]);
  assert.equal(zeroAdvantageFraction, 0.5);
  assert.equal(groupMean[0], 3);
  assert.ok(Math.abs(groupStd[0] - std) < 1e-6);
});

test("advantages within a group sum to zero and keep the order of the returns", () => {
  const r = [5, -1, 2, 7, 0, 3];
  const { advantages } = groupAdvantages(r, 3);
  assert.ok(Math.abs(advantages[0] + advantages[1] + advantages[2]) < 1e-5);
  assert.ok(advantages[0] > advantages[2] && advantages[2] > advantages[1]);
  const noStd = groupAdvantages(r, 3, false).advantages;
  assert.ok(Math.abs(noStd[3] - (7 - 10 / 3)) < 1e-5);
});

test("bad groups are rejected", () => {
  assert.throws(() => groupAdvantages([1, 2, 3], 2), /whole number of groups/);
  assert.throws(() => groupAdvantages([1, 2], 1), /group size/);
  assert.throws(() => groupAdvantages([1, NaN], 2), /must be finite/);
});

test("rollout advantages spread over their steps", () => {
  assert.deepEqual(Array.from(broadcastToSteps([1, -2], [2, 3])), [1, 1, -2, -2, -2]);
  assert.throws(() => broadcastToSteps([1], [0]), /length 0/);
});
