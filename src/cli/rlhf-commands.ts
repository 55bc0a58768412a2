/**
 * RLHF in miniature from the command line:
 *   ppo-lab rate <run-dir> --rater <file> [--pairs N] [--seed S]   a scripted rater rates pairs of the run's replays
 *   ppo-lab fit-reward <run-dir>                                   fits reward-model.json on the run's ratings
 * (`ppo-lab train <env> --reward-model <file>` then trains on the learned reward; see main.ts.)
 *
 * Exit codes: 0 done, 2 a problem the user can fix (no replays, no ratings, a rater that throws: file:line), 130
 * interrupted (Ctrl-C during `rate`; the ratings made so far are saved).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import * as tf from "@tensorflow/tfjs";
import { EnvLoadError, loadUserModule, userErrorLocation } from "../envs/loader";
import { appendPreference, PREFERENCES_FILE, readPreferences, type PreferenceRecord } from "../core/rlhf/preferences";
import { RunDirError } from "../core/run/fs-util";
import { rateEpisodes } from "../core/rlhf/pipeline";
import { RaterResultError, type Rater } from "../core/rlhf/rater";
import { selectBackend } from "../trainer/backend";
import { canonicalRecords, countRatedPairs, loadRunEpisodes, ratingWarnings, RlhfError, skippedReplayWarnings } from "../core/rlhf/run-ratings";
import { ReplayError } from "../core/replay/format";
import { fitRunRewardModel } from "../core/rlhf/run-reward-model";

export interface RateFlags {
  rater: string;
  pairs?: number;
  seed?: number;
}

/**
 * Loads a scripted rater: a module whose default export (or `rater` export) is a function `(a, b) => choice`.
 * @throws EnvLoadError when the file does not load; RlhfError when it exports no function.
 */
export async function loadRater(file: string): Promise<Rater> {
  let exp: { default?: unknown; rater?: unknown } | undefined;
  try {
    exp = (await loadUserModule(file)) as typeof exp;
  } catch (e) {
    // The loader's hint speaks of env files; this is a rater.
    if (e instanceof EnvLoadError && e.hint) e.hint = e.hint.replace("load the env again", "rate again");
    throw e;
  }
  const fn = typeof exp === "function" ? exp : (exp?.default ?? exp?.rater);
  if (typeof fn !== "function") {
    throw new RlhfError(`${path.resolve(file)} must export a rater function as its default export: export default (a, b) => (a.return > b.return ? "a" : "b")`);
  }
  return fn as Rater;
}

/** What `rateRun` did. */
export interface RateResult {
  /** Ratings made and appended by this call. */
  rated: number;
  /** The preferences.jsonl they were appended to. */
  file: string;
  /** True when `signal` stopped the rating early (Ctrl-C). */
  interrupted: boolean;
  /** Skipped lines of preferences.jsonl, for the user (see ratingWarnings). */
  warnings: string[];
  /** Pairs of the run's replays without a rating before this call (only those are rated), and all pairs. */
  unratedPairs: number;
  totalPairs: number;
}

/**
 * Rates `pairs` pairs without a rating (fewer when fewer remain) of the replays of `runDir` with the rater in `raterFile`, appending each rating to
 * preferences.jsonl as soon as it is made (one whole line per append), so nothing already rated is lost when the
 * rater throws or the user presses Ctrl-C. Skipped lines of preferences.jsonl are printed as warnings on stderr first.
 * @param signal aborting it stops before the next question (the rating in progress is finished and saved)
 * @throws RlhfError when the run has fewer than 2 episodes or the rater throws (with its file:line and how many
 *   ratings were saved before it threw).
 */
export async function rateRun(runDir: string, raterFile: string, pairs: number, seed: number, signal?: AbortSignal): Promise<RateResult> {
  if (!fs.existsSync(runDir)) throw new RlhfError(`no run directory ${runDir}`);
  const rater = await loadRater(raterFile);
  const { episodes, listedIds, aliases, skipped } = await loadRunEpisodes(runDir);
  if (episodes.length < 2) throw new RlhfError(`${runDir} has ${episodes.length} recorded episode; rating needs at least 2`);
  const name = `script:${path.basename(raterFile)}`;
  const file = path.join(runDir, PREFERENCES_FILE);
  let saved = 0;
  const hooks = {
    onRating: (r: PreferenceRecord) => {
      appendPreference(runDir, r);
      saved++;
    },
    // Give the event loop a turn between ratings, so a SIGINT handler can run even when the rater is synchronous.
    shouldStop: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return signal?.aborted ?? false;
    },
  };
  const read = readPreferences(runDir);
  const warnings = [...skippedReplayWarnings(skipped), ...ratingWarnings(runDir, read, listedIds)];
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const ids = episodes.map((e) => e.id);
  const totalPairs = (ids.length * (ids.length - 1)) / 2;
  // Duplicate recordings (periodic + best/worst) are one episode: ratings naming either id count for it.
  const existing = canonicalRecords(read.records, aliases);
  const unratedPairs = totalPairs - countRatedPairs(ids, existing);
  try {
    await rateEpisodes(episodes, rater, name, pairs, seed, Date.now, existing, hooks);
  } catch (e) {
    if (e instanceof RunDirError) throw e;
    const loc = userErrorLocation(e, raterFile);
    const where = loc ? `${loc.file}:${loc.line}:${loc.column}` : path.resolve(raterFile);
    // The ratings made before the failure are already on disk: say so.
    const kept = `; ${saved} rating${saved === 1 ? "" : "s"} made before it ${saved === 1 ? "was" : "were"} saved to ${file}`;
    if (e instanceof RaterResultError) throw new RlhfError(`${path.resolve(raterFile)}: ${e.message}${kept}`);
    throw new RlhfError(`${where}: the rater threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}${kept}`);
  }
  return { rated: saved, file, interrupted: signal?.aborted ?? false, warnings, unratedPairs, totalPairs };
}

function pct(x: number | null): string {
  return x === null ? "n/a" : `${(x * 100).toFixed(1)}%`;
}

function intFlag(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new RlhfError(`${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
}

/** Prints a user error and sets exit code 2; rethrows anything unexpected. */
function handle(e: unknown): void {
  if (e instanceof RlhfError || e instanceof EnvLoadError || e instanceof RangeError || e instanceof ReplayError) {
    process.stderr.write(`error: ${e.message}\n`);
    const hint = (e as { hint?: string }).hint;
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    process.exitCode = 2;
    return;
  }
  throw e;
}

export function registerRlhfCommands(program: Command): void {
  program
    .command("rate")
    .description("rate pairs of a run's replays with a scripted rater (a .ts/.js file whose default export compares two episodes); appends to preferences.jsonl")
    .argument("<run-dir>", "run directory with recorded replays")
    .requiredOption("--rater <file>", "module whose default export is (a, b) => \"a\" | \"b\" | \"same\" | \"unknown\" | number")
    .option("--pairs <n>", "pairs to rate", intFlag("--pairs", 1), 50)
    .option("--seed <n>", "seed of the pair draw", intFlag("--seed", 0), 0)
    .action(async (runDir: string, flags: RateFlags) => {
      // Ctrl-C stops after the rating in progress (every rating is already on disk); a second Ctrl-C exits at once.
      const stop = new AbortController();
      const onSigint = (): void => {
        if (stop.signal.aborted) process.exit(130);
        stop.abort();
      };
      process.on("SIGINT", onSigint);
      try {
        const dir = path.resolve(runDir);
        const r = await rateRun(dir, flags.rater, flags.pairs ?? 50, flags.seed ?? 0, stop.signal);
        if (r.interrupted) {
          process.stderr.write(`interrupted: ${r.rated} ratings saved to ${r.file}\n`);
          process.exitCode = 130;
          return;
        }
        const total = readPreferences(dir).records.length;
        if (r.unratedPairs === 0) {
          process.stdout.write(`all ${r.totalPairs} pairs of the run's replays already have a rating; nothing to rate (${total} ratings in ${r.file})\n`);
          return;
        }
        const left = r.unratedPairs < (flags.pairs ?? 50) ? `only ${r.unratedPairs} unrated pairs left; ` : "";
        process.stdout.write(`${left}rated ${r.rated} pairs; ${total} ratings in ${r.file}\n`);
      } catch (e) {
        handle(e);
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
  program
    .command("fit-reward")
    .description("fit a reward model (Bradley-Terry) on a run's ratings and write <run-dir>/reward-model.json")
    .argument("<run-dir>", "run directory with replays and preferences.jsonl")
    .option("--seed <n>", "seed of the model", intFlag("--seed", 0), 0)
    .action(async (runDir: string, flags: { seed?: number }) => {
      try {
        const dir = path.resolve(runDir);
        if (!fs.existsSync(dir)) throw new RlhfError(`no run directory ${dir}`);
        await selectBackend("cpu"); // the reward model is small: TF.js's plain JS backend
        // Production mode silences the cpu backend's "install tfjs-node" banner, which is noise for a model this size.
        tf.enableProdMode();
        const { file, model, warnings } = await fitRunRewardModel(dir, { seed: flags.seed ?? 0 });
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        const r = model.report;
        process.stdout.write(
          `reward model: ${r.pairs} pairs (${r.trainPairs} train / ${r.validationPairs} held out), ` +
            `accuracy train ${pct(r.trainAccuracy)}, held-out ${pct(r.validationAccuracy)}\nwrote ${file}\n` +
            `train on it: ppo-lab train <env> --reward-model ${file}\n`,
        );
      } catch (e) {
        handle(e);
      }
    });
}
