/**
 * Findings on the host side without `vscode`: a finding -> Problems-panel entry (file, 0-based position, message,
 * severity, code), grouping by file, reading diagnostics.jsonl rows back, and what dashboard snapshots carry.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import type { DiagnosticFinding } from "../../../src/core/diagnostics/types";
import { findingProblem, findingsFromRows, isFinding, latestById, problemsByFile } from "../../../src/extension/findings";
import { runData } from "../../../src/extension/panels/dashboard-data";
import { RunManager, type TrainerHandle } from "../../../src/extension/run-manager";
import type { FromTrainerMessage } from "../../../src/protocol";

const ENV = "/ws/envs/my-env.ts";

function finding(patch: Partial<DiagnosticFinding> = {}): DiagnosticFinding {
  return {
    id: "kl.exploding",
    severity: "warning",
    title: "the policy changes too much per update",
    explanation: "approx_kl is far above 0.05.",
    evidence: {
      metric: "approx_kl",
      values: [0.06, 0.09, null],
      updates: { from: 3, to: 5 },
      value: 0.09,
      threshold: 0.05,
      comparison: "above",
      smoothing: "median of the last 3 updates",
    },
    suggestions: ["lower `learningRate` to 1e-4 (now 3e-4)", "set `targetKl: 0.02`"],
    update: 5,
    totalTimesteps: 5 * 2048,
    source: "[ANDRY]",
    ...patch,
  };
}

describe("findingProblem", () => {
  test("a finding without a location goes to the export default line, message = title + first suggestion", () => {
    assert.deepEqual(findingProblem(finding(), ENV, 17), {
      file: ENV,
      line: 17,
      column: 0,
      message: "the policy changes too much per update\nTry: lower `learningRate` to 1e-4 (now 3e-4)",
      severity: "warning",
      code: "kl.exploding",
    });
  });

  test("an env finding goes to its location (1-based in the finding, 0-based in the result), severity kept", () => {
    const p = findingProblem(
      finding({ id: "reward.nonfinite", severity: "error", title: "the env returned a NaN reward", location: { file: ENV, line: 42, column: 3, method: "step" } }),
      ENV,
      17,
    );
    assert.deepEqual([p.file, p.line, p.column, p.severity, p.code], [ENV, 41, 2, "error", "reward.nonfinite"]);
  });

  test("no suggestion: the title alone; a location elsewhere: that file", () => {
    const p = findingProblem(finding({ severity: "info", suggestions: [], location: { file: "/ws/envs/helper.ts", line: 1, column: 1 } }), ENV, 9);
    assert.deepEqual([p.file, p.line, p.column, p.message, p.severity], ["/ws/envs/helper.ts", 0, 0, "the policy changes too much per update", "info"]);
  });
});

describe("problemsByFile", () => {
  test("groups by file, one entry per rule id (the latest), every env file present", () => {
    const calls: string[] = [];
    const byFile = problemsByFile(
      [
        {
          envFile: ENV,
          findings: [
            finding({ update: 5 }),
            finding({ id: "reward.nonfinite", severity: "error", location: { file: ENV, line: 42, column: 3 } }),
            finding({ update: 30, title: "again" }),
          ],
        },
        { envFile: "/ws/other.ts", findings: [] },
      ],
      (file) => {
        calls.push(file);
        return 12;
      },
    );
    assert.deepEqual([...byFile.keys()].sort(), ["/ws/envs/my-env.ts", "/ws/other.ts"]);
    assert.deepEqual(byFile.get("/ws/other.ts"), []);
    const mine = byFile.get(ENV)!;
    assert.deepEqual(
      mine.map((p) => [p.code, p.line, p.message.split("\n")[0]]),
      [
        ["kl.exploding", 12, "again"],
        ["reward.nonfinite", 41, "the policy changes too much per update"],
      ],
    );
    assert.deepEqual(calls, [ENV], "the env file is read once, only when a finding needs its export line");
  });

  test("latestById keeps the first-seen order of ids with the latest finding of each", () => {
    const out = latestById([finding({ update: 1 }), finding({ id: "b" }), finding({ update: 9 })]);
    assert.deepEqual(
      out.map((f) => [f.id, f.update]),
      [
        ["kl.exploding", 9],
        ["b", 5],
      ],
    );
  });
});

describe("reading findings back", () => {
  test("isFinding accepts a finding (after a JSON round trip) and rejects other rows", () => {
    assert.ok(isFinding(JSON.parse(JSON.stringify(finding({ location: { file: ENV, line: 1, column: 1 } })))));
    assert.ok(!isFinding({ id: "x" }));
    assert.ok(!isFinding(null));
    assert.ok(!isFinding({ ...finding(), severity: "fatal" }));
    assert.ok(!isFinding({ ...finding(), evidence: { ...finding().evidence, comparison: "near" } }));
    assert.ok(!isFinding({ ...finding(), location: { file: ENV } }));
    assert.equal(findingsFromRows([finding(), { note: "x" }, finding({ id: "y" })]).length, 2);
  });

  test("a past run's snapshot carries the findings of its diagnostics.jsonl", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-findings-"));
    try {
      const rows = [finding(), { unrelated: true }, finding({ id: "value.not-learning", severity: "info", update: 9 })];
      fs.writeFileSync(path.join(dir, "diagnostics.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const data = runData({
        kind: "past",
        info: { dir, id: "r1", envName: "my-env", envFile: ENV, status: "finished", createdAt: "2026-01-01T00:00:00Z", config: {} } as never,
      });
      assert.deepEqual(
        data.findings?.map((f) => f.id),
        ["kl.exploding", "value.not-learning"],
      );
      // No diagnostics file: no findings, no throw.
      fs.rmSync(path.join(dir, "diagnostics.jsonl"));
      assert.deepEqual(runData({ kind: "past", info: { dir, id: "r1", envName: "e", status: "finished", createdAt: "", config: {} } as never }).findings, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a live run keeps the trainer's findings, and its snapshot carries them", () => {
    let emit: (m: FromTrainerMessage) => void = () => undefined;
    const handle: TrainerHandle = {
      send: () => undefined,
      onMessage: (l) => (emit = l),
      onExit: () => undefined,
      kill: () => undefined,
      pid: 1,
    };
    const manager = new RunManager(() => handle, { maxConcurrent: () => 1 });
    const run = manager.start({ env: ENV, cwd: "/ws", runsRoot: "/ws/.ppo-lab/runs" }, { check: false });
    const seen: string[] = [];
    manager.onMessage(({ msg }) => msg.type === "diagnostic" && seen.push(msg.finding.id));
    emit({ type: "diagnostic", finding: finding() });
    emit({ type: "diagnostic", finding: finding({ id: "b", update: 7 }) });
    assert.deepEqual(
      run.findings.map((f) => f.id),
      ["kl.exploding", "b"],
    );
    assert.deepEqual(seen, ["kl.exploding", "b"]);
    assert.deepEqual(
      runData({ kind: "live", run }).findings?.map((f) => f.id),
      ["kl.exploding", "b"],
    );
    manager.dispose();
  });
});
