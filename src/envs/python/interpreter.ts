/**
 * Finding the Python interpreter and the runner script, and asking the runner to describe an env file
 * (`--describe`: which class, its translated spaces, the file's `config` and `max_episode_steps`).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, isAbsolute, resolve } from "node:path";
import type { SpaceSpec } from "../../core/spaces";
import type { PythonErrorPayload } from "./bridge";

/** What `ppo_lab_runner.py --describe` (and the INIT request) answers. */
export interface PythonEnvDescription {
  /** The env class name or registered id chosen. */
  env: string;
  kind: "class" | "id";
  /** Every env class and newly registered id in the file (for a quick pick). */
  candidates: string[];
  observationSpace: SpaceSpec & { flattenedFrom?: string };
  actionSpace: SpaceSpec;
  /** Float32 values per observation on the wire. */
  obsDim: number;
  /** Numbers per action on the wire. */
  actionDim: number;
  /** Wire type of actions: int64 ("int") or float32 ("float"). */
  actionKind: "int" | "float";
  maskDim: number;
  maxEpisodeSteps: number | null;
  config?: Record<string, unknown>;
  python?: string;
  pythonVersion?: string;
  numpyVersion?: string;
  gymnasium?: string | null;
}

/**
 * The interpreter to use: `explicit` (the `ppoLab.python` setting or the Python extension's interpreter, resolved
 * by the extension), else `PPO_LAB_PYTHON`, else `python3` (`python` on Windows) from PATH.
 */
export function resolvePython(explicit?: string): string {
  if (explicit && explicit.trim()) return explicit.trim();
  const fromEnv = process.env.PPO_LAB_PYTHON;
  if (fromEnv && fromEnv.trim()) return fromEnv.trim();
  return process.platform === "win32" ? "python" : "python3";
}

/**
 * The runner script shipped with PPO Lab: `<package>/python/ppo_lab_runner.py`, looked for next to the source
 * layout (src/envs/python/) and the bundled layout (dist/). `PPO_LAB_RUNNER` overrides.
 * @throws Error when it cannot be found (a broken install).
 */
export function findRunner(): string {
  const candidates = [
    process.env.PPO_LAB_RUNNER,
    resolve(__dirname, "..", "..", "..", "python", "ppo_lab_runner.py"),
    resolve(__dirname, "..", "python", "ppo_lab_runner.py"),
    resolve(__dirname, "..", "..", "python", "ppo_lab_runner.py"),
  ].filter((p): p is string => typeof p === "string" && p.length > 0);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`PPO Lab's Python runner is missing (looked in ${candidates.join(", ")}); reinstall PPO Lab.`);
  return found;
}

/** The fix for a missing module, or undefined. */
export function missingModuleHint(payload: Pick<PythonErrorPayload, "type" | "message">, python: string): string | undefined {
  const m = /No module named '([\w.]+)'/.exec(payload.message);
  if (payload.type !== "ModuleNotFoundError" || !m) return undefined;
  const mod = m[1].split(".")[0];
  if (mod === "numpy") {
    return `PPO Lab's Python bridge needs numpy: run "${python} -m pip install numpy" (or select an interpreter that has it: the "ppoLab.python" setting or the Python extension).`;
  }
  return `The env imports "${mod}", which ${python} cannot find: install it there ("${python} -m pip install ${mod}") or select the interpreter of your project (the "ppoLab.python" setting or the Python extension).`;
}

/**
 * The environment for a runner process: `base` with the relative entries of `PYTHONPATH` made absolute against this
 * process's working directory. The runner runs in the env file's folder, where a relative entry (as in
 * `PYTHONPATH=stubs ppo-lab train env.py`) would name another folder than the one the user meant.
 */
export function pythonChildEnv(base: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): NodeJS.ProcessEnv {
  const pp = base.PYTHONPATH;
  if (!pp) return { ...base };
  const entries = pp.split(delimiter).map((p) => (p === "" || isAbsolute(p) ? p : resolve(cwd, p)));
  return { ...base, PYTHONPATH: entries.join(delimiter) };
}

/**
 * Runs `python ppo_lab_runner.py --describe target`.
 * @returns the description, or `{ error }` with the Python error payload
 * @throws Error (with `code` ENOENT when the interpreter is missing) when the interpreter cannot run at all
 */
export function describePythonEnv(
  python: string,
  target: string,
  opts: { env?: string; kwargs?: Record<string, unknown>; cwd: string; timeoutMs?: number },
): Promise<PythonEnvDescription | { error: PythonErrorPayload }> {
  const args = [findRunner(), "--describe", target];
  if (opts.env) args.push("--env", opts.env);
  if (opts.kwargs && Object.keys(opts.kwargs).length > 0) args.push("--kwargs", JSON.stringify(opts.kwargs));
  return new Promise((resolvePromise, reject) => {
    // detached (POSIX; execFile passes it on to spawn): a terminal's Ctrl-C goes to the trainer only (see the
    // bridge), not into this probe.
    const options = { cwd: opts.cwd, env: pythonChildEnv(), detached: process.platform !== "win32", timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, windowsHide: true, encoding: "utf8" as const };
    execFile(python, args, options, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      if (line.startsWith("{")) {
        try {
          resolvePromise(JSON.parse(line) as PythonEnvDescription | { error: PythonErrorPayload });
          return;
        } catch {
          // fall through
        }
      }
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const tail = stderr.trim().split("\n").slice(-15).join("\n");
        const out = new Error(e.killed ? `loading the env timed out${tail ? `; its last output:\n${tail}` : ""}` : `${e.message}${tail ? `\n${tail}` : ""}`) as NodeJS.ErrnoException;
        out.code = e.code;
        reject(out);
        return;
      }
      reject(new Error(`the Python runner gave no answer${stderr ? `: ${stderr.trim().slice(-2000)}` : ""}`));
    });
  });
}
