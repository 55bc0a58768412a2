/**
 * `ppo-lab compare <env> [--algorithms ppo,grpo] [--config <file>...] [--timesteps N] [--seed S] [--threshold R]
 * [--out DIR] [--json]`: trains each algorithm and each config file on the same env, seed and step budget, one after
 * another, then prints a summary table (src/trainer/compare.ts).
 *
 * Exit codes: 0 all runs finished, 1 a run failed or was stopped, 2 bad options / env / config (nothing trained).
 */
import * as path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { ConfigError, DEFAULT_CONFIG } from "../core/ppo/config";
import type { FromTrainerMessage } from "../protocol";
import { TrainingSession } from "../trainer/session";
import { installInterruptHandlers } from "./interrupts";
import {
  buildCompareEntries,
  type CompareEntry,
  type CompareResult,
  entryOverrides,
  formatFailureReasons,
  formatSummaryTable,
  summarizeRun,
} from "../trainer/compare";

export interface CompareFlags {
  algorithms?: string;
  config?: string[];
  timesteps?: number;
  seed?: number;
  threshold?: number;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface CompareOptions {
  env: string;
  cwd: string;
  runsRoot: string;
  entries: readonly CompareEntry[];
  seed?: number;
  totalTimesteps?: number;
  threshold?: number;
  /** Every trainer message with the entry it belongs to (progress output). */
  onMessage?: (entry: CompareEntry, msg: FromTrainerMessage) => void;
  /** Called before each run starts; return false to skip the remaining runs (e.g. after Ctrl-C). */
  shouldContinue?: () => boolean;
  /** Receives the session being run, so the caller can stop it. */
  onSession?: (session: TrainingSession | undefined) => void;
}

/**
 * Trains the entries one after another in this process and summarises each run directory.
 * @throws the first run's errors found before its run directory exists (bad env file or config: ConfigError,
 *   EnvLoadError); later runs' such errors become result rows with `error` set, so finished runs are still reported.
 */
export async function runComparison(opts: CompareOptions): Promise<CompareResult[]> {
  const results: CompareResult[] = [];
  for (const entry of opts.entries) {
    if (opts.shouldContinue && !opts.shouldContinue()) break;
    const session = new TrainingSession(
      {
        env: opts.env,
        cwd: opts.cwd,
        runsRoot: opts.runsRoot,
        configFile: entry.configFile,
        overrides: entryOverrides(entry, { seed: opts.seed, totalTimesteps: opts.totalTimesteps }),
      },
      { emit: (msg) => opts.onMessage?.(entry, msg) },
    );
    opts.onSession?.(session);
    try {
      const r = await session.run();
      results.push(summarizeRun(entry.label, r.runDir, opts.threshold));
    } catch (e) {
      if (results.length === 0) throw e;
      results.push({ ...summarizeRun(entry.label, "", opts.threshold), status: "failed", error: (e as Error).message });
    } finally {
      opts.onSession?.(undefined);
    }
  }
  return results;
}

function parseNumber(name: string, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || (integer && (!Number.isInteger(n) || n < 0))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? "an integer >= 0" : "a number"}, got "${v}"`);
    }
    return n;
  };
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/** Adds `compare` to the program. */
export function registerCompareCommand(program: Command): void {
  program
    .command("compare")
    .description("train several algorithms (ppo, grpo) and/or saved configs on one env with the same seed and budget, then print a summary table")
    .argument("<env>", "env file path or built-in id (e.g. CartPole-v1)")
    .option("-a, --algorithms <list>", "comma-separated algorithms to train (ppo, grpo); default ppo,grpo unless --config is given")
    .option("-c, --config <file>", "also train this config file (e.g. tuned.ppo.json); repeatable", collect)
    .option("-t, --timesteps <n>", "total environment steps of every run", parseNumber("--timesteps", true))
    .option("-s, --seed <n>", "random seed of every run", parseNumber("--seed", true))
    .option("--threshold <reward>", "report the first step at which ep_rew_mean >= this reward", parseNumber("--threshold", false))
    .option("-o, --out <dir>", "folder for run directories", ".ppo-lab/runs")
    .option("-q, --quiet", "print only the summary")
    .option("--json", "print the summary as JSON")
    .action(async (env: string, flags: CompareFlags) => {
      const cwd = process.cwd();
      const algorithms = flags.algorithms !== undefined ? flags.algorithms.split(",") : flags.config?.length ? [] : ["ppo", "grpo"];
      const entries = buildCompareEntries(algorithms, flags.config ?? []);
      if (flags.timesteps === 0) throw new InvalidArgumentError("--timesteps must be a positive integer");
      const seed = flags.seed ?? DEFAULT_CONFIG.seed; // the same seed for every run, also when not given
      const runsRoot = path.resolve(cwd, flags.out ?? path.join(".ppo-lab", "runs"));
      const say = (t: string): void => {
        if (!flags.json && !flags.quiet) process.stderr.write(t + "\n");
      };
      let stopping = false;
      let current: TrainingSession | undefined;
      // train's handlers: a first Ctrl-C or SIGTERM stops the current run with a final checkpoint (and skips the
      // rest); a second Ctrl-C marks the current run "stopped" and quits.
      const removeInterruptHandlers = installInterruptHandlers({
        current: () => current,
        onFirstInterrupt: () => process.stderr.write("\nstopping the current run; the remaining runs are skipped (Ctrl-C again to quit at once)\n"),
        onStop: () => (stopping = true),
      });
      const started = Date.now();
      let results: CompareResult[];
      try {
        results = await runComparison({
          env,
          cwd,
          runsRoot,
          entries,
          seed,
          totalTimesteps: flags.timesteps,
          threshold: flags.threshold,
          shouldContinue: () => !stopping,
          onSession: (s) => (current = s),
          onMessage: (entry, msg) => {
            if (msg.type === "started") say(`[${entry.label}] training ${msg.envName} (${msg.config.algorithm ?? "ppo"}, seed ${msg.config.seed}, ${msg.config.totalTimesteps} steps): ${msg.runDir}`);
            else if (msg.type === "metrics") {
              const r = msg.row;
              const rew = typeof r.ep_rew_mean === "number" ? r.ep_rew_mean.toFixed(1) : "-";
              say(`[${entry.label}] update ${r.update} | steps ${r.total_timesteps} | ep_rew_mean ${rew}`);
            } else if (msg.type === "error") process.stderr.write(`[${entry.label}] error: ${msg.message}\n`);
            else if (msg.type === "finished") say(`[${entry.label}] run ${msg.status} after ${msg.totalTimesteps} steps`);
          },
        });
      } finally {
        removeInterruptHandlers();
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify({ env, seed, totalTimesteps: flags.timesteps ?? null, threshold: flags.threshold ?? null, results }, null, 2) + "\n");
      } else {
        process.stdout.write(`\n${formatSummaryTable(results, flags.threshold)}\n`);
        const reasons = formatFailureReasons(results);
        if (reasons) process.stdout.write(`\n${reasons}\n`);
        say(`compared ${results.length} run(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      process.exitCode = results.length === entries.length && results.every((r) => r.status === "finished") ? 0 : 1;
    });
}
