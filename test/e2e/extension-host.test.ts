/**
 * Extension-host integration tests: the in-host suite (test/e2e/host/suite.ts) runs inside code-server's real
 * extension host against the PPO Lab extension installed from ppo-lab.vsix, with a copy of examples/ as the
 * workspace. This outer test starts everything, reads the in-host runner's result file and tears everything down.
 * Run with `npm run test:e2e` (installs code-server and builds the VSIX first).
 */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { describeFailures, runHostTestsInCodeServer } from "./harness/host-tests";
import { withSession } from "./harness/session";

const TIMEOUT_MS = 6 * 60_000;

test("extension-host suite passes in code-server (activation, commands, train/stop run directory)", { timeout: TIMEOUT_MS + 60_000 }, async (t) => {
  const log = (m: string) => t.diagnostic(m);
  await withSession(
    "extension-host",
    TIMEOUT_MS,
    async (session) => {
      const t0 = Date.now();
      await session.installVsix();
      await session.startCodeServer();
      log(`VSIX installed, code-server listening on ${session.baseUrl} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const results = await runHostTestsInCodeServer(session, TIMEOUT_MS - 60_000, log);
      log(`in-host suite done at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.equal(results.failed, 0, `extension-host tests failed:\n${describeFailures(results)}`);
      assert.ok(results.tests.length >= 2, `expected at least 2 in-host tests, ran ${results.tests.length}`);
    },
    log,
  );
});
