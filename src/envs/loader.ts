/**
 * Loading environment files (DESIGN.md "The environment-file contract").
 *
 * An env file (.ts .mts .cts .js .mjs .cjs) is bundled at run time with esbuild into one CommonJS module (relative
 * imports and npm packages from the file's own workspace are bundled in; `"ppo-lab"` is aliased to our public
 * module, src/public/index.ts) and evaluated with Node's `Module`, under the env file's own name, so stack traces
 * point at the user's file. With the inline source map and `process.setSourceMapsEnabled(true)`, line numbers map
 * back to the TypeScript source.
 *
 * Every failure is an {@link EnvLoadError} whose message names the file (with `file:line:column` when known) and says
 * what to do.
 *
 * Where the public module is looked for (first that exists wins; `opts.publicModule` overrides):
 *   1. `<dir of this module>/../public/index.ts`   running from source (tsx): src/envs/ -> src/public/index.ts
 *   2. `<dir of this module>/public/index.js`      bundled into dist/: dist/public/index.js
 *   3. `<dir of this module>/../src/public/index.ts`      bundled into dist/, package shipped with src/
 *   4. `<dir of this module>/../../src/public/index.ts`   bundled into dist/<sub>/
 * `__dirname` is used (we build CJS; under tsx the source files are CJS too).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import Module from "node:module";
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "../core/env";
import { loadPythonEnv, looksLikeGymId, splitPythonTarget, type PythonEnvInfo } from "./python/load";

/** The result of loading an env file. */
export interface LoadedEnvFile {
  /** Absolute path of the env file. */
  file: string;
  /** sha256 hex of the bundled code (changes when the env or anything it imports changes). */
  hash: string;
  /**
   * Builds one env copy. A class default export is called with `new Cls(options)`, a function with `fn(options)`.
   * @throws EnvLoadError when the constructor/factory throws or its result is not an env (reset/step/spaces).
   */
  factory: (options?: Record<string, unknown>) => Env;
  /** The file's exported `config` (hyperparameter overrides), if any. */
  config?: Record<string, unknown>;
  /** The file's exported `maxEpisodeSteps` (time limit), if any. */
  maxEpisodeSteps?: number;
  /** Which export the env came from: always "default" for now. */
  exportName: string;
  /**
   * Problems that do not stop loading, one sentence each naming the file (e.g. an export spelled like
   * `maxEpisodeSteps` or `config` that is therefore ignored); absent when there are none. The trainer logs them as
   * warnings.
   */
  warnings?: string[];
  /** Set for a Python env (.py file or registered Gymnasium id): the trainer runs it through the Python bridge. */
  python?: PythonEnvInfo;
}

/** Options of {@link loadEnvFile} and {@link loadEnv}. */
export interface LoadEnvOptions {
  /** Path of the module that `"ppo-lab"` resolves to; by default found next to this module (see the file header). */
  publicModule?: string;
  /** Directory a relative path is resolved against (default `process.cwd()`); only used by {@link loadEnv}. */
  cwd?: string;
  /** Python interpreter for .py env files (else `PPO_LAB_PYTHON`, else `python3` on PATH). */
  python?: string;
}

/**
 * An env file could not be loaded. `file`/`line`/`column` (1-based) say where the problem is (for an error inside a
 * module the env file imports, that module's path; `envFile` is always the env file being loaded), `hint` what to do.
 */
export class EnvLoadError extends Error {
  file: string;
  line?: number;
  column?: number;
  hint?: string;
  /** The env file being loaded (equals `file` unless the problem is in a module it imports). */
  envFile: string;
  constructor(
    message: string,
    info: { file: string; line?: number; column?: number; hint?: string; envFile?: string; cause?: unknown },
  ) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = "EnvLoadError";
    this.file = info.file;
    this.envFile = info.envFile ?? info.file;
    if (info.line !== undefined) this.line = info.line;
    if (info.column !== undefined) this.column = info.column;
    if (info.hint !== undefined) this.hint = info.hint;
  }
}

/** File extensions an env file may have. */
export const SUPPORTED_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"] as const;

/** Built-in env ids and the example file (under `examples/`) each maps to. */
export const BUILTIN_ENVS: Readonly<Record<string, string>> = {
  "CartPole-v1": "cartpole.ts",
  "Pendulum-v1": "pendulum.ts",
  "Acrobot-v1": "acrobot.ts",
  "MountainCar-v0": "mountain-car.ts",
  "MountainCarContinuous-v0": "mountain-car-continuous.ts",
  "GridWorld-v0": "grid-world.ts",
};

const EXPORT_DEFAULT_HINT =
  "Add `export default class MyEnv { observationSpace = ...; actionSpace = ...; reset() {...}; step(action) {...} }` " +
  "or a factory function `export default function make(options) { return new MyEnv(options); }`.";

// ---------------------------------------------------------------------------------------------------------------
// Locating the public module and the built-in examples

function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

/** The module `"ppo-lab"` is aliased to, or undefined when none is found (see the file header for the order). */
export function findPublicModule(): string | undefined {
  return firstExisting([
    resolve(__dirname, "..", "public", "index.ts"),
    resolve(__dirname, "public", "index.js"),
    resolve(__dirname, "..", "src", "public", "index.ts"),
    resolve(__dirname, "..", "..", "src", "public", "index.ts"),
  ]);
}

/** The package root: the nearest directory upward from this module whose package.json is named "ppo-lab". */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "ppo-lab") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Fallback: source layout (src/envs/) or bundled layout (dist/).
  return basenameIs(__dirname, "envs") ? resolve(__dirname, "..", "..") : resolve(__dirname, "..");
}

function basenameIs(p: string, name: string): boolean {
  return p.endsWith(sep + name);
}

/**
 * The absolute path of the example file for a built-in env id (`"CartPole-v1"` -> `<package>/examples/cartpole.ts`),
 * or undefined when `id` is not a built-in id. The id match ignores case. The file need not exist.
 */
export function resolveBuiltinEnv(id: string): string | undefined {
  const key = Object.keys(BUILTIN_ENVS).find((k) => k.toLowerCase() === id.trim().toLowerCase());
  if (key === undefined) return undefined;
  return join(packageRoot(), "examples", BUILTIN_ENVS[key]);
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

/**
 * Loads an env given a built-in id (`"CartPole-v1"`) or a path (relative to `opts.cwd` or the working directory).
 * An existing file wins over a built-in id of the same spelling.
 */
export async function loadEnv(fileOrId: string, opts: LoadEnvOptions = {}): Promise<LoadedEnvFile> {
  const asPath = resolve(opts.cwd ?? process.cwd(), fileOrId);
  if (isFile(asPath)) return loadEnvFile(asPath, opts);
  // `my_env.py:ClassName` picks a class of a Python env file.
  const pyTarget = splitPythonTarget(fileOrId);
  if (pyTarget) {
    const pyFile = resolve(opts.cwd ?? process.cwd(), pyTarget[0]);
    if (isFile(pyFile)) return loadPythonEnv(pyFile, { envName: pyTarget[1], python: opts.python, cwd: opts.cwd });
  }
  const builtin = resolveBuiltinEnv(fileOrId);
  if (builtin !== undefined) {
    if (!isFile(builtin)) {
      throw new EnvLoadError(`Built-in env ${fileOrId}: its file ${builtin} is missing.`, {
        file: builtin,
        hint: "Reinstall PPO Lab, or pass the path of an env file instead.",
      });
    }
    return loadEnvFile(builtin, opts);
  }
  // A Gymnasium id that is not built in ("LunarLander-v3"): made by Gymnasium through the Python bridge.
  if (!existsSync(asPath) && looksLikeGymId(fileOrId) && extname(fileOrId) === "") {
    try {
      return await loadPythonEnv(fileOrId, { python: opts.python, cwd: opts.cwd });
    } catch (e) {
      // No Python, no Gymnasium, or not registered there: report it as an unknown id (below).
      if (!(e instanceof EnvLoadError && /not a registered Gymnasium id|Gymnasium is not importable|interpreter .* not found/.test(e.message))) throw e;
    }
  }
  if (!existsSync(asPath) && extname(fileOrId) === "" && !fileOrId.includes("/") && !fileOrId.includes("\\")) {
    throw new EnvLoadError(`Unknown env "${fileOrId}": it is neither a built-in env id nor an existing file (${asPath}).`, {
      file: asPath,
      hint:
        `Built-in ids: ${Object.keys(BUILTIN_ENVS).join(", ")}. Or pass the path of an env file (.ts, .js or .py)` +
        `${looksLikeGymId(fileOrId) ? "; with Gymnasium installed in the Python interpreter, its registered ids work too" : ""}.`,
    });
  }
  return loadEnvFile(asPath, opts);
}

/**
 * Bundles, evaluates and checks an env file (see the file header).
 * @throws EnvLoadError for every problem with the file.
 */
export async function loadEnvFile(file: string, opts: LoadEnvOptions = {}): Promise<LoadedEnvFile> {
  const abs = resolve(file);
  if (!existsSync(abs)) {
    throw new EnvLoadError(`Env file not found: ${abs}`, {
      file: abs,
      hint: "Check the path, or pass a built-in env id such as CartPole-v1.",
    });
  }
  if (!isFile(abs)) {
    throw new EnvLoadError(`Env file ${abs} is not a file.`, { file: abs, hint: "Pass the path of a .ts or .js file." });
  }
  const ext = extname(abs).toLowerCase();
  if (ext === ".py") return loadPythonEnv(abs, { python: opts.python, cwd: opts.cwd });
  if (!(SUPPORTED_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new EnvLoadError(`Env file ${abs} has an unsupported extension "${ext || "(none)"}".`, {
      file: abs,
      hint:
        `Env files must be TypeScript, JavaScript (${SUPPORTED_EXTENSIONS.join(" ")}) or Python (.py).`,
    });
  }

  const code = await bundle(abs, opts.publicModule ?? findPublicModule());
  const hash = createHash("sha256").update(code).digest("hex");
  const exportsValue = evaluate(abs, code);
  return inspectExports(abs, hash, exportsValue);
}

/**
 * Bundles and evaluates a user module other than an env file (a scripted rater, ...) the same way as env files
 * (TypeScript or JavaScript, imports bundled, "ppo-lab" aliased to the public module).
 * @returns the module's `module.exports`
 * @throws EnvLoadError (file, line) when the file is missing, does not compile or throws while loading.
 */
export async function loadUserModule(file: string, opts: { publicModule?: string } = {}): Promise<unknown> {
  const abs = resolve(file);
  if (!existsSync(abs) || !isFile(abs)) throw new EnvLoadError(`File not found: ${abs}`, { file: abs, hint: "Check the path." });
  const ext = extname(abs).toLowerCase();
  if (!(SUPPORTED_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new EnvLoadError(`${abs} has an unsupported extension "${ext || "(none)"}".`, {
      file: abs,
      hint: `Use a TypeScript or JavaScript file (${SUPPORTED_EXTENSIONS.join(" ")}).`,
    });
  }
  return evaluate(abs, await bundle(abs, opts.publicModule ?? findPublicModule()));
}

/** Where in `file` (or a file beside it) the error `err` was thrown, from its stack; undefined when not found. */
export function userErrorLocation(err: unknown, file: string): { file: string; line: number; column: number } | undefined {
  return err instanceof Error ? userFrame(err, resolve(file)) : undefined;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
  notes?: { text: string }[];
}

type Esbuild = typeof import("esbuild");

let bundler: Esbuild | undefined;

/**
 * The esbuild API: the native package when its platform binary is installed (fast), else `esbuild-wasm` (the same
 * API compiled to WebAssembly, so the VSIX works on every platform). `PPO_LAB_ESBUILD=wasm` forces the WebAssembly
 * build (used by tests).
 */
export function loadBundler(): Esbuild {
  if (bundler) return bundler;
  const forceWasm = process.env.PPO_LAB_ESBUILD === "wasm";
  if (!forceWasm) {
    try {
      const native = require("esbuild") as Esbuild;
      native.transformSync(""); // throws when the platform binary is missing
      bundler = native;
      return native;
    } catch {
      // fall back to WebAssembly
    }
  }
  // A variable keeps our own bundler from inlining the package (it loads its .wasm file next to itself).
  const wasmId = "esbuild-wasm";
  bundler = require(wasmId) as Esbuild;
  return bundler;
}

async function bundle(file: string, publicModule: string | undefined): Promise<string> {
  const esbuild = loadBundler();
  const dir = dirname(file);
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      sourcemap: "inline",
      sourcesContent: true,
      target: "node20",
      absWorkingDir: dir,
      logLevel: "silent",
      ...(publicModule !== undefined ? { alias: { "ppo-lab": publicModule } } : {}),
      // ESM-only spellings, so .mts/.mjs env files that use them still work as CJS.
      define: {
        "import.meta.url": "__ppoLabImportMetaUrl",
        "import.meta.filename": "__filename",
        "import.meta.dirname": "__dirname",
      },
      banner: { js: 'var __ppoLabImportMetaUrl = require("url").pathToFileURL(__filename).href;' },
    });
    const out = result.outputFiles?.[0];
    if (out === undefined) throw new EnvLoadError(`esbuild produced no output for ${file}.`, { file });
    return out.text;
  } catch (e) {
    if (e instanceof EnvLoadError) throw e;
    const errors = (e as { errors?: EsbuildMessage[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) {
      throw new EnvLoadError(`Could not bundle env file ${file}: ${(e as Error).message ?? String(e)}`, { file, cause: e });
    }
    const first = errors[0];
    const loc = first.location;
    const where = loc ? resolve(dir, loc.file) : file;
    const line = loc?.line;
    const column = loc ? loc.column + 1 : undefined;
    const pos = loc ? `${where}:${line}:${column}` : where;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : "";
    const inFile = where === file ? "" : ` (imported by ${file})`;
    const snippet = loc?.lineText ? `\n    ${loc.lineText.trim()}` : "";
    let hint = "Fix the error at that location and load the env again.";
    if (/Could not resolve/.test(first.text)) {
      hint = /"ppo-lab"/.test(first.text)
        ? 'PPO Lab could not find its public module for "ppo-lab"; use `import type` for types, or reinstall PPO Lab.'
        : "Check the import path; for an npm package, install it in the env file's workspace (npm install <name>).";
    } else if (/Top-level await/i.test(first.text)) {
      hint = "Env files are loaded as CommonJS: move the `await` into a function (e.g. the factory or reset).";
    }
    throw new EnvLoadError(`${pos}: error: ${first.text}${inFile}${more}${snippet}`, {
      file: where,
      envFile: file,
      line,
      column,
      hint,
      cause: e,
    });
  }
}

interface InternalModule {
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  _compile(code: string, filename: string): unknown;
}
type ModuleCtor = { new (id: string): InternalModule; _nodeModulePaths(dir: string): string[] };

/** Evaluates the bundled CJS code as a module named after the env file; returns its `module.exports`. */
function evaluate(file: string, code: string): unknown {
  const setSourceMaps = (process as { setSourceMapsEnabled?: (on: boolean) => void }).setSourceMapsEnabled;
  if (typeof setSourceMaps === "function") setSourceMaps.call(process, true);
  const Mod = Module as unknown as ModuleCtor;
  const m = new Mod(file);
  m.filename = file;
  m.paths = Mod._nodeModulePaths(dirname(file));
  try {
    m._compile(code, file);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const frame = userFrame(err, file);
    const pos = frame ? `${frame.file}:${frame.line}:${frame.column}` : file;
    const inFile = frame && frame.file !== file ? ` (imported by ${file})` : "";
    throw new EnvLoadError(`${pos}: the env file threw while loading${inFile}: ${err.name}: ${err.message}`, {
      file: frame?.file ?? file,
      envFile: file,
      line: frame?.line,
      column: frame?.column,
      hint: "Fix the code that runs at the top level of the module (outside functions and classes).",
      cause: e,
    });
  }
  m.loaded = true;
  return m.exports;
}

/**
 * The first stack frame of `err` in the env file, else in another file of the env's directory tree (not
 * node_modules), else undefined.
 */
function userFrame(err: Error, file: string): { file: string; line: number; column: number } | undefined {
  const stack = typeof err.stack === "string" ? err.stack : "";
  const frames: { file: string; line: number; column: number }[] = [];
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
  const own = frames.find((f) => f.file === file);
  if (own) return own;
  const root = dirname(file);
  return frames.find((f) => {
    const rel = relative(root, f.file);
    return !rel.startsWith("..") && !isAbsolute(rel) && !rel.split(/[\\/]/).includes("node_modules");
  });
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `a ${typeof v} (${typeof v === "string" ? JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v) : String(v)})`;
}

/** Names of the optional exports PPO Lab reads besides the default export. */
const KNOWN_EXPORTS = ["maxEpisodeSteps", "config"] as const;

/** Levenshtein distance of `a` and `b`, or a value > `max` as soon as it must exceed `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (Math.min(...cur) > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Warnings for exports within edit distance 2 (ignoring case) of `maxEpisodeSteps` / `config` but not spelled so, and
 * so ignored; only for values of the kind meant (a number or string, a plain object), so that e.g. a helper function
 * `confirm` is not reported.
 */
function misspelledExportWarnings(file: string, named: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(named)) {
    if (name === "default" || name === "__esModule" || (KNOWN_EXPORTS as readonly string[]).includes(name)) continue;
    const v = named[name];
    const target = KNOWN_EXPORTS.find(
      (k) =>
        (k === "config" ? isPlainObject(v) : typeof v === "number" || typeof v === "string") &&
        editDistance(name.toLowerCase(), k.toLowerCase(), 2) <= 2,
    );
    if (target === undefined) continue;
    warnings.push(`${file}: the export "${name}" is ignored; did you mean "${target}"?`);
  }
  return warnings;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isClass(fn: (...args: unknown[]) => unknown): boolean {
  return /^class\b/.test(Function.prototype.toString.call(fn));
}

/** Picks the default export, `config` and `maxEpisodeSteps` from the module's exports and checks them. */
function inspectExports(file: string, hash: string, exportsValue: unknown): LoadedEnvFile {
  const ns = exportsValue as Record<string, unknown> | undefined;
  // An ES module (or a CJS module with `exports.default`) has `default`; a CJS `module.exports = MyEnv` is the default.
  let def: unknown;
  let named: Record<string, unknown> = {};
  if (ns !== null && (typeof ns === "object" || typeof ns === "function") && "default" in ns) {
    def = ns.default;
    named = ns;
  } else if (typeof ns === "function") {
    def = ns;
  } else if (ns !== null && typeof ns === "object") {
    named = ns;
  }

  if (def === undefined) {
    const names = Object.keys(named).filter((k) => k !== "__esModule");
    const found = names.length ? ` It exports: ${names.join(", ")}.` : " It has no exports.";
    throw new EnvLoadError(`Env file ${file} has no default export.${found}`, {
      file,
      hint:
        "export default class MyEnv { ... } or a factory function (export default function make(options) { ... })" +
        (names.length ? `; e.g. add \`export default ${names.find((n) => n !== "config" && n !== "maxEpisodeSteps") ?? names[0]};\`` : "."),
    });
  }
  if (typeof def !== "function") {
    throw new EnvLoadError(`Env file ${file}: the default export is ${describe(def)}, not a class or a function.`, {
      file,
      hint: EXPORT_DEFAULT_HINT,
    });
  }

  const loaded: LoadedEnvFile = {
    file,
    hash,
    factory: makeFactory(file, def as (...args: unknown[]) => unknown),
    exportName: "default",
  };

  if ("maxEpisodeSteps" in named && named.maxEpisodeSteps !== undefined) {
    const v = named.maxEpisodeSteps;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new EnvLoadError(`Env file ${file}: maxEpisodeSteps must be a positive integer, got ${describe(v)}.`, {
        file,
        hint: "export const maxEpisodeSteps = 500;  // or remove the export for no time limit",
      });
    }
    loaded.maxEpisodeSteps = v;
  }
  if ("config" in named && named.config !== undefined) {
    const v = named.config;
    if (!isPlainObject(v)) {
      throw new EnvLoadError(`Env file ${file}: config must be a plain object, got ${describe(v)}.`, {
        file,
        hint: "export const config = { totalTimesteps: 100_000, nEnvs: 8 };",
      });
    }
    loaded.config = v;
  }
  const warnings = misspelledExportWarnings(file, named);
  if (warnings.length > 0) loaded.warnings = warnings;
  return loaded;
}

function makeFactory(file: string, fn: (...args: unknown[]) => unknown): (options?: Record<string, unknown>) => Env {
  const name = fn.name || "default export";
  // A class, or an ES5-style constructor function whose prototype carries the env methods, is called with `new`.
  const proto = (fn as { prototype?: Record<string, unknown> }).prototype;
  const useNew = isClass(fn) || (proto !== undefined && typeof proto.step === "function" && typeof proto.reset === "function");
  return (options?: Record<string, unknown>): Env => {
    let env: unknown;
    try {
      env = useNew ? new (fn as unknown as new (o?: Record<string, unknown>) => unknown)(options) : fn(options);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const frame = userFrame(err, file);
      const pos = frame ? `${frame.file}:${frame.line}:${frame.column}` : file;
      throw new EnvLoadError(
        `${pos}: ${useNew ? `new ${name}(options)` : `${name}(options)`} threw: ${err.name}: ${err.message}`,
        {
          file: frame?.file ?? file,
          envFile: file,
          line: frame?.line,
          column: frame?.column,
          hint: `Fix the ${useNew ? "constructor" : "factory function"} of the env in ${file}.`,
          cause: e,
        },
      );
    }
    const what = useNew ? `new ${name}()` : `${name}()`;
    if (env === null || typeof env !== "object") {
      throw new EnvLoadError(`Env file ${file}: ${what} returned ${describe(env)}, not an env object.`, {
        file,
        hint: useNew ? EXPORT_DEFAULT_HINT : "The factory function must return the env, e.g. `return new MyEnv(options);`.",
      });
    }
    const e = env as Record<string, unknown>;
    const missing: string[] = [];
    if (typeof e.reset !== "function") missing.push("reset()");
    if (typeof e.step !== "function") missing.push("step(action)");
    if (e.observationSpace === undefined || e.observationSpace === null) missing.push("observationSpace");
    if (e.actionSpace === undefined || e.actionSpace === null) missing.push("actionSpace");
    if (missing.length) {
      throw new EnvLoadError(`Env file ${file}: the env made by ${what} has no ${missing.join(", ")}.`, {
        file,
        hint:
          "An env needs observationSpace and actionSpace (e.g. { type: \"Box\", low: [...], high: [...] } and " +
          '{ type: "Discrete", n: 2 }) and methods reset(options) and step(action).',
      });
    }
    return env as Env;
  };
}
