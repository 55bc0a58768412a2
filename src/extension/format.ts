/** Short human formats shared by the tree, status bar and CodeLens. */
import { algorithmLabel, runKind, runKindLabel } from "../run-kind";
import type { LiveRun } from "./run-manager";

/** 42100 -> "42.1k", 1_250_000 -> "1.25M". */
export function formatSteps(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "0";
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return String(Math.round(n));
}

/** Steps per second: 3210 -> "3.2k/s". */
export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-/s";
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k/s` : `${Math.round(n)}/s`;
}

export function formatReturn(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  return Math.abs(n) >= 1000 ? n.toFixed(0) : n.toFixed(1);
}

/**
 * What the Runs tree puts before a run's status: nothing for plain PPO (its rows read as before), "GRPO · " or
 * "PPO (learned reward) · " otherwise, so a GRPO run or a run on a learned reward stands apart from its parent run.
 */
export function runKindPrefix(config: unknown): string {
  const kind = runKind(config);
  return kind.algorithm === "ppo" && !kind.learnedReward ? "" : `${runKindLabel(kind)} · `;
}

/**
 * The config-like object that says what kind a live run is (src/run-kind.ts): the trainer's resolved config once
 * it arrived; before that (queued, checking, starting) the workspace settings layer (`ppoLab.hyperparameters`, the
 * request's `settings`) under the command's overrides, so a run made GRPO in the settings is not called PPO while
 * its env is checked. An env file's own `config` or a `--config` file is only known once the trainer resolved it.
 */
export function liveRunConfig(run: LiveRun): unknown {
  return run.config ?? { ...run.request.settings, ...run.request.overrides };
}

/**
 * The first line of a run's tooltip in the Runs view, naming its algorithm: "**GRPO** on **CartPole-v1** (running)".
 * @param config the run's config (run.json's `config`, or liveRunConfig for a live run)
 */
export function runTooltipHeading(config: unknown, envName: string, status: string): string {
  return `**${algorithmLabel(config)}** on **${envName}** (${status})`;
}

/**
 * The description of a run in a run picker (Open Replays, Compare Runs): "GRPO · finished · CartPole-v1", so runs
 * of different kinds on one env tell apart next to their ids.
 * @param config the run's config (run.json's `config`, or liveRunConfig for a live run)
 * @param status the run's status ("running", "finished", ...)
 * @param envName the env's name, when the label does not show it already
 */
export function runPickDescription(config: unknown, status: string, envName?: string): string {
  return [algorithmLabel(config), status, envName].filter((s) => s).join(" · ");
}

/**
 * The status bar text of a run: "$(pulse) PPO 42.1k steps · 3.2k/s · R 187.3" while it trains, named by its kind
 * ("GRPO", "PPO (learned reward)"); "$(check) PPO finished · ..." once it ended; "$(loading~spin) GRPO queued" before.
 * @param more how many other live runs there are (shown as " (+N)")
 */
export function statusBarText(run: LiveRun, more = 0): string {
  const m = run.lastMetrics;
  const name = algorithmLabel(liveRunConfig(run));
  const others = more > 0 ? ` (+${more})` : "";
  if (run.ended) {
    return `$(${run.status === "failed" ? "error" : "check"}) ${name} ${run.status} · ${formatSteps(m?.total_timesteps)} steps · R ${formatReturn(m?.ep_rew_mean)}`;
  }
  if (run.status === "running" || run.status === "paused" || run.status === "stopping") {
    const icon = run.status === "paused" ? "debug-pause" : "pulse";
    return `$(${icon}) ${name} ${formatSteps(m?.total_timesteps)} steps · ${formatRate(m?.steps_per_second)} · R ${formatReturn(m?.ep_rew_mean)}${others}`;
  }
  return `$(loading~spin) ${name} ${run.status}${others}`;
}
