import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { returnPlateau, returnRegression } from "../../../../src/core/diagnostics/rules/progress";
import { history, runRule } from "./helpers";

describe("return.regression", () => {
  test("a sharp fall after real progress fires", () => {
    // climbs 10 -> 300 by update 30, collapses to 40 from update 36
    const rows = history(45, (u) => ({ ep_rew_mean: u <= 30 ? 10 * u : u < 36 ? 300 : 40, ep_rew_min: 8, ep_rew_max: 320 }));
    const r = runRule(returnRegression, rows);
    assert.equal(r.firedAt, 38);
    assert.equal(r.findings[0].evidence.metric, "ep_rew_mean");
    assert.equal(r.findings[0].evidence.context?.best, 300);
  });
  test("noise of a flat learner is not a regression", () => {
    const rows = history(80, (u) => ({ ep_rew_mean: 20 + 3 * Math.sin(u * 1.7), ep_rew_min: 2, ep_rew_max: 90 }));
    assert.equal(runRule(returnRegression, rows).firedAt, undefined);
  });
  test("small dips of a learning run are not a regression", () => {
    const rows = history(80, (u) => ({ ep_rew_mean: 5 * u - (u % 7 === 0 ? 30 : 0), ep_rew_min: 2, ep_rew_max: 5 * u + 50 }));
    assert.equal(runRule(returnRegression, rows).firedAt, undefined);
  });
});

describe("return.plateau", () => {
  test("no new best for 50 updates while single episodes did much better fires (info)", () => {
    const rows = history(80, (u) => ({ ep_rew_mean: u < 10 ? 5 * u : 50, ep_rew_min: 0, ep_rew_max: 200 }));
    const r = runRule(returnPlateau, rows);
    // last new best at update 9 (45 -> 50 at 10 is a 2.5% step of the 200 spread, so 10); 50 updates later
    assert.equal(r.firedAt, 60);
    assert.equal(r.findings[0].severity, "info");
  });
  test("a plateau at the best return (solved) stays quiet", () => {
    const rows = history(120, (u) => ({ ep_rew_mean: Math.min(500, 10 * u), ep_rew_min: 9, ep_rew_max: 500 }));
    assert.equal(runRule(returnPlateau, rows).firedAt, undefined);
  });
});
