/**
 * `npm run bench`: training throughput and time-to-threshold, never asserted in tests.
 *
 * Cases: CartPole-v1 with CleanRL's `ppo.py` configuration (4 envs x 128 steps, 4 minibatches, 4 epochs, lr 2.5e-4
 * annealed, 500k steps), CartPole-v1 with the tuned preset (seconds to first reach ep_rew_mean >= 475), Pendulum-v1
 * with CleanRL's `ppo_continuous_action.py` configuration (1 env x 2048 steps, 32 minibatches, 10 epochs) and with
 * the preset. Reports steps/s, seconds to threshold and the peak RSS of this process. Then the Python bridge rows
 * (bench/python-bridge.ts; `--only python` runs just them, `--no-python` skips them): bridge overhead per env step
 * for a numpy CartPole at N = 1, 8, 32 and PPO steps/s on it against the TypeScript CartPole.
 *
 * `--learning` runs the long learning targets instead, each with its preset, stopping at the first update whose
 * ep_rew_mean reaches the target: Acrobot-v1 >= -100 within 300k steps, MountainCar-v0 >= -110 within 1M,
 * MountainCarContinuous-v0 >= 90 within 100k and GridWorld-v0 >= -9.5 within 30k (its "solved", see
 * examples/grid-world.ts). Each prints the steps and seconds to the first reach (seed 1: about 9 minutes in all on
 * an idle 2-core machine, most of it MountainCar's 744k steps).
 *
 *   npm run bench [-- --json] [-- --quick] [-- --only cartpole_cleanrl,pendulum_preset] [-- --learning]
 */
import * as os from "node:os";
import { Command } from "commander";
import { SyncVectorEnv } from "../src/core/envs/vector-env";
import { PRESETS, resolveConfig, type PPOConfig } from "../src/core/ppo/config";
import { PPO } from "../src/core/ppo/ppo";
import { loadEnv } from "../src/envs/loader";
import { selectBackend } from "../src/trainer/backend";
import { makeEnvs } from "../src/trainer/session";
import { benchPythonBridge, printPythonBench, type PythonBenchResult } from "./python-bridge";

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

/** `--learning`: the learning targets, each env with its preset (budget = the preset's totalTimesteps). */
const LEARNING_CASES: Case[] = [
  { key: "acrobot", env: "Acrobot-v1", config: { ...PRESETS["Acrobot-v1"] }, threshold: -100, quickTimesteps: 8_192 },
  { key: "mountaincar", env: "MountainCar-v0", config: { ...PRESETS["MountainCar-v0"] }, threshold: -110, quickTimesteps: 4_096 },
  {
    key: "mountaincar_continuous",
    env: "MountainCarContinuous-v0",
    config: { ...PRESETS["MountainCarContinuous-v0"] },
    threshold: 90,
    quickTimesteps: 4_096,
  },
  { key: "gridworld", env: "GridWorld-v0", config: { ...PRESETS["GridWorld-v0"] }, threshold: -9.5, quickTimesteps: 4_096 },
];

interface CaseResult {
  key: string;
  threshold: number | null;
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
    threshold: c.threshold ?? null,
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
    .option("--only <keys>", `comma-separated subset of ${[...CASES, ...LEARNING_CASES].map((c) => c.key).join(",")}`)
    .option("--learning", "run the long learning targets (Acrobot, MountainCar, MountainCarContinuous, GridWorld) instead")
    .option("--seed <n>", "seed", "1")
    .option("--backend <name>", "auto | js | tensorflow | wasm | cpu", "auto")
    .option("--no-python", "skip the Python bridge rows (overhead per env step, Python vs TypeScript CartPole training)")
    .parse(process.argv);
  const opts = program.opts<{
    json?: boolean;
    quick?: boolean;
    only?: string;
    learning?: boolean;
    seed: string;
    backend: PPOConfig["backend"];
    python: boolean;
  }>();
  const backend = await selectBackend(opts.backend);
  const only = opts.only?.split(",");
  const load = os.loadavg()[0];
  const results: CaseResult[] = [];
  console.log(`backend ${backend.name}, ${os.cpus().length} cores, load average ${load.toFixed(2)} at start`);
  for (const c of opts.learning ? LEARNING_CASES : CASES) {
    if (only && !only.includes(c.key)) continue;
    const r = await runCase(c, Boolean(opts.quick), Number(opts.seed));
    results.push(r);
    console.log(
      `${r.key.padEnd(18)} ${r.steps} steps in ${r.seconds.toFixed(1)} s = ${r.stepsPerSecond.toFixed(0)} steps/s; ` +
        `final ep_rew_mean ${r.finalEpRewMean?.toFixed(1) ?? "-"}` +
        (r.secondsToThreshold !== null
          ? `; ep_rew_mean >= ${r.threshold} after ${r.stepsToThreshold} steps, ${r.secondsToThreshold.toFixed(1)} s`
          : r.threshold !== null
            ? `; ep_rew_mean >= ${r.threshold} not reached`
            : ""),
    );
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  let pythonBench: PythonBenchResult | null = null;
  if (((!opts.learning && !only) || only?.includes("python")) && opts.python) {
    pythonBench = await benchPythonBridge(Boolean(opts.quick), Number(opts.seed), opts.backend);
    if (pythonBench) printPythonBench(pythonBench);
  }
  console.log(`peak RSS ${peakRssMb.toFixed(0)} MB; load average ${os.loadavg()[0].toFixed(2)} at end`);
  const by = (k: string) => results.find((r) => r.key === k);
  const summary = {
    backend: backend.name,
    cartpole_sps: by("cartpole_cleanrl")?.stepsPerSecond ?? null,
    pendulum_sps: by("pendulum_cleanrl")?.stepsPerSecond ?? null,
    cartpole_seconds_to_475: by("cartpole_tuned")?.secondsToThreshold ?? null,
    cartpole_steps_to_475: by("cartpole_tuned")?.stepsToThreshold ?? null,
    peak_rss_mb: peakRssMb,
    python_bridge: pythonBench,
    load_average_start: load,
    quick: Boolean(opts.quick),
    learning: Boolean(opts.learning),
    cases: results,
  };
  if (opts.json) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
