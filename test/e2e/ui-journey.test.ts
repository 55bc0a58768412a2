/**
 * UI end-to-end journey in code-server driven by playwright-core + Debian Chromium: open the workspace (a copy of
 * examples/), open cartpole.ts with Quick Open, run "PPO Lab: Train Environment" from the command palette, see the
 * status bar report steps/s, run "PPO Lab: Stop Run", see "stopped" in the status bar and on disk.
 * Run with `npm run test:e2e`.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { waitFor, withSession } from "./harness/session";
import { quickOpenFile, runCommand, waitForStatusBarText, waitForWorkbench } from "./harness/workbench";

const TIMEOUT_MS = 6 * 60_000;

test("UI journey: palette -> train cartpole.ts -> status bar steps/s -> stop -> stopped", { timeout: TIMEOUT_MS + 60_000 }, async (t) => {
  const log = (m: string) => t.diagnostic(m);
  await withSession(
    "ui-journey",
    TIMEOUT_MS,
    async (session) => {
      const t0 = Date.now();
      const phase = (what: string) => log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await session.installVsix();
      await session.startCodeServer();
      phase(`VSIX installed, code-server listening on ${session.baseUrl}`);
      const page = await session.openBrowser(session.workbenchUrl());
      await waitForWorkbench(page);
      phase("workbench ready");
      await quickOpenFile(page, "cartpole.ts");
      phase("cartpole.ts open");

      await runCommand(page, "PPO Lab: Train Environment");
      phase("train command run");
      // "1234 steps/s" (the rate may also be shown as "1234/s" next to the step count).
      const running = await waitForStatusBarText(page, /steps\/s|\bsteps\b.*\d\/s/, 180_000);
      phase(`status bar while training: "${running}"`);

      // The dashboard opened beside the editor; its ep_rew_mean card shows a value that changes as updates arrive.
      const seen = new Set<string>();
      await waitFor("the dashboard's ep_rew_mean card to show 3 different values", 150_000, async () => {
        for (const frame of page.frames()) {
          try {
            // A string expression: page code must not depend on helpers the TypeScript loader injects.
            const text = (await frame.evaluate(
              `document.querySelector('.card[data-metric="ep_rew_mean"] [data-role="last-value"]')?.textContent ?? null`,
            )) as string | null;
            if (text && /\d/.test(text)) seen.add(text.trim());
          } catch {
            // frames come and go while the workbench lays out
          }
        }
        return seen.size >= 3 ? true : undefined;
      }, session.signal);
      phase(`dashboard ep_rew_mean values: ${[...seen].join(", ")}`);

      await runCommand(page, "PPO Lab: Stop Run");
      const stopped = await waitForStatusBarText(page, /\bstopped\b/i, 90_000);
      phase(`status bar after stop: "${stopped}"`);

      // The run directory agrees with the status bar.
      const runs = path.join(session.workspace, ".ppo-lab", "runs");
      const status = await waitFor(`run.json status "stopped" under ${runs}`, 30_000, () => {
        const dirs = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
        if (dirs.length !== 1) return undefined;
        try {
          const s = (JSON.parse(fs.readFileSync(path.join(runs, dirs[0], "run.json"), "utf8")) as { status?: string }).status;
          return s && s !== "running" ? s : undefined;
        } catch {
          return undefined;
        }
      }, session.signal);
      assert.equal(status, "stopped");
    },
    log,
  );
});
