/**
 * Loading a Python env (a `.py` file, `file.py:ClassName`, or a registered Gymnasium id) into a
 * {@link LoadedEnvFile}: the runner describes it once (class chosen, spaces translated, `config` and
 * `max_episode_steps` read); `factory` builds single-copy proxies (for the checker, evaluation, replays) and
 * `python` tells the trainer to build a {@link PythonVectorEnv} instead of an in-process vector env.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { Env } from "../../core/env";
import { EnvLoadError, type LoadedEnvFile } from "../loader";
import { PythonEnvError, PythonProcessError, type PythonErrorPayload, type PythonFrame } from "./bridge";
import { describePythonEnv, missingModuleHint, resolvePython, type PythonEnvDescription } from "./interpreter";
import { PythonEnvProxy, type PythonEnvSpec } from "./python-env";

/** What the trainer needs to run a Python env; set on {@link LoadedEnvFile.python}. */
export interface PythonEnvInfo {
  /** Interpreter. */
  python: string;
  /** Absolute .py path or registered id. */
  target: string;
  /** Class name or registered id chosen. */
  envName: string;
  /** How to load the same env again (run.json's envFile, for resuming): `file.py:Name` when the file holds several. */
  envSpec: string;
  description: PythonEnvDescription;
  cwd: string;
}

/** `path/to/file.py:ClassName` -> [file, class]; else undefined. */
export function splitPythonTarget(spec: string): [string, string] | undefined {
  const m = /^(.*\.py):([A-Za-z_][\w.\-/]*)$/.exec(spec);
  return m ? [m[1], m[2]] : undefined;
}

/** A Gymnasium-style id (`Name-v3`, `ns/Name-v0`). */
export function looksLikeGymId(spec: string): boolean {
  return /^([\w.-]+\/)?[\w.:-]+-v\d+$/.test(spec);
}

/** The innermost frame in the env file, else in the env file's directory tree (not site-packages). */
export function userPythonFrame(frames: PythonFrame[], file: string): PythonFrame | undefined {
  const inner = [...frames].reverse();
  const own = inner.find((f) => f.file === file);
  if (own) return own;
  const root = dirname(file);
  return inner.find((f) => {
    if (!isAbsolute(f.file)) return false;
    const rel = relative(root, f.file);
    return !rel.startsWith("..") && !/site-packages|dist-packages/.test(rel);
  });
}

function loadErrorOf(payload: PythonErrorPayload, target: string, python: string, candidates?: string[]): EnvLoadError {
  const isFile = target.endsWith(".py");
  const frame = isFile ? userPythonFrame(payload.frames ?? [], target) : undefined;
  const pos = frame ? `${frame.file}:${frame.line}:1: ` : "";
  const what = payload.type === "UserError" ? "" : `${payload.type}: `;
  const hint =
    missingModuleHint(payload, python) ??
    (payload.type === "UserError"
      ? /several envs/.test(payload.message)
        ? "Add `# ppo-lab: env=ClassName` to the file, or pass file.py:ClassName."
        : undefined
      : "Fix the Python error at that location and train again.");
  const err = new EnvLoadError(`${pos}${what}${payload.message}`, {
    file: frame?.file ?? target,
    envFile: target,
    line: frame?.line,
    column: frame ? 1 : undefined,
    hint,
  });
  if (candidates) (err as EnvLoadError & { candidates?: string[] }).candidates = candidates;
  return err;
}

/** Turns an error of a Python env call into an EnvLoadError with the file and line (constructor failures). */
function asLoadError(e: unknown, info: PythonEnvInfo): unknown {
  if (e instanceof PythonEnvError) {
    return loadErrorOf(
      { type: e.pythonType, message: e.message.replace(`${e.pythonType}: `, ""), traceback: e.traceback, frames: e.frames, phase: e.phase },
      info.target,
      info.python,
    );
  }
  if (e instanceof PythonProcessError) return new EnvLoadError(e.message, { file: info.target, hint: e.hint });
  return e;
}

/** Candidate env names in a .py file that holds several (for a quick pick); [] when the file is not ambiguous. */
export async function pythonEnvCandidates(file: string, opts: { python?: string; cwd?: string } = {}): Promise<string[]> {
  const python = resolvePython(opts.python);
  try {
    const d = await describePythonEnv(python, resolve(file), { cwd: opts.cwd ?? dirname(resolve(file)) });
    if ("error" in d) {
      const m = /defines several envs: (.*)\. Name one/.exec(d.error.message);
      return m ? m[1].split(", ") : [];
    }
    return [];
  } catch {
    return [];
  }
}

/**
 * Loads a Python env.
 * @param target absolute `.py` path or a registered Gymnasium id
 * @param envName class name or registered id to use (else the runner chooses; see the runner's docstring)
 * @throws EnvLoadError naming the interpreter problem (with the fix) or the Python error's file and line
 */
export async function loadPythonEnv(
  target: string,
  opts: { envName?: string; python?: string; cwd?: string; kwargs?: Record<string, unknown> },
): Promise<LoadedEnvFile> {
  const python = resolvePython(opts.python);
  const isFile = target.endsWith(".py");
  const cwd = isFile ? dirname(target) : resolve(opts.cwd ?? process.cwd());
  let d: PythonEnvDescription | { error: PythonErrorPayload };
  try {
    d = await describePythonEnv(python, target, { env: opts.envName, kwargs: opts.kwargs, cwd });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") {
      throw new EnvLoadError(`Python interpreter "${python}" not found, so ${target} cannot be loaded.`, {
        file: target,
        hint: 'Install Python 3 with numpy, or point PPO Lab at one: the "ppoLab.python" setting, the interpreter selected in the Python extension, or --python /path/to/python (PPO_LAB_PYTHON) for the CLI.',
      });
    }
    throw new EnvLoadError(`Could not load the Python env ${target} with ${python}: ${err.message}`, { file: target, cause: e });
  }
  if ("error" in d) {
    const m = /defines several envs: (.*)\. Name one/.exec(d.error.message);
    throw loadErrorOf(d.error, target, python, m ? m[1].split(", ") : undefined);
  }
  const description = d;
  let hash: string;
  try {
    hash = createHash("sha256").update(isFile ? readFileSync(target) : Buffer.from(`gymnasium:${target}`)).digest("hex");
  } catch {
    hash = createHash("sha256").update(target).digest("hex");
  }
  const several = isFile && (description.candidates ?? []).length > 1;
  const info: PythonEnvInfo = { python, target, envName: description.env, envSpec: several ? `${target}:${description.env}` : target, description, cwd };
  const loaded: LoadedEnvFile = {
    file: target,
    hash,
    exportName: description.env,
    factory: (options?: Record<string, unknown>): Env => {
      try {
        return new PythonEnvProxy(proxySpec(info, options));
      } catch (e) {
        throw asLoadError(e, info);
      }
    },
    python: info,
  };
  if (description.config) loaded.config = description.config;
  if (description.maxEpisodeSteps) loaded.maxEpisodeSteps = description.maxEpisodeSteps;
  return loaded;
}

function proxySpec(info: PythonEnvInfo, kwargs?: Record<string, unknown>): PythonEnvSpec {
  return { python: info.python, target: info.target, envName: info.envName, kwargs, maxEpisodeSteps: 0, stepTimeoutMs: 30_000, cwd: info.cwd };
}

/**
 * The spec of the training vector env for a loaded Python env.
 * @param maxEpisodeSteps the resolved time limit (0 = none), applied in the runner
 */
export function pythonVectorSpec(
  info: PythonEnvInfo,
  config: { envKwargs: Record<string, unknown>; pythonStepTimeoutMs: number },
  maxEpisodeSteps: number,
  onStderr?: (line: string) => void,
): PythonEnvSpec {
  return {
    python: info.python,
    target: info.target,
    envName: info.envName,
    kwargs: config.envKwargs,
    maxEpisodeSteps,
    stepTimeoutMs: config.pythonStepTimeoutMs,
    cwd: info.cwd,
    onStderr,
  };
}
