// Emits the .d.ts files of the public module env files import as "ppo-lab" (src/public/index.ts and the files it
// imports, i.e. src/core/env.ts, spaces.ts, rng.ts, replay/types.ts) into dist/types/, with the TypeScript compiler
// API. The TypeScript server plugin in ts-plugin/ resolves "ppo-lab" to dist/types/public/index.d.ts in workspaces
// that do not map the module themselves.
import ts from "typescript";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * Writes dist/types/public/index.d.ts and the declaration files it imports (rootDir src, so the folder layout below
 * dist/types/ mirrors src/). Fast path: each file on its own with `ts.transpileDeclaration` (no type checking, no
 * lib files; about 0.4 s), which works while the files satisfy `isolatedDeclarations` (exported functions have
 * explicit return types). If one does not, the whole set is emitted by a type-checking program instead (about 3 s),
 * so the build still succeeds. Type errors themselves are tsc --noEmit's job.
 *
 * @param {string} root repository root (the folder holding src/).
 * @param {string} outDir folder that receives the declarations (dist/types).
 * @returns {{ entry: string, files: string[], isolated: boolean }} the public index.d.ts path, every .d.ts written,
 *   and whether the fast per-file path was used.
 * @throws {Error} when a file cannot be read or TypeScript reports declaration-emit errors (messages with files).
 */
export function emitPublicTypes(root, outDir) {
  const srcDir = join(root, "src");
  const entry = join(srcDir, "public", "index.ts");
  const options = {
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: srcDir,
    outDir,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ["lib.es2022.d.ts"],
    types: [],
    skipLibCheck: true,
  };
  const dtsPath = (file) => join(outDir, relative(srcDir, file)).replace(/\.ts$/, ".d.ts");

  const outputs = new Map();
  const pending = [entry];
  let isolated = true;
  while (pending.length > 0 && isolated) {
    const file = pending.pop();
    if (outputs.has(file)) continue;
    const text = readFileSync(file, "utf8");
    const result = ts.transpileDeclaration(text, { fileName: file, compilerOptions: { ...options, isolatedDeclarations: true }, reportDiagnostics: true });
    if (result.diagnostics && result.diagnostics.length > 0) isolated = false;
    outputs.set(file, result.outputText);
    for (const { fileName } of ts.preProcessFile(text, true, false).importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const base = resolve(dirname(file), fileName).replace(/\.js$/, "");
      const found = [`${base}.ts`, join(base, "index.ts")].find((f) => existsSync(f));
      if (found === undefined) isolated = false; // a form this walk does not follow: let the program resolve it
      else pending.push(found);
    }
  }
  if (isolated) {
    for (const [file, text] of outputs) {
      mkdirSync(dirname(dtsPath(file)), { recursive: true });
      writeFileSync(dtsPath(file), text);
    }
    return { entry: dtsPath(entry), files: [...outputs.keys()].map(dtsPath), isolated };
  }

  const program = ts.createProgram([entry], options);
  const written = [];
  const result = program.emit(undefined, (fileName, text) => {
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(fileName, text);
    written.push(fileName);
  });
  if (result.emitSkipped || result.diagnostics.length > 0) {
    const text = ts.formatDiagnostics(result.diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    });
    throw new Error(`emitting the "ppo-lab" declarations into ${outDir} failed:\n${text || "(TypeScript skipped the emit without a message)"}`);
  }
  return { entry: dtsPath(entry), files: written, isolated };
}
