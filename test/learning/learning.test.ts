/**
 * Learning tests: PPO with each env's preset, seeded, must reach the named return within the named steps.
 * A run stops as soon as ep_rew_mean (mean of the last 100 episodes) first reaches the threshold.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TrainingSession } from "../../src/trainer/session";

async function firstReach(env: string, threshold: number, maxSteps: number, seed: number) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-learn-"));
  let reachedAt: number | undefined;
  let best = -Infinity;
  const session: TrainingSession = new TrainingSession(
    { env, cwd: root, runsRoot: root, overrides: { totalTimesteps: maxSteps, seed, backend: "auto" } },
    {
      emit(msg) {
        if (msg.type !== "metrics") return;
        const r = msg.row.ep_rew_mean;
        if (r !== null) best = Math.max(best, r);
        if (reachedAt === undefined && r !== null && r >= threshold) {
          reachedAt = msg.row.total_timesteps ?? undefined;
          session.stop();
        }
      },
    },
  );
  const result = await session.run();
  fs.rmSync(root, { recursive: true, force: true });
  return { reachedAt, best, status: result.status };
}

test("CartPole-v1 with its preset reaches ep_rew_mean >= 475 within 100,000 steps (seed 1)", async () => {
  const r = await firstReach("CartPole-v1", 475, 100_000, 1);
  console.log(`CartPole-v1: best ep_rew_mean ${r.best.toFixed(1)}, reached 475 at ${r.reachedAt ?? "never"} steps`);
  assert.ok(r.reachedAt !== undefined && r.reachedAt <= 100_000, `best ep_rew_mean ${r.best}`);
});

test("Pendulum-v1 with its preset reaches ep_rew_mean >= -250 within 150,000 steps (seed 1)", async () => {
  const r = await firstReach("Pendulum-v1", -250, 150_000, 1);
  console.log(`Pendulum-v1: best ep_rew_mean ${r.best.toFixed(1)}, reached -250 at ${r.reachedAt ?? "never"} steps`);
  assert.ok(r.reachedAt !== undefined && r.reachedAt <= 150_000, `best ep_rew_mean ${r.best}`);
});
