/**
 * `ppo-lab eval <run-dir|checkpoint> [--episodes N] [--deterministic] [--seed S] [--env FILE] [--checkpoint STEP] [--json]`
 * and `ppo-lab export <run-dir|checkpoint> --out DIR [--checkpoint STEP]`.
 */
import type { Command } from "commander";
import { intFlag } from "./check-command";
import { evaluatePolicy } from "../trainer/evaluate";
import { exportPolicy } from "../trainer/export";

export function registerPolicyCommands(program: Command): void {
  program
    .command("eval")
    .description("evaluate a trained policy: mean/std return and length over N episodes (normalisation frozen)")
    .argument("<run>", "run directory or checkpoints/<step> folder")
    .option("-n, --episodes <n>", "episodes to run", intFlag("--episodes", 1), 10)
    .option("-d, --deterministic", "take the most likely action instead of sampling")
    .option("-s, --seed <n>", "seed of the evaluation env and sampling", intFlag("--seed", 0))
    .option("--env <file>", "evaluate on this env file or id instead of the run's own")
    .option("--checkpoint <step>", "checkpoint step (default: the newest)", intFlag("--checkpoint", 0))
    .option("--json", "print the result as JSON")
    .action(async (run: string, flags: { episodes: number; deterministic?: boolean; seed?: number; env?: string; checkpoint?: number; json?: boolean }) => {
      const r = await evaluatePolicy(run, {
        episodes: flags.episodes,
        deterministic: flags.deterministic,
        seed: flags.seed,
        env: flags.env,
        step: flags.checkpoint,
        cwd: process.cwd(),
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify(r) + "\n");
        return;
      }
      process.stdout.write(
        `${r.envFile}, checkpoint at step ${r.checkpointStep} (${r.deterministic ? "deterministic" : "stochastic"} policy)\n` +
          `${r.episodes.length} episodes: return ${r.meanReturn.toFixed(2)} +- ${r.stdReturn.toFixed(2)}, ` +
          `length ${r.meanLength.toFixed(1)} +- ${r.stdLength.toFixed(1)}\n`,
      );
    });
  program
    .command("export")
    .description("export the policy as a TF.js layers model (model.json + weights.bin) and policy.json")
    .argument("<run>", "run directory or checkpoints/<step> folder")
    .requiredOption("-o, --out <dir>", "output folder")
    .option("--checkpoint <step>", "checkpoint step (default: the newest)", intFlag("--checkpoint", 0))
    .action(async (run: string, flags: { out: string; checkpoint?: number }) => {
      const r = await exportPolicy(run, flags.out, flags.checkpoint);
      process.stdout.write(`exported the policy of step ${r.checkpointStep}:\n${r.files.map((f) => `  ${f}`).join("\n")}\n`);
    });
}
