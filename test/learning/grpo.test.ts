/**
 * GRPO (critic-free, group-normalised returns) learns CartPole-v1: seeded, ep_rew_mean >= 195 (Gymnasium's CartPole-v0
 * "solved" level; a random policy gets about 22) within 150,000 steps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TrainingSession } from "../../src/trainer/session";

test("GRPO on CartPole-v1 reaches ep_rew_mean >= 195 within 150,000 steps (seed 1)", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-learn-grpo-"));
  let reachedAt: number | undefined;
  let best = -Infinity;
  let zeroFractions = 0;
  const session: TrainingSession = new TrainingSession(
    {
      env: "CartPole-v1",
      cwd: root,
      runsRoot: root,
      overrides: {
        algorithm: "grpo",
        grpo: { groupSize: 8, klCoef: 0.0, scaleByStd: true, maxRolloutSteps: 10_000 },
        nEnvs: 8,
        nSteps: 256,
        batchSize: 256,
        nEpochs: 4,
        learningRate: 1e-3,
        lrSchedule: "constant",
        clipRangeSchedule: "constant",
        totalTimesteps: 150_000,
        seed: 1,
        replays: { enabled: false } as never, // merged over the defaults
      },
    },
    {
      emit(msg) {
        if (msg.type !== "metrics") return;
        if (typeof msg.row.zero_advantage_fraction === "number") zeroFractions++;
        const r = msg.row.ep_rew_mean;
        if (r !== null) best = Math.max(best, r);
        if (reachedAt === undefined && r !== null && r >= 195) {
          reachedAt = msg.row.total_timesteps ?? undefined;
          session.stop();
        }
      },
    },
  );
  const result = await session.run();
  fs.rmSync(root, { recursive: true, force: true });
  console.log(`GRPO CartPole-v1: best ep_rew_mean ${best.toFixed(1)}, reached 195 at ${reachedAt ?? "never"} steps (${result.status})`);
  assert.ok(zeroFractions > 0, "zero_advantage_fraction is logged");
  assert.ok(reachedAt !== undefined && reachedAt <= 150_000, `best ep_rew_mean ${best}`);
});
