/** Synthetic runs for the webview tests and the benchmark: rows with the trainer's metric names, episodes, info. */
import type { DashboardEpisode, DashboardRunData, DashboardRunInfo, MetricsMessageRow } from "../../src/protocol";

/** A small seeded generator (mulberry32), so the fixtures are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 30 of the metrics the trainer logs for a continuous-action run (src/core/ppo/ppo.ts UpdateMetrics), besides the axes. */
export const METRICS = [
  "steps_per_second",
  "ep_rew_mean",
  "ep_len_mean",
  "ep_rew_min",
  "ep_rew_max",
  "episodes",
  "policy_gradient_loss",
  "value_loss",
  "entropy",
  "approx_kl",
  "old_approx_kl",
  "clip_fraction",
  "explained_variance",
  "grad_norm",
  "learning_rate",
  "clip_range",
  "ratio_min",
  "ratio_max",
  "value_mean",
  "advantage_std",
  "epochs_run",
  "std",
  "action_saturation",
  "reward_mean",
  "reward_std",
  "obs_abs_max",
  "return_mean",
  "return_std",
  "terminated_count",
  "truncated_count",
] as const;

export interface RowOptions {
  /** Rows to make. */
  n: number;
  /** Environment steps per update. */
  stepsPerUpdate?: number;
  /** First update number (1 for a fresh run). */
  from?: number;
  seed?: number;
  /** Leave out these metrics (e.g. `std` for a discrete run). */
  omit?: string[];
  /** Return level the run converges to. */
  target?: number;
}

/** Rows `from`..`from + n - 1` of a run that learns: rewards rise towards `target`, losses and KL fall, noise on top. */
export function makeRows(o: RowOptions): MetricsMessageRow[] {
  const r = rng(o.seed ?? 1);
  const spu = o.stepsPerUpdate ?? 2048;
  const from = o.from ?? 1;
  const target = o.target ?? 500;
  const rows: MetricsMessageRow[] = [];
  for (let k = 0; k < o.n; k++) {
    const u = from + k;
    const progress = 1 - Math.exp(-u / 300);
    const noise = () => r() - 0.5;
    const rew = target * progress + 40 * noise();
    const row: MetricsMessageRow = {
      update: u,
      total_timesteps: u * spu,
      wall_seconds: u * 1.6,
      steps_per_second: 1280 + 80 * noise(),
      ep_rew_mean: rew,
      ep_len_mean: 20 + 480 * progress + 10 * noise(),
      ep_rew_min: rew - 60 - 20 * r(),
      ep_rew_max: rew + 60 + 20 * r(),
      episodes: Math.round(40 * (1 - progress) + 4),
      policy_gradient_loss: -0.01 + 0.01 * noise(),
      value_loss: 50 * (1 - progress) + 5 * r(),
      entropy: 0.69 * (1 - 0.6 * progress) + 0.02 * noise(),
      approx_kl: 0.01 * (1 - 0.5 * progress) + 0.004 * r(),
      old_approx_kl: 0.012 * (1 - 0.5 * progress) + 0.004 * r(),
      clip_fraction: 0.12 * (1 - 0.5 * progress) + 0.05 * r(),
      explained_variance: 0.95 * progress + 0.05 * noise(),
      grad_norm: 0.8 + 0.4 * r(),
      learning_rate: 3e-4 * (1 - u / 5000),
      clip_range: 0.2,
      ratio_min: 0.7 + 0.1 * r(),
      ratio_max: 1.3 + 0.1 * r(),
      value_mean: 30 * progress + 2 * noise(),
      advantage_std: 1 + 0.3 * r(),
      epochs_run: 10,
      std: Math.exp(-progress),
      action_saturation: 0.05 * (1 - progress) + 0.01 * r(),
      reward_mean: 1,
      reward_std: 0.1 + 0.05 * r(),
      obs_abs_max: 2 + r(),
      return_mean: 30 * progress,
      return_std: 5 + r(),
      terminated_count: Math.round(10 * r()),
      truncated_count: Math.round(30 * progress),
    };
    for (const m of o.omit ?? []) delete row[m];
    rows.push(row);
  }
  return rows;
}

export function makeEpisodes(n: number, seed = 2, lastStep = 100_000): DashboardEpisode[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    return: Math.round(200 + 300 * r()),
    length: Math.round(100 + 400 * r()),
    step: Math.round(((i + 1) / n) * lastStep),
  }));
}

export function makeInfo(key: string, patch: Partial<DashboardRunInfo> = {}): DashboardRunInfo {
  const runId = patch.runId ?? `20261129-120000-cartpole-v1-${key.replace(/\W/g, "").slice(-6).padStart(6, "0")}`;
  return {
    key,
    runId,
    runDir: `/ws/.ppo-lab/runs/${runId}`,
    envName: "CartPole-v1",
    envFile: "/ws/examples/cartpole.ts",
    status: "running",
    backend: "wasm",
    seed: 1,
    totalTimesteps: 1_000_000,
    config: { totalTimesteps: 1_000_000, nEnvs: 8, nSteps: 256, learningRate: 3e-4, gamma: 0.99, clipRange: 0.2, seed: 1, entCoef: 0 },
    sources: { totalTimesteps: "file", nEnvs: "preset", nSteps: "preset", learningRate: "default", gamma: "settings", clipRange: "default", seed: "flag", entCoef: "default" },
    live: true,
    startedAt: Date.UTC(2026, 10, 29, 12, 0, 0),
    ...patch,
  };
}

export function makeRun(key: string, rows: MetricsMessageRow[], patch: Partial<DashboardRunInfo> = {}, episodes: DashboardEpisode[] = []): DashboardRunData {
  return { info: makeInfo(key, patch), rows, episodes };
}
