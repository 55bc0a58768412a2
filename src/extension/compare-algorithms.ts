/**
 * "PPO Lab: Compare Algorithms": one run per chosen algorithm (PPO, GRPO) or `*.ppo.json` config on one env, with
 * the same seed and totalTimesteps, queued through the RunManager (ppoLab.maxConcurrentRuns), shown together in a
 * comparison dashboard; when all have ended, a summary table (src/trainer/compare.ts) as a markdown document.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { writeFileAtomic } from "../core/run/fs-util";
import { makeRunId } from "../core/run/run-dir";
import { BUILTIN_ENVS } from "../envs/loader";
import { DEFAULT_CONFIG, PRESETS, type PPOConfig } from "../core/ppo/config";
import { buildCompareEntries, type CompareEntry, type CompareResult, entryOverrides, formatSummaryMarkdown, summarizeMetrics, summarizeRun } from "../trainer/compare";
import type { DashboardSource } from "./panels/dashboard-panel";
import type { LiveRun, RunManager } from "./run-manager";
import { runsRoot, settingsConfig } from "./settings";

export interface CompareAlgorithmsDeps {
  runs: RunManager;
  requireTrust(): Promise<boolean>;
  pickEnv(target: vscode.Uri | undefined, title: string): Promise<{ env: string; uri?: vscode.Uri } | undefined>;
  saveIfDirty(uri?: vscode.Uri): Promise<boolean>;
  cwdFor(uri?: vscode.Uri): string;
  openDashboard(sources: DashboardSource[]): void;
  log(level: "info" | "warn" | "error", message: string): void;
}

/** The summary of an ended live run: from its run directory, or an error row when it never got one. */
function resultOf(entry: CompareEntry, run: LiveRun, threshold: number | undefined): CompareResult {
  if (run.runDir) return summarizeRun(entry.label, run.runDir, threshold);
  return { label: entry.label, runDir: "-", status: run.status, error: run.error?.split("\n")[0] ?? "the run ended before it had a run directory", ...summarizeMetrics([], threshold) };
}

/**
 * The handler of `ppoLab.compareAlgorithms` (target: an env file URI from the editor title or context menu, else the
 * active or picked env). Errors are shown as notifications; it never throws.
 */
export function compareAlgorithmsCommand(context: vscode.ExtensionContext, deps: CompareAlgorithmsDeps): (target?: vscode.Uri) => Promise<void> {
  return async (target?: vscode.Uri): Promise<void> => {
    if (!(await deps.requireTrust())) return;
    const picked = await deps.pickEnv(target instanceof vscode.Uri ? target : undefined, "PPO Lab: environment to compare algorithms on");
    if (!picked || !(await deps.saveIfDirty(picked.uri))) return;

    const configs = await vscode.workspace.findFiles("**/*.ppo.json", "**/node_modules/**", 100);
    type Item = vscode.QuickPickItem & { algorithm?: "ppo" | "grpo"; file?: string };
    const items: Item[] = [
      { label: "PPO", description: "PPO-Clip with a critic (algorithm: ppo)", algorithm: "ppo", picked: true },
      { label: "GRPO", description: "critic-free, group-normalised returns (algorithm: grpo)", algorithm: "grpo", picked: true },
      ...configs.map((u) => ({ label: `$(json) ${path.basename(u.fsPath)}`, description: vscode.workspace.asRelativePath(u), file: u.fsPath })),
    ];
    const choices = await vscode.window.showQuickPick(items, {
      title: "PPO Lab: algorithms and configs to compare",
      canPickMany: true,
    });
    if (!choices || choices.length === 0) return;

    // The same seed and budget for every run: settings, else the built-in env's preset, else the defaults.
    const settings = settingsConfig(picked.uri);
    const builtinId = Object.keys(BUILTIN_ENVS).find((id) => id === picked.env || BUILTIN_ENVS[id] === path.basename(picked.env));
    const preset: Partial<PPOConfig> = builtinId ? (PRESETS[builtinId] ?? {}) : {};
    const seed = settings.seed ?? preset.seed ?? DEFAULT_CONFIG.seed;
    const defaultSteps = settings.totalTimesteps ?? preset.totalTimesteps ?? DEFAULT_CONFIG.totalTimesteps;
    const stepsText = await vscode.window.showInputBox({
      title: "PPO Lab: compare algorithms",
      prompt: `Total timesteps of every run (all use seed ${seed})`,
      value: String(defaultSteps),
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : "a positive whole number of environment steps"),
    });
    if (stepsText === undefined) return;
    const totalTimesteps = Number(stepsText.trim());
    const thresholdText = await vscode.window.showInputBox({
      title: "PPO Lab: compare algorithms",
      prompt: "Reward threshold for \"steps to threshold\" in the summary (optional: leave empty to skip)",
      validateInput: (v) => (v.trim() === "" || Number.isFinite(Number(v)) ? undefined : "a number, or empty"),
    });
    if (thresholdText === undefined) return;
    const threshold = thresholdText.trim() === "" ? undefined : Number(thresholdText);

    let entries: CompareEntry[];
    try {
      entries = buildCompareEntries(
        choices.filter((c) => c.algorithm).map((c) => c.algorithm as string),
        choices.filter((c) => c.file).map((c) => c.file as string),
      );
    } catch (e) {
      void vscode.window.showErrorMessage(`PPO Lab: ${(e as Error).message}`);
      return;
    }
    const cwd = deps.cwdFor(picked.uri);
    const started = entries.map((entry) => ({
      entry,
      run: deps.runs.start({
        env: picked.env,
        cwd,
        runsRoot: runsRoot(cwd, picked.uri),
        settings,
        configFile: entry.configFile,
        overrides: entryOverrides(entry, { seed, totalTimesteps }),
      }),
    }));
    deps.log("info", `comparing ${entries.map((e) => e.label).join(", ")} on ${picked.env} (seed ${seed}, ${totalTimesteps} timesteps)`);
    deps.openDashboard(started.map(({ run }) => ({ kind: "live", run })));

    const envName = builtinId ?? path.basename(picked.env);
    const sub = deps.runs.onDidChangeRun(() => {
      if (!started.every(({ run }) => run.ended)) return;
      sub.dispose();
      const results = started.map(({ entry, run }) => resultOf(entry, run, threshold));
      const markdown = formatSummaryMarkdown(results, { envName, seed, totalTimesteps, threshold });
      const best = results.filter((r) => r.finalEpRewMean !== null).sort((a, b) => (b.finalEpRewMean ?? 0) - (a.finalEpRewMean ?? 0))[0];
      const headline = best
        ? `best final ep_rew_mean (mean of the last updates): ${best.label} (${best.finalEpRewMean?.toFixed(1)})`
        : "no run finished an episode";
      // Kept next to the runs, so the summary is not lost (and closing it asks nothing); an untitled one if that fails.
      const file = path.join(runsRoot(cwd, picked.uri), `${makeRunId(envName, new Date(), "compare")}.md`);
      let saved: vscode.Uri | undefined;
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        writeFileAtomic(file, markdown);
        saved = vscode.Uri.file(file);
        deps.log("info", `comparison summary written to ${file}`);
      } catch (e) {
        deps.log("warn", `could not write the comparison summary to ${file}: ${(e as Error).message}`);
      }
      void vscode.window.showInformationMessage(`PPO Lab: comparison on ${envName} done; ${headline}.`, "Show Summary").then(async (c) => {
        if (!c) return;
        const doc = saved ? await vscode.workspace.openTextDocument(saved) : await vscode.workspace.openTextDocument({ language: "markdown", content: markdown });
        await vscode.window.showTextDocument(doc, { preview: false });
      });
    });
    context.subscriptions.push(sub);
  };
}
