/**
 * `npm run bench`: training throughput and time-to-threshold, never asserted in tests.
 *
 * Cases: CartPole-v1 with CleanRL's `ppo.py` configuration (4 envs x 128 steps, 4 minibatches, 4 epochs, lr 2.5e-4
 * annealed, 500k steps), CartPole-v1 with the tuned preset (seconds to first reach ep_rew_mean >= 475), Pendulum-v1
 * with CleanRL's `ppo_continuous_action.py` configuration (1 env x 2048 steps, 32 minibatches, 10 epochs) and with
 * the preset, and GRPO on CartPole-v1 (groups of 8, seconds to ep_rew_mean >= 195). Reports steps/s, seconds to
 * threshold and the peak RSS of this process.
 *
 * `--learning` runs the long learning targets instead, each with its preset, stopping at the first update whose
 * ep_rew_mean reaches the target: Acrobot-v1 >= -100 within 300k steps, MountainCar-v0 >= -110 within 1M,
 * MountainCarContinuous-v0 >= 90 within 100k and GridWorld-v0 >= -9.5 within 30k (its "solved", see
 * examples/grid-world.ts). Each prints the steps and seconds to the first reach (seed 1: about 9 minutes in all on
 * an idle 2-core machine, most of it MountainCar's 744k steps).
 *
 * After the main cases (on the engine chosen with --backend, default auto = js): the same CleanRL cases on the TF.js
 * wasm backend for comparison (`--compare wasm`, `--compare none` to skip), scaling rows (CartPole, CleanRL's
 * update shape, nEnvs = 1, 4, 16, 64 at width 64 and 256), and the extension host's event-loop delay while two
 * real trainer processes (dist/trainer.js) train through the RunManager with an open dashboard's batching
 * (`--no-event-loop` to skip). Then the Python bridge rows (bench/python-bridge.ts; `--only python` runs just them,
 * `--no-python` skips them): bridge overhead per env step for a numpy CartPole at N = 1, 8, 32 and PPO steps/s on
 * it against the TypeScript CartPole.
 *
 *   npm run bench [-- --json] [-- --quick] [-- --only cartpole_cleanrl,pendulum_preset] [-- --learning]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as os from "node:os";
import { Command } from "commander";
import { SyncVectorEnv } from "../src/core/envs/vector-env";
import { PRESETS, resolveConfig, type PPOConfig } from "../src/core/ppo/config";
import { PPO } from "../src/core/ppo/ppo";
import { GRPO } from "../src/core/grpo/grpo";
import { loadEnv } from "../src/envs/loader";
import { selectBackend } from "../src/trainer/backend";
import { makeEnvs } from "../src/trainer/session";
import { episodeFromLive } from "../src/extension/panels/dashboard-data";
import { UpdateBatcher } from "../src/extension/panels/dashboard-batcher";
import { RunManager } from "../src/extension/run-manager";
import { forkTrainer } from "../src/extension/trainer-process";
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
  {
    // GRPO (critic-free) with the learning test's settings (test/learning/grpo.test.ts) and DeepSeekMath's KL beta.
    key: "cartpole_grpo",
    env: "CartPole-v1",
    config: {
      algorithm: "grpo", grpo: { groupSize: 8, klCoef: 0.04, scaleByStd: true, maxRolloutSteps: 10_000 }, nEnvs: 8, nSteps: 256,
      batchSize: 256, nEpochs: 4, learningRate: 1e-3, lrSchedule: "constant", clipRangeSchedule: "constant", totalTimesteps: 150_000,
    },
    threshold: 195,
    quickTimesteps: 20_000,
  },
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

async function runCase(c: Case, quick: boolean, seed: number, backend: PPOConfig["backend"] = "auto"): Promise<CaseResult> {
  const loaded = await loadEnv(c.env);
  const { config } = resolveConfig([
    { kind: "preset", label: c.key, values: c.config },
    { kind: "flag", label: "bench", values: { seed, backend, ...(quick ? { totalTimesteps: c.quickTimesteps } : {}) } },
  ]);
  const vec = new SyncVectorEnv(makeEnvs(loaded, config));
  const ppo = config.algorithm === "grpo" ? new GRPO(vec, config) : new PPO(vec, config);
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

/**
 * Milliseconds per call of the two hot operations, as the issue quotes PyTorch (1.6 ms per minibatch update of a
 * 64-64 actor and critic at batch 128; 0.11 ms per get_action_and_value at batch 4): one PPO gradient step (loss,
 * backward, grad clipping, Adam) on a CartPole minibatch of 128, and one batched action sample for 4 envs.
 */
async function microTimings(backend: PPOConfig["backend"]): Promise<{ updateMs: number; actMs: number }> {
  const loaded = await loadEnv("CartPole-v1");
  const { config } = resolveConfig([
    { kind: "preset", label: "micro", values: { ...CASES[0].config, backend, nEpochs: 1, totalTimesteps: 1_000_000 } },
  ]);
  const ppo = new PPO(new SyncVectorEnv(makeEnvs(loaded, config)), config);
  ppo.collectRollout();
  const { advantages, returns } = ppo.computeAdvantages();
  for (let w = 0; w < 20; w++) ppo.update(advantages, returns); // warm-up (the wasm kernels tier up after a while)
  const rounds = 40;
  let t0 = performance.now();
  for (let r = 0; r < rounds; r++) ppo.update(advantages, returns); // 4 minibatches of 128 each
  const updateMs = (performance.now() - t0) / (rounds * 4);
  const obs = new Float32Array(4 * 4).fill(0.01);
  const noise = new Float32Array(4 * 2).fill(0.5);
  for (let r = 0; r < 200; r++) ppo.policy.act(obs, 4, noise);
  t0 = performance.now();
  for (let r = 0; r < 2000; r++) ppo.policy.act(obs, 4, noise);
  const actMs = (performance.now() - t0) / 2000;
  ppo.dispose();
  return { updateMs, actMs };
}

/** Steps/s of CartPole with CleanRL's update shape (128 steps per env, 4 minibatches, 4 epochs) at one size. */
async function scalingRow(nEnvs: number, width: number, quick: boolean, backend: PPOConfig["backend"]): Promise<{ nEnvs: number; width: number; sps: number }> {
  const updates = quick ? 2 : nEnvs >= 16 ? 6 : 24;
  const c: Case = {
    key: `scaling_${nEnvs}x${width}`,
    env: "CartPole-v1",
    config: {
      ...CASES[0].config,
      nEnvs,
      totalTimesteps: nEnvs * 128 * updates,
      netArch: { pi: [width, width], vf: [width, width] },
    },
    quickTimesteps: nEnvs * 128 * updates,
  };
  const r = await runCase(c, false, 1, backend);
  return { nEnvs, width, sps: r.stepsPerSecond };
}

/**
 * The extension host's event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution) while two trainer
 * processes train through the RunManager (the extension's own process management, forking dist/trainer.js) and an
 * open dashboard's UpdateBatcher serialises their rows and episodes.
 */
async function eventLoopDelay(quick: boolean): Promise<{ p50: number; p99: number; max: number; updates: number; rows: number; seconds: number }> {
  const root = path.join(__dirname, "..");
  if (!fs.existsSync(path.join(root, "dist", "trainer.js"))) throw new Error("dist/trainer.js is missing; run npm run build");
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-bench-host-"));
  const manager = new RunManager(forkTrainer(root, () => undefined), { maxConcurrent: () => 2 });
  let rows = 0;
  let bytes = 0;
  const batcher = new UpdateBatcher((msg) => {
    bytes += JSON.stringify(msg).length; // what posting to the webview costs the host
  });
  manager.onMetrics(({ run, row }) => {
    rows++;
    batcher.addRow(run.key, row);
  });
  manager.onMessage(({ run, msg }) => {
    if (msg.type === "episode") batcher.addEpisode(run.key, episodeFromLive({ return: msg.return, length: msg.length, totalTimesteps: msg.totalTimesteps }));
  });
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const t0 = performance.now();
  histogram.enable();
  const runs = [
    manager.start({ env: "CartPole-v1", cwd: root, runsRoot, overrides: { totalTimesteps: quick ? 20_000 : 100_000, seed: 1 } }),
    manager.start({ env: "Pendulum-v1", cwd: root, runsRoot, overrides: { totalTimesteps: quick ? 8_192 : 40_960, seed: 1 } }),
  ];
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (runs.every((r) => r.ended)) resolve();
    };
    manager.onDidChangeRun(check);
    check();
  });
  histogram.disable();
  batcher.flush();
  const seconds = (performance.now() - t0) / 1000;
  manager.dispose();
  fs.rmSync(runsRoot, { recursive: true, force: true });
  const failed = runs.filter((r) => r.status !== "finished");
  if (failed.length) throw new Error(`event-loop bench: a trainer ended ${failed.map((r) => r.status).join(", ")}`);
  const ms = (ns: number): number => ns / 1e6;
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), updates: batcher.sent, rows, seconds };
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
    .option("--compare <name>", "also run the CleanRL cases on this engine (none to skip)", "wasm")
    .option("--no-scaling", "skip the nEnvs x width scaling rows")
    .option("--no-event-loop", "skip the extension-host event-loop measurement")
    .option("--no-python", "skip the Python bridge rows (overhead per env step, Python vs TypeScript CartPole training)")
    .parse(process.argv);
  const opts = program.opts<{
    json?: boolean;
    quick?: boolean;
    only?: string;
    learning?: boolean;
    seed: string;
    backend: PPOConfig["backend"];
    compare: string;
    scaling: boolean;
    eventLoop: boolean;
    python: boolean;
  }>();
  const backend = await selectBackend(opts.backend);
  const only = opts.only?.split(",");
  const load = os.loadavg()[0];
  const results: CaseResult[] = [];
  console.log(`backend ${backend.name}, ${os.cpus().length} cores, load average ${load.toFixed(2)} at start`);
  for (const c of opts.learning ? LEARNING_CASES : CASES) {
    if (only && !only.includes(c.key)) continue;
    const r = await runCase(c, Boolean(opts.quick), Number(opts.seed), opts.backend);
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
  // Peak RSS of the training alone (the comparison engine and the forked trainers come after).
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const extra = !opts.learning && !only;
  const micro: Record<string, { updateMs: number; actMs: number }> = {};
  if (extra) {
    micro[backend.name] = await microTimings(opts.backend);
    console.log(`one minibatch update (batch 128, 64-64): ${micro[backend.name].updateMs.toFixed(3)} ms; one action sample (4 envs): ${micro[backend.name].actMs.toFixed(4)} ms`);
  }
  const comparison: Record<string, number | null> = {};
  if (extra && opts.compare !== "none") {
    await selectBackend(opts.compare as PPOConfig["backend"]);
    for (const key of ["cartpole_cleanrl", "pendulum_cleanrl"]) {
      const c = CASES.find((x) => x.key === key) as Case;
      // a fixed slice of the run: steps/s, not learning, is compared
      const slice = { ...c, config: { ...c.config, totalTimesteps: opts.quick ? c.quickTimesteps : key === "cartpole_cleanrl" ? 40_960 : 20_480 } };
      const r = await runCase(slice, false, Number(opts.seed), opts.compare as PPOConfig["backend"]);
      comparison[key] = r.stepsPerSecond;
      console.log(`${key.padEnd(18)} on ${opts.compare}: ${r.steps} steps in ${r.seconds.toFixed(1)} s = ${r.stepsPerSecond.toFixed(0)} steps/s`);
    }
    micro[opts.compare] = await microTimings(opts.compare as PPOConfig["backend"]);
    console.log(`on ${opts.compare}: one minibatch update ${micro[opts.compare].updateMs.toFixed(3)} ms; one action sample ${micro[opts.compare].actMs.toFixed(4)} ms`);
    await selectBackend(opts.backend);
  }
  const scaling: { nEnvs: number; width: number; sps: number }[] = [];
  if (extra && opts.scaling) {
    for (const width of [64, 256]) {
      for (const nEnvs of [1, 4, 16, 64]) {
        const row = await scalingRow(nEnvs, width, Boolean(opts.quick), opts.backend);
        scaling.push(row);
        console.log(`scaling nEnvs ${String(nEnvs).padStart(2)} width ${String(width).padStart(3)}: ${row.sps.toFixed(0)} steps/s`);
      }
    }
  }
  let hostLoop: Awaited<ReturnType<typeof eventLoopDelay>> | undefined;
  if (extra && opts.eventLoop) {
    hostLoop = await eventLoopDelay(Boolean(opts.quick));
    console.log(
      `extension host event-loop delay with two live runs: p50 ${hostLoop.p50.toFixed(1)} ms, p99 ${hostLoop.p99.toFixed(1)} ms, ` +
        `max ${hostLoop.max.toFixed(1)} ms over ${hostLoop.seconds.toFixed(0)} s (${hostLoop.rows} metric rows, ${hostLoop.updates} dashboard updates)`,
    );
  }
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
    cartpole_grpo_sps: by("cartpole_grpo")?.stepsPerSecond ?? null,
    peak_rss_mb: peakRssMb,
    compare_engine: extra && opts.compare !== "none" ? opts.compare : null,
    compare_cartpole_sps: comparison.cartpole_cleanrl ?? null,
    compare_pendulum_sps: comparison.pendulum_cleanrl ?? null,
    scaling,
    update_ms: micro[backend.name]?.updateMs ?? null,
    act_ms: micro[backend.name]?.actMs ?? null,
    compare_update_ms: extra && opts.compare !== "none" ? (micro[opts.compare]?.updateMs ?? null) : null,
    compare_act_ms: extra && opts.compare !== "none" ? (micro[opts.compare]?.actMs ?? null) : null,
    host_event_loop_p99_ms: hostLoop?.p99 ?? null,
    host_event_loop_p50_ms: hostLoop?.p50 ?? null,
    host_event_loop_max_ms: hostLoop?.max ?? null,
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
