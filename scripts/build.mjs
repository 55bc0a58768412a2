// Builds every bundle with esbuild: the extension (vscode external), the trainer process entry, the CLI, the bench,
// the public module env files alias as "ppo-lab", and the webview bundles; copies the TF.js wasm binaries; emits the
// "ppo-lab" declarations (dist/types/) and refreshes the TypeScript server plugin in node_modules/ppo-lab-ts-plugin/.
// Usage: node scripts/build.mjs [--watch] [--production]
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { emitPublicTypes } from "./emit-public-types.mjs";
import { syncTsPlugin } from "./sync-ts-plugin.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dist = join(root, "dist");

if (!watch) rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "wasm"), { recursive: true });
const wasmSrc = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
for (const f of readdirSync(wasmSrc).filter((f) => f.endsWith(".wasm"))) copyFileSync(join(wasmSrc, f), join(dist, "wasm", f));
// The webviews' icon font (codicons, looked up by @vscode-elements/elements); webviews load it from dist/ only.
const codiconSrc = dirname(require.resolve("@vscode/codicons/dist/codicon.css"));
mkdirSync(join(dist, "webview", "codicons"), { recursive: true });
for (const f of ["codicon.css", "codicon.ttf"]) copyFileSync(join(codiconSrc, f), join(dist, "webview", "codicons", f));

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: "info",
  define: { PPO_LAB_VERSION: JSON.stringify(pkg.version) },
};
const nodeCommon = {
  ...common,
  platform: "node",
  format: "cjs",
  target: "node20",
  // esbuild ships a native binary and is used at run time to load env files; tfjs-node is optional and native.
  external: ["vscode", "esbuild", "esbuild-wasm", "@tensorflow/tfjs-node"],
};

const webviewEntries = existsSync(join(root, "webview"))
  ? readdirSync(join(root, "webview"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, "webview", d.name, "main.ts")))
      .map((d) => ({ in: join(root, "webview", d.name, "main.ts"), out: join("webview", d.name) }))
  : [];

const builds = [
  { ...nodeCommon, entryPoints: { extension: join(root, "src/extension/extension.ts") }, outdir: dist },
  {
    ...nodeCommon,
    entryPoints: {
      trainer: join(root, "src/trainer/main.ts"),
      cli: join(root, "src/cli/main.ts"),
      bench: join(root, "bench/bench.ts"),
    },
    outdir: dist,
  },
  // The module env files import as "ppo-lab" (types and small helpers); the loader aliases to it at run time.
  { ...nodeCommon, sourcemap: false, entryPoints: { "public/index": join(root, "src/public/index.ts") }, outdir: dist },
];
if (webviewEntries.length > 0) {
  builds.push({ ...common, platform: "browser", format: "iife", target: "es2022", entryPoints: webviewEntries, outdir: dist });
}

// esbuild runs in its own process, so the declarations and the plugin copy happen while it bundles.
const pending = watch ? Promise.all(builds.map((b) => esbuild.context(b))) : Promise.all(builds.map((b) => esbuild.build(b)));
// Declarations of "ppo-lab" for the editor (dist/types/), found by the TypeScript server plugin (ts-plugin/); in watch
// mode they are emitted once, at start.
emitPublicTypes(root, join(dist, "types"));
syncTsPlugin(root);
if (watch) {
  const contexts = await pending;
  await Promise.all(contexts.map((c) => c.watch()));
  console.log("watching for changes...");
} else {
  await pending;
}
