/**
 * Short seeded training runs for the diagnostics tests: train an env file with a config, collect the findings the
 * trainer emits, and stop as soon as the finding a test waits for has fired.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DiagnosticsSettings } from "../../src/core/diagnostics/settings";
import type { DiagnosticFinding } from "../../src/core/diagnostics/types";
import type { PPOConfig } from "../../src/core/ppo/config";
import type { MetricsMessageRow } from "../../src/protocol";
import { TrainingSession } from "../../src/trainer/session";

export const ENVS = path.join(__dirname, "envs");

/** Config overrides as a test writes them: any PPO key, and a partial `diagnostics` object. */
export type Overrides = Partial<Omit<PPOConfig, "diagnostics">> & { diagnostics?: Partial<DiagnosticsSettings> };

/**
 * A tiny, fast setup: 2 envs x 32 steps (64 per update), one minibatch, 2 epochs, 16-unit networks, constant
 * schedules (the CartPole-v1 preset, which applies to the example file, would anneal them with the run length).
 */
export const TINY: Overrides = {
  lrSchedule: "constant",
  clipRangeSchedule: "constant",
  nEnvs: 2,
  nSteps: 32,
  batchSize: 64,
  nEpochs: 2,
  netArch: { pi: [16], vf: [16] },
  seed: 1,
  backend: "wasm",
};

export interface RunResult {
  status: string;
  runDir: string;
  findings: DiagnosticFinding[];
  rows: MetricsMessageRow[];
  errors: string[];
  wallSeconds: number;
  /** The first finding with `id`, if any. */
  first(id: string): DiagnosticFinding | undefined;
}

const roots: string[] = [];

/** Removes the run directories of every run so far. */
export function cleanup(): void {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
}

export interface TrainOptions {
  /** Stop the run right after the update at which a finding with this id fires. */
  stopOn?: string;
  /**
   * Skip the env checker's probe before training (as the extension does after its own check). The checker would
   * refuse an env with a NaN in its first 2000 random steps before any run exists; the trainer's guard is for the
   * NaNs the probe does not reach.
   */
  skipCheck?: boolean;
}

/** Trains `env` (a file under test/diagnostics/envs, a path, or a built-in id) with `overrides`. */
export async function train(env: string, overrides: Overrides, opts: TrainOptions = {}): Promise<RunResult> {
  const { stopOn, skipCheck } = opts;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-diag-"));
  roots.push(root);
  const findings: DiagnosticFinding[] = [];
  const rows: MetricsMessageRow[] = [];
  const errors: string[] = [];
  const t0 = Date.now();
  const session: TrainingSession = new TrainingSession(
    { env, cwd: ENVS, runsRoot: root, overrides: overrides as Partial<PPOConfig>, skipCheck },
    {
      emit(msg) {
        if (msg.type === "diagnostic") {
          findings.push(msg.finding);
          if (stopOn !== undefined && msg.finding.id === stopOn) session.stop();
        } else if (msg.type === "metrics") rows.push(msg.row);
        else if (msg.type === "error") errors.push(msg.message);
      },
    },
  );
  const result = await session.run();
  return {
    status: result.status,
    runDir: result.runDir,
    findings,
    rows,
    errors,
    wallSeconds: (Date.now() - t0) / 1000,
    first: (id) => findings.find((f) => f.id === id),
  };
}

/** "kl.exploding@7, clip.high@5" for assertion messages. */
export function describeFindings(r: RunResult): string {
  return r.findings.map((f) => `${f.id}@${f.update}`).join(", ") || "no findings";
}
