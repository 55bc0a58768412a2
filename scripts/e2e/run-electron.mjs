// `npm run test:electron`: runs the same extension-host suite as `npm run test:e2e` (test/e2e/host/suite.ts) in
// DESKTOP VS Code through @vscode/test-electron. Opt-in and not part of CI: it needs a VS Code build (this workplace
// cannot download one) and a display (on a headless Linux box: `xvfb-run -a npm run test:electron`).
//
//   VSCODE_EXE=/path/to/code npm run test:electron     use an installed VS Code (Linux: .../code, macOS:
//                                                      .../Visual Studio Code.app/Contents/MacOS/Electron)
//   npm run test:electron                              download VS Code stable (VSCODE_VERSION=1.100.3 to pin)
//                                                      into ~/.cache/ppo-lab-test/vscode-test
//
// Like the code-server harness, it installs ppo-lab.vsix (built by `npm run package`) into a throwaway
// --extensions-dir, opens a temporary copy of examples/ and reads the in-host runner's results.json.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { downloadAndUnzipVSCode, resolveCliPathFromVSCodeExecutablePath, runTests } from "@vscode/test-electron";
import { buildHostTests } from "./build-host-tests.mjs";
import { TEST_CACHE_DIR } from "./paths.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const vsix = process.env.PPO_LAB_VSIX || join(root, "ppo-lab.vsix");
if (!existsSync(vsix)) {
  console.error(`${vsix} is missing: run npm run package first`);
  process.exit(1);
}

const exe =
  process.env.VSCODE_EXE ||
  (await downloadAndUnzipVSCode({ cachePath: join(TEST_CACHE_DIR, "vscode-test"), version: process.env.VSCODE_VERSION || "stable" }));

const tmp = mkdtempSync(join(tmpdir(), "ppo-lab-electron-"));
const userDataDir = join(tmp, "user-data");
const extensionsDir = join(tmp, "extensions");
const workspace = join(tmp, "workspace");
cpSync(join(root, "examples"), workspace, { recursive: true });
const { dir, entry, resultFile } = await buildHostTests(join(tmp, "host-tests"));

let failed = true;
try {
  const cli = resolveCliPathFromVSCodeExecutablePath(exe);
  const install = spawnSync(cli, [`--extensions-dir=${extensionsDir}`, `--user-data-dir=${userDataDir}`, "--install-extension", vsix], {
    encoding: "utf8",
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (install.status !== 0) throw new Error(`${cli} --install-extension ${vsix} exited with ${install.status}`);

  try {
    await runTests({
      vscodeExecutablePath: exe,
      extensionDevelopmentPath: dir,
      extensionTestsPath: entry,
      extensionTestsEnv: { PPO_LAB_HOST_RESULTS: resultFile },
      launchArgs: [
        workspace,
        `--extensions-dir=${extensionsDir}`,
        `--user-data-dir=${userDataDir}`,
        "--disable-workspace-trust",
        "--skip-welcome",
        "--skip-release-notes",
      ],
    });
  } catch (e) {
    console.error(`VS Code exited with an error: ${e?.message ?? e}`);
  }
  const results = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, "utf8")) : undefined;
  if (!results) throw new Error(`no results in ${resultFile}: the suite did not run`);
  for (const t of results.tests) console.log(`${t.status === "passed" ? "ok    " : "FAILED"} ${t.name} (${t.durationMs} ms)${t.error ? `\n${t.error}` : ""}`);
  if (results.runnerError) console.log(`runner error:\n${results.runnerError}`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  failed = !results.done || results.failed > 0;
} catch (e) {
  console.error(e);
} finally {
  rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
process.exit(failed ? 1 : 0);
