/**
 * Learning tests for the classic-control examples that are fast enough for `npm test`: PPO with each env's preset,
 * seeded, must reach the named return within the named steps. A run stops as soon as ep_rew_mean (mean of the last
 * 100 episodes) first reaches the threshold.
 *
 * Measured on a 2-core machine at load average 1 (wasm backend; the default js engine is faster): GridWorld-v0 8,704 steps in 5 s,
 * MountainCarContinuous-v0 19,968 steps in 19 s, Acrobot-v1 73,728 steps in 41 s (about 70 s for the file). The
 * long target (MountainCar-v0 >= -110 within 1M steps: 744,192 steps, 7 minutes) runs in
 * `npm run bench -- --learning`, which also repeats these three.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PPOConfig } from "../../src/core/ppo/config";
import { TrainingSession } from "../../src/trainer/session";

async function firstReach(env: string, threshold: number, maxSteps: number, seed: number, extra: Partial<PPOConfig> = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-learn-"));
  let reachedAt: number | undefined;
  let best = -Infinity;
  const t0 = performance.now();
  let seconds: number | undefined;
  const session: TrainingSession = new TrainingSession(
    { env, cwd: root, runsRoot: root, overrides: { totalTimesteps: maxSteps, seed, backend: "auto", ...extra } },
    {
      emit(msg) {
        if (msg.type !== "metrics") return;
        const r = msg.row.ep_rew_mean;
        if (r !== null) best = Math.max(best, r);
        if (reachedAt === undefined && r !== null && r >= threshold) {
          reachedAt = msg.row.total_timesteps ?? undefined;
          seconds = (performance.now() - t0) / 1000;
          session.stop();
        }
      },
    },
  );
  const result = await session.run();
  fs.rmSync(root, { recursive: true, force: true });
  return { reachedAt, best, seconds, status: result.status };
}

test("GridWorld-v0 (masked) with its preset is solved, ep_rew_mean >= -9.5, within 30,000 steps (seed 1)", async () => {
  const r = await firstReach("GridWorld-v0", -9.5, 30_000, 1);
  console.log(`GridWorld-v0: best ep_rew_mean ${r.best.toFixed(2)}, reached -9.5 at ${r.reachedAt ?? "never"} steps (${r.seconds?.toFixed(1) ?? "-"} s)`);
  assert.ok(r.reachedAt !== undefined && r.reachedAt <= 30_000, `best ep_rew_mean ${r.best}`);
});

test("Acrobot-v1 with the zoo preset reaches ep_rew_mean >= -100 within 300,000 steps (seed 1)", async () => {
  const r = await firstReach("Acrobot-v1", -100, 300_000, 1);
  console.log(`Acrobot-v1: best ep_rew_mean ${r.best.toFixed(1)}, reached -100 at ${r.reachedAt ?? "never"} steps (${r.seconds?.toFixed(1) ?? "-"} s)`);
  assert.ok(r.reachedAt !== undefined && r.reachedAt <= 300_000, `best ep_rew_mean ${r.best}`);
});

test("MountainCarContinuous-v0 with its preset (no gSDE) reaches ep_rew_mean >= 90 within 100,000 steps (seed 1)", async () => {
  const r = await firstReach("MountainCarContinuous-v0", 90, 100_000, 1);
  console.log(
    `MountainCarContinuous-v0: best ep_rew_mean ${r.best.toFixed(1)}, reached 90 at ${r.reachedAt ?? "never"} steps (${r.seconds?.toFixed(1) ?? "-"} s)`,
  );
  assert.ok(r.reachedAt !== undefined && r.reachedAt <= 100_000, `best ep_rew_mean ${r.best}`);
});
