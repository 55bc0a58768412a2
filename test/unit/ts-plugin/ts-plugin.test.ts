// The TypeScript server plugin (ts-plugin/index.js) over a real TypeScript LanguageService: env files in a folder
// with no tsconfig mapping get "ppo-lab"'s shipped declarations (dist/types/, from npm run build); a folder that maps
// or installs "ppo-lab" keeps its own resolution.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";

const root = path.join(__dirname, "..", "..", "..");
const shippedDts = path.join(root, "dist", "types", "public", "index.d.ts");

type PluginInit = (modules: { typescript: typeof ts }) => { create(info: ts.server.PluginCreateInfo): ts.LanguageService };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadPlugin = (file: string): PluginInit => require(file) as PluginInit;

const ENV_FILE = `import type { Env, StepResult, SceneFrame } from "ppo-lab";
import { box } from "ppo-lab";

export default class TwoStates implements Env {
  observationSpace = box(-1, 1, [2]);
  actionSpace = { type: "Discrete" as const, n: 2 };
  reset() {
    return { observation: [0, 0], info: {} };
  }
  step(action: number): StepResult {
    return { observation: [action, 0], reward: 1, terminated: false, truncated: false };
  }
  render(): SceneFrame {
    return { type: "scene", width: 1, height: 1, shapes: [] };
  }
}

export const deliberate: number = "a deliberate type error";
`;

/** A step that returns a wrong StepResult (reward as a string, no truncated): an error only if StepResult is known. */
const WRONG_STEP_FILE = `import type { StepResult } from "ppo-lab";
export function step(): StepResult {
  return { observation: [0], reward: "high", terminated: false };
}
`;

type Resolver = "literals" | "names" | "none";

/** One registry for every service of the file, so the default lib is parsed once. */
const registry = ts.createDocumentRegistry();
/** Options every test shares: ES2022 lib only (no DOM, no @types) keeps each program small. */
const BASE: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], types: [] };

/**
 * A LanguageService over real files in `dir`, as tsserver builds one for loose files: `resolver` says which host
 * resolution hook exists ("literals": resolveModuleNameLiterals as tsserver's Project has, "names": only the
 * pre-5.0 resolveModuleNames, "none": TypeScript's default resolution).
 */
function languageService(dir: string, files: string[], options: ts.CompilerOptions, resolver: Resolver) {
  const moduleHost: ts.ModuleResolutionHost = { fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, directoryExists: ts.sys.directoryExists, realpath: ts.sys.realpath };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => files,
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => (fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, "utf8")) : undefined),
    getCurrentDirectory: () => dir,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  if (resolver === "literals") {
    host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts, sourceFile) =>
      literals.map((l) => ts.resolveModuleName(l.text, containingFile, opts, moduleHost, undefined, redirected, ts.getModeForUsageLocation(sourceFile, l, opts)));
  } else if (resolver === "names") {
    host.resolveModuleNames = (names, containingFile, _reused, redirected, opts) =>
      names.map((n) => ts.resolveModuleName(n, containingFile, opts, moduleHost, undefined, redirected).resolvedModule);
  }
  const service = ts.createLanguageService(host, registry);
  return { host, service };
}

/** Applies the plugin as tsserver does (a fake project whose logger collects the lines). */
function applyPlugin(pluginFile: string, host: ts.LanguageServiceHost, service: ts.LanguageService): string[] {
  const logged: string[] = [];
  const project = { projectService: { logger: { info: (m: string) => logged.push(m) } } } as unknown as ts.server.Project;
  const returned = loadPlugin(pluginFile)({ typescript: ts }).create({ languageService: service, languageServiceHost: host, project, config: {} } as unknown as ts.server.PluginCreateInfo);
  assert.equal(returned, service, "create returns the language service it was given");
  return logged;
}

function diagnostics(service: ts.LanguageService, file: string): string[] {
  return [...service.getSyntacticDiagnostics(file), ...service.getSemanticDiagnostics(file)].map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

function tempFolder(prefix: string, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

// The options of VS Code's loose-file (inferred) projects and of common tsconfigs: classic, node10 and bundler resolution.
// Each host resolver kind is tried once (with node10); the other option sets use tsserver's kind.
const CASES: Array<[string, ts.CompilerOptions, Resolver]> = [
  ["module esnext (classic resolution)", { ...BASE, module: ts.ModuleKind.ESNext }, "literals"],
  ["module commonjs (node10)", { ...BASE, module: ts.ModuleKind.CommonJS }, "literals"],
  ["bundler", { ...BASE, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }, "literals"],
  ["module commonjs (node10)", { ...BASE, module: ts.ModuleKind.CommonJS }, "names"],
  ["module commonjs (node10)", { ...BASE, module: ts.ModuleKind.CommonJS }, "none"],
];

test("the shipped declarations exist (npm run build emits dist/types/)", () => {
  assert.ok(fs.existsSync(shippedDts), `${shippedDts} is missing: run npm run build`);
  const text = fs.readFileSync(shippedDts, "utf8");
  for (const name of ["Env", "StepResult", "SceneFrame", "box", "discrete"]) assert.match(text, new RegExp(`\\b${name}\\b`), `index.d.ts exports ${name}`);
});

for (const [label, options, resolver] of CASES) {
  {
    test(`without a "ppo-lab" mapping the plugin resolves it to the shipped types (${label}, host resolver: ${resolver})`, () => {
      const dir = tempFolder("ppo-lab-tsplugin-", { "my-env.ts": ENV_FILE, "wrong-step.ts": WRONG_STEP_FILE });
      try {
        const env = path.join(dir, "my-env.ts");
        const wrong = path.join(dir, "wrong-step.ts");

        const before = languageService(dir, [env, wrong], options, resolver);
        const plain = diagnostics(before.service, env);
        assert.ok(plain.some((m) => m.includes("Cannot find module 'ppo-lab'")), `without the plugin: ${plain.join(" | ")}`);
        assert.deepEqual(diagnostics(before.service, wrong).filter((m) => !m.includes("Cannot find module")), [], "unresolved types are any, so the wrong step passes");

        const after = languageService(dir, [env, wrong], options, resolver);
        const logged = applyPlugin(path.join(root, "ts-plugin", "index.js"), after.host, after.service);
        assert.ok(logged.some((l) => l.includes(shippedDts)), `the plugin logs where "ppo-lab" goes: ${logged.join(" | ")}`);
        const fixed = diagnostics(after.service, env);
        assert.ok(!fixed.some((m) => m.includes("Cannot find module")), `with the plugin: ${fixed.join(" | ")}`);
        assert.equal(fixed.length, 1, `only the deliberate error is left: ${fixed.join(" | ")}`);
        assert.match(fixed[0], /Type 'string' is not assignable to type 'number'/);
        const wrongStep = after.service.getSemanticDiagnostics(wrong);
        const at = wrongStep.map((d) => WRONG_STEP_FILE.slice(d.start, (d.start ?? 0) + (d.length ?? 0)));
        assert.deepEqual(at, ["reward"], `a wrong StepResult is a type error at its reward: ${wrongStep.map((d) => d.messageText).join(" | ")}`);
        const resolved = after.service.getProgram()!.getSourceFiles().map((f) => path.resolve(f.fileName));
        assert.ok(resolved.includes(path.resolve(shippedDts)), "the program holds the shipped index.d.ts");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test("a workspace that maps or installs \"ppo-lab\" keeps its own resolution", () => {
  const own = `export interface StepResult { custom: true }\n`;
  const user = `import type { StepResult } from "ppo-lab";\nexport const r: StepResult = { custom: true };\n`;
  const cases: Array<[string, Record<string, string>, ts.CompilerOptions, string]> = [
    ["tsconfig paths", { "env.ts": user, "types/mine.d.ts": own }, { baseUrl: ".", paths: { "ppo-lab": ["types/mine.d.ts"] } }, "types/mine.d.ts"],
    ["node_modules/ppo-lab", { "env.ts": user, "node_modules/ppo-lab/package.json": `{"name":"ppo-lab","types":"own.d.ts"}`, "node_modules/ppo-lab/own.d.ts": own }, {}, "node_modules/ppo-lab/own.d.ts"],
  ];
  for (const [label, files, extra, expected] of cases) {
    const dir = tempFolder("ppo-lab-tsplugin-own-", files);
    try {
      const options: ts.CompilerOptions = { ...BASE, module: ts.ModuleKind.CommonJS, ...extra };
      if (options.baseUrl !== undefined) options.baseUrl = dir;
      const { host, service } = languageService(dir, [path.join(dir, "env.ts")], options, "literals");
      applyPlugin(path.join(root, "ts-plugin", "index.js"), host, service);
      assert.deepEqual(diagnostics(service, path.join(dir, "env.ts")), [], `${label}: the workspace's own StepResult type-checks`);
      const names = service.getProgram()!.getSourceFiles().map((f) => path.resolve(f.fileName));
      assert.ok(names.includes(path.resolve(dir, expected)), `${label}: resolves to ${expected}`);
      assert.ok(!names.includes(path.resolve(shippedDts)), `${label}: the shipped types are not used`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("other unresolved modules stay unresolved", () => {
  const dir = tempFolder("ppo-lab-tsplugin-other-", { "env.ts": `import type { X } from "ppo-lab-extra";\nexport const x: X | undefined = undefined;\n` });
  try {
    const { host, service } = languageService(dir, [path.join(dir, "env.ts")], { ...BASE, module: ts.ModuleKind.CommonJS }, "literals");
    applyPlugin(path.join(root, "ts-plugin", "index.js"), host, service);
    assert.ok(diagnostics(service, path.join(dir, "env.ts")).some((m) => m.includes("Cannot find module 'ppo-lab-extra'")));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the installed copy in node_modules/ppo-lab-ts-plugin (what VS Code loads) matches ts-plugin/ and finds the types", () => {
  const installed = path.join(root, "node_modules", "ppo-lab-ts-plugin");
  assert.ok(!fs.lstatSync(installed).isSymbolicLink(), "a real folder (vsce packs no symlinked dependency): npm run build replaces a symlink");
  for (const f of ["package.json", "index.js"]) {
    assert.equal(fs.readFileSync(path.join(installed, f), "utf8"), fs.readFileSync(path.join(root, "ts-plugin", f), "utf8"), `${f} is current (npm run build copies it)`);
  }
  const dir = tempFolder("ppo-lab-tsplugin-installed-", { "env.ts": `import type { Env } from "ppo-lab";\nexport const spaces: Env["actionSpace"] = { type: "Discrete", n: 2 };\n` });
  try {
    const { host, service } = languageService(dir, [path.join(dir, "env.ts")], { ...BASE, module: ts.ModuleKind.CommonJS }, "literals");
    applyPlugin(path.join(installed, "index.js"), host, service);
    assert.deepEqual(diagnostics(service, path.join(dir, "env.ts")), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("without built declarations the plugin logs why and changes nothing", () => {
  const lone = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-tsplugin-lone-"));
  try {
    fs.copyFileSync(path.join(root, "ts-plugin", "index.js"), path.join(lone, "index.js"));
    const { host, service } = languageService(lone, [], { module: ts.ModuleKind.CommonJS }, "literals");
    const before = host.resolveModuleNameLiterals;
    const logged = applyPlugin(path.join(lone, "index.js"), host, service);
    assert.equal(host.resolveModuleNameLiterals, before);
    assert.ok(logged.some((l) => l.includes("npm run build")), logged.join(" | "));
  } finally {
    fs.rmSync(lone, { recursive: true, force: true });
  }
});
