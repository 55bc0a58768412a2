/**
 * `npm run bench`: training throughput and time-to-threshold, never asserted in tests.
 *
 * Cases: CartPole-v1 with CleanRL's `ppo.py` configuration (4 envs x 128 steps, 4 minibatches, 4 epochs, lr 2.5e-4
 * annealed, 500k steps), CartPole-v1 with the tuned preset (seconds to first reach ep_rew_mean >= 475), Pendulum-v1
 * with CleanRL's `ppo_continuous_action.py` configuration (1 env x 2048 steps, 32 minibatches, 10 epochs) and with
 * the preset. Reports steps/s, seconds to threshold and the peak RSS of this process.
 *
 *   npm run bench [-- --json] [-- --quick] [-- --only cartpole_cleanrl,pendulum_preset]
 */
import * as os from "node:os";
import { Command } from "commander";
import { SyncVectorEnv } from "../src/core/envs/vector-env";
import { PRESETS, resolveConfig, type PPOConfig } from "../src/core/ppo/config";
import { PPO } from "../src/core/ppo/ppo";
import { loadEnv } from "../src/envs/loader";
import { selectBackend } from "../src/trainer/backend";
import { makeEnvs } from "../src/trainer/session";

interface Case {
  key: string;
  env: string;
  config: Partial<PPOConfig>;
  /** Stop early once ep_rew_mean reaches this (time-to-threshold cases). */
  threshold?: number;
  quickTimesteps: number;
}

const CASES: Case[] = [
  {
    key: "cartpole_cleanrl",
    env: "CartPole-v1",
    config: {
      totalTimesteps: 500_000, nEnvs: 4, nSteps: 128, nMinibatches: 4, nEpochs: 4, learningRate: 2.5e-4,
      lrSchedule: "linear", gamma: 0.99, gaeLambda: 0.95, clipRange: 0.2, clipRangeSchedule: "constant",
      clipRangeVf: 0.2, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5,
    },
    quickTimesteps: 50_000,
  },
  { key: "cartpole_tuned", env: "CartPole-v1", config: { ...PRESETS["CartPole-v1"] }, threshold: 475, quickTimesteps: 100_000 },
  {
    key: "pendulum_cleanrl",
    env: "Pendulum-v1",
    config: {
      totalTimesteps: 200_000, nEnvs: 1, nSteps: 2048, nMinibatches: 32, nEpochs: 10, learningRate: 3e-4,
      lrSchedule: "linear", gamma: 0.99, gaeLambda: 0.95, clipRange: 0.2, clipRangeVf: 0.2, entCoef: 0, vfCoef: 0.5,
      maxGradNorm: 0.5, normalizeObservation: true, normalizeReward: true,
    },
    quickTimesteps: 20_480,
  },
  { key: "pendulum_preset", env: "Pendulum-v1", config: { ...PRESETS["Pendulum-v1"] }, quickTimesteps: 16_384 },
];

interface CaseResult {
  key: string;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  finalEpRewMean: number | null;
  secondsToThreshold: number | null;
  stepsToThreshold: number | null;
}

async function runCase(c: Case, quick: boolean, seed: number): Promise<CaseResult> {
  const loaded = await loadEnv(c.env);
  const { config } = resolveConfig([
    { kind: "preset", label: c.key, values: c.config },
    { kind: "flag", label: "bench", values: { seed, ...(quick ? { totalTimesteps: c.quickTimesteps } : {}) } },
  ]);
  const ppo = new PPO(new SyncVectorEnv(makeEnvs(loaded, config)), config);
  const t0 = performance.now();
  let secondsToThreshold: number | null = null;
  let stepsToThreshold: number | null = null;
  let last = NaN;
  while (!ppo.done) {
    const m = ppo.iterate();
    last = m.ep_rew_mean;
    if (c.threshold !== undefined && m.ep_rew_mean >= c.threshold) {
      secondsToThreshold = (performance.now() - t0) / 1000;
      stepsToThreshold = m.total_timesteps;
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const steps = ppo.totalTimesteps;
  ppo.dispose();
  return {
    key: c.key,
    steps,
    seconds,
    stepsPerSecond: steps / seconds,
    finalEpRewMean: Number.isFinite(last) ? last : null,
    secondsToThreshold,
    stepsToThreshold,
  };
}

async function main(): Promise<void> {
  const program = new Command()
    .name("bench")
    .option("--json", "print one JSON object on the last line")
    .option("--quick", "short runs (smoke test of the bench itself)")
    .option("--only <keys>", `comma-separated subset of ${CASES.map((c) => c.key).join(",")}`)
    .option("--seed <n>", "seed", "1")
    .option("--backend <name>", "auto | tensorflow | wasm | cpu", "auto")
    .parse(process.argv);
  const opts = program.opts<{ json?: boolean; quick?: boolean; only?: string; seed: string; backend: PPOConfig["backend"] }>();
  const backend = await selectBackend(opts.backend);
  const only = opts.only?.split(",");
  const load = os.loadavg()[0];
  const results: CaseResult[] = [];
  console.log(`backend ${backend.name}, ${os.cpus().length} cores, load average ${load.toFixed(2)} at start`);
  for (const c of CASES) {
    if (only && !only.includes(c.key)) continue;
    const r = await runCase(c, Boolean(opts.quick), Number(opts.seed));
    results.push(r);
    console.log(
      `${r.key.padEnd(18)} ${r.steps} steps in ${r.seconds.toFixed(1)} s = ${r.stepsPerSecond.toFixed(0)} steps/s; ` +
        `final ep_rew_mean ${r.finalEpRewMean?.toFixed(1) ?? "-"}` +
        (r.secondsToThreshold !== null ? `; ep_rew_mean >= 475 after ${r.stepsToThreshold} steps, ${r.secondsToThreshold.toFixed(1)} s` : ""),
    );
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`peak RSS ${peakRssMb.toFixed(0)} MB; load average ${os.loadavg()[0].toFixed(2)} at end`);
  const by = (k: string) => results.find((r) => r.key === k);
  const summary = {
    backend: backend.name,
    cartpole_sps: by("cartpole_cleanrl")?.stepsPerSecond ?? null,
    pendulum_sps: by("pendulum_cleanrl")?.stepsPerSecond ?? null,
    cartpole_seconds_to_475: by("cartpole_tuned")?.secondsToThreshold ?? null,
    cartpole_steps_to_475: by("cartpole_tuned")?.stepsToThreshold ?? null,
    peak_rss_mb: peakRssMb,
    load_average_start: load,
    quick: Boolean(opts.quick),
    cases: results,
  };
  if (opts.json) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
