/**
 * The WebAssembly build of esbuild (what the VSIX ships for every platform) loads env files like the native one.
 * Each test file runs in its own process, so forcing it here does not affect other tests.
 */
process.env.PPO_LAB_ESBUILD = "wasm";
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EnvLoadError, loadBundler, loadEnv } from "../../../src/envs/loader";

test("esbuild-wasm bundles a built-in env and reports syntax errors with file:line", async () => {
  const loaded = await loadEnv("CartPole-v1");
  const env = loaded.factory();
  assert.deepEqual(env.actionSpace, { type: "Discrete", n: 2 });
  assert.equal(loaded.maxEpisodeSteps, 500);
  assert.equal(typeof (loadBundler() as unknown as { initialize?: unknown }).initialize, "function", "the wasm package is in use");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-env-"));
  const file = path.join(dir, "broken.ts");
  fs.writeFileSync(file, "export default class X {\n  step() { return 1 +; }\n}\n");
  await assert.rejects(loadEnv(file), (e: Error) => e instanceof EnvLoadError && e.line === 2 && e.message.includes(file));
  fs.rmSync(dir, { recursive: true, force: true });
});
