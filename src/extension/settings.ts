/**
 * Reading `ppoLab.*` settings. Only values the user actually set (user, workspace or folder scope) count as the
 * "settings" layer of the config; defaults declared in package.json do not override presets.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { CONFIG_SCHEMA, type PPOConfig } from "../core/ppo/config";

function explicit<T>(cfg: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const i = cfg.inspect<T>(key);
  return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
}

/** Hyperparameters from settings: `ppoLab.hyperparameters.<key>`, `ppoLab.defaultTotalTimesteps`, ... */
export function settingsConfig(scope?: vscode.Uri): Partial<PPOConfig> {
  const cfg = vscode.workspace.getConfiguration("ppoLab", scope);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_SCHEMA.properties)) {
    if (key === "$schema") continue;
    const v = explicit<unknown>(cfg, `hyperparameters.${key}`);
    if (v !== undefined) out[key] = v;
  }
  const total = explicit<number>(cfg, "defaultTotalTimesteps");
  if (total !== undefined && out.totalTimesteps === undefined) out.totalTimesteps = total;
  const every = explicit<number>(cfg, "checkpointEvery");
  if (every !== undefined) out.checkpointEvery = every;
  const backend = explicit<string>(cfg, "trainer.backend");
  if (backend !== undefined) out.backend = backend;
  return out as Partial<PPOConfig>;
}

/** The folder holding run directories for a workspace folder (`ppoLab.runsDirectory`, default `.ppo-lab/runs`). */
export function runsRoot(folder: string, scope?: vscode.Uri): string {
  const dir = vscode.workspace.getConfiguration("ppoLab", scope).get<string>("runsDirectory", ".ppo-lab/runs");
  return path.resolve(folder, dir || ".ppo-lab/runs");
}

export function maxConcurrentRuns(): number {
  return Math.max(1, vscode.workspace.getConfiguration("ppoLab").get<number>("maxConcurrentRuns", 2));
}
