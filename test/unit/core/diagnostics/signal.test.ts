import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { constantReward, noEpisodes, noLearningSignal, obsScale, zeroAdvantage } from "../../../../src/core/diagnostics/rules/signal";
import { config, history, runRule } from "./helpers";

describe("signal.constant-reward", () => {
  test("a reward that is always 0 fires after one window, with the sparse-reward note", () => {
    const r = runRule(constantReward, history(10, () => ({ reward_mean: 0, reward_std: 0, terminated_count: 5 })));
    assert.equal(r.firedAt, 5);
    const text = r.findings[0].suggestions.join("\n");
    assert.match(text, /GRPO/);
    assert.match(text, /ZPPO/);
    assert.equal(r.findings[0].location?.method, "step");
  });
  test("a constant non-zero reward with terminations is a signal (CartPole); without terminations it is not", () => {
    assert.equal(runRule(constantReward, history(10, () => ({ reward_mean: 1, reward_std: 0, terminated_count: 3 }))).firedAt, undefined);
    assert.equal(runRule(constantReward, history(10, () => ({ reward_mean: 1, reward_std: 0, terminated_count: 0 }))).firedAt, 5);
  });
  test("one rollout with a reward in it is enough to stay quiet", () => {
    const rows = history(10, (u) => ({ reward_mean: u === 3 || u === 8 ? 0.01 : 0, reward_std: u === 3 || u === 8 ? 0.1 : 0, terminated_count: 1 }));
    assert.equal(runRule(constantReward, rows).firedAt, undefined);
  });
});

describe("signal.zero-advantage", () => {
  test("advantages that are all equal fire; the tiny but real advantages of solved CartPole do not", () => {
    assert.equal(runRule(zeroAdvantage, history(10, () => ({ advantage_std: 0 }))).firedAt, 5);
    assert.equal(runRule(zeroAdvantage, history(10, () => ({ advantage_std: 3e-3, reward_mean: 1, reward_std: 0 }))).firedAt, undefined);
  });
});

describe("signal.no-episodes", () => {
  test("fires once 2000 steps per env passed without an episode, and clears when one finishes", () => {
    const cfg = config({ nEnvs: 4 });
    // 1024 steps per update over 4 envs: 256 per env; 2000 per env after update 8
    const rows = history(12, (u) => ({ episodes: u < 11 ? 0 : 2, ep_rew_mean: NaN }));
    const r = runRule(noEpisodes, rows, { config: cfg });
    assert.equal(r.firedAt, 8);
    assert.match(r.findings[0].suggestions[0], /maxEpisodeSteps/);
    assert.equal(r.findings[0].evidence.metric, "episodes");
  });
});

describe("obs.scale", () => {
  test("large raw observations fire unless normalizeObservation is on", () => {
    const rows = history(10, () => ({ obs_rms_max: 800, obs_abs_max: 2500 }));
    assert.equal(runRule(obsScale, rows).firedAt, 5);
    assert.equal(runRule(obsScale, rows, { config: config({ normalizeObservation: true }) }).firedAt, undefined);
    assert.equal(runRule(obsScale, history(10, () => ({ obs_rms_max: 3 }))).firedAt, undefined);
  });
});

describe("signal.no-learning-signal", () => {
  test("GRPO groups that all score the same fire; PPO runs and GRPO runs with varied groups do not", () => {
    const grpo = config({ algorithm: "grpo" });
    assert.equal(runRule(noLearningSignal, history(10, () => ({ zero_advantage_fraction: 1 })), { config: grpo }).firedAt, 5);
    const fired = runRule(noLearningSignal, history(10, () => ({ zero_advantage_fraction: 0.95 })), { config: grpo });
    assert.match(fired.findings[0].title, /95% of GRPO groups have no learning signal/);
    assert.equal(runRule(noLearningSignal, history(10, () => ({ zero_advantage_fraction: 0.5 })), { config: grpo }).firedAt, undefined);
    assert.equal(runRule(noLearningSignal, history(10, () => ({ zero_advantage_fraction: 1 })), { config: config({}) }).firedAt, undefined);
  });
});
