import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { rewardScale, valueLossExploding, valueNotLearning } from "../../../../src/core/diagnostics/rules/value";
import { config, history, runRule } from "./helpers";

describe("value.not-learning", () => {
  test("explained variance <= 0 after warm-up fires; before warm-up it does not", () => {
    const r = runRule(valueNotLearning, history(20, () => ({ explained_variance: -0.2 })));
    assert.equal(r.firedAt, 10);
    assert.equal(r.findings[0].evidence.metric, "explained_variance");
    assert.equal(r.findings[0].evidence.comparison, "below");
    assert.equal(runRule(valueNotLearning, history(9, () => ({ explained_variance: -0.2 }))).firedAt, undefined);
  });
  test("negative dips in a healthy run are smoothed away", () => {
    const rows = history(60, (u) => ({ explained_variance: u % 4 === 0 ? -3 : 0.8 }));
    assert.equal(runRule(valueNotLearning, rows).firedAt, undefined);
  });
  test("updates with nearly constant value targets (solved CartPole) are left out", () => {
    const rows = history(60, (u) => ({ explained_variance: u % 2 ? -4 : 0.7, return_mean: 50, return_std: 0.002 }));
    assert.equal(runRule(valueNotLearning, rows).firedAt, undefined);
  });
  test("vfCoef 0 is named in the suggestions", () => {
    const r = runRule(valueNotLearning, history(12, () => ({ explained_variance: -1 })), { config: config({ vfCoef: 0 }) });
    assert.match(r.findings[0].suggestions.join("\n"), /vfCoef/);
  });
});

describe("value.loss-exploding", () => {
  test("three orders of magnitude of growth fire; a 10x rise while learning does not", () => {
    assert.equal(runRule(valueLossExploding, history(40, (u) => ({ value_loss: 1 + u / 4 }))).firedAt, undefined);
    const r = runRule(valueLossExploding, history(40, (u) => ({ value_loss: u <= 15 ? 1 + (u % 3) / 10 : 5000 })));
    // first-window median 1.1; the window median becomes 5000 when 3 of its 5 updates are past 15
    assert.equal(r.firedAt, 18);
    assert.equal(r.findings[0].evidence.metric, "value_loss");
  });
});

describe("critic rules under GRPO", () => {
  test("GRPO trains no critic, so neither value rule fires on its value head's metrics", () => {
    const grpo = config({ algorithm: "grpo" });
    const noEv = history(20, () => ({ explained_variance: -0.2 }));
    assert.equal(runRule(valueNotLearning, noEv).firedAt, 10);
    assert.equal(runRule(valueNotLearning, noEv, { config: grpo }).firedAt, undefined);
    const growing = history(40, (u) => ({ value_loss: u <= 15 ? 1 : 5000 }));
    assert.notEqual(runRule(valueLossExploding, growing).firedAt, undefined);
    assert.equal(runRule(valueLossExploding, growing, { config: grpo }).firedAt, undefined);
  });
});

describe("reward.scale", () => {
  test("large value targets with normalizeReward off fire, pointing at the env's step", () => {
    const r = runRule(rewardScale, history(10, () => ({ return_mean: 2e5, return_std: 5e4, reward_mean: 1e4 })));
    assert.equal(r.firedAt, 5);
    const f = r.findings[0];
    assert.equal(f.evidence.metric, "return_scale");
    assert.equal(f.evidence.threshold, 1000);
    assert.match(f.suggestions[0], /normalizeReward: true/);
    assert.equal(f.location?.method, "step");
    assert.equal(f.location?.line, 7);
  });
  test("quiet with normalizeReward on, and for Pendulum-sized returns", () => {
    const big = history(10, () => ({ return_mean: 2e5, return_std: 5e4 }));
    assert.equal(runRule(rewardScale, big, { config: config({ normalizeReward: true }) }).firedAt, undefined);
    assert.equal(runRule(rewardScale, history(30, () => ({ return_mean: -160, return_std: 60 }))).firedAt, undefined);
  });
  test("quiet for GRPO (no value head; normalizeReward does not apply), on the history that fires for PPO", () => {
    const big = history(10, () => ({ return_mean: 2e5, return_std: 5e4 }));
    assert.notEqual(runRule(rewardScale, big, { config: config({ algorithm: "ppo" }) }).firedAt, undefined);
    assert.equal(runRule(rewardScale, big, { config: config({ algorithm: "grpo" }) }).firedAt, undefined);
  });
});
