/**
 * GRPO has no critic (its value head is never trained), so its replays record no V(s): every value of the replay is
 * NaN ("no value"), which the player reads as "hide V(s)". A PPO run's replays keep their V(s).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunReplaySource } from "../../../src/core/replay/source";
import { TrainingSession } from "../../../src/trainer/session";

const tiny = { nEnvs: 4, nSteps: 32, batchSize: 64, nEpochs: 1, netArch: { pi: [8], vf: [8] }, seed: 2, totalTimesteps: 256, replays: { everyUpdates: 1, maxCount: 10 } };
const roots: string[] = [];
after(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Trains a tiny CartPole run and returns the value columns of its replays. */
async function replayValues(algorithm: "ppo" | "grpo"): Promise<number[][]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-grpo-values-"));
  roots.push(root);
  const r = await new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, algorithm } } as never, { emit: () => undefined } as never).run();
  assert.equal(r.status, "finished");
  const source = new RunReplaySource(r.runDir);
  const list = await source.list();
  assert.ok(list.length > 0, "the run recorded replays");
  return Promise.all(list.map(async (s) => (await source.steps(s.id, 0, s.length)).value));
}

describe("replays record V(s) only when the run has a critic", () => {
  it("a GRPO run's replays hold no values (all NaN)", async () => {
    for (const values of await replayValues("grpo")) {
      assert.ok(values.length > 0);
      assert.ok(values.every((v) => Number.isNaN(v)), `GRPO replay values: ${values.slice(0, 5).join(", ")}`);
    }
  });

  it("a PPO run's replays keep finite V(s)", async () => {
    for (const values of await replayValues("ppo")) assert.ok(values.length > 0 && values.every((v) => Number.isFinite(v)));
  });
});
