/**
 * `ppo-lab check <env-file|env-id> [--json] [--steps N] [--seed S]`: runs the env checker (src/envs/checker.ts) and
 * prints one compiler-style line per finding, `file:line:col: severity [id] message`, then a summary.
 *
 * Exit codes: 0 no errors (warnings and info allowed), 1 the env has errors, 2 usage errors (bad flags, or the
 * argument names no env file / built-in id).
 */
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { checkEnvFile, type CheckFinding, type CheckReport } from "../envs/checker";

export interface CheckFlags {
  json?: boolean;
  steps?: number;
  seed?: number;
  /** Python interpreter for .py envs (sets PPO_LAB_PYTHON for this process). */
  python?: string;
}

/** Where the command writes and what relative paths are relative to (tests pass their own). */
export interface CheckIo {
  write(text: string): void;
  cwd: string;
}

const defaultIo = (): CheckIo => ({ write: (s) => void process.stdout.write(s), cwd: process.cwd() });

/** A commander parser for an integer option >= `min` (shared by the CLI commands). */
export function intFlag(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}"`);
    }
    return n;
  };
}

/** A path relative to `cwd` when it lies inside it, else absolute. */
function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** `file:line:col: severity [id] message` (or `file: severity [id] message` without a location). */
export function formatFinding(f: CheckFinding, reportFile: string, cwd: string): string {
  const where = f.location ? `${displayPath(f.location.file, cwd)}:${f.location.line}:${f.location.column}` : displayPath(reportFile, cwd);
  return `${where}: ${f.severity} [${f.id}] ${f.message.replace(/\s*\n\s*/g, " ")}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The summary line: `N errors, M warnings` (plus info findings and probe steps). */
export function formatSummary(report: CheckReport): string {
  const count = (s: CheckFinding["severity"]): number => report.findings.filter((f) => f.severity === s).length;
  const info = count("info");
  return (
    `${plural(count("error"), "error")}, ${plural(count("warning"), "warning")}` +
    `${info ? `, ${info} info` : ""} (${report.probeSteps} probe steps)`
  );
}

/** The exit code for a report: 0 no errors, 1 errors, 2 when the argument named no env file. */
export function exitCodeFor(report: CheckReport): number {
  if (report.findings.some((f) => f.id === "load.not-found")) return 2;
  return report.ok ? 0 : 1;
}

/** Checks `env` and prints the report; returns the exit code. */
export async function runCheck(env: string, flags: CheckFlags, io: CheckIo = defaultIo()): Promise<number> {
  const report = await checkEnvFile(env, {
    cwd: io.cwd,
    ...(flags.steps !== undefined ? { probeSteps: flags.steps } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
  });
  if (flags.json) {
    io.write(JSON.stringify(report, null, 2) + "\n");
  } else {
    for (const f of report.findings) io.write(formatFinding(f, report.file, io.cwd) + "\n");
    io.write(`${displayPath(report.file, io.cwd)}: ${formatSummary(report)}\n`);
  }
  return exitCodeFor(report);
}

/** Adds the `check` command to the program. */
export function registerCheckCommand(program: Command, io?: CheckIo): Command {
  program
    .command("check")
    .description("check an env file (.ts/.js/.py) or a built-in id before training: exports, spaces, reset/step results, determinism, scales")
    .argument("<env>", "env file path or built-in id")
    .option("--json", "print the report as JSON")
    .option("--steps <n>", "random-action probe steps (default 2000)", intFlag("--steps", 1))
    .option("-s, --seed <n>", "seed of the probe's actions and first reset (default 0)", intFlag("--seed", 0))
    .option("--python <path>", "Python interpreter for .py env files (default: $PPO_LAB_PYTHON, else python3)")
    .action(async (env: string, flags: CheckFlags) => {
      if (flags.python) process.env.PPO_LAB_PYTHON = flags.python;
      process.exitCode = await runCheck(env, flags, io ?? defaultIo());
    });
  return program;
}
