// Emits the .d.ts files of the public module env files import as "ppo-lab" (src/public/index.ts and the core files
// it re-exports) into dist/types/, with the TypeScript compiler API. The TypeScript server plugin in ts-plugin/
// resolves "ppo-lab" to dist/types/public/index.d.ts in workspaces that do not map the module themselves.
import ts from "typescript";
import { join } from "node:path";

/**
 * Writes dist/types/public/index.d.ts and the declaration files it imports (rootDir src, so the folder layout below
 * dist/types/ mirrors src/). Type errors are tsc --noEmit's job; only declaration-emit errors (a type the .d.ts
 * cannot name, for example) fail here.
 *
 * @param {string} root repository root (the folder holding src/).
 * @param {string} outDir folder that receives the declarations (dist/types).
 * @returns {string} the path of the public module's index.d.ts.
 * @throws {Error} when TypeScript reports declaration-emit errors, with each message and its file.
 */
export function emitPublicTypes(root, outDir) {
  const options = {
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(root, "src"),
    outDir,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ["lib.es2022.d.ts"],
    types: [],
    skipLibCheck: true,
    stripInternal: true,
    removeComments: false,
  };
  const program = ts.createProgram([join(root, "src", "public", "index.ts")], options);
  const result = program.emit();
  if (result.emitSkipped || result.diagnostics.length > 0) {
    const text = ts.formatDiagnostics(result.diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    });
    throw new Error(`emitting the "ppo-lab" declarations into ${outDir} failed:\n${text || "(TypeScript skipped the emit without a message)"}`);
  }
  return join(outDir, "public", "index.d.ts");
}
