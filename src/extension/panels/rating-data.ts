/**
 * The Rate mode of the Replays panel, free of the `vscode` module: ratings from the webview are checked and appended
 * to `<runDir>/preferences.jsonl`, and the state (count, next pair, fitted reward model) is rebuilt from the files, so
 * it survives reloads. Failures become a message in the state, never a throw into the extension host.
 */
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { appendPreference, readPreferences, type PreferenceRecord } from "../../core/rlhf/preferences";
import { countRatedPairs, pickRatePair, readRewardModelFile, REWARD_MODEL_FILE } from "../../core/rlhf/run-ratings";
import type { RatingChoice, RatingState } from "../../protocol";

const CHOICES: readonly RatingChoice[] = ["a", "b", "same", "unknown"];

/** The Rate mode's host side for one run directory. */
export class RatingHost {
  constructor(
    readonly runDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  private records(): PreferenceRecord[] {
    try {
      return readPreferences(this.runDir).records;
    } catch {
      return [];
    }
  }

  /** The reward model's report, or null when there is none (or it is unreadable). */
  rewardModel(): RatingState["rewardModel"] {
    const file = path.join(this.runDir, REWARD_MODEL_FILE);
    if (!fs.existsSync(file)) return null;
    try {
      const m = readRewardModelFile(file);
      return { pairs: m.report.pairs, trainAccuracy: m.report.trainAccuracy, validationAccuracy: m.report.validationAccuracy, createdAt: m.createdAt };
    } catch {
      return null;
    }
  }

  /**
   * The state for the webview.
   * @param ids the run's replay ids (only replays with steps can be rated)
   * @param aliases from `episodeAliases`: index entries of one recording (periodic + best/worst) are one episode, in
   *   the pair counts and the next pair; ratings naming either id count for it
   */
  state(ids: readonly string[], extra: { fitting?: boolean; message?: RatingState["message"] } = {}, aliases?: ReadonlyMap<string, string>): RatingState {
    const records = this.records();
    const n = new Set(ids.map((id) => aliases?.get(id) ?? id)).size;
    return {
      count: records.length,
      ratedPairs: countRatedPairs(ids, records, aliases),
      totalPairs: (n * (n - 1)) / 2,
      next: pickRatePair(ids, records, records.length, aliases) ?? null,
      rewardModel: this.rewardModel(),
      fitting: extra.fitting ?? false,
      ...(extra.message ? { message: extra.message } : {}),
    };
  }

  /**
   * Appends the user's rating of (a, b) when both are replays of the run, not one recording (see `aliases` of
   * {@link RatingHost.state}), and the choice is valid.
   * @returns undefined when saved, else what was wrong (for the panel's message)
   */
  rate(ids: readonly string[], a: unknown, b: unknown, choice: unknown, aliases?: ReadonlyMap<string, string>): string | undefined {
    if (typeof a !== "string" || typeof b !== "string" || !ids.includes(a) || !ids.includes(b) || a === b) {
      return `cannot rate ${String(a)} against ${String(b)}: both must be different replays of this run`;
    }
    if (aliases && (aliases.get(a) ?? a) === (aliases.get(b) ?? b)) {
      return `cannot rate ${a} against ${b}: they are the same recorded episode (kept under two names)`;
    }
    if (!CHOICES.includes(choice as RatingChoice)) return `unknown rating ${JSON.stringify(choice)}`;
    try {
      appendPreference(this.runDir, { a, b, choice: choice as RatingChoice, rater: "user", createdAt: new Date(this.now()).toISOString() });
      return undefined;
    } catch (e) {
      return `could not save the rating: ${(e as Error).message}`;
    }
  }
}

/**
 * The rate bar's note after a fit: the error when it failed; the fit's warnings when it succeeded with some (too few
 * decisive ratings, no held-out pair, skipped lines of preferences.jsonl or unreadable replays); else nothing (the
 * state's `rewardModel` already carries the pairs and accuracies, shown once next to "Fit reward model"; the CLI's
 * summary line would repeat them).
 */
export function fitOutcomeMessage(result: { ok: boolean; message: string; warnings?: string[] }): RatingState["message"] | undefined {
  if (!result.ok) return { level: "error", text: result.message };
  const w = result.warnings ?? [];
  return w.length ? { level: "warning", text: `Fitted, with ${w.length === 1 ? "a warning" : `${w.length} warnings`}: ${w.join("; ")}` } : undefined;
}

/**
 * Fits the reward model of `runDir` with `ppo-lab fit-reward` in a child process (TF.js stays off the extension
 * host's event loop).
 * @param cliJs the bundled CLI (`dist/cli.js`)
 * @returns the CLI's first output line and its `warning:` lines when it succeeded, else its error message; never throws
 */
export function fitRewardInChildProcess(cliJs: string, runDir: string): Promise<{ ok: boolean; message: string; warnings: string[] }> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let child;
    try {
      child = fork(cliJs, ["fit-reward", runDir], { stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" } });
    } catch (e) {
      resolve({ ok: false, message: `Fitting the reward model failed: ${(e as Error).message}`, warnings: [] });
      return;
    }
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => resolve({ ok: false, message: `Fitting the reward model failed: ${e.message}`, warnings: [] }));
    child.on("exit", (code) => {
      const lines = stderr.split("\n").filter((l) => l.trim());
      if (code === 0) {
        const warnings = lines.filter((l) => l.startsWith("warning: ")).map((l) => l.slice("warning: ".length));
        resolve({ ok: true, message: stdout.split("\n")[0] || "reward model fitted", warnings });
        return;
      }
      const err = lines.find((l) => l.startsWith("error:")) ?? lines.pop() ?? `exit code ${code}`;
      resolve({ ok: false, message: `Fitting the reward model failed: ${err.replace(/^error: /, "")}`, warnings: [] });
    });
  });
}
