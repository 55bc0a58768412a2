/**
 * Each diagnostics rule fires on a short seeded training run that has its problem, within the stated number of
 * updates. The runs use tiny networks and stop as soon as the finding fires (a few seconds each).
 * Run: node scripts/run-tests.mjs test/diagnostics
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DiagnosticsMonitor } from "../../src/core/diagnostics/monitor";
import type { DiagnosticFinding } from "../../src/core/diagnostics/types";
import { SyncVectorEnv } from "../../src/core/envs/vector-env";
import { resolveConfig } from "../../src/core/ppo/config";
import { PPO } from "../../src/core/ppo/ppo";
import { Box } from "../../src/core/spaces";
import { loadEnv } from "../../src/envs/loader";
import { selectBackend } from "../../src/trainer/backend";
import { makeEnvs } from "../../src/trainer/session";
import { ENVS, TINY, cleanup, describeFindings, train, type Overrides } from "./harness";

after(cleanup);

const CARTPOLE = "../../../examples/cartpole.ts";
const PENDULUM = "../../../examples/pendulum.ts";

interface Case {
  /** The deliberately broken setup, as the test name says it. */
  setup: string;
  env: string;
  overrides: Overrides;
  id: string;
  /** The finding must fire at or before this update. */
  within: number;
  severity: DiagnosticFinding["severity"];
  check?: (f: DiagnosticFinding) => void;
}

const CASES: Case[] = [
  {
    setup: "learning rate 0.05 on Pendulum (10 epochs of 4 minibatches)",
    env: PENDULUM,
    overrides: { ...TINY, learningRate: 0.05, nEpochs: 10, batchSize: 16, totalTimesteps: 64 * 10 },
    id: "kl.exploding",
    within: 5,
    severity: "warning",
    check: (f) => {
      assert.equal(f.evidence.metric, "approx_kl");
      assert.equal(f.evidence.context?.learningRate, 0.05);
      assert.equal(f.evidence.context?.nEpochs, 10);
      assert.match(f.suggestions[0], /learningRate/);
    },
  },
  {
    setup: "learning rate 0.1 on Pendulum (10 epochs of 4 minibatches)",
    env: PENDULUM,
    overrides: { ...TINY, learningRate: 0.1, nEpochs: 10, batchSize: 16, totalTimesteps: 64 * 10 },
    id: "clip.high",
    within: 5,
    severity: "warning",
    check: (f) => assert.equal(f.evidence.threshold, 0.4),
  },
  {
    setup: "learning rate 0.5 on CartPole: the policy turns deterministic at a poor return",
    env: CARTPOLE,
    overrides: { ...TINY, learningRate: 0.5, nEpochs: 10, totalTimesteps: 64 * 15 },
    id: "entropy.collapsed",
    within: 5,
    severity: "warning",
    check: (f) => assert.match(f.suggestions.join("\n"), /entCoef/),
  },
  {
    setup: "entropy coefficient 1.0 on CartPole",
    env: CARTPOLE,
    overrides: { ...TINY, entCoef: 1.0, nEpochs: 10, batchSize: 16, totalTimesteps: 64 * 15 },
    id: "entropy.stuck-max",
    within: 10,
    severity: "warning",
    check: (f) => assert.match(f.suggestions[0], /entCoef/),
  },
  {
    setup: "value loss coefficient 0 (the critic never trains) on CartPole",
    env: CARTPOLE,
    overrides: { ...TINY, vfCoef: 0, nEpochs: 10, batchSize: 16, totalTimesteps: 64 * 15 },
    id: "value.not-learning",
    within: 10,
    severity: "warning",
    check: (f) => assert.match(f.suggestions.join("\n"), /vfCoef/),
  },
  {
    setup: "a reward multiplied by 10 every 100 steps (value targets run away)",
    env: "inflating-reward.ts",
    overrides: { ...TINY, totalTimesteps: 64 * 15 },
    id: "value.loss-exploding",
    within: 10,
    severity: "warning",
  },
  {
    setup: "CartPole rewards x1e4 without normalizeReward",
    env: "cartpole-reward-x1e4.ts",
    overrides: { ...TINY, totalTimesteps: 64 * 10 },
    id: "reward.scale",
    within: 5,
    severity: "warning",
    check: (f) => {
      assert.match(f.suggestions[0], /normalizeReward: true/);
      assert.equal(f.location?.method, "step");
      assert.equal(f.location?.file, path.join(ENVS, "cartpole-reward-x1e4.ts"));
      assert.equal(f.location?.line, 7);
    },
  },
  {
    setup: "two reward glitches of 5000 at steps 1200 and 1232 of each env copy",
    env: "reward-glitch.ts",
    overrides: { ...TINY, totalTimesteps: 64 * 45 },
    id: "grad.spike",
    // the glitches fall in updates 38 (steps 1185-1216 of each copy) and 39
    within: 39,
    severity: "warning",
  },
  {
    setup: "log-std initialised at 1.5 on Pendulum (std 4.5 against bounds of +-2)",
    env: PENDULUM,
    overrides: { ...TINY, logStdInit: 1.5, totalTimesteps: 64 * 10 },
    id: "action.saturation",
    within: 5,
    severity: "warning",
  },
  {
    setup: "entropy coefficient 1.0 on Pendulum: the std grows past the action range",
    env: PENDULUM,
    overrides: { ...TINY, entCoef: 1.0, learningRate: 3e-3, nEpochs: 10, batchSize: 16, totalTimesteps: 64 * 25 },
    id: "action.std-blowup",
    within: 20,
    severity: "warning",
  },
  {
    setup: "log-std initialised at -10 on Pendulum",
    env: PENDULUM,
    overrides: { ...TINY, logStdInit: -10, totalTimesteps: 64 * 10 },
    id: "action.std-collapse",
    within: 5,
    severity: "warning",
  },
  {
    setup: "a reward that is always 0",
    env: "zero-reward.ts",
    overrides: { ...TINY, totalTimesteps: 64 * 10 },
    id: "signal.constant-reward",
    within: 5,
    severity: "warning",
    check: (f) => {
      assert.match(f.suggestions.join("\n"), /GRPO/);
      assert.match(f.suggestions.join("\n"), /ZPPO/);
      assert.equal(f.location?.method, "step");
    },
  },
  {
    setup: "a constant observation with reward 0 and gamma 0 (every advantage is the same)",
    env: "constant-observation.ts",
    overrides: { ...TINY, gamma: 0, totalTimesteps: 64 * 10 },
    id: "signal.zero-advantage",
    within: 5,
    severity: "warning",
  },
  {
    setup: "an env that never ends an episode and has no maxEpisodeSteps",
    env: "never-ends.ts",
    overrides: { ...TINY, nSteps: 256, batchSize: 256, totalTimesteps: 512 * 10 },
    id: "signal.no-episodes",
    // 2000 steps per env copy at 256 per update
    within: 8,
    severity: "warning",
    check: (f) => assert.match(f.suggestions[0], /maxEpisodeSteps/),
  },
  {
    setup: "the rewarded action flips after 1000 steps of each env copy (the learned return collapses)",
    env: "flipping-bandit.ts",
    overrides: { ...TINY, nEnvs: 4, nSteps: 64, nEpochs: 10, learningRate: 3e-3, totalTimesteps: 256 * 30 },
    id: "return.regression",
    // the flip is in update 16; ep_rew_mean (100 episodes = 4 updates) falls below half its range by update 20
    within: 22,
    severity: "warning",
  },
  {
    setup: "a reward that is pure noise (plateauUpdates 20)",
    env: "noise-reward.ts",
    overrides: { ...TINY, totalTimesteps: 64 * 40, diagnostics: { plateauUpdates: 20 } },
    id: "return.plateau",
    within: 30,
    severity: "info",
  },
  {
    setup: "CartPole observations x1000 without normalizeObservation",
    env: "cartpole-obs-x1000.ts",
    overrides: { ...TINY, totalTimesteps: 64 * 10 },
    id: "obs.scale",
    within: 5,
    severity: "warning",
    check: (f) => assert.match(f.suggestions[0], /normalizeObservation: true/),
  },
];

describe("each rule fires on a run that has its problem", () => {
  for (const c of CASES) {
    test(`${c.id} within ${c.within} updates: ${c.setup}`, async () => {
      const r = await train(c.env, c.overrides, { stopOn: c.id });
      const f = r.first(c.id);
      assert.ok(f, `${c.id} did not fire in ${r.rows.length} updates (${describeFindings(r)}; ${r.errors.join("; ")})`);
      assert.ok(f.update <= c.within, `${c.id} fired at update ${f.update}, later than ${c.within}`);
      assert.equal(f.severity, c.severity);
      assert.equal(r.findings.filter((x) => x.id === c.id).length, 1, "de-duplicated");
      // Written to diagnostics.jsonl as emitted.
      const lines = fs.readFileSync(path.join(r.runDir, "diagnostics.jsonl"), "utf8").trim().split("\n");
      assert.deepEqual(lines.map((l) => JSON.parse(l)), JSON.parse(JSON.stringify(r.findings)));
      // The evidence covers the updates it names.
      assert.equal(f.evidence.values.length > 0, true);
      assert.ok(f.evidence.updates.to <= f.update + 1);
      c.check?.(f);
      console.log(`  ${c.id}: fired at update ${f.update} (${r.wallSeconds.toFixed(1)} s; all findings: ${describeFindings(r)})`);
    });
  }
});

/** A trainer bug: the rollout stores actions clipped to the bounds, but their log-probabilities were computed for
 * the unclipped samples ([ICLR37] continuous detail 5 says why not to). */
class StoresClippedActions extends PPO {
  override collectRollout(onEpisode?: Parameters<PPO["collectRollout"]>[0]): void {
    super.collectRollout(onEpisode);
    const box = this.env.actionSpace as Box;
    const a = this.buffer.actions;
    const d = box.flatDim;
    for (let i = 0; i < a.length; i++) a[i] = Math.min(Math.max(a[i], box.low[i % d]), box.high[i % d]);
  }
}

test("ratio.not-one (error) within 2 updates: a trainer that stores clipped continuous actions (Pendulum)", async () => {
  await selectBackend("wasm");
  const loaded = await loadEnv(PENDULUM, { cwd: ENVS });
  const { config } = resolveConfig([{ kind: "flag", label: "test", values: { ...TINY, totalTimesteps: 64 * 5 } as never }]);
  const ppo = new StoresClippedActions(new SyncVectorEnv(makeEnvs(loaded, config)), config);
  const findings: DiagnosticFinding[] = [];
  const monitor = new DiagnosticsMonitor(ppo, { onFinding: (f) => findings.push(f) });
  try {
    while (!ppo.done && !findings.some((f) => f.id === "ratio.not-one")) monitor.afterUpdate(ppo.iterate());
  } finally {
    ppo.dispose();
  }
  const f = findings.find((x) => x.id === "ratio.not-one");
  assert.ok(f, `ratio.not-one did not fire (${findings.map((x) => x.id).join(", ")})`);
  assert.equal(f.severity, "error");
  assert.equal(f.update, 2);
  assert.ok(f.evidence.value !== null && f.evidence.value > 1e-3);
  // The same setup without the bug keeps the ratio at 1.
  const honest = new PPO(new SyncVectorEnv(makeEnvs(loaded, config)), config);
  try {
    for (let i = 0; i < 2; i++) assert.ok(honest.iterate().first_ratio_dev < 1e-6);
  } finally {
    honest.dispose();
  }
});
