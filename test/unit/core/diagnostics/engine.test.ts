import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DiagnosticsEngine, policyInfoOf } from "../../../../src/core/diagnostics/engine";
import { formatFinding, formatSummary } from "../../../../src/core/diagnostics/format";
import { klExploding } from "../../../../src/core/diagnostics/rules/update-size";
import { DEFAULT_DIAGNOSTICS } from "../../../../src/core/diagnostics/settings";
import { resolveConfig, validatePartialConfig } from "../../../../src/core/ppo/config";
import { makeSpace } from "../../../../src/core/spaces";
import { CATEGORICAL, config, history } from "./helpers";

describe("DiagnosticsEngine", () => {
  test("a sustained condition fires once; the rule re-arms only after the condition cleared", () => {
    const engine = new DiagnosticsEngine({ config: config(), policy: CATEGORICAL, rules: [klExploding] });
    // bad 6..15, clear 16..25, bad again 26..35
    const rows = history(40, (u) => ({ approx_kl: (u >= 6 && u <= 15) || u >= 26 ? 0.2 : 0.01 }));
    const firedAt: number[] = [];
    for (const r of rows) for (const f of engine.observe(r)) firedAt.push(f.update);
    assert.deepEqual(firedAt, [8, 28]);
    assert.equal(engine.findings.length, 2);
    assert.deepEqual(engine.activeIds, ["kl.exploding"]);
  });
  test("enabled: false runs no rule", () => {
    const engine = new DiagnosticsEngine({ config: config({ diagnostics: { enabled: false } }), policy: CATEGORICAL });
    for (const r of history(20, () => ({ approx_kl: 1, clip_fraction: 0.9 }))) engine.observe(r);
    assert.equal(engine.findings.length, 0);
  });
  test("every rule is quiet on a healthy synthetic history", () => {
    const engine = new DiagnosticsEngine({ config: config(), policy: CATEGORICAL });
    for (const r of history(200, (u) => ({ entropy: 0.69 * (0.3 + 0.7 * Math.exp(-u / 50)) }))) engine.observe(r);
    assert.deepEqual(engine.findings.map((f) => f.id), []);
  });
  test("findings are plain JSON (NaN becomes null)", () => {
    const engine = new DiagnosticsEngine({ config: config(), policy: CATEGORICAL, rules: [klExploding] });
    for (const r of history(6, (u) => ({ approx_kl: u === 1 ? NaN : 0.3 }))) engine.observe(r);
    const f = engine.findings[0];
    assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
    assert.equal(f.evidence.values[0], null);
  });
  test("policyInfoOf", () => {
    assert.deepEqual(policyInfoOf(makeSpace({ type: "Discrete", n: 3 }, "a")), { kind: "categorical", nActions: 3 });
    assert.deepEqual(policyInfoOf(makeSpace({ type: "Box", low: [-2], high: [2], shape: [1] }, "a")), { kind: "gaussian", actionDim: 1, low: [-2], high: [2] });
  });
});

describe("config.diagnostics", () => {
  test("defaults, key-by-key merge of partial layers, schema errors for unknown keys", () => {
    assert.deepEqual(resolveConfig([]).config.diagnostics, DEFAULT_DIAGNOSTICS);
    const { config: c } = resolveConfig([
      { kind: "file", label: "a", values: validatePartialConfig({ diagnostics: { klThreshold: 0.1 } }, "a") },
      { kind: "flag", label: "b", values: validatePartialConfig({ diagnostics: { window: 3 } }, "b") },
    ]);
    assert.equal(c.diagnostics.klThreshold, 0.1);
    assert.equal(c.diagnostics.window, 3);
    assert.equal(c.diagnostics.clipFractionThreshold, DEFAULT_DIAGNOSTICS.clipFractionThreshold);
    assert.throws(() => validatePartialConfig({ diagnostics: { klThreshhold: 0.1 } }, "x"), /klThreshhold/);
    assert.throws(() => validatePartialConfig({ diagnostics: { window: 0 } }, "x"), /window/);
  });
});

describe("format", () => {
  test("one line with the evidence, the top suggestion, and a summary", () => {
    const engine = new DiagnosticsEngine({ config: config(), policy: CATEGORICAL, rules: [klExploding] });
    for (const r of history(9, (u) => ({ approx_kl: u >= 4 ? 0.12 : 0.01 }))) engine.observe(r);
    const text = formatFinding(engine.findings[0]);
    assert.match(text, /^warning \[kl\.exploding\] approx_kl 0\.12 > 0\.05 over updates 2-6: the policy changes too much per update\n  try: lower `learningRate` to 1e-4/);
    assert.match(formatSummary(engine.findings, "/r/diagnostics.jsonl"), /^diagnostics: 1 warning \(details in \/r\/diagnostics\.jsonl\)\n  warning \[kl\.exploding\] update 6:/);
    assert.equal(formatSummary([]), "diagnostics: no findings");
  });
});
