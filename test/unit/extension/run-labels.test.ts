/**
 * How runs are named by kind in the extension host: tab titles, status bar, Runs tree ("GRPO: CartPole-v1",
 * "$(pulse) GRPO 42.1k steps ...", "PPO (learned reward) · finished ..."), while plain PPO runs keep the labels the
 * e2e journeys match.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunListing } from "../../../src/core/run/run-dir";
import { liveRunConfig, runKindPrefix, runPickDescription, runTooltipHeading, statusBarText } from "../../../src/extension/format";
import { dashboardTitle, liveInfo, type DashboardSource } from "../../../src/extension/panels/dashboard-data";
import { LiveRun } from "../../../src/extension/run-manager";
import type { PPOConfig } from "../../../src/core/ppo/config";
import { algorithmLabel, hasCritic, runKind } from "../../../src/run-kind";

function live(overrides: Record<string, unknown> = {}, config?: Record<string, unknown>): LiveRun {
  const run = new LiveRun({ env: "/ws/examples/cartpole.ts", cwd: "/ws", runsRoot: "/ws/.ppo-lab/runs", overrides: overrides as Partial<PPOConfig> }, false);
  if (config) run.config = config as unknown as PPOConfig;
  return run;
}

function past(id: string, config: Record<string, unknown>): DashboardSource {
  return { kind: "past", info: { id, dir: `/ws/.ppo-lab/runs/${id}`, config } as unknown as RunListing };
}

test("runKind reads the algorithm and a learned reward from a config, defaulting to PPO", () => {
  assert.deepEqual(runKind({ algorithm: "grpo" }), { algorithm: "grpo", learnedReward: false });
  assert.deepEqual(runKind({ algorithm: "ppo", rewardModel: "runs/x/reward-model.json" }), { algorithm: "ppo", learnedReward: true });
  assert.deepEqual(runKind({ rewardModel: null }), { algorithm: "ppo", learnedReward: false });
  assert.deepEqual(runKind(undefined), { algorithm: "ppo", learnedReward: false });
  assert.deepEqual(runKind({ algorithm: 3 }), { algorithm: "ppo", learnedReward: false }, "malformed counts as the default");
  assert.equal(algorithmLabel({ algorithm: "grpo", rewardModel: "rm.json" }), "GRPO (learned reward)");
  assert.equal(hasCritic({ algorithm: "grpo" }), false);
  assert.equal(hasCritic({}), true);
});

test("dashboard tab titles name the algorithm; plain PPO keeps 'PPO: <env>'", () => {
  const ppo = live({}, { algorithm: "ppo" });
  ppo.envName = "CartPole-v1";
  assert.equal(dashboardTitle([{ kind: "live", run: ppo }]), "PPO: CartPole-v1");
  const grpo = live({}, { algorithm: "grpo" });
  grpo.envName = "CartPole-v1";
  assert.equal(dashboardTitle([{ kind: "live", run: grpo }]), "GRPO: CartPole-v1");
  // Before the trainer sent its resolved config, the overrides it was started with tell.
  const queued = live({ algorithm: "grpo" });
  assert.equal(dashboardTitle([{ kind: "live", run: queued }]), "GRPO: cartpole.ts");
  assert.equal(dashboardTitle([past("20261129-120000-cartpole-v1-abcdef", { rewardModel: "/ws/rm.json" })]), "PPO (learned reward): 20261129-120000-cartpole-v1-abcdef");
  assert.equal(dashboardTitle([{ kind: "live", run: ppo }, { kind: "live", run: grpo }]), "Compare 2 runs: PPO, GRPO");
  assert.equal(dashboardTitle([{ kind: "live", run: ppo }, past("b", {})]), "PPO: compare 2 runs");
});

test("dashboard run info carries the kind, also for a live run whose resolved config has not arrived", () => {
  assert.equal(liveInfo(live({ algorithm: "grpo" })).kind, "GRPO");
  assert.equal(liveInfo(live({ algorithm: "grpo" })).config, undefined);
  assert.equal(liveInfo(live({}, { algorithm: "ppo", rewardModel: "rm.json" })).kind, "PPO (learned reward)");
});

test("status bar text names the run's algorithm; PPO's still matches the e2e journeys' patterns", () => {
  const grpo = live({}, { algorithm: "grpo" });
  grpo.status = "running";
  grpo.history.push({ update: 1, total_timesteps: 42_100, steps_per_second: 3210, ep_rew_mean: 187.26 });
  assert.equal(statusBarText(grpo), "$(pulse) GRPO 42.1k steps · 3.2k/s · R 187.3");
  const ppo = live({}, {});
  ppo.status = "running";
  ppo.history.push({ update: 1, total_timesteps: 42_100, steps_per_second: 29_800, ep_rew_mean: 187.26 });
  const text = statusBarText(ppo, 1);
  assert.equal(text, "$(pulse) PPO 42.1k steps · 29.8k/s · R 187.3 (+1)");
  assert.match(text, /steps\/s|\bsteps\b.*\d(?:\.\d+)?k?\/s/, "journey 1's pattern");
  ppo.status = "stopped";
  assert.match(statusBarText(ppo), /^\$\(check\) PPO stopped · /);
  const rlhf = live({ rewardModel: "rm.json" });
  assert.equal(statusBarText(rlhf), "$(loading~spin) PPO (learned reward) queued");
});

test("Runs tree descriptions: a prefix for GRPO and learned-reward runs only", () => {
  assert.equal(runKindPrefix({ algorithm: "ppo" }), "");
  assert.equal(runKindPrefix(undefined), "");
  assert.equal(runKindPrefix({ algorithm: "grpo" }), "GRPO · ");
  assert.equal(runKindPrefix({ rewardModel: "rm.json" }), "PPO (learned reward) · ");
});

test("run pickers (Open Replays, Compare Runs) describe a run by kind, status and env", () => {
  assert.equal(runPickDescription({ algorithm: "grpo" }, "finished", "CartPole-v1"), "GRPO · finished · CartPole-v1");
  assert.equal(runPickDescription({}, "finished", "CartPole-v1"), "PPO · finished · CartPole-v1");
  assert.equal(runPickDescription(undefined, "running"), "PPO · running");
  const queued = live({ algorithm: "grpo" });
  assert.equal(runPickDescription(liveRunConfig(queued), queued.status), `GRPO · ${queued.status}`);
});

test("a run made GRPO in the workspace settings is named GRPO before the trainer's resolved config arrives", () => {
  const run = new LiveRun({ env: "/ws/examples/cartpole.ts", cwd: "/ws", runsRoot: "/ws/.ppo-lab/runs", settings: { algorithm: "grpo" } as Partial<PPOConfig> }, false);
  run.status = "checking";
  assert.equal(statusBarText(run), "$(loading~spin) GRPO checking");
  assert.equal(liveInfo(run).kind, "GRPO");
  assert.equal(dashboardTitle([{ kind: "live", run }]), "GRPO: cartpole.ts");
  assert.equal(runKindPrefix(liveRunConfig(run)), "GRPO · ");
  // The command's overrides win over the settings; the resolved config wins over both once it arrives.
  const overridden = new LiveRun({ env: "/ws/e.ts", cwd: "/ws", runsRoot: "/ws/r", settings: { algorithm: "grpo" }, overrides: { algorithm: "ppo" } } as never, false);
  assert.equal(algorithmLabel(liveRunConfig(overridden)), "PPO");
  run.config = { algorithm: "ppo" } as unknown as PPOConfig;
  assert.equal(algorithmLabel(liveRunConfig(run)), "PPO");
});

test("Runs view tooltips name the algorithm", () => {
  assert.equal(runTooltipHeading({ algorithm: "grpo" }, "CartPole-v1", "running"), "**GRPO** on **CartPole-v1** (running)");
  assert.equal(runTooltipHeading(undefined, "Pendulum-v1", "finished"), "**PPO** on **Pendulum-v1** (finished)");
});
