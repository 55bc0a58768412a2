// Bundles the in-host test suite (test/e2e/host/index.ts) into a tiny throwaway extension folder:
//   <outDir>/package.json   a manifest, so the folder can be the extensionDevelopmentPath
//   <outDir>/index.js       the extensionTestsPath (exports run())
// The PPO Lab extension under test is NOT this folder: it is the one installed from ppo-lab.vsix, so the tests see
// exactly what users install. `require("vscode")` in index.js is resolved by the extension host for this folder's
// extension, which is why the bundle must live inside it.
// Used by test/e2e/harness (code-server) and scripts/e2e/run-electron.mjs (desktop VS Code).
import * as esbuild from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Builds the folder; returns { dir, entry, resultFile }. */
export async function buildHostTests(outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, "package.json"),
    JSON.stringify(
      {
        name: "ppo-lab-host-tests",
        displayName: "PPO Lab extension-host tests",
        publisher: "ppo-lab-test",
        version: "0.0.0",
        private: true,
        engines: { vscode: "^1.90.0" },
      },
      null,
      2,
    ) + "\n",
  );
  const entry = join(outDir, "index.js");
  await esbuild.build({
    entryPoints: [join(root, "test", "e2e", "host", "index.ts")],
    outfile: entry,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    sourcemap: "inline",
    logLevel: "warning",
  });
  return { dir: outDir, entry, resultFile: join(outDir, "results.json") };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node scripts/e2e/build-host-tests.mjs <outDir>");
    process.exit(2);
  }
  // No top-level await: the harness imports this file through tsx, which turns it into CommonJS.
  buildHostTests(out).then(
    (r) => console.log(r),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
