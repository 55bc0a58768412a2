/**
 * Entry of the in-host test suite (bundled by scripts/e2e/build-host-tests.mjs into `<dir>/index.js`, which is the
 * `extensionTestsPath`). VS Code calls `run()` inside the extension host. Results go to `<dir>/results.json` (or to
 * PPO_LAB_HOST_RESULTS), which the outer test reads. `run()` rejects when a test failed, so a desktop run through
 * @vscode/test-electron exits non-zero too.
 */
import * as path from "node:path";
import { runHostTests, writeRunnerError } from "./runner";

export async function run(): Promise<void> {
  const resultFile = process.env.PPO_LAB_HOST_RESULTS || path.join(__dirname, "results.json");
  let failed: number;
  try {
    // Loaded here so that an error while loading the suite still ends up in the result file.
    const { tests } = await import("./suite");
    failed = (await runHostTests(tests, resultFile)).failed;
  } catch (e) {
    writeRunnerError(resultFile, e);
    throw e;
  }
  if (failed > 0) throw new Error(`${failed} extension-host test(s) failed; see ${resultFile}`);
}
