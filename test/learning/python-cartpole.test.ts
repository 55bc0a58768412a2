/**
 * Learning through the Python bridge: PPO with the CartPole-v1 preset on CartPole written in Python (numpy,
 * test/fixtures/python/cartpole.py, run by python3 through the bridge) must reach the TypeScript CartPole's target,
 * ep_rew_mean >= 475 within 100,000 steps (seed 1; see learning.test.ts). Skipped without python3 + numpy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PRESETS } from "../../src/core/ppo/config";
import { TrainingSession } from "../../src/trainer/session";

import { PYTHON_FIXTURES as FIX, PYTHON_STUBS, setPythonPath, skipWithoutNumpy } from "../fixtures/python/python-test-env";

test("Python CartPole (numpy, through the bridge) reaches ep_rew_mean >= 475 within 100,000 steps (seed 1)", { skip: skipWithoutNumpy() }, async () => {
  const restorePythonPath = setPythonPath(PYTHON_STUBS); // the stand-in gymnasium package the fixture imports
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-learn-py-"));
  let reachedAt: number | undefined;
  let best = -Infinity;
  try {
    const session: TrainingSession = new TrainingSession(
      {
        env: path.join(FIX, "cartpole.py"),
        cwd: root,
        runsRoot: root,
        overrides: { ...PRESETS["CartPole-v1"], totalTimesteps: 100_000, seed: 1 },
      },
      {
        emit(msg) {
          if (msg.type !== "metrics") return;
          const r = msg.row.ep_rew_mean;
          if (r !== null) best = Math.max(best, r);
          if (reachedAt === undefined && r !== null && r >= 475) {
            reachedAt = msg.row.total_timesteps ?? undefined;
            session.stop();
          }
        },
      },
    );
    const result = await session.run();
    console.log(`Python CartPole: best ep_rew_mean ${best.toFixed(1)}, reached 475 at ${reachedAt ?? "never"} steps`);
    assert.notEqual(result.status, "failed");
    assert.ok(reachedAt !== undefined, `best ep_rew_mean ${best.toFixed(1)} < 475 within 100,000 steps`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    restorePythonPath();
  }
});
