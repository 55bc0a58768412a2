import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  actionSaturation,
  entropyCollapsed,
  entropyStuckMax,
  relativeEntropy,
  stdBlowup,
  stdCollapse,
} from "../../../../src/core/diagnostics/rules/exploration";
import { CATEGORICAL, GAUSSIAN, config, history, row, runRule } from "./helpers";

const LOG2 = Math.log(2);
/** Entropy of a 1-d Gaussian with the given std. */
const gaussH = (std: number) => 0.5 * Math.log(2 * Math.PI * Math.E) + Math.log(std);

describe("relativeEntropy", () => {
  test("categorical: H / log n; Gaussian: std relative to the initial std", () => {
    assert.equal(relativeEntropy(row(1, { entropy: LOG2 }), CATEGORICAL, config()), 1);
    assert.ok(Math.abs(relativeEntropy(row(1, { entropy: gaussH(0.5) }), GAUSSIAN, config()) - 0.5) < 1e-12);
    assert.ok(Math.abs(relativeEntropy(row(1, { entropy: gaussH(0.5) }), GAUSSIAN, config({ logStdInit: Math.log(0.5) })) - 1) < 1e-12);
  });
});

describe("entropy.collapsed", () => {
  test("near-zero entropy while the return is far from the best episode fires", () => {
    // returns stuck around 20 while an episode reached 200; entropy falls slowly to 0.02 of its maximum
    const rows = history(60, (u) => ({ entropy: LOG2 * Math.max(0.02, 1 - u / 40), ep_rew_mean: 20, ep_rew_min: 5, ep_rew_max: u > 3 ? 200 : 30 }));
    const r = runRule(entropyCollapsed, rows);
    assert.ok(r.firedAt !== undefined && r.firedAt >= 40 && r.firedAt <= 42, `fired at ${r.firedAt}`);
    assert.equal(r.findings[0].evidence.metric, "relative_entropy");
    assert.equal(r.findings[0].evidence.threshold, 0.05);
  });
  test("a deterministic policy that gets the best return (solved) is fine", () => {
    const rows = history(60, (u) => ({ entropy: LOG2 * Math.max(0.02, 1 - u / 40), ep_rew_mean: 500, ep_rew_min: 9, ep_rew_max: 500 }));
    assert.equal(runRule(entropyCollapsed, rows).firedAt, undefined);
  });
  test("losing most of the entropy within one window fires", () => {
    const rows = history(30, (u) => ({ entropy: u <= 12 ? 0.65 : 0.05 }));
    const r = runRule(entropyCollapsed, rows);
    assert.equal(r.firedAt, 15);
    assert.match(r.findings[0].title, /within 5 updates/);
  });
  test("a healthy slow decline stays quiet (CartPole-like)", () => {
    const rows = history(300, (u) => ({ entropy: LOG2 * (0.25 + 0.75 * Math.exp(-u / 60)), ep_rew_mean: Math.min(500, 20 + 2 * u) , ep_rew_max: Math.min(500, 40 + 3 * u) }));
    assert.equal(runRule(entropyCollapsed, rows).firedAt, undefined);
  });
});

describe("entropy.stuck-max", () => {
  test("uniform policy after warm-up fires; early updates do not", () => {
    const rows = history(20, () => ({ entropy: LOG2 * 0.999 }));
    const r = runRule(entropyStuckMax, rows, { config: config({ entCoef: 1 }) });
    assert.equal(r.firedAt, 10, "warmupUpdates 10");
    assert.match(r.findings[0].suggestions[0], /entCoef/);
  });
  test("entropy that falls stays quiet", () => {
    assert.equal(runRule(entropyStuckMax, history(40, (u) => ({ entropy: LOG2 * Math.exp(-u / 30) }))).firedAt, undefined);
  });
  test("Gaussian: std that does not shrink (or grows) counts as stuck", () => {
    const r = runRule(entropyStuckMax, history(20, (u) => ({ entropy: gaussH(1 + u / 10) })), { policy: GAUSSIAN });
    assert.equal(r.firedAt, 10);
  });
});

describe("action.saturation", () => {
  test("fires when most continuous actions are clipped; ignored for Discrete", () => {
    const rows = history(10, () => ({ action_saturation: 0.8, std: 3 }));
    assert.equal(runRule(actionSaturation, rows, { policy: GAUSSIAN }).firedAt, 5);
    assert.equal(runRule(actionSaturation, rows, { policy: CATEGORICAL }).firedAt, undefined);
    assert.equal(runRule(actionSaturation, history(10, () => ({ action_saturation: 0.3 })), { policy: GAUSSIAN }).firedAt, undefined);
  });
});

describe("action.std-collapse / action.std-blowup", () => {
  test("std far below the action half-range fires collapse", () => {
    const rows = history(10, () => ({ log_std_min: Math.log(1e-4), log_std_max: Math.log(1e-4) }));
    const r = runRule(stdCollapse, rows, { policy: GAUSSIAN });
    assert.equal(r.firedAt, 5);
    assert.equal(r.findings[0].evidence.metric, "log_std_min");
    assert.equal(runRule(stdCollapse, history(10, () => ({ log_std_min: Math.log(0.2), log_std_max: Math.log(0.2) })), { policy: GAUSSIAN }).firedAt, undefined);
  });
  test("std far above the action half-range fires blow-up; unbounded spaces use the logStdRange ceiling", () => {
    const rows = history(10, () => ({ log_std_min: Math.log(5), log_std_max: Math.log(5) }));
    assert.equal(runRule(stdBlowup, rows, { policy: GAUSSIAN }).firedAt, 5);
    const unbounded = { kind: "gaussian" as const, actionDim: 1, low: [-Infinity], high: [Infinity] };
    assert.equal(runRule(stdBlowup, rows, { policy: unbounded }).firedAt, undefined);
    const pinned = history(10, () => ({ log_std_min: 2, log_std_max: 2 }));
    assert.equal(runRule(stdBlowup, pinned, { policy: unbounded }).firedAt, 5);
    assert.equal(runRule(stdBlowup, history(10, () => ({ log_std_min: 0, log_std_max: 0 })), { policy: GAUSSIAN }).firedAt, undefined);
  });
});
