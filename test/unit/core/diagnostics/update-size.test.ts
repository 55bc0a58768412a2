import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { clipHigh, gradSpike, klExploding, ratioNotOne } from "../../../../src/core/diagnostics/rules/update-size";
import { config, history, runRule } from "./helpers";

describe("kl.exploding", () => {
  test("fires once the median approx_kl of the window passes 0.05, with lr and epochs in the evidence", () => {
    const rows = history(20, (u) => ({ approx_kl: u >= 8 ? 0.12 : 0.01 }));
    const r = runRule(klExploding, rows);
    // window 5: updates 8..10 are 3 of 5 -> the median crosses at update 10
    assert.equal(r.firedAt, 10);
    assert.equal(r.findings.length, 1, "sustained: one finding, not one per update");
    const f = r.findings[0];
    assert.equal(f.severity, "warning");
    assert.equal(f.evidence.metric, "approx_kl");
    assert.deepEqual(f.evidence.updates, { from: 6, to: 10 });
    assert.deepEqual(f.evidence.values, [0.01, 0.01, 0.12, 0.12, 0.12]);
    assert.equal(f.evidence.threshold, 0.05);
    assert.equal(f.evidence.context?.learningRate, 3e-4);
    assert.equal(f.evidence.context?.nEpochs, 10);
    assert.match(f.suggestions[0], /learningRate/);
  });
  test("one or two noisy updates do not fire", () => {
    const rows = history(30, (u) => ({ approx_kl: u % 10 === 0 || u % 10 === 1 ? 0.5 : 0.01 }));
    assert.equal(runRule(klExploding, rows).firedAt, undefined);
  });
  test("with targetKl the threshold is 5x targetKl", () => {
    const rows = history(10, () => ({ approx_kl: 0.08 }));
    assert.equal(runRule(klExploding, rows, { config: config({ targetKl: 0.02 }) }).firedAt, undefined);
    const r = runRule(klExploding, rows, { config: config({ targetKl: 0.01 }) });
    assert.equal(r.firedAt, 5);
    assert.equal(r.findings[0].evidence.threshold, 0.05);
  });
  test("healthy history stays quiet", () => {
    assert.equal(runRule(klExploding, history(50, (u) => ({ approx_kl: 0.005 + 0.03 * Math.abs(Math.sin(u)) }))).firedAt, undefined);
  });
});

describe("clip.high", () => {
  test("fires on a sustained clip fraction above 0.4 and not on a single spike", () => {
    assert.equal(runRule(clipHigh, history(20, (u) => ({ clip_fraction: u === 7 ? 0.9 : 0.15 }))).firedAt, undefined);
    const r = runRule(clipHigh, history(20, (u) => ({ clip_fraction: u > 4 ? 0.45 : 0.1 })));
    assert.equal(r.firedAt, 7);
    assert.equal(r.findings[0].evidence.metric, "clip_fraction");
    assert.equal(r.findings[0].evidence.threshold, 0.4);
  });
  test("the threshold is a setting", () => {
    const rows = history(10, () => ({ clip_fraction: 0.25 }));
    assert.equal(runRule(clipHigh, rows).firedAt, undefined);
    assert.equal(runRule(clipHigh, rows, { config: config({ diagnostics: { clipFractionThreshold: 0.2 } }) }).firedAt, 5);
  });
});

describe("ratio.not-one", () => {
  test("float32 rounding is not a bug", () => {
    assert.equal(runRule(ratioNotOne, history(20, () => ({ first_ratio_dev: 1.2e-7 }))).firedAt, undefined);
  });
  test("fires (error) when the first-minibatch ratio is off in two updates, not in one", () => {
    assert.equal(runRule(ratioNotOne, history(20, (u) => ({ first_ratio_dev: u === 5 ? 0.3 : 0 }))).firedAt, undefined);
    const r = runRule(ratioNotOne, history(20, (u) => ({ first_ratio_dev: u >= 5 ? 0.3 : 0 })));
    assert.equal(r.firedAt, 6);
    assert.equal(r.findings[0].severity, "error");
    assert.equal(r.findings[0].evidence.metric, "first_ratio_dev");
  });
});

describe("grad.spike", () => {
  test("two spikes above 10x the running median within the window fire; one does not", () => {
    assert.equal(runRule(gradSpike, history(40, (u) => ({ grad_norm: u === 25 ? 40 : 1 + 0.2 * Math.sin(u) }))).firedAt, undefined);
    const r = runRule(gradSpike, history(40, (u) => ({ grad_norm: u === 25 || u === 27 ? 40 : 1 + 0.2 * Math.sin(u) })));
    assert.equal(r.firedAt, 27);
    const f = r.findings[0];
    assert.equal(f.evidence.metric, "grad_norm");
    assert.ok(f.evidence.value !== null && f.evidence.value > 30);
  });
  test("the first suggestion fits the algorithm: normalizeReward for PPO, grpo.scaleByStd for GRPO (which ignores normalizeReward)", () => {
    const spikes = history(40, (u) => ({ grad_norm: u === 25 || u === 27 ? 40 : 1 + 0.2 * Math.sin(u) }));
    assert.match(runRule(gradSpike, spikes).findings[0].suggestions[0], /normalizeReward: true/);
    const grpo = (scaleByStd: boolean) => config({ algorithm: "grpo", grpo: { groupSize: 8, klCoef: 0.04, scaleByStd, maxRolloutSteps: 10_000 } });
    assert.match(runRule(gradSpike, spikes, { config: grpo(false) }).findings[0].suggestions[0], /grpo\.scaleByStd: true/);
    const withStd = runRule(gradSpike, spikes, { config: grpo(true) }).findings[0].suggestions;
    assert.ok(!withStd.some((t) => /normalizeReward|scaleByStd/.test(t)), withStd.join("; "));
  });
  test("a slow rise of the gradient norm (returns growing while learning) is not a spike", () => {
    assert.equal(runRule(gradSpike, history(200, (u) => ({ grad_norm: Math.exp(u / 20) }))).firedAt, undefined);
  });
});
