/**
 * Bench rows for the Python bridge (src/envs/python), run by bench.ts:
 * - bridge overhead per vector step for CartPole written in Python with numpy (test/fixtures/python/cartpole.py),
 *   N = 1, 8, 32 env copies in one runner: wall time per vector step minus the time the runner spent inside the
 *   env's own reset/step calls (which it measures), divided by N = the bridge's cost per env step, amortised
 *   (TypeScript encoding, the pipe round trip, the runner's decoding/encoding). Target: <= 20 us at N = 8.
 * - end-to-end PPO training steps/s on the Python CartPole against the TypeScript CartPole (examples/cartpole.ts),
 *   both with the CartPole-v1 preset (8 envs x 32 steps, 20 epochs), alternated, best of two runs each.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { SyncVectorEnv } from "../src/core/envs/vector-env";
import { PRESETS, resolveConfig, type PPOConfig } from "../src/core/ppo/config";
import { PPO } from "../src/core/ppo/ppo";
import { loadEnv } from "../src/envs/loader";
import { PythonVectorEnv } from "../src/envs/python/python-env";
import { resolvePython } from "../src/envs/python/interpreter";
import { makeEnvs } from "../src/trainer/session";

export interface PythonBridgeRow {
  nEnvs: number;
  /** Wall microseconds per vector step (all N envs). */
  vectorStepUs: number;
  /** Microseconds the runner spent in the env's own step/reset calls per vector step. */
  envUs: number;
  /** (vectorStepUs - envUs) / N. */
  bridgeUsPerEnvStep: number;
}

export interface PythonBenchResult {
  python: string;
  transport: string;
  rows: PythonBridgeRow[];
  trainPythonSps: number;
  trainTypeScriptSps: number;
}

/** The fixture's CartPole, and the stand-in gymnasium package on PYTHONPATH when no Gymnasium is installed. */
function fixture(): { file: string; env: NodeJS.ProcessEnv } {
  const dir = path.join(__dirname, "..", "test", "fixtures", "python");
  const stubs = path.join(dir, "stubs");
  let hasGym = false;
  try {
    execFileSync(resolvePython(), ["-c", "import gymnasium"], { stdio: "ignore" });
    hasGym = true;
  } catch {
    hasGym = false;
  }
  const env = hasGym ? {} : { PYTHONPATH: [stubs, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
  return { file: path.join(dir, "cartpole.py"), env };
}

/** @returns null (with a note printed) when python3 with numpy is not available. */
export async function benchPythonBridge(quick: boolean, seed: number, backend: PPOConfig["backend"]): Promise<PythonBenchResult | null> {
  const python = resolvePython();
  try {
    execFileSync(python, ["-c", "import numpy"], { stdio: "ignore" });
  } catch {
    console.log(`python bridge: skipped (${python} with numpy is not available)`);
    return null;
  }
  const { file, env } = fixture();
  const rows: PythonBridgeRow[] = [];
  let transport = "";
  for (const n of [1, 8, 32]) {
    const vec = new PythonVectorEnv({ python, target: file, maxEpisodeSteps: 500, stepTimeoutMs: 30_000, cwd: path.dirname(file), env }, n);
    transport = vec.transport;
    try {
      vec.reset(seed);
      const actions = new Float32Array(n);
      let s = seed >>> 0;
      const fill = (): void => {
        for (let i = 0; i < n; i++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          actions[i] = s >>> 31;
        }
      };
      for (let t = 0; t < 200; t++) {
        fill();
        vec.step(actions, 1);
      }
      const steps = quick ? 500 : Math.max(1000, Math.floor(40_000 / n));
      const env0 = vec.envSeconds();
      const t0 = performance.now();
      for (let t = 0; t < steps; t++) {
        fill();
        vec.step(actions, 1);
      }
      const wallUs = ((performance.now() - t0) * 1000) / steps;
      const envUs = ((vec.envSeconds() - env0) * 1e6) / steps;
      rows.push({ nEnvs: n, vectorStepUs: wallUs, envUs, bridgeUsPerEnvStep: (wallUs - envUs) / n });
    } finally {
      vec.close();
    }
  }
  const total = quick ? 4096 : 20_480;
  const { config } = resolveConfig([
    { kind: "preset", label: "CartPole-v1", values: PRESETS["CartPole-v1"] },
    { kind: "flag", label: "bench", values: { seed, backend, totalTimesteps: total } },
  ]);
  const train = (ppo: PPO): number => {
    const t0 = performance.now();
    while (!ppo.done) ppo.iterate();
    const sps = ppo.totalTimesteps / ((performance.now() - t0) / 1000);
    ppo.dispose();
    return sps;
  };
  // Alternated and repeated (best of 2 each), so that a change in machine load does not favour one side.
  const tsLoaded = await loadEnv("CartPole-v1");
  let trainPythonSps = 0;
  let trainTypeScriptSps = 0;
  for (let rep = 0; rep < 2; rep++) {
    trainTypeScriptSps = Math.max(trainTypeScriptSps, train(new PPO(new SyncVectorEnv(makeEnvs(tsLoaded, config)), config)));
    const pyVec = new PythonVectorEnv({ python, target: file, maxEpisodeSteps: 500, stepTimeoutMs: 30_000, cwd: path.dirname(file), env }, config.nEnvs);
    try {
      trainPythonSps = Math.max(trainPythonSps, train(new PPO(pyVec, config)));
    } finally {
      pyVec.close();
    }
  }
  return { python, transport, rows, trainPythonSps, trainTypeScriptSps };
}

/** Prints the rows as bench.ts prints its cases. */
export function printPythonBench(r: PythonBenchResult): void {
  for (const row of r.rows) {
    console.log(
      `python bridge N=${String(row.nEnvs).padStart(2)}: ${row.vectorStepUs.toFixed(0)} us per vector step (env ${row.envUs.toFixed(0)} us), ` +
        `bridge ${row.bridgeUsPerEnvStep.toFixed(1)} us per env step (${r.transport})`,
    );
  }
  console.log(
    `python CartPole training (preset): ${r.trainPythonSps.toFixed(0)} steps/s vs TypeScript CartPole ${r.trainTypeScriptSps.toFixed(0)} steps/s ` +
      `(${((100 * r.trainPythonSps) / r.trainTypeScriptSps).toFixed(0)}%)`,
  );
}
