/**
 * The signal rules on a resumed run: the history starts at the checkpoint while total_timesteps counts from the
 * start of the run, and GRPO steps grpo.groupSize env copies rather than nEnvs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DiagnosticsEngine } from "../../../../src/core/diagnostics/engine";
import type { ResumeContext, Rule } from "../../../../src/core/diagnostics/rules/rule";
import { constantReward, noEpisodes } from "../../../../src/core/diagnostics/rules/signal";
import type { PPOConfig } from "../../../../src/core/ppo/config";
import type { UpdateMetrics } from "../../../../src/core/ppo/ppo";
import { CATEGORICAL, config, row } from "./helpers";

/** Runs `rule` over `rows` and returns the updates at which it fired. */
function fired(rule: Rule, rows: UpdateMetrics[], cfg: PPOConfig, resumed?: ResumeContext): number[] {
  const engine = new DiagnosticsEngine({ config: cfg, policy: CATEGORICAL, rules: [rule], resumed });
  for (const r of rows) engine.observe(r);
  return engine.findings.map((f) => f.update);
}

/** Updates first..last of a run with `stepsPerUpdate` steps each (total_timesteps counts from the run's start). */
function rowsFrom(first: number, last: number, stepsPerUpdate: number, over: Partial<UpdateMetrics>): UpdateMetrics[] {
  const out: UpdateMetrics[] = [];
  for (let u = first; u <= last; u++) out.push(row(u, { total_timesteps: u * stepsPerUpdate, ...over }));
  return out;
}

test("no-episodes after a resume counts steps from the checkpoint, not from the start of the run", () => {
  const cfg = config({ nEnvs: 1, nSteps: 128 });
  // Resumed at update 60 (7680 steps); the first two rollouts after it (256 steps) finish no episode (a long
  // CartPole episode), as in the reported run: 7936 steps per env counted from 0 would fire.
  const rows = rowsFrom(61, 62, 128, { episodes: 0, ep_rew_mean: NaN });
  assert.deepEqual(fired(noEpisodes, rows, cfg), [61], "without the resume context the rule fires (the old behaviour)");
  assert.deepEqual(fired(noEpisodes, rows, cfg, { totalTimesteps: 60 * 128, everTerminated: true }), []);
  // It still fires when the resumed run itself goes 2000 steps per env without an episode.
  const long = rowsFrom(61, 80, 128, { episodes: 0, ep_rew_mean: NaN });
  const at = fired(noEpisodes, long, cfg, { totalTimesteps: 60 * 128, everTerminated: true });
  assert.deepEqual(at, [60 + Math.ceil(2000 / 128)]);
});

test("no-episodes on GRPO divides by grpo.groupSize env copies, not nEnvs", () => {
  const cfg = config({ algorithm: "grpo", nEnvs: 1, nSteps: 128, grpo: { groupSize: 8 } } as never);
  assert.equal(cfg.grpo.groupSize, 8);
  // 1024 steps per update over 8 copies = 128 per copy: 2000 per copy is passed at update 16, not at update 2.
  const rows = rowsFrom(1, 20, 1024, { episodes: 0, ep_rew_mean: NaN });
  const hits = fired(noEpisodes, rows, cfg);
  assert.deepEqual(hits, [16]);
});

test("constant-reward after a resume remembers that episodes terminated before the checkpoint", () => {
  const cfg = config({ nEnvs: 1 });
  // A CartPole policy that balances: reward always 1, no termination in the rollouts after the resume.
  const rows = rowsFrom(61, 70, 1024, { reward_mean: 1, reward_std: 0, terminated_count: 0 });
  assert.deepEqual(fired(constantReward, rows, cfg, { totalTimesteps: 60 * 1024, everTerminated: true }), []);
  assert.deepEqual(fired(constantReward, rows, cfg, { totalTimesteps: 60 * 1024, everTerminated: false }), [65]);
});
