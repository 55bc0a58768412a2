/**
 * The Python interpreter for .py env files: the `ppoLab.python` setting, else the interpreter selected in the
 * Python extension (ms-python.python's public `environments` API, when installed), else undefined (the trainer
 * then uses `python3` from PATH). And the quick pick of the env class when a file defines several.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { pythonEnvCandidates } from "../envs/python/load";

/** The slice of ms-python.python's exported API we use (guarded: any of it may be missing). */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined;
    resolveEnvironment?(env: { path?: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

/**
 * @param scope the env file (its workspace folder's settings and selected interpreter apply)
 * @param log where problems with the Python extension's API are reported (never thrown)
 * @returns an interpreter path or command, or undefined for the trainer's default (`python3` on PATH)
 */
export async function resolvePythonInterpreter(scope: vscode.Uri | undefined, log?: (message: string) => void): Promise<string | undefined> {
  const configured = vscode.workspace.getConfiguration("ppoLab", scope).get<string>("python", "").trim();
  if (configured) return configured;
  const ext = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const envs = api?.environments;
    const active = envs?.getActiveEnvironmentPath?.(scope);
    if (!active?.path) return undefined;
    const resolved = await envs?.resolveEnvironment?.(active);
    return resolved?.executable?.uri?.fsPath ?? active.path;
  } catch (e) {
    log?.(`could not ask the Python extension for its interpreter: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * For a .py env file that defines several env classes (or registered ids), asks which one and returns
 * `file.py:Name`; else `file` unchanged. Undefined when the user cancels the pick.
 */
export async function pickPythonEnv(file: string, python: string | undefined): Promise<string | undefined> {
  if (!file.endsWith(".py")) return file;
  const candidates = await pythonEnvCandidates(file, { python });
  if (candidates.length < 2) return file;
  const pick = await vscode.window.showQuickPick(
    candidates.map((name) => ({ label: name, description: path.basename(file) })),
    { title: `PPO Lab: which env of ${path.basename(file)}?`, placeHolder: "Tip: a `# ppo-lab: env=Name` comment in the file skips this question" },
  );
  return pick ? `${file}:${pick.label}` : undefined;
}
