import { test } from "node:test";
import * as assert from "node:assert/strict";
import { withSession, waitFor } from "./harness/session";
import { quickOpenFile, runCommand, waitForWorkbench } from "./harness/workbench";
import * as fs from "node:fs";
test("probe: deadline hits while training; teardown must leave nothing", { timeout: 300_000 }, async (t) => {
  let root = "";
  await assert.rejects(
    withSession("probe-timeout", 90_000, async (s) => {
      root = s.root;
      await s.installVsix();
      await s.startCodeServer();
      const page = await s.openBrowser(s.workbenchUrl());
      await waitForWorkbench(page);
      await quickOpenFile(page, "cartpole.ts");
      await runCommand(page, "PPO Lab: Train Environment");
      await waitFor("forever", 10_000_000, () => false);
    }, (m) => t.diagnostic(m)),
    /timed out/,
  );
  t.diagnostic(`root ${root} exists: ${fs.existsSync(root)}`);
});
