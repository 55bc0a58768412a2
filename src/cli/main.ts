/**
 * The `ppo-lab` command line: train headless with the same core and run directory as the extension.
 *
 *   ppo-lab train <env-file|env-id> [--config file.json] [--timesteps N] [--seed S] [--backend B] [--out DIR]
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
import { CheckpointError } from "../trainer/checkpoints";
import type { FromTrainerMessage } from "../protocol";
import { BackendError } from "../trainer/backend";
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
  resume?: string;
}

async function train(env: string | undefined, flags: TrainFlags): Promise<number> {
  const cwd = process.cwd();
  const overrides: Partial<PPOConfig> = {};
  if (flags.timesteps !== undefined) overrides.totalTimesteps = flags.timesteps;
  if (flags.seed !== undefined) overrides.seed = flags.seed;
  if (flags.backend !== undefined) overrides.backend = flags.backend;
  if (flags.nEnvs !== undefined) overrides.nEnvs = flags.nEnvs;
  const runsRoot = path.resolve(cwd, flags.out ?? path.join(".ppo-lab", "runs"));
  const interactive = process.stderr.isTTY && !flags.quiet && !flags.json;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  const findings: DiagnosticFinding[] = [];
  let diagnosticsFile: string | undefined;
  const session = new TrainingSession(
    { env: env ?? "", cwd, runsRoot, configFile: flags.config, overrides, resume: flags.resume },
    {
      emit(msg: FromTrainerMessage) {
        if (flags.json) {
          if (msg.type !== "episode") process.stdout.write(JSON.stringify(msg) + "\n");
          return;
        }
        switch (msg.type) {
          case "started":
            total = msg.config.totalTimesteps;
            diagnosticsFile = path.join(msg.runDir, "diagnostics.jsonl");
            process.stdout.write(
              `PPO Lab ${ppoLabVersion()}: training ${msg.envName} (${msg.envFile})\n` +
                `  run directory: ${msg.runDir}\n  backend: ${msg.backend}, seed ${msg.config.seed}, ` +
                `${msg.config.nEnvs} envs x ${msg.config.nSteps} steps, ${total} timesteps\n`,
            );
            if (interactive) {
              bar = new cliProgress.SingleBar(
                { format: "  [{bar}] {percentage}% | {value}/{total} steps | {sps} steps/s | ETA {eta_formatted}", hideCursor: true },
                cliProgress.Presets.shades_classic,
              );
              bar.start(total, 0, { sps: "-" });
            }
            break;
          case "metrics": {
            const r = msg.row;
            const line =
              `update ${r.update} | steps ${r.total_timesteps} | ${fmt(r.steps_per_second, 0)} steps/s | ` +
              `ep_rew_mean ${fmt(r.ep_rew_mean, 1)} | ep_len_mean ${fmt(r.ep_len_mean, 1)} | approx_kl ${fmt(r.approx_kl, 4)} | ` +
              `clip_fraction ${fmt(r.clip_fraction)} | entropy ${fmt(r.entropy)} | value_loss ${fmt(r.value_loss)} | ` +
              `explained_variance ${fmt(r.explained_variance)}` +
              (r.std !== undefined && r.std !== null ? ` | std ${fmt(r.std)}` : "");
            if (bar) {
              bar.stop();
              process.stdout.write(line + "\n");
              bar.start(total, Math.min(total, r.total_timesteps ?? 0), { sps: fmt(r.steps_per_second, 0) });
            } else if (!flags.quiet) process.stdout.write(line + "\n");
            break;
          }
          case "diagnostic":
            // Printed as it fires: "warning [kl.exploding] approx_kl 0.12 > 0.05 over updates 4-9: ..." + top suggestion.
            findings.push(msg.finding);
            if (flags.quiet) break;
            bar?.stop();
            process.stdout.write(formatFinding(msg.finding) + "\n");
            if (bar) bar.start(total, Math.min(total, msg.finding.totalTimesteps), { sps: "-" });
            break;
          case "log":
            if (!flags.quiet) process.stderr.write(`  ${msg.level}: ${msg.message}\n`);
            break;
          case "checkpoint":
            if (!flags.quiet) process.stdout.write(`  checkpoint at step ${msg.step}: ${msg.path}\n`);
            break;
          case "error":
            bar?.stop();
            process.stderr.write(`error: ${msg.message}\n`);
            break;
          case "finished":
            bar?.stop();
            if (!flags.quiet) process.stdout.write(formatSummary(findings, findings.length ? diagnosticsFile : undefined) + "\n");
            process.stdout.write(`run ${msg.status} after ${msg.totalTimesteps} steps: ${msg.runDir}\n`);
            break;
          default:
            break;
        }
      },
    },
  );
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write("\nstopping after the current update (Ctrl-C again to quit at once)...\n");
      session.stop();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", () => session.stop());
  try {
    const result = await session.run();
    return result.status === "failed" ? 1 : result.status === "stopped" ? 130 : 0;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** Prints an error the user can act on and returns the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof EnvLoadError || e instanceof ConfigError || e instanceof BackendError || e instanceof CheckpointError || e instanceof RangeError) {
    process.stderr.write(`error: ${e.message}\n`);
    const hint = (e as EnvLoadError).hint;
    if (hint) process.stderr.write(`hint: ${hint}\n`);
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
    .description("Train and debug PPO agents on environment files (TensorFlow.js).")
    .version(ppoLabVersion())
    .showHelpAfterError()
    .exitOverride();
  program
    .command("train")
    .description("train PPO on an env file (.ts/.js) or a built-in id (CartPole-v1, Pendulum-v1)")
    .argument("[env]", "env file path or built-in id (optional with --resume)")
    .option("-r, --resume <run-dir>", "continue a run directory from its newest checkpoint (same config; --timesteps raises the total)")
    .option("-c, --config <file>", "JSON file with hyperparameters (see README: configuration)")
    .option("-t, --timesteps <n>", "total environment steps", positiveInt("--timesteps"))
    .option("-s, --seed <n>", "random seed", nonNegativeInt("--seed"))
    .option("--n-envs <n>", "parallel env copies", positiveInt("--n-envs"))
    .addOption(new Option("-b, --backend <name>", "TensorFlow.js backend").choices(["auto", "tensorflow", "wasm", "cpu"]))
    .option("-o, --out <dir>", "folder for run directories", ".ppo-lab/runs")
    .option("-q, --quiet", "print only the final line")
    .option("--json", "print one JSON message per line (machine-readable)")
    .action(async (env: string | undefined, flags: TrainFlags) => {
      if (!env && !flags.resume) throw new ConfigError("the command line", ['missing the env: "ppo-lab train <env-file|env-id>" or "ppo-lab train --resume <run-dir>"']);
      if (flags.resume && flags.config) throw new ConfigError("the command line", ["--config cannot be combined with --resume (a resumed run keeps its config; flags such as --timesteps may override it)"]);
      process.exitCode = await train(env, flags);
    });
  registerCheckCommand(program);
  registerPolicyCommands(program);
  return program;
}

/** CLI entry. */
export async function main(argv: string[]): Promise<number> {
  const program = makeProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === "string" && ce.code.startsWith("commander.")) {
      return ce.code === "commander.helpDisplayed" || ce.code === "commander.version" ? 0 : 2;
    }
    return reportError(e);
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = reportError(e);
    },
  );
}
