/**
 * "Train on Learned Reward" overrides: the new run keeps the rated run's algorithm; fine-tuning a PPO run adds the
 * adaptive KL penalty to the reference, fine-tuning a GRPO run relies on GRPO's own KL term (klPenalty against the
 * reference is a config error with GRPO), and either resolves to a valid config.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveConfig } from "../../../src/core/ppo/config";
import { learnedRewardOverrides } from "../../../src/extension/learned-reward";

const MODEL = "/runs/r1/reward-model.json";

test("fine-tuning a PPO run: initFrom the rated run, adaptive KL penalty to it, on the learned reward", () => {
  const o = learnedRewardOverrides(MODEL, "/runs/r1", { algorithm: "ppo", nEnvs: 4 }, true);
  assert.equal(o.algorithm, "ppo");
  assert.equal(o.rewardModel, MODEL);
  assert.equal(o.initFrom, "/runs/r1");
  assert.equal(o.klPenalty?.mode, "adaptive");
  assert.equal(o.klPenalty?.against, "reference");
  const { config } = resolveConfig([{ kind: "flag", label: "learned reward", values: o }]);
  assert.equal(config.klPenalty.against, "reference");
});

test("fine-tuning a GRPO run keeps GRPO and no klPenalty, so the config resolves (it used to fail the run)", () => {
  const o = learnedRewardOverrides(MODEL, "/runs/g1", { algorithm: "grpo" }, true);
  assert.equal(o.algorithm, "grpo");
  assert.equal(o.initFrom, "/runs/g1");
  assert.equal(o.klPenalty, undefined);
  const { config } = resolveConfig([{ kind: "flag", label: "learned reward", values: o }]);
  assert.equal(config.algorithm, "grpo");
  assert.equal(config.klPenalty.mode, "off");
  // What the command used to set for every run does not resolve with GRPO.
  assert.throws(() => resolveConfig([{ kind: "flag", label: "old", values: { ...o, klPenalty: { ...config.klPenalty, mode: "adaptive", against: "reference" } } }]), /grpo\.klCoef/);
});

test("a fresh policy: only the reward model and the algorithm; a run.json without algorithm counts as PPO", () => {
  assert.deepEqual(learnedRewardOverrides(MODEL, "/runs/r1", {}, false), { rewardModel: MODEL, algorithm: "ppo" });
  assert.deepEqual(learnedRewardOverrides(MODEL, "/runs/g1", { algorithm: "grpo" }, false), { rewardModel: MODEL, algorithm: "grpo" });
});
