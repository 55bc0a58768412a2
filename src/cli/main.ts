/**
 * The `ppo-lab` command line: train headless with the same core and run directory as the extension.
 *
 *   ppo-lab train <env-file|env-id> [--config file.json] [--timesteps N] [--seed S] [--backend B] [--out DIR]
 *   ppo-lab rate <run-dir> --rater <file> | fit-reward <run-dir>   (RLHF in miniature, see rlhf-commands.ts)
 */
import * as path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import * as cliProgress from "cli-progress";
import { formatFinding, formatSummary } from "../core/diagnostics/format";
import type { DiagnosticFinding } from "../core/diagnostics/types";
import { ConfigError, type PPOConfig } from "../core/ppo/config";
import { EnvLoadError } from "../envs/loader";
import { registerCheckCommand } from "./check-command";
import { registerPolicyCommands } from "./policy-commands";
import { registerRlhfCommands } from "./rlhf-commands";
import { RlhfError } from "../core/rlhf/run-ratings";
import { registerReplaysCommand } from "./replays-command";
import { installInterruptHandlers } from "./interrupts";
import { registerCompareCommand } from "./compare-command";
import { CheckpointError } from "../trainer/checkpoints";
import type { FromTrainerMessage } from "../protocol";
import { BackendError } from "../trainer/backend";
import { RunDirError } from "../core/run/fs-util";
import { TrainingSession, ppoLabVersion } from "../trainer/session";

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be an integer >= 0, got "${v}"`);
    return n;
  };
}

function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(digits);
}

interface TrainFlags {
  config?: string;
  timesteps?: number;
  seed?: number;
  backend?: PPOConfig["backend"];
  out?: string;
  nEnvs?: number;
  quiet?: boolean;
  json?: boolean;
  verbose?: boolean;
  resume?: string;
  /** Python interpreter for .py envs (sets PPO_LAB_PYTHON for this process). */
  python?: string;
  /** A reward-model.json to train on instead of the env's reward (RLHF in miniature). */
  rewardModel?: string;
  /** A run directory or checkpoint folder to start from (fine-tuning). */
  initFrom?: string;
}

const BAR_FORMAT = "  [{bar}] {percentage}% | {value}/{total} steps | {sps} steps/s | ETA {eta_formatted}";

async function train(env: string | undefined, flags: TrainFlags): Promise<number> {
  const cwd = process.cwd();
  const overrides: Partial<PPOConfig> = {};
  if (flags.timesteps !== undefined) overrides.totalTimesteps = flags.timesteps;
  if (flags.seed !== undefined) overrides.seed = flags.seed;
  if (flags.backend !== undefined) overrides.backend = flags.backend;
  if (flags.nEnvs !== undefined) overrides.nEnvs = flags.nEnvs;
  if (flags.rewardModel !== undefined) overrides.rewardModel = path.resolve(cwd, flags.rewardModel);
  if (flags.initFrom !== undefined) overrides.initFrom = path.resolve(cwd, flags.initFrom);
  const runsRoot = path.resolve(cwd, flags.out ?? path.join(".ppo-lab", "runs"));
  const interactive = process.stderr.isTTY && !flags.quiet && !flags.json;
  // The progress bar is drawn on stderr and only updated (so its ETA works). While it shows, lines go through
  // multibar.log(), which prints them above the bar; stdout lines do so only when stdout is a terminal too (else they
  // go to the redirected stdout as usual and cannot disturb the bar).
  let multibar: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  const printOut = (text: string): void => {
    if (multibar && process.stdout.isTTY) {
      multibar.log(text + "\n");
      multibar.update(); // print now: the bar's own redraw timer waits for the next update to finish
    } else process.stdout.write(text + "\n");
  };
  const printErr = (text: string): void => {
    if (multibar) {
      multibar.log(text + "\n");
      multibar.update();
    } else process.stderr.write(text + "\n");
  };
  /** Removes the bar, leaving its last state on screen (and restoring the cursor); idempotent. */
  const stopBar = (): void => {
    const m = multibar;
    if (!m) return;
    multibar = undefined;
    bar = undefined;
    m.update(); // flush lines still in the log buffer (stop() drops them)
    m.stop();
  };
  let started = false;
  let lastEpRewMean: number | null | undefined;
  /** true_ep_rew_mean of the last update (training on a learned reward), and the run's algorithm for the last line. */
  let lastTrueEpRewMean: number | null | undefined;
  let algorithmName: string | undefined;
  const findings: DiagnosticFinding[] = [];
  let diagnosticsFile: string | undefined;
  const session = new TrainingSession(
    { env: env ?? "", cwd, runsRoot, configFile: flags.config, overrides, resume: flags.resume },
    {
      emit(msg: FromTrainerMessage) {
        if (msg.type === "started") started = true;
        if (flags.json) {
          if (msg.type !== "episode") process.stdout.write(JSON.stringify(msg) + "\n");
          return;
        }
        switch (msg.type) {
          case "started": {
            const { nEnvs, nSteps, totalTimesteps } = msg.config;
            const grpo = msg.config.algorithm === "grpo";
            algorithmName = grpo ? "GRPO" : "PPO";
            diagnosticsFile = path.join(msg.runDir, "diagnostics.jsonl");
            // PPO collects whole rollouts of nEnvs x nSteps steps: the run ends at the first multiple >= totalTimesteps.
            // GRPO collects whole episodes until a batch holds nEnvs x nSteps steps, so its end is not known ahead.
            const planned = grpo ? totalTimesteps : Math.ceil(totalTimesteps / (nEnvs * nSteps)) * nEnvs * nSteps;
            const startStep = session.ppo?.totalTimesteps ?? 0; // > 0 when resuming
            if (flags.quiet) break;
            const reward = msg.config.rewardModel ? ` on the learned reward of ${msg.config.rewardModel}` : "";
            const shape = grpo
              ? `groups of ${msg.config.grpo.groupSize} whole episodes, batches of >= ${nEnvs} x ${nSteps} = ${nEnvs * nSteps} steps`
              : `${nEnvs} envs x ${nSteps} steps`;
            printOut(
              `PPO Lab ${ppoLabVersion()}: training ${msg.envName} with ${algorithmName}${reward} (${msg.envFile})\n` +
                `  run directory: ${msg.runDir}${startStep > 0 ? ` (resuming at step ${startStep})` : ""}\n` +
                `  backend: ${msg.backend}, seed ${msg.config.seed}, ${shape}, ${totalTimesteps} timesteps`,
            );
            if (grpo) {
              printOut(`  note: GRPO trains whole episodes, so the run ends at the first update that passes ${totalTimesteps} steps (a little more than that)`);
            } else if (planned !== totalTimesteps) {
              printOut(`  note: training ${planned} steps: totalTimesteps is rounded up to whole rollouts of nEnvs x nSteps = ${nEnvs} x ${nSteps}`);
            }
            if (interactive) {
              multibar = new cliProgress.MultiBar(
                {
                  // "ETA -" until the first update has given a rate.
                  format: (options, params, payload) =>
                    cliProgress.Format.Formatter(
                      { ...options, format: params.value > startStep ? BAR_FORMAT : BAR_FORMAT.replace("{eta_formatted}", "-") },
                      params,
                      payload,
                    ),
                  hideCursor: true,
                  // keep the terminal's line wrapping on: the progress lines above the bar are often wider than it
                  linewrap: true,
                  // redraw even when the bar's text is unchanged: a line printed above it overwrites its row
                  forceRedraw: true,
                  gracefulExit: false,
                },
                cliProgress.Presets.shades_classic,
              );
              bar = multibar.create(planned, startStep, { sps: "-" });
              multibar.update(); // draw it now, not after the first update (which blocks its timer)
            }
            break;
          }
          case "metrics": {
            const r = msg.row;
            lastEpRewMean = r.ep_rew_mean;
            lastTrueEpRewMean = r.true_ep_rew_mean;
            if (flags.quiet) break;
            const line =
              `update ${r.update} | steps ${r.total_timesteps} | ${fmt(r.steps_per_second, 0)} steps/s | ` +
              `ep_rew_mean ${fmt(r.ep_rew_mean, 1)} | ep_len_mean ${fmt(r.ep_len_mean, 1)} | approx_kl ${fmt(r.approx_kl, 4)} | ` +
              `clip_fraction ${fmt(r.clip_fraction)} | entropy ${fmt(r.entropy)}` +
              // GRPO trains no critic: its rows have no value_loss / explained_variance.
              ("value_loss" in r ? ` | value_loss ${fmt(r.value_loss)}` : "") +
              ("explained_variance" in r ? ` | explained_variance ${fmt(r.explained_variance)}` : "") +
              (r.std !== undefined && r.std !== null ? ` | std ${fmt(r.std)}` : "") +
              ("true_ep_rew_mean" in r ? ` | true_ep_rew_mean ${fmt(r.true_ep_rew_mean, 1)}` : "");
            bar?.update(r.total_timesteps ?? 0, { sps: fmt(r.steps_per_second, 0) });
            printOut(line);
            break;
          }
          case "diagnostic":
            // Printed as it fires: "warning [kl.exploding] approx_kl 0.12 > 0.05 over updates 4-9: ..." + top suggestion.
            findings.push(msg.finding);
            if (!flags.quiet) printOut(formatFinding(msg.finding));
            break;
          case "log":
            // info (e.g. which backend loaded) only with --verbose; warnings too unless --quiet; errors always.
            if (msg.level === "info" && !flags.verbose) break;
            if (flags.quiet && msg.level !== "error") break;
            printErr(`  ${msg.level}: ${msg.message}`);
            break;
          case "checkpoint":
            if (!flags.quiet) printOut(`  checkpoint at step ${msg.step}: ${msg.path}`);
            break;
          case "error":
            stopBar();
            process.stderr.write(`error: ${msg.message}\n`);
            break;
          case "finished": {
            stopBar();
            if (!flags.quiet) process.stdout.write(formatSummary(findings, findings.length ? diagnosticsFile : undefined) + "\n");
            const figures = [
              ...(typeof lastEpRewMean === "number" && Number.isFinite(lastEpRewMean) ? [`ep_rew_mean ${fmt(lastEpRewMean, 1)}`] : []),
              ...(typeof lastTrueEpRewMean === "number" && Number.isFinite(lastTrueEpRewMean) ? [`true_ep_rew_mean ${fmt(lastTrueEpRewMean, 1)}`] : []),
              // PPO is the default and keeps the line as it was; other algorithms are named.
              ...(algorithmName && algorithmName !== "PPO" ? [algorithmName] : []),
            ];
            const rew = figures.length ? ` (${figures.join(", ")})` : "";
            process.stdout.write(`run ${msg.status} after ${msg.totalTimesteps} steps${rew}: ${msg.runDir}\n`);
            break;
          }
          default:
            break;
        }
      },
    },
  );
  const removeInterruptHandlers = installInterruptHandlers({
    current: () => session,
    onFirstInterrupt: () => {
      if (multibar) printErr("stopping after the current update (Ctrl-C again to quit at once)...");
      else process.stderr.write("\nstopping after the current update (Ctrl-C again to quit at once)...\n");
    },
    beforeQuit: stopBar,
  });
  try {
    const result = await session.run();
    return result.status === "failed" ? 1 : result.status === "stopped" ? 130 : 0;
  } catch (e) {
    // Before the run directory exists nothing was trained: main() reports it (exit 2 for the user's errors).
    if (!started) throw e;
    stopBar();
    reportError(e, { json: flags.json });
    return 1;
  } finally {
    stopBar();
    removeInterruptHandlers();
  }
}

/** The fields of an error the user can act on (the `--json` error line), or undefined for an unexpected error. */
function userErrorInfo(e: unknown): { message: string; file?: string; line?: number; column?: number; hint?: string } | undefined {
  if (e instanceof EnvLoadError) return { message: e.message, file: e.file, line: e.line, column: e.column, hint: e.hint };
  if (e instanceof ConfigError) {
    // "not valid JSON at <file>:<line>:<column>: ..." (readConfigFile)
    const at = /not valid JSON at (.+):(\d+):(\d+):/.exec(e.message);
    if (at) return { message: e.message, file: at[1], line: Number(at[2]), column: Number(at[3]) };
    return { message: e.message, file: path.isAbsolute(e.source) ? e.source : undefined };
  }
  if (e instanceof RunDirError) {
    // mkdir on an existing file (e.g. `-o notes.txt`) fails with EEXIST, which RunDirError does not explain
    const hint = e.code === "EEXIST" ? `${e.path} is a file; --out (-o) takes a folder for run directories (created if missing).` : undefined;
    return { message: e.message, file: e.path, hint };
  }
  if (e instanceof BackendError || e instanceof CheckpointError || e instanceof RangeError || e instanceof RlhfError) return { message: e.message };
  return undefined;
}

/**
 * Prints an error the user can act on (message and hint, no stack) and returns the exit code: 2 for the user's
 * errors (env file, config, options, run folder), 1 for unexpected ones (with the stack). With `json`, also one line
 * `{"type":"error","message",...}` on stdout.
 */
export function reportError(e: unknown, opts: { json?: boolean } = {}): number {
  const info = userErrorInfo(e);
  if (opts.json) {
    const message = info?.message ?? (e instanceof Error ? e.message : String(e));
    process.stdout.write(JSON.stringify({ type: "error", ...(info ?? {}), message }) + "\n");
  }
  if (info) {
    process.stderr.write(`error: ${info.message}\n`);
    if (info.hint) process.stderr.write(`hint: ${info.hint}\n`);
    return 2;
  }
  process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}

/** Builds the program (exported for tests). */
export function makeProgram(): Command {
  const program = new Command();
  program
    .name("ppo-lab")
    .description("Train and debug PPO agents on environment files (TypeScript, JavaScript or Python).")
    .version(ppoLabVersion())
    // One line after an option error instead of the whole help (set per command below).
    .showHelpAfterError('(run "ppo-lab --help" for the commands)')
    .exitOverride();
  program
    .command("train")
    .description("train PPO on an env file (.ts/.js/.py, or file.py:ClassName) or a built-in id (CartPole-v1, Pendulum-v1, Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0, GridWorld-v0)")
    .argument("[env]", "env file path or built-in id (optional with --resume)")
    .option("-r, --resume <run-dir>", "continue a run directory from its newest checkpoint (same config; --timesteps raises the total)")
    .option("-c, --config <file>", "JSON file with hyperparameters (see README: configuration)")
    .option("-t, --timesteps <n>", "total environment steps", positiveInt("--timesteps"))
    .option("-s, --seed <n>", "random seed", nonNegativeInt("--seed"))
    .option("--n-envs <n>", "parallel env copies", positiveInt("--n-envs"))
    .addOption(new Option("-b, --backend <name>", "compute engine: auto (= js), js, or a TensorFlow.js backend").choices(["auto", "js", "tensorflow", "wasm", "cpu"]))
    .option("-o, --out <dir>", "folder for run directories", ".ppo-lab/runs")
    .option("-q, --quiet", "print only the final line")
    .option("--json", "print one JSON message per line (machine-readable)")
    .option("--verbose", "also print info messages (e.g. which TensorFlow.js backend loaded)")
    .option("--python <path>", "Python interpreter for .py env files (default: $PPO_LAB_PYTHON, else python3)")
    .option("--reward-model <file>", "train on a learned reward (a reward-model.json from \"ppo-lab fit-reward\"); the env's return is logged as true_ep_rew_mean")
    .option("--init-from <run-or-checkpoint>", "fine-tune: start from this run's newest checkpoint (or a checkpoints/<step> folder); with klPenalty against \"reference\" it is also the reference policy")
    .action(async (env: string | undefined, flags: TrainFlags) => {
      if (flags.python) process.env.PPO_LAB_PYTHON = flags.python;
      if (!env && !flags.resume) throw new ConfigError("the command line", ['missing the env: "ppo-lab train <env-file|env-id>" or "ppo-lab train --resume <run-dir>"']);
      if (flags.resume && flags.config) throw new ConfigError("the command line", ["--config cannot be combined with --resume (a resumed run keeps its config; flags such as --timesteps may override it)"]);
      if (flags.resume && flags.initFrom) throw new ConfigError("the command line", ["--init-from cannot be combined with --resume (a resumed run continues from its own checkpoint and keeps its initFrom; start a new run to fine-tune from another one)"]);
      process.exitCode = await train(env, flags);
    });
  registerCheckCommand(program);
  registerPolicyCommands(program);
  registerReplaysCommand(program);
  registerRlhfCommands(program);
  registerCompareCommand(program);
  for (const cmd of program.commands) cmd.showHelpAfterError(`(run "ppo-lab ${cmd.name()} --help" for the options)`);
  return program;
}

/** CLI entry. */
export async function main(argv: string[]): Promise<number> {
  const program = makeProgram();
  // `train --json`: errors that end the command before training also print a JSON line (option errors included).
  const args = argv.slice(2);
  const json = args[0] === "train" && args.includes("--json");
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number; message?: string };
    if (typeof ce.code === "string" && ce.code.startsWith("commander.")) {
      if (ce.code === "commander.helpDisplayed" || ce.code === "commander.version") return 0;
      // commander has printed the message and the help hint on stderr
      if (json) {
        const message = String(ce.message ?? ce.code).replace(/^error: /, "");
        process.stdout.write(JSON.stringify({ type: "error", message, hint: 'run "ppo-lab train --help" for the options' }) + "\n");
      }
      return 2;
    }
    return reportError(e, { json });
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = reportError(e, { json: process.argv[2] === "train" && process.argv.includes("--json") });
    },
  );
}
