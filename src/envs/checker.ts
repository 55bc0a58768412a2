/**
 * The environment checker: validates an env file against the contract (DESIGN.md "The environment-file contract")
 * before training, and points at the user's file with a message that says how to fix each problem.
 *
 * What it checks, in order (later checks need the earlier ones to pass):
 *   1. the file loads and exports an env (a load failure is turned into findings with the loader's location);
 *   2. `observationSpace` / `actionSpace` are well-formed spaces (`makeSpace`);
 *   3. `reset({ seed })` returns `{ observation, info? }` with an observation inside observationSpace;
 *   4. a random-action probe: `step()` with actions from `actionSpace.sample` (seeded {@link Rng}) for `probeSteps`
 *      steps, resetting at the end of every episode, under the time limit the trainer would apply (the env file's
 *      `maxEpisodeSteps`, through {@link TimeLimit}); every result must be an object with an observation in the
 *      space, a finite number reward and boolean `terminated` / `truncated`;
 *   5. determinism: the same seed gives the same first observation (and the same steps), different seeds differ;
 *   6. heuristics (warnings/info): large observations or rewards, episodes that never end, a `terminated` that is
 *      really a time limit, Box actions far outside the bounds that the env silently accepts;
 *   7. `render()`, when the env has one: called after reset and over a few random steps, each result validated
 *      against the frame schema (src/core/replay/frame-schema.ts); problems are warnings (replays then lack frames).
 *
 * Every finding has a stable `id` (the list is {@link FINDING_IDS}), a severity, a message naming the file, and a
 * location when one is known: from the loader (`EnvLoadError`), from the stack of an exception thrown by the env
 * (source-mapped to the user's .ts file by the loader), else from a regex search of the file's text for the
 * relevant declaration (`export default`, `step(`, `reset(`, `observationSpace`, ...).
 *
 * Env problems never throw: they become findings. The probe is bounded by `probeSteps` and by wall time (~2 s); a
 * single call that never returns (an infinite loop inside `step`) cannot be interrupted in-process.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Action, Env } from "../core/env";
import { TimeLimit } from "../core/envs/time-limit";
import { checkTasks } from "../core/grpo/tasks";
import { validateFrame } from "../core/replay/frame-schema";
import { Rng } from "../core/rng";
import { Box, Discrete, makeSpace, toNumberArray, type Space } from "../core/spaces";
import { EnvLoadError, loadEnv, type LoadedEnvFile } from "./loader";

export type FindingSeverity = "error" | "warning" | "info";

export interface CheckFinding {
  /** Stable identifier, e.g. "step.reward-not-finite" (see {@link FINDING_IDS}). */
  id: string;
  severity: FindingSeverity;
  /** What is wrong, naming the file, and how to fix it. */
  message: string;
  /** Extra advice (often a code snippet). */
  hint?: string;
  /** Where to look (1-based line and column). */
  location?: { file: string; line: number; column: number };
}

export interface CheckReport {
  /** Absolute path of the env file checked. */
  file: string;
  /** Errors first, then warnings, then info; in the order found within a severity. */
  findings: CheckFinding[];
  /** True when there is no error-severity finding. */
  ok: boolean;
  /** Random-action steps the probe actually took (0 when the env could not be probed). */
  probeSteps: number;
}

/** Options of {@link checkLoadedEnv}. */
export interface CheckOptions {
  /** Random-action steps to probe (default 2000). */
  probeSteps?: number;
  /** Seed of the action sampler and of the first `reset` (default 0). */
  seed?: number;
  /** Options passed to the env's constructor/factory (default: the file's `config.envKwargs`, else `{}`). */
  envKwargs?: Record<string, unknown>;
  /** Time limit applied as the trainer would (default: the file's `maxEpisodeSteps` export, else none). */
  maxEpisodeSteps?: number;
  /** Wall-time cap of the probe in milliseconds (default 2000). */
  timeLimitMs?: number;
}

/** Options of {@link checkEnvFile}. */
export interface CheckEnvFileOptions extends CheckOptions {
  /** Directory a relative path is resolved against (default `process.cwd()`). */
  cwd?: string;
}

/** Every finding id the checker can report, with its usual severity. */
export const FINDING_IDS = {
  "load.not-found": "error",
  "load.unsupported-extension": "error",
  "load.bundle-failed": "error",
  "load.threw": "error",
  "load.failed": "error",
  "export.missing-default": "error",
  "export.default-not-callable": "error",
  "export.bad-max-episode-steps": "error",
  "export.bad-config": "error",
  "export.factory-bad-return": "error",
  "export.missing-reset": "error",
  "export.missing-step": "error",
  "export.missing-observation-space": "error",
  "export.missing-action-space": "error",
  "env.constructor-threw": "error",
  "space.invalid": "error",
  "tasks.invalid": "error",
  "reset.threw": "error",
  "reset.bad-return": "error",
  "reset.observation-not-finite": "error",
  "reset.observation-outside-space": "error",
  "step.threw": "error",
  "step.bad-return": "error",
  "step.reward-not-finite": "error",
  "step.flags-not-boolean": "error",
  "step.observation-not-finite": "error",
  "step.observation-outside-space": "error",
  "determinism.reset-seed": "error",
  "determinism.seeds-identical": "warning", // info when every reset gives the same observation (a fixed start)
  "determinism.step": "warning",
  "scale.large-observation": "warning",
  "scale.large-reward": "warning",
  "episode.never-ends": "warning", // info when the probe hit its time cap
  "termination.fixed-length": "warning",
  "action.out-of-bounds-accepted": "info",
  "render.threw": "warning",
  "render.invalid-frame": "warning",
  "probe.time-limit": "info",
  "check.failed": "error",
} as const satisfies Record<string, FindingSeverity>;

export type FindingId = keyof typeof FINDING_IDS;

const DEFAULT_PROBE_STEPS = 2000;
/** Random steps over which render() frames are validated. */
const RENDER_PROBE_STEPS = 30;
const DEFAULT_TIME_LIMIT_MS = 2000;
/** The probe's wall-time cap for a Python env (interpreter start-ups included). */
const PYTHON_TIME_LIMIT_MS = 15_000;
/** Typical magnitude (mean |x| over the probe) above which observations / rewards are "large". */
const LARGE_MAGNITUDE = 100;
const DETERMINISM_SEED = 123;
const DISTINCT_SEEDS = [1, 2, 3, 4, 5];
/** Steps compared by the step-determinism check. */
const DETERMINISM_STEPS = 50;
/** Episodes that must all terminate at the same step count before "termination.fixed-length" is reported. */
const FIXED_LENGTH_MIN_EPISODES = 3;

// ---------------------------------------------------------------------------------------------------------------
// Public entry points

/**
 * Loads an env file (or a built-in id such as `CartPole-v1`) and checks it. Never throws for problems of the env
 * (a load failure becomes an error finding); throws only for invalid `opts`.
 */
export async function checkEnvFile(fileOrId: string, opts: CheckEnvFileOptions = {}): Promise<CheckReport> {
  validateOptions(opts);
  let loaded: LoadedEnvFile;
  try {
    loaded = await loadEnv(fileOrId, { cwd: opts.cwd });
  } catch (e) {
    const file = e instanceof EnvLoadError ? e.envFile : resolve(opts.cwd ?? process.cwd(), fileOrId);
    const c = new Collector(file);
    c.addLoadError(e);
    return c.report(0);
  }
  return checkLoadedEnv(loaded, opts);
}

/** Checks an already loaded env file (synchronous: builds env copies, probes them, returns the findings). */
export function checkLoadedEnv(loaded: LoadedEnvFile, opts: CheckOptions = {}): CheckReport {
  validateOptions(opts);
  const c = new Collector(loaded.file);
  const instances: Env[] = [];
  try {
    return new EnvProbe(loaded, opts, c, instances).run();
  } catch (e) {
    // A safety net: whatever the env does, the checker reports instead of throwing.
    const loc = stackLocation(e, loaded.file);
    c.add("check.failed", `Checking ${basename(loaded.file)} failed unexpectedly: ${errorText(e)}. The env did something the checker did not expect; ` +
      "make sure reset() and step() return plain objects with plain number arrays.", loc ? { location: loc } : {});
    return c.report(0);
  } finally {
    for (const env of instances) {
      try {
        env.close?.();
      } catch {
        // A failing close() is not what the checker is about.
      }
    }
  }
}

function validateOptions(opts: CheckOptions): void {
  const posInt = (name: string, v: number | undefined): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`checkEnvFile: ${name} must be a positive integer, got ${v}`);
  };
  posInt("probeSteps", opts.probeSteps);
  posInt("maxEpisodeSteps", opts.maxEpisodeSteps);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new RangeError(`checkEnvFile: seed must be an integer, got ${opts.seed}`);
  if (opts.timeLimitMs !== undefined && !(opts.timeLimitMs > 0)) {
    throw new RangeError(`checkEnvFile: timeLimitMs must be > 0, got ${opts.timeLimitMs}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Findings

type Location = NonNullable<CheckFinding["location"]>;

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Collects findings; a repeated key (by default the id) is counted instead of added again. */
class Collector {
  private readonly findings: CheckFinding[] = [];
  private readonly byKey = new Map<string, { finding: CheckFinding; count: number; what: string }>();
  readonly source: SourceText;

  constructor(readonly file: string) {
    this.source = new SourceText(file);
  }

  get name(): string {
    return basename(this.file);
  }

  /** Adds a finding unless one with the same key exists; returns true when added. */
  add(
    id: FindingId,
    message: string,
    extra: { severity?: FindingSeverity; hint?: string; location?: Location; key?: string; countAs?: string } = {},
  ): boolean {
    const key = extra.key ?? id;
    const seen = this.byKey.get(key);
    if (seen) {
      seen.count++;
      return false;
    }
    const finding: CheckFinding = { id, severity: extra.severity ?? FINDING_IDS[id], message };
    if (extra.hint !== undefined) finding.hint = extra.hint;
    if (extra.location !== undefined) finding.location = extra.location;
    this.findings.push(finding);
    this.byKey.set(key, { finding, count: 1, what: extra.countAs ?? "" });
    return true;
  }

  /** Turns any error thrown while loading or constructing the env into findings. */
  addLoadError(e: unknown): void {
    for (const f of loadErrorFindings(e, this.file, this.source)) this.add(f.id, f.message, f);
  }

  report(probeSteps: number): CheckReport {
    for (const { finding, count, what } of this.byKey.values()) {
      if (count > 1 && what) finding.message += ` It happened ${count} times ${what}.`;
    }
    const findings = this.findings
      .map((f, i) => ({ f, i }))
      .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
      .map(({ f }) => f);
    return { file: this.file, findings, ok: !findings.some((f) => f.severity === "error"), probeSteps };
  }
}

/** Maps a loader error (or anything thrown while loading) to findings with stable ids. */
function loadErrorFindings(
  e: unknown,
  envFile: string,
  source: SourceText,
): { id: FindingId; message: string; hint?: string; location?: Location }[] {
  if (!(e instanceof EnvLoadError)) {
    const err = e instanceof Error ? e : new Error(String(e));
    const location = stackLocation(err, envFile);
    return [{ id: "load.failed", message: `Could not load env file ${basename(envFile)}: ${err.name}: ${err.message}`, ...(location ? { location } : {}) }];
  }
  const hint = e.hint;
  const loaderLoc: Location | undefined = e.line !== undefined ? { file: e.file, line: e.line, column: e.column ?? 1 } : undefined;
  // The location is reported separately: drop the loader's "file:line:column: " prefix.
  const msg = loaderLoc ? `${basename(loaderLoc.file)}: ${e.message.replace(/^.*?:\d+:\d+: (?:error: )?/, "")}` : e.message;
  const withHint = (message: string): string => {
    // A code snippet the loader appends on its own line becomes "(in `...`)".
    const [first, ...rest] = message.split("\n");
    const snippet = rest.join(" ").trim();
    let text = first.trimEnd() + (snippet ? ` (in \`${snippet}\`)` : "");
    if (!hint) return text;
    if (!/[.!?]$/.test(text)) text += ".";
    return `${text} ${/^[A-Z]/.test(hint) ? "" : "Fix: "}${hint}`;
  };
  const one = (id: FindingId, location: Location | undefined = loaderLoc): { id: FindingId; message: string; hint?: string; location?: Location }[] => [
    // The loader's hint is part of the message (the CLI prints only messages); not repeated in `hint`.
    { id, message: withHint(msg), ...(location ? { location } : {}) },
  ];

  if (/^Env file not found|^Unknown env |is not a file\.$|^Built-in env .*is missing/.test(msg)) return one("load.not-found");
  if (/unsupported extension/.test(msg)) return one("load.unsupported-extension");
  if (/has no default export/.test(msg)) return one("export.missing-default", source.firstExport());
  if (/the default export is .* not a class or a function/.test(msg)) return one("export.default-not-callable", source.exportDefault());
  if (/maxEpisodeSteps must be a positive integer/.test(msg)) return one("export.bad-max-episode-steps", source.namedExport("maxEpisodeSteps"));
  if (/config must be a plain object/.test(msg)) return one("export.bad-config", source.namedExport("config"));
  if (/threw while loading/.test(msg)) return one("load.threw");
  if (/\) threw: /.test(msg)) return one("env.constructor-threw", loaderLoc ?? source.exportDefault());
  if (/, not an env object\.$/.test(msg)) return one("export.factory-bad-return", source.exportDefault());
  const missing = /the env made by .* has no (.+)\.$/.exec(msg);
  if (missing) {
    const out: { id: FindingId; message: string; hint?: string; location?: Location }[] = [];
    const name = basename(envFile);
    const loc = source.exportDefault();
    const base = { ...(hint !== undefined ? { hint } : {}), ...(loc ? { location: loc } : {}) };
    for (const item of missing[1].split(/,\s*/)) {
      if (item.startsWith("reset")) {
        out.push({ id: "export.missing-reset", message: `The env in ${name} has no reset() method. Add \`reset(options?: { seed?: number }) { ...; return { observation, info: {} }; }\` to the class.`, ...base });
      } else if (item.startsWith("step")) {
        out.push({ id: "export.missing-step", message: `The env in ${name} has no step() method. Add \`step(action) { ...; return { observation, reward, terminated, truncated, info: {} }; }\` to the class.`, ...base });
      } else if (item === "observationSpace") {
        out.push({ id: "export.missing-observation-space", message: `The env in ${name} has no observationSpace. Add e.g. \`observationSpace = { type: "Box", low: [-1, -1], high: [1, 1] };\` to the class.`, ...base });
      } else if (item === "actionSpace") {
        out.push({ id: "export.missing-action-space", message: `The env in ${name} has no actionSpace. Add e.g. \`actionSpace = { type: "Discrete", n: 2 };\` to the class.`, ...base });
      }
    }
    if (out.length) return out;
  }
  if (/: error: /.test(e.message)) return one("load.bundle-failed");
  return one("load.failed");
}

// ---------------------------------------------------------------------------------------------------------------
// Locations in the user's file

/** The env file's text, with comments and string contents blanked, for regex searches of declarations. */
class SourceText {
  private code: string | undefined;
  private loaded = false;
  constructor(readonly file: string) {}

  private text(): string | undefined {
    if (!this.loaded) {
      this.loaded = true;
      try {
        this.code = blankCommentsAndStrings(readFileSync(this.file, "utf8"));
      } catch {
        this.code = undefined;
      }
    }
    return this.code;
  }

  private at(index: number): Location {
    const code = this.text() ?? "";
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < index; i++) {
      if (code.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { file: this.file, line, column: index - lineStart + 1 };
  }

  /** Index of the earliest match of any pattern at or after `from` (the match's group 1 start when it has one). */
  private find(patterns: RegExp[], from = 0): number | undefined {
    const code = this.text();
    if (code === undefined) return undefined;
    let best: number | undefined;
    for (const p of patterns) {
      const re = new RegExp(p.source, p.flags.includes("g") ? p.flags : p.flags + "g");
      re.lastIndex = from;
      const m = re.exec(code);
      if (!m) continue;
      const idx = m.index + (m[1] !== undefined ? m[0].indexOf(m[1]) : 0);
      if (best === undefined || idx < best) best = idx;
    }
    return best;
  }

  /** Where the default export is declared (`export default`, `module.exports =`, `exports.default =`). */
  exportDefault(): Location | undefined {
    const i = this.find([/\bexport\s+default\b/, /\bmodule\.exports\s*=/, /\bexports\.default\s*=/]);
    return i === undefined ? undefined : this.at(i);
  }

  /** Where the env class starts: `export default class`, or the class named by `export default Name`. */
  private classStart(): number {
    const code = this.text();
    if (code === undefined) return 0;
    const direct = /\bexport\s+default\s+(?:abstract\s+)?class\b/.exec(code);
    if (direct) return direct.index;
    const named = /\bexport\s+default\s+([A-Za-z_$][\w$]*)\s*;?/.exec(code) ?? /\bmodule\.exports\s*=\s*([A-Za-z_$][\w$]*)\s*;/.exec(code);
    if (named && named[1] !== "function" && named[1] !== "class") {
      const decl = new RegExp(`\\bclass\\s+${named[1]}\\b`).exec(code);
      if (decl) return decl.index;
    }
    return 0;
  }

  /** Where the first `export` statement is (for "export default is missing"). */
  firstExport(): Location | undefined {
    const i = this.find([/\bexport\b/, /\bmodule\.exports\b/, /\bexports\.[\w$]+\s*=/]);
    return i === undefined ? undefined : this.at(i);
  }

  /** Where an env member (`step`, `reset`, `observationSpace`, ...) is defined: in the env class first. */
  member(name: string): Location | undefined {
    const n = name.replace(/[$]/g, "\\$");
    const patterns = [
      // class method / object method / getter: `step(action) {`, `get observationSpace() {`
      new RegExp(`(?<![\\w$.])(?:(?:get|async)\\s+)?(${n})\\s*(?:<[^>\\n]*>)?\\s*\\(`),
      // field or property: `observationSpace = {`, `step: (a) =>`, `this.actionSpace = ...`, `Env.prototype.step =`
      new RegExp(`(?<![\\w$])(?:this\\.|\\.prototype\\.)?(${n})\\s*[?!]?\\s*(?::|=(?![=>]))`),
    ];
    const start = this.classStart();
    const i = this.find(patterns, start) ?? (start > 0 ? this.find(patterns, 0) : undefined);
    return i === undefined ? undefined : this.at(i);
  }

  /** Where `export const <name>` (or `exports.<name> =`) is. */
  namedExport(name: string): Location | undefined {
    const i = this.find([
      new RegExp(`\\bexport\\s+(?:const|let|var)\\s+(${name})\\b`),
      new RegExp(`\\bexports\\.(${name})\\s*=`),
      new RegExp(`\\bexport\\s*\\{[^}]*\\b(${name})\\b`),
    ]);
    return i === undefined ? undefined : this.at(i);
  }
}

/** Replaces comments and the contents of string/template literals by spaces (newlines kept, so offsets hold). */
export function blankCommentsAndStrings(src: string): string {
  const out = src.split("");
  const n = src.length;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < n; k++) if (out[k] !== "\n" && out[k] !== "\r") out[k] = " ";
  };
  let i = 0;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      const j = src.indexOf("\n", i);
      const end = j === -1 ? n : j;
      blank(i, end);
      i = end;
    } else if (c === "/" && d === "*") {
      const j = src.indexOf("*/", i + 2);
      const end = j === -1 ? n : j + 2;
      blank(i, end);
      i = end;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === "\\") j++;
        else if (c !== "`" && src[j] === "\n") break;
        j++;
      }
      blank(i + 1, j);
      i = j + 1;
    } else {
      i++;
    }
  }
  return out.join("");
}

/**
 * Where an exception thrown by the env comes from: the first (innermost) stack frame in the env file or in another
 * file of the env file's directory tree (not node_modules), so a throw inside a helper module points at the helper.
 * The loader enables source maps, so the frames point into the user's .ts source.
 */
export function stackLocation(err: unknown, file: string): Location | undefined {
  return stackFrames(err, file)[0];
}

/** `" (called from env.ts:18:14)"` when the throw is in a helper of the env file, else "". */
function calledFrom(err: unknown, file: string): string {
  const frames = stackFrames(err, file);
  if (frames.length === 0 || frames[0].file === file) return "";
  const own = frames.find((f) => f.file === file);
  return own ? ` (called from ${basename(file)}:${own.line}:${own.column})` : "";
}

/** The stack frames of `err` in the env file's directory tree (not node_modules), innermost first. */
function stackFrames(err: unknown, file: string): Location[] {
  const stack = err instanceof Error && typeof err.stack === "string" ? err.stack : "";
  const frames: Location[] = [];
  for (const raw of stack.split("\n")) {
    const m = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/.exec(raw);
    if (!m) continue;
    let p = m[1];
    if (p.startsWith("file://")) {
      try {
        p = fileURLToPath(p);
      } catch {
        continue;
      }
    }
    if (!isAbsolute(p)) continue;
    frames.push({ file: resolve(p), line: Number(m[2]), column: Number(m[3]) });
  }
  const root = dirname(file);
  return frames.filter((f) => {
    if (f.file === file) return true;
    const rel = relative(root, f.file);
    return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !rel.split(/[\\/]/).includes("node_modules");
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Value helpers

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object";
}

/** A short description of a value for messages: `NaN`, `[1, 2, 3]`, `an array of 40 numbers`, `"text"`, ... */
function show(v: unknown): string {
  if (typeof v === "number") return num(v);
  if (v === undefined) return "undefined";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    const arr = v as ArrayLike<unknown>;
    const items = Array.from({ length: Math.min(arr.length, 6) }, (_, i) => show(arr[i]));
    return `[${items.join(", ")}${arr.length > 6 ? `, ... (${arr.length} items)` : ""}]`;
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    return keys.length ? `an object with keys ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", ..." : ""}` : "an empty object";
  }
  return String(v);
}

/** A number with up to 6 significant digits. */
function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e7)) return v.toExponential(3);
  return String(Number(v.toPrecision(6)));
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `the value ${show(e)}`;
}

interface ObservationProblem {
  kind: "not-finite" | "outside";
  text: string;
}

/** Checks an observation against the space (shape, type, finiteness, bounds, dtype); undefined when it is valid. */
function observationProblem(obs: unknown, space: Space): ObservationProblem | undefined {
  if (space instanceof Discrete) {
    const v = Array.isArray(obs) && obs.length === 1 ? obs[0] : obs;
    const range = `${space.start} .. ${space.start + space.n - 1}`;
    if (typeof v !== "number") {
      return { kind: "outside", text: `observation ${show(obs)}, but the Discrete observationSpace needs an integer in ${range}` };
    }
    if (!Number.isFinite(v)) return { kind: "not-finite", text: `observation ${num(v)}` };
    if (!Number.isInteger(v) || v < space.start || v >= space.start + space.n) {
      return { kind: "outside", text: `observation ${num(v)}, outside the Discrete observationSpace (an integer in ${range})` };
    }
    return undefined;
  }
  const box = space as Box;
  const shape = `[${box.shape.join(", ")}]`;
  if (Array.isArray(obs)) {
    const bad = obs.findIndex((x) => typeof x !== "number");
    if (bad !== -1) {
      const nested = Array.isArray(obs[bad]) || ArrayBuffer.isView(obs[bad]);
      return {
        kind: "outside",
        text: nested
          ? `a nested array as observation; observations are flat: flatten it row-major to ${box.flatDim} numbers (observationSpace shape ${shape})`
          : `observation[${bad}] = ${show(obs[bad])}, not a number`,
      };
    }
  }
  const arr = toNumberArray(obs);
  if (arr === undefined) {
    return { kind: "outside", text: `observation ${show(obs)}, not a number array (observationSpace is a Box of shape ${shape})` };
  }
  if (arr.length !== box.flatDim) {
    return {
      kind: "outside",
      text: `an observation of ${arr.length} number${arr.length === 1 ? "" : "s"}, but observationSpace has shape ${shape} (${box.flatDim} number${box.flatDim === 1 ? "" : "s"})`,
    };
  }
  for (let i = 0; i < arr.length; i++) {
    if (!Number.isFinite(arr[i])) return { kind: "not-finite", text: `observation[${i}] = ${num(arr[i])}` };
  }
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (v < box.low[i] || v > box.high[i]) {
      return { kind: "outside", text: `observation[${i}] = ${num(v)}, outside the Box bounds [${num(box.low[i])}, ${num(box.high[i])}]` };
    }
    if (box.dtype === "int32" && !Number.isInteger(v)) {
      return { kind: "outside", text: `observation[${i}] = ${num(v)}, not an integer, but observationSpace has dtype "int32"` };
    }
  }
  return undefined;
}

/** The observation as numbers for comparisons and statistics (Discrete: the integer); undefined if not numeric. */
function flat(obs: unknown): ArrayLike<number> | undefined {
  if (Array.isArray(obs) && obs.length === 1 && typeof obs[0] === "number") return [obs[0]];
  return toNumberArray(obs);
}

/** The first index where two observations differ (NaN equals NaN), -1 when equal, or -2 when not comparable. */
function firstDifference(a: unknown, b: unknown): number {
  const x = flat(a);
  const y = flat(b);
  if (x === undefined || y === undefined) return -2;
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i]) && !(x[i] === y[i])) return i;
  return -1;
}

/** Records the raw result of every `step` of the wrapped env, so that a {@link TimeLimit} can sit on top of it. */
class Recorder implements Env {
  last: unknown;
  constructor(readonly env: Env) {}
  get observationSpace() {
    return this.env.observationSpace;
  }
  get actionSpace() {
    return this.env.actionSpace;
  }
  reset(options?: Parameters<Env["reset"]>[0]) {
    return this.env.reset(options);
  }
  step(action: Parameters<Env["step"]>[0]) {
    const r: unknown = this.env.step(action);
    this.last = r;
    // TimeLimit reads `terminated` and spreads the result: give it an object even when the env returned garbage.
    return (isObject(r) && !Array.isArray(r) ? r : {}) as unknown as ReturnType<Env["step"]>;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The probe

interface EpisodeEnd {
  length: number;
  terminated: boolean;
  truncated: boolean;
}

class EnvProbe {
  private readonly name: string;
  private readonly probeSteps: number;
  private readonly seed: number;
  private readonly kwargs: Record<string, unknown>;
  private readonly limit: number | undefined;
  private readonly deadline: number;
  private readonly timeLimitMs: number;

  constructor(
    private readonly loaded: LoadedEnvFile,
    opts: CheckOptions,
    private readonly c: Collector,
    private readonly instances: Env[],
  ) {
    this.name = basename(loaded.file);
    this.probeSteps = opts.probeSteps ?? DEFAULT_PROBE_STEPS;
    this.seed = opts.seed ?? 0;
    const cfgKwargs = loaded.config?.envKwargs;
    this.kwargs = opts.envKwargs ?? (isObject(cfgKwargs) && !Array.isArray(cfgKwargs) ? (cfgKwargs as Record<string, unknown>) : {});
    this.limit = opts.maxEpisodeSteps ?? loaded.maxEpisodeSteps;
    // A Python env's copies each start an interpreter (and every call is a round trip), so its probe gets longer.
    this.timeLimitMs = opts.timeLimitMs ?? (loaded.python ? PYTHON_TIME_LIMIT_MS : DEFAULT_TIME_LIMIT_MS);
    this.deadline = performance.now() + this.timeLimitMs;
  }

  private get src(): SourceText {
    return this.c.source;
  }

  /** A fresh env copy, or undefined (with findings) when the constructor/factory fails. */
  private make(): Env | undefined {
    try {
      const env = this.loaded.factory(this.kwargs);
      this.instances.push(env);
      return env;
    } catch (e) {
      this.c.addLoadError(e);
      return undefined;
    }
  }

  run(): CheckReport {
    const env = this.make();
    if (env === undefined) return this.c.report(0);
    const spaces = this.spaces(env);
    if (spaces === undefined) return this.c.report(0);
    const { obsSpace, actSpace } = spaces;
    this.tasks(env);

    const recorder = new Recorder(env);
    const probeEnv: Env = this.limit !== undefined ? new TimeLimit(recorder, this.limit) : recorder;
    const first = this.reset(probeEnv, { seed: this.seed }, obsSpace, `reset({ seed: ${this.seed} })`);
    if (first === undefined) return this.c.report(0);

    const probe = this.probe(probeEnv, recorder, obsSpace, actSpace);
    this.determinism(obsSpace, actSpace);
    if (!probe.fatal) {
      this.scale(probe, obsSpace);
      this.episodes(probe);
      this.actionBounds(actSpace);
      this.render(actSpace);
    }
    return this.c.report(probe.steps);
  }

  // -- spaces ----------------------------------------------------------------------------------------------------

  private spaces(env: Env): { obsSpace: Space; actSpace: Space } | undefined {
    const one = (what: "observationSpace" | "actionSpace"): Space | undefined => {
      try {
        return makeSpace(env[what], what);
      } catch (e) {
        const why = (e instanceof Error ? e.message : String(e)).replace(new RegExp(`^${what}: `), "");
        const example = what === "observationSpace" ? '{ type: "Box", low: [-1, -1], high: [1, 1] }' : '{ type: "Discrete", n: 2 } or { type: "Box", low: [-1], high: [1] }';
        const loc = this.src.member(what);
        this.c.add("space.invalid", `${what} in ${this.name} is invalid: ${why}. Fix the declaration, e.g. \`${what} = ${example}\`.`, {
          key: `space.invalid:${what}`,
          hint: "Box: low <= high element by element, low/high of `shape`'s size (or numbers with a `shape`); Discrete: n an integer >= 1.",
          ...(loc ? { location: loc } : {}),
        });
        return undefined;
      }
    };
    const obsSpace = one("observationSpace");
    const actSpace = one("actionSpace");
    return obsSpace && actSpace ? { obsSpace, actSpace } : undefined;
  }

  // -- tasks -----------------------------------------------------------------------------------------------------

  /** The env's optional GRPO `tasks`, checked with GRPO's own function (src/core/grpo/tasks.ts). */
  private tasks(env: Env): void {
    try {
      checkTasks((env as { tasks?: unknown }).tasks);
    } catch (e) {
      const loc = this.src.member("tasks");
      this.c.add("tasks.invalid", `${this.name}: ${errorText(e).replace(/^GrpoError: /, "")}.`, loc ? { location: loc } : {});
    }
  }

  // -- reset -----------------------------------------------------------------------------------------------------

  /** Calls reset and checks its result; returns the observation, or undefined when reset is unusable. */
  private reset(env: Env, options: { seed?: number } | undefined, space: Space, call: string): { observation: unknown } | undefined {
    let r: unknown;
    try {
      r = options === undefined ? env.reset() : env.reset(options);
    } catch (e) {
      const loc = stackLocation(e, this.loaded.file) ?? this.src.member("reset");
      this.c.add("reset.threw", `${call} in ${this.name} threw ${errorText(e)}${calledFrom(e, this.loaded.file)}. Fix reset() so that it returns { observation, info } for any seed (or none).`, {
        ...(loc ? { location: loc } : {}),
        countAs: "over all resets of the check",
      });
      return undefined;
    }
    const loc = this.src.member("reset");
    const at = loc ? { location: loc } : {};
    if (Array.isArray(r) || ArrayBuffer.isView(r) || !isObject(r) || !("observation" in r)) {
      const got = Array.isArray(r) || ArrayBuffer.isView(r) ? `an array ${show(r)}` : show(r);
      this.c.add(
        "reset.bad-return",
        `${call} in ${this.name} returned ${got}; reset must return an object { observation, info? } ` +
          `(Gymnasium's reset returns (obs, info)). Change it to \`return { observation: obs, info: {} };\`.`,
        at,
      );
      return undefined;
    }
    const problem = observationProblem(r.observation, space);
    if (problem) {
      const id = problem.kind === "not-finite" ? "reset.observation-not-finite" : "reset.observation-outside-space";
      const fix =
        problem.kind === "not-finite"
          ? "Observations must be finite numbers: check the initial state for NaN (0/0, an uninitialised field) or Infinity."
          : "Return an observation inside observationSpace, or widen the space's bounds/shape to match what reset returns.";
      this.c.add(id, `${call} in ${this.name} returned ${problem.text}. ${fix}`, { ...at, countAs: "over all resets of the check" });
    }
    return { observation: r.observation };
  }

  // -- random-action probe ---------------------------------------------------------------------------------------

  private probe(env: Env, recorder: Recorder, obsSpace: Space, actSpace: Space): ProbeResult {
    const rng = new Rng(this.seed);
    const res: ProbeResult = {
      steps: 0,
      fatal: false,
      timedOut: false,
      episodes: [],
      obsAbsSum: new Float64Array(obsSpace instanceof Box ? obsSpace.flatDim : 0),
      obsAbsMax: new Float64Array(obsSpace instanceof Box ? obsSpace.flatDim : 0),
      obsCount: 0,
      rewardAbsSum: 0,
      rewardAbsMax: 0,
      rewardCount: 0,
    };
    const stepLoc = this.src.member("step");
    const at = stepLoc ? { location: stepLoc } : {};
    const started = performance.now();
    let episode = 1;
    let t = 0;
    while (res.steps < this.probeSteps) {
      if (performance.now() > this.deadline) {
        res.timedOut = true;
        const ms = (performance.now() - started) / Math.max(1, res.steps);
        this.c.add(
          "probe.time-limit",
          `The probe of ${this.name} stopped after ${res.steps} of ${this.probeSteps} steps at its ${num(this.timeLimitMs / 1000)} s time cap ` +
            `(${num(ms)} ms per step on average); later steps were not checked. A slow step() also slows training: ` +
            `precompute what you can in the constructor or reset().`,
          at,
        );
        break;
      }
      const action = actSpace.sample(rng);
      const where = `probe step ${res.steps + 1} (episode ${episode}, step ${t + 1}, action ${show(action)})`;
      let wrapped: unknown;
      try {
        wrapped = env.step(action as Action);
      } catch (e) {
        const loc = stackLocation(e, this.loaded.file) ?? stepLoc;
        this.c.add("step.threw", `step() in ${this.name} threw ${errorText(e)}${calledFrom(e, this.loaded.file)} at ${where}. Fix step() so that it handles every action of actionSpace.`, {
          ...(loc ? { location: loc } : {}),
        });
        res.fatal = true;
        break;
      }
      res.steps++;
      t++;
      const r = recorder.last;
      if (Array.isArray(r) || !isObject(r) || !("observation" in r)) {
        const got = Array.isArray(r) ? `an array ${show(r)}` : show(r);
        const old = Array.isArray(r) && (r.length === 4 || r.length === 5) ? " (the old Gym tuple API)" : "";
        this.c.add(
          "step.bad-return",
          `step() in ${this.name} returned ${got}${old} at ${where}; step must return an object ` +
            "{ observation, reward, terminated, truncated, info? }. Change it to " +
            "`return { observation: obs, reward, terminated, truncated: false, info: {} };`.",
          at,
        );
        res.fatal = true;
        break;
      }
      // reward
      const reward = r.reward;
      if (typeof reward !== "number") {
        this.c.add(
          "step.bad-return",
          `step() in ${this.name} returned reward ${show(reward)} at ${where}; the reward must be a number (a scalar). ` +
            "Return { observation, reward: <number>, terminated, truncated }.",
          at,
        );
        res.fatal = true;
        break;
      }
      if (!Number.isFinite(reward)) {
        this.c.add(
          "step.reward-not-finite",
          `step() in ${this.name} returned reward ${num(reward)} at ${where}. Rewards must be finite numbers: ` +
            "look for a division by zero, Math.log(0), Math.sqrt of a negative number or an overflow in the reward computation.",
          { ...at, countAs: `in ${this.probeSteps} probe steps` },
        );
      } else {
        const a = Math.abs(reward);
        res.rewardAbsSum += a;
        res.rewardCount++;
        if (a > res.rewardAbsMax) res.rewardAbsMax = a;
      }
      // flags
      const term = r.terminated;
      const trunc = r.truncated;
      if (typeof term !== "boolean" || typeof trunc !== "boolean") {
        const gymDone = term === undefined && trunc === undefined && "done" in r;
        this.c.add(
          "step.flags-not-boolean",
          gymDone
            ? `step() in ${this.name} returned { done } but no terminated/truncated at ${where}. Gymnasium's API splits done in two: ` +
                "return terminated (a true end state) and truncated (a time limit), both booleans."
            : `step() in ${this.name} returned terminated = ${show(term)}, truncated = ${show(trunc)} at ${where}; both must be ` +
                "booleans (true/false, not 0/1 or undefined). Use e.g. `terminated: x > limit` and `truncated: false`.",
          { ...at, countAs: `in ${this.probeSteps} probe steps` },
        );
      }
      // observation
      const problem = observationProblem(r.observation, obsSpace);
      if (problem) {
        const id = problem.kind === "not-finite" ? "step.observation-not-finite" : "step.observation-outside-space";
        const fix =
          problem.kind === "not-finite"
            ? "Observations must be finite numbers: look for a division by zero or an unstable update of the state in step()."
            : "Return observations inside observationSpace (clip the state), or widen the space's bounds/shape to what step returns.";
        this.c.add(id, `step() in ${this.name} returned ${problem.text} at ${where}. ${fix}`, { ...at, countAs: `in ${this.probeSteps} probe steps` });
      }
      if (obsSpace instanceof Box) {
        const arr = toNumberArray(r.observation);
        if (arr !== undefined && arr.length === obsSpace.flatDim) {
          let allFinite = true;
          for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) allFinite = false;
          if (allFinite) {
            for (let i = 0; i < arr.length; i++) {
              const a = Math.abs(arr[i]);
              res.obsAbsSum[i] += a;
              if (a > res.obsAbsMax[i]) res.obsAbsMax[i] = a;
            }
            res.obsCount++;
          }
        }
      }
      // episode end (the TimeLimit above the recorder sets truncated at the env's maxEpisodeSteps)
      const out = wrapped as { terminated?: unknown; truncated?: unknown };
      const envTerminated = term === true || (typeof term !== "boolean" && Boolean(term ?? (r as { done?: unknown }).done));
      const ended = envTerminated || Boolean(trunc) || out.truncated === true;
      if (ended) {
        res.episodes.push({ length: t, terminated: envTerminated, truncated: !envTerminated });
        episode++;
        t = 0;
        if (this.reset(env, undefined, obsSpace, "reset()") === undefined) {
          res.fatal = true;
          break;
        }
      }
    }
    return res;
  }

  // -- determinism -----------------------------------------------------------------------------------------------

  private determinism(obsSpace: Space, actSpace: Space): void {
    const loc = this.src.member("reset");
    const at = loc ? { location: loc } : {};
    const firstObs = (seed: number | undefined, env?: Env): { env: Env; observation: unknown } | undefined => {
      const e = env ?? this.make();
      if (e === undefined) return undefined;
      const r = this.reset(e, seed === undefined ? undefined : { seed }, obsSpace, seed === undefined ? "reset()" : `reset({ seed: ${seed} })`);
      return r && { env: e, observation: r.observation };
    };
    const a = firstObs(DETERMINISM_SEED);
    const b = firstObs(DETERMINISM_SEED);
    if (a === undefined || b === undefined) return;
    const d = firstDifference(a.observation, b.observation);
    if (d === -2) return; // not numeric: already reported
    if (d !== -1) {
      const xa = flat(a.observation);
      const xb = flat(b.observation);
      const detail = xa && xb && xa.length === xb.length ? `observation[${d}] = ${num(xa[d])} vs ${num(xb[d])}` : `${show(a.observation)} vs ${show(b.observation)}`;
      this.c.add(
        "determinism.reset-seed",
        `reset({ seed: ${DETERMINISM_SEED} }) on two fresh instances of the env in ${this.name} gave different first observations (${detail}): ` +
          "reset ignores the seed, or draws from Math.random(). Seed the env's own generator from options.seed in reset() and draw every " +
          "random number from it; then runs are reproducible.",
        {
          ...at,
          hint: "reset(options) { if (options?.seed !== undefined) this.rng = mulberry32(options.seed); ... }  // never Math.random()",
        },
      );
      return;
    }

    // Different seeds: identical first observations for all of them suggest that the seed is ignored.
    const others: unknown[] = [];
    for (const s of DISTINCT_SEEDS) {
      const r = firstObs(s);
      if (r === undefined) return;
      others.push(r.observation);
    }
    if (others.every((o) => firstDifference(o, others[0]) === -1)) {
      // A fixed start state is legitimate; a seed that is ignored while successive resets differ is not.
      const c = firstObs(DISTINCT_SEEDS[0]);
      let varies = false;
      if (c !== undefined) {
        for (let k = 0; k < 4 && !varies; k++) {
          const r = firstObs(undefined, c.env);
          if (r === undefined) break;
          if (firstDifference(r.observation, others[0]) !== -1) varies = true;
        }
      }
      if (varies) {
        this.c.add(
          "determinism.seeds-identical",
          `reset ignores the seed? In ${this.name}, reset({ seed }) with seeds ${DISTINCT_SEEDS.join(", ")} on fresh instances gave the same ` +
            "first observation, yet successive resets without a seed differ. Every env copy of a training run would then start alike: " +
            `reseed the env's generator from ${this.loaded.python ? "the seed argument of reset()" : "options.seed"} in reset().`,
          at,
        );
      } else {
        this.c.add(
          "determinism.seeds-identical",
          `In ${this.name}, every reset gives the same first observation (seeds ${DISTINCT_SEEDS.join(", ")} and unseeded resets). ` +
            "Fine for a fixed start state; if the start should be random, draw it from a generator seeded with " +
              `${this.loaded.python ? "reset's seed argument" : "options.seed"}.`,
          { ...at, severity: "info" },
        );
      }
    }

    // The same seed and the same actions must give the same steps.
    if (performance.now() > this.deadline) return;
    const ea = this.make();
    const eb = this.make();
    if (ea === undefined || eb === undefined) return;
    try {
      ea.reset({ seed: DETERMINISM_SEED });
      eb.reset({ seed: DETERMINISM_SEED });
      const rng = new Rng(this.seed + 1);
      for (let k = 1; k <= DETERMINISM_STEPS; k++) {
        const action = actSpace.sample(rng);
        const ra = ea.step(Array.isArray(action) ? [...action] : (action as Action)) as unknown;
        const rb = eb.step(Array.isArray(action) ? [...action] : (action as Action)) as unknown;
        if (!isObject(ra) || !isObject(rb)) return;
        const od = firstDifference(ra.observation, rb.observation);
        const rewardDiffers = !Object.is(ra.reward, rb.reward) && ra.reward !== rb.reward;
        if (od >= 0 || rewardDiffers) {
          const xa = flat(ra.observation);
          const xb = flat(rb.observation);
          const detail =
            od >= 0 && xa && xb && xa.length === xb.length
              ? `observation[${od}] = ${num(xa[od])} vs ${num(xb[od])}`
              : `reward ${show(ra.reward)} vs ${show(rb.reward)}`;
          const stepLoc = this.src.member("step");
          this.c.add(
            "determinism.step",
            `step() in ${this.name} is not deterministic: two fresh instances reset with seed ${DETERMINISM_SEED} and given the same actions ` +
              `diverged at step ${k} (${detail}). Draw step()'s random numbers from the generator seeded in reset(), not Math.random(), ` +
              "so that a run's seed reproduces it.",
            stepLoc ? { location: stepLoc } : {},
          );
          return;
        }
        if (ra.terminated === true || ra.truncated === true || rb.terminated === true || rb.truncated === true) return;
      }
    } catch {
      // Exceptions from step are reported by the probe.
    }
  }

  // -- heuristics ------------------------------------------------------------------------------------------------

  private scale(probe: ProbeResult, obsSpace: Space): void {
    const stepLoc = this.src.member("step");
    const at = stepLoc ? { location: stepLoc } : {};
    const cfg = this.loaded.config ?? {};
    if (obsSpace instanceof Box && probe.obsCount > 0 && cfg.normalizeObservation !== true) {
      let worst = 0;
      for (let i = 1; i < probe.obsAbsSum.length; i++) if (probe.obsAbsSum[i] > probe.obsAbsSum[worst]) worst = i;
      const mean = probe.obsAbsSum[worst] / probe.obsCount;
      if (mean > LARGE_MAGNITUDE) {
        this.c.add(
          "scale.large-observation",
          `Observations of ${this.name} are large: |observation[${worst}]| averages ${num(mean)} (max ${num(probe.obsAbsMax[worst])}) over ` +
            `${probe.obsCount} probe steps; networks learn best from inputs of order 1. Set normalizeObservation: true ` +
            "(export const config = { normalizeObservation: true }) or scale the observation down in reset() and step().",
          at,
        );
      }
    }
    if (probe.rewardCount > 0 && cfg.normalizeReward !== true) {
      const mean = probe.rewardAbsSum / probe.rewardCount;
      if (mean > LARGE_MAGNITUDE) {
        this.c.add(
          "scale.large-reward",
          `Rewards of ${this.name} are large: |reward| averages ${num(mean)} (max ${num(probe.rewardAbsMax)}) over ${probe.rewardCount} probe ` +
            "steps, which makes value targets huge. Set normalizeReward: true (export const config = { normalizeReward: true }) " +
            "or scale the reward down in step().",
          at,
        );
      }
    }
  }

  /** How the env file sets a time limit of `n` steps, in its own language. */
  private timeLimitSnippet(n: number): string {
    return this.loaded.python ? `\`max_episode_steps = ${n}\` at the top level of the file` : `\`export const maxEpisodeSteps = ${n};\``;
  }

  private episodes(probe: ProbeResult): void {
    const stepLoc = this.src.member("step");
    const at = stepLoc ? { location: stepLoc } : {};
    if (probe.episodes.length === 0 && probe.steps > 0 && this.limit === undefined) {
      this.c.add(
        "episode.never-ends",
        `No episode of ${this.name} ended in ${probe.steps} random-action probe steps: step() never returned terminated or truncated. ` +
          `Add a time limit, ${this.timeLimitSnippet(1000)} (the trainer then sets truncated), or end episodes in step().`,
        { ...at, ...(probe.timedOut ? { severity: "info" as const } : {}) },
      );
    }
    const eps = probe.episodes;
    if (eps.length >= FIXED_LENGTH_MIN_EPISODES && eps.every((e) => e.terminated && e.length === eps[0].length) && eps[0].length > 1) {
      const n = eps[0].length;
      this.c.add(
        "termination.fixed-length",
        `In ${this.name}, terminated is true at exactly step ${n} in all ${eps.length} episodes of the probe, whatever the actions: a fixed ` +
          "episode length is a time limit, not an end state. Return truncated: true for it (the value target then bootstraps), or drop " +
          `the check and set ${this.timeLimitSnippet(n)}. Ignore this if the game really ends after ${n} moves.`,
        at,
      );
    }
  }

  /** Validates `render()` frames after reset and over {@link RENDER_PROBE_STEPS} random steps (first problem only). */
  private render(actSpace: Space): void {
    const probe = this.make();
    if (probe === undefined || typeof probe.render !== "function") return;
    const env: Env = this.limit !== undefined ? new TimeLimit(probe, this.limit) : probe;
    const rng = new Rng(this.seed + 1);
    const loc = this.src.member("render");
    const at = loc ? { location: loc } : {};
    let when = "after reset()";
    try {
      env.reset({ seed: this.seed });
      for (let t = 0; t <= RENDER_PROBE_STEPS; t++) {
        let frame: unknown;
        try {
          frame = probe.render();
        } catch (e) {
          const eloc = stackLocation(e, this.loaded.file) ?? loc;
          this.c.add("render.threw", `render() in ${this.name} threw ${errorText(e)}${calledFrom(e, this.loaded.file)} ${when}. Replays of this env will have no frames until render() works.`, {
            ...(eloc ? { location: eloc } : {}),
          });
          return;
        }
        const problems = validateFrame(frame);
        if (problems.length > 0) {
          this.c.add(
            "render.invalid-frame",
            `render() in ${this.name} returned an invalid frame ${when}: ${problems.join("; ")}. Replays drop invalid frames; return ` +
              '{ type: "scene", width, height, shapes: [...] }, { type: "rgb", width, height, data: Uint8Array } or { type: "text", text }.',
            { ...at, hint: 'e.g. render() { return { type: "scene", width: 4, height: 3, yUp: true, shapes: [{ type: "circle", x: this.x, y: 1, radius: 0.2, fill: "#4e79a7" }] }; }' },
          );
          return;
        }
        const r = env.step(actSpace.sample(rng) as Action) as unknown as { terminated?: unknown; truncated?: unknown };
        when = `after step ${t + 1}`;
        if (r?.terminated === true || r?.truncated === true) {
          env.reset();
          when += " and reset()";
        }
      }
    } catch {
      // reset()/step() problems are reported by the probe above
    }
  }

  private actionBounds(actSpace: Space): void {
    if (!(actSpace instanceof Box)) return;
    const action = new Array<number>(actSpace.flatDim);
    let outside = false;
    for (let i = 0; i < actSpace.flatDim; i++) {
      const lo = actSpace.low[i];
      const hi = actSpace.high[i];
      if (Number.isFinite(lo) && Number.isFinite(hi)) {
        action[i] = (lo + hi) / 2 + 10 * Math.max((hi - lo) / 2, 1e-3);
        outside = true;
      } else if (Number.isFinite(hi)) {
        action[i] = hi + 10 * Math.max(Math.abs(hi), 1);
        outside = true;
      } else if (Number.isFinite(lo)) {
        action[i] = lo - 10 * Math.max(Math.abs(lo), 1);
        outside = true;
      } else {
        action[i] = 0;
      }
    }
    if (!outside) return;
    const clipped = action.map((v, i) => Math.min(actSpace.high[i], Math.max(actSpace.low[i], v)));
    const stepOnce = (a: number[]): Record<string, unknown> | undefined => {
      const env = this.make();
      if (env === undefined) return undefined;
      try {
        env.reset({ seed: this.seed });
        const r: unknown = env.step(a);
        return isObject(r) ? r : undefined;
      } catch {
        return undefined; // rejecting an invalid action is fine
      }
    };
    const r = stepOnce(action);
    if (r === undefined || typeof r.reward !== "number" || !Number.isFinite(r.reward)) return;
    const obs = flat(r.observation);
    if (obs === undefined) return;
    for (let i = 0; i < obs.length; i++) if (!Number.isFinite(obs[i])) return;
    // An env that clips the action itself gives the same result as for the clipped action: nothing to report.
    const rc = stepOnce(clipped);
    if (rc !== undefined && Object.is(rc.reward, r.reward) && firstDifference(rc.observation, r.observation) === -1) return;
    const bounds = actSpace.flatDim === 1 ? `[${num(actSpace.low[0])}, ${num(actSpace.high[0])}]` : "its bounds";
    const stepLoc = this.src.member("step");
    this.c.add(
      "action.out-of-bounds-accepted",
      `step() in ${this.name} accepted the action ${show(action)}, far outside actionSpace ${bounds}, without an error and used it as ` +
        "it is (the result differs from that of the clipped action). The trainer clips actions to the bounds before calling step(), so " +
        "training is not affected; if other code calls the env, clip or reject out-of-range actions in step().",
      stepLoc ? { location: stepLoc } : {},
    );
  }
}

interface ProbeResult {
  steps: number;
  /** The probe stopped on an exception or an unusable result. */
  fatal: boolean;
  timedOut: boolean;
  episodes: EpisodeEnd[];
  /** Per element of a Box observation: sum and max of |x| over steps with an all-finite observation. */
  obsAbsSum: Float64Array;
  obsAbsMax: Float64Array;
  obsCount: number;
  rewardAbsSum: number;
  rewardAbsMax: number;
  rewardCount: number;
}
