/**
 * Comparing algorithms: the run list, the summary of a learning curve (final = mean of the last 10 rewards, best,
 * first step at the threshold), the table renderings, and a tiny real PPO vs GRPO pair on CartPole.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../../../src/core/ppo/config";
import { RunReader } from "../../../src/core/run/reader";
import { RunWriter } from "../../../src/core/run/writer";
import type { MetricsRow } from "../../../src/core/run/types";
import { runComparison } from "../../../src/cli/compare-command";
import {
  buildCompareEntries,
  entryOverrides,
  formatFailureReasons,
  formatSummaryMarkdown,
  formatSummaryTable,
  summarizeMetrics,
  summarizeRun,
} from "../../../src/trainer/compare";

/** Rows with total_timesteps 100, 200, ... and the given ep_rew_mean values. */
function rows(rewards: (number | null)[]): MetricsRow[] {
  return rewards.map((r, i) => ({ update: i + 1, total_timesteps: (i + 1) * 100, ep_rew_mean: r, wall_seconds: (i + 1) * 0.5 }));
}

test("summarizeMetrics: final is the mean of the last 10 rewards, best the maximum, threshold the first crossing", () => {
  // 15 rows: 1..15, so the last 10 are 6..15 (mean 10.5).
  const s = summarizeMetrics(rows(Array.from({ length: 15 }, (_, i) => i + 1)), 7.5);
  assert.equal(s.finalEpRewMean, 10.5);
  assert.equal(s.bestEpRewMean, 15);
  assert.equal(s.stepsToThreshold, 800, "first row with ep_rew_mean >= 7.5 is the 8th (800 steps)");
  assert.equal(s.totalTimesteps, 1500);
  assert.equal(s.wallSeconds, 7.5);
  assert.equal(s.updates, 15);
});

test("summarizeMetrics: rows without episodes are skipped, the threshold counts equality, never reached gives null", () => {
  const r = rows([null, null, 5, 20, 3]);
  const s = summarizeMetrics(r, 20);
  assert.equal(s.finalEpRewMean, (5 + 20 + 3) / 3);
  assert.equal(s.bestEpRewMean, 20);
  assert.equal(s.stepsToThreshold, 400);
  assert.equal(summarizeMetrics(r, 20.5).stepsToThreshold, null);
  assert.equal(summarizeMetrics(r).stepsToThreshold, null, "no threshold");
  const empty = summarizeMetrics([], 1);
  assert.equal(empty.finalEpRewMean, null);
  assert.equal(empty.bestEpRewMean, null);
  assert.equal(empty.totalTimesteps, 0);
  assert.throws(() => summarizeMetrics(r, 1, 0), RangeError);
});

test("buildCompareEntries: algorithms then config files, duplicates dropped, unknown names rejected", () => {
  const e = buildCompareEntries(["PPO", "grpo", "ppo"], ["a/tuned.ppo.json", "b/tuned.ppo.json"]);
  assert.deepEqual(
    e.map((x) => x.label),
    ["ppo", "grpo", "tuned.ppo.json", "tuned.ppo.json (2)"],
  );
  assert.deepEqual(entryOverrides(e[1], { seed: 3, totalTimesteps: 1000 }), { seed: 3, totalTimesteps: 1000, algorithm: "grpo" });
  assert.deepEqual(entryOverrides(e[2], { seed: 3 }), { seed: 3 }, "a config file keeps its own algorithm");
  assert.throws(() => buildCompareEntries(["ppo", "sac"]), (err: unknown) => err instanceof ConfigError && /unknown algorithm "sac"/.test(err.message));
  assert.throws(() => buildCompareEntries([], []), ConfigError);
});

test("the tables show every run with 'never' for runs that did not reach the threshold", () => {
  const results = [
    { label: "ppo", algorithm: "ppo", runDir: "/r/a", status: "finished", ...summarizeMetrics(rows([1, 2, 3]), 2) },
    { label: "x.ppo.json", algorithm: "grpo", runDir: "/r/b|c", status: "finished", ...summarizeMetrics(rows([1, 1]), 2) },
  ];
  const table = formatSummaryTable(results, 2).split("\n");
  assert.equal(table.length, 4);
  assert.match(table[2], /^ppo\s+2\.0\s+3\.0\s+200\s+1\.5\s+finished\s+\/r\/a$/);
  assert.match(table[3], /^x\.ppo\.json \(grpo\)\s+1\.0\s+1\.0\s+never\s+1\.0/);
  const md = formatSummaryMarkdown(results, { envName: "CartPole-v1", seed: 1, totalTimesteps: 300, threshold: 2 });
  assert.match(md, /^# Algorithm comparison: CartPole-v1/);
  assert.match(md, /\| ppo \| 2\.0 \| 3\.0 \| 200 \| 1\.5 \| finished \| \/r\/a \|/);
  assert.match(md, /\/r\/b\\\|c/, "a | in a cell is escaped");
});

test("summarizeRun on a missing directory gives a row with the error, not an exception", () => {
  const r = summarizeRun("ppo", path.join(os.tmpdir(), "no-such-run-dir-compare"));
  assert.equal(r.status, "unreadable");
  assert.ok(r.error);
});

test("failure reasons: a failed run's run.json error is in its row, and formatFailureReasons lists every row with one", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "compare-failed-"));
  const writer = RunWriter.create(root, { envName: "env", envFile: "env.ts", envHash: "h", seed: 1, backend: "js", config: { algorithm: "ppo" }, versions: {}, totalTimesteps: 0 } as never);
  writer.updateRunInfo({ status: "failed", error: { message: "env.ts:3:5: step() returned NaN" } });
  writer.close();
  const runDir = writer.dir;
  const failed = summarizeRun("ppo", runDir);
  assert.equal(failed.status, "failed");
  assert.equal(failed.error, "env.ts:3:5: step() returned NaN");
  const ok = { label: "grpo", runDir: "/r/g", status: "finished", ...summarizeMetrics(rows([1])) };
  const notStarted = { label: "c.json", runDir: "", status: "failed", error: "initFrom in c.json: /x does not exist\nsecond line", ...summarizeMetrics([]) };
  assert.equal(
    formatFailureReasons([failed, ok, notStarted]),
    "ppo failed: env.ts:3:5: step() returned NaN\nc.json failed: initFrom in c.json: /x does not exist\n    second line",
  );
  assert.equal(formatFailureReasons([ok]), "");
  fs.rmSync(root, { recursive: true, force: true });
});

test("a tiny real PPO vs GRPO pair on CartPole: same seed and budget, summaries match the run directories", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "compare-"));
  const cfg = path.join(root, "small-grpo.ppo.json");
  // A config file entry: GRPO with small groups (its own algorithm, not overridden by the compare options).
  fs.writeFileSync(cfg, JSON.stringify({ algorithm: "grpo", grpo: { groupSize: 4 } }));
  const entries = buildCompareEntries(["ppo", "grpo"], [cfg]);
  const results = await runComparison({
    env: "CartPole-v1",
    cwd: root,
    runsRoot: root,
    entries,
    seed: 7,
    totalTimesteps: 2048,
    threshold: 15,
  });
  assert.equal(results.length, 3);
  assert.deepEqual(results.map((r) => r.label), ["ppo", "grpo", "small-grpo.ppo.json"]);
  assert.deepEqual(results.map((r) => r.algorithm), ["ppo", "grpo", "grpo"]);
  for (const r of results) {
    assert.equal(r.status, "finished", `${r.label}: ${r.error ?? ""}`);
    const info = new RunReader(r.runDir).info();
    assert.equal((info.config as { seed: number }).seed, 7);
    assert.equal((info.config as { totalTimesteps: number }).totalTimesteps, 2048);
    const m = new RunReader(r.runDir).metrics().rows;
    assert.ok(r.totalTimesteps >= 2048, `${r.label} trained the budget`);
    // recompute independently of summarizeMetrics
    const rewards = m.map((x) => x.ep_rew_mean).filter((v): v is number => typeof v === "number");
    const tail = rewards.slice(-10);
    assert.ok(Math.abs((r.finalEpRewMean ?? NaN) - tail.reduce((a, b) => a + b, 0) / tail.length) < 1e-9);
    assert.equal(r.bestEpRewMean, Math.max(...rewards));
  }
  assert.equal(new Set(results.map((r) => r.runDir)).size, 3, "one run directory each");
  const groupSize = (r: (typeof results)[number]) => (new RunReader(r.runDir).info().config as { grpo: { groupSize: number } }).grpo.groupSize;
  assert.equal(groupSize(results[2]), 4, "the config file's groupSize was used");
});
