/**
 * Training on a learned reward: true_ep_rew_mean averages the same episodes as ep_rew_mean / ep_len_mean. On CartPole
 * (env reward 1 per step) the true return of an episode is its length, so the two must be equal in every metrics row,
 * for GRPO (which keeps stepping finished copies of a group: their extra episodes are not training episodes) and for
 * PPO with a stats window other than 100 episodes.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RewardModelFile } from "../../../src/core/rlhf/run-ratings";
import { TrainingSession } from "../../../src/trainer/session";

const tiny = { nEnvs: 4, nSteps: 32, batchSize: 64, nEpochs: 1, netArch: { pi: [8], vf: [8] }, seed: 4, totalTimesteps: 1024 };
const roots: string[] = [];
after(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A CartPole reward model (4 observations + one-hot of 2 actions): one linear layer. */
function writeModel(file: string): void {
  const d = 6;
  const model: RewardModelFile = {
    version: 1,
    runDir: "/runs/rated",
    createdAt: "2026-01-01T00:00:00.000Z",
    obsDim: 4,
    actionSpace: { type: "Discrete", n: 2, start: 0 },
    snapshot: { featureDim: d, layers: [{ rows: d, cols: 1, w: [0.1, -0.2, 0.3, 0.1, 0.5, -0.5], b: [0] }], inputMean: Array(d).fill(0), inputStd: Array(d).fill(1), outMean: 0, outStd: 1 },
    report: { ratings: 1, pairs: 1, trainPairs: 1, validationPairs: 0, trainAccuracy: 1, validationAccuracy: null },
  };
  fs.writeFileSync(file, JSON.stringify(model));
}

/** Trains on the learned reward and returns the metrics rows. */
async function rows(overrides: Record<string, unknown>): Promise<Record<string, number>[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-true-window-"));
  roots.push(root);
  writeModel(path.join(root, "reward-model.json"));
  const r = await new TrainingSession(
    { env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, rewardModel: "reward-model.json", replays: { enabled: false }, ...overrides } } as never,
    { emit: () => undefined } as never,
  ).run();
  assert.equal(r.status, "finished");
  return fs
    .readFileSync(path.join(r.runDir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number>);
}

function assertSameWindow(metrics: Record<string, number>[]): void {
  const withEpisodes = metrics.filter((m) => Number.isFinite(m.ep_len_mean));
  assert.ok(withEpisodes.length >= 2, "episodes finished");
  for (const m of withEpisodes) {
    assert.ok(Math.abs(m.true_ep_rew_mean - m.ep_len_mean) < 1e-9, `update ${m.update}: true_ep_rew_mean ${m.true_ep_rew_mean} vs ep_len_mean ${m.ep_len_mean}`);
  }
}

describe("true_ep_rew_mean uses the ep_rew_mean episode window", () => {
  it("GRPO", async () => assertSameWindow(await rows({ algorithm: "grpo" })));
  it("PPO with statsWindowSize 5", async () => assertSameWindow(await rows({ statsWindowSize: 5 })));
});
