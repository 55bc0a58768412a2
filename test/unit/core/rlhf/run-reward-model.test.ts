/** The reward model / env compatibility check of wrapWithLearnedReward: spaces compared by shape and type, named both ways. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Env } from "../../../../src/core/env";
import { wrapWithLearnedReward } from "../../../../src/core/rlhf/run-reward-model";
import type { RewardModelFile } from "../../../../src/core/rlhf/run-ratings";

/** A reward model file of `featureDim` features: one linear layer (the check runs before any reward is computed). */
function modelFile(obsDim: number, actionSpace: unknown, featureDim: number, observationSpace?: unknown): RewardModelFile {
  return {
    version: 1,
    runDir: "/runs/r",
    createdAt: "2026-01-01T00:00:00.000Z",
    obsDim,
    actionSpace,
    ...(observationSpace !== undefined ? { observationSpace } : {}),
    snapshot: { featureDim, layers: [{ rows: featureDim, cols: 1, w: Array(featureDim).fill(0.1), b: [0] }], inputMean: Array(featureDim).fill(0), inputStd: Array(featureDim).fill(1), outMean: 0, outStd: 1 },
    report: { ratings: 1, pairs: 1, trainPairs: 1, validationPairs: 0, trainAccuracy: 1, validationAccuracy: null },
  };
}

function env(observationSpace: unknown, actionSpace: unknown): Env {
  return {
    observationSpace,
    actionSpace,
    reset: () => ({ observation: [] }),
    step: () => ({ observation: [], reward: 0, terminated: true, truncated: false }),
  } as unknown as Env;
}

const cartPoleModel = modelFile(4, { type: "Discrete", n: 2, start: 0 }, 6);

describe("wrapWithLearnedReward's space check", () => {
  it("refuses an env whose spaces differ but give the same feature count (Box [3] + Discrete(3) = 4 + 2), naming both", () => {
    assert.throws(
      () => wrapWithLearnedReward([env({ type: "Box", low: -1, high: 1, shape: [3] }, { type: "Discrete", n: 3 })], cartPoleModel, "m.json"),
      (e: Error) => {
        assert.equal(
          e.message,
          "the reward model m.json was fitted on observation Box [4], action Discrete(2); this env has observation Box [3], action Discrete(3): fit it on replays of the same env",
        );
        return true;
      },
    );
  });

  it("names the spaces for a plain mismatch too (CartPole model, Pendulum env)", () => {
    assert.throws(
      () => wrapWithLearnedReward([env({ type: "Box", low: [-1, -1, -8], high: [1, 1, 8] }, { type: "Box", low: -2, high: 2, shape: [1] })], cartPoleModel, "m.json"),
      /fitted on observation Box \[4\], action Discrete\(2\); this env has observation Box \[3\], action Box \[1\]/,
    );
  });

  it("compares the observation shape when the model recorded it, and accepts the same spaces", () => {
    const recorded = modelFile(4, { type: "Discrete", n: 2 }, 6, { type: "Box", low: -1, high: 1, shape: [2, 2] });
    assert.throws(() => wrapWithLearnedReward([env({ type: "Box", low: -1, high: 1, shape: [4] }, { type: "Discrete", n: 2 })], recorded, "m.json"), /observation Box \[2, 2\].*this env has observation Box \[4\]/);
    const ok = wrapWithLearnedReward([env({ type: "Box", low: -1, high: 1, shape: [2, 2] }, { type: "Discrete", n: 2 })], recorded, "m.json");
    assert.equal(ok.envs.length, 1);
    assert.equal(wrapWithLearnedReward([env({ type: "Box", low: -5, high: 5, shape: [4] }, { type: "Discrete", n: 2 })], cartPoleModel, "m.json").envs.length, 1);
  });
});
