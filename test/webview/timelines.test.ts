/**
 * The replay player's action labels in node (webview/replays/timelines.ts): the taken action at a step is named by
 * the value the env received, with the `actionLabels` layout the recorder really writes (one label per action
 * component, src/core/replay/recorder.ts replaySpaces), not by the probability index.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { replaySpaces } from "../../src/core/replay/recorder";
import type { ReplayDistribution, ReplaySpaces } from "../../src/core/replay/types";
import { Box, Discrete, MultiDiscrete } from "../../src/core/spaces";
import type { LoadedReplay } from "../../webview/replays/client";
import { distributionLabels, takenAction } from "../../webview/replays/timelines";

const obs = new Box({ type: "Box", low: [-1], high: [1], shape: [1] });

/** A loaded replay with the given spaces, recorded actions and distributions (step i: action[i] ~ distribution[i]). */
function replay(spaces: ReplaySpaces, action: number[][], distribution: ReplayDistribution[]): LoadedReplay {
  return { header: { spaces }, steps: { action, distribution }, loaded: action.length } as unknown as LoadedReplay;
}

test("Discrete: probabilities are labelled by action value (start included), and the taken one is the step's own action", () => {
  const spaces = replaySpaces(obs, new Discrete({ type: "Discrete", n: 3, start: -1 }));
  assert.deepEqual(spaces.actionLabels, ["action"], "the recorder writes one label per component");
  // Step 0 sent -1 (index 0), step 1 sent 1 (index 2): each step's note names its own action.
  const r = replay(
    spaces,
    [[-1], [1]],
    [
      { kind: "categorical", probs: [[0.7, 0.2, 0.1]] },
      { kind: "categorical", probs: [[0.1, 0.3, 0.6]] },
    ],
  );
  assert.deepEqual(distributionLabels(r), ["-1", "0", "1"]);
  const s0 = takenAction(r, 0)!;
  assert.deepEqual(s0.taken, [true, false, false]);
  assert.equal(s0.note, "took -1 (p = 0.700)");
  assert.equal(takenAction(r, 1)!.note, "took 1 (p = 0.600)");
});

test("CartPole-like Discrete(2): taking 0 reads 'took 0', not the component label", () => {
  const r = replay(replaySpaces(obs, new Discrete({ type: "Discrete", n: 2 })), [[0]], [{ kind: "categorical", probs: [[0.8, 0.2]] }]);
  assert.deepEqual(distributionLabels(r), ["0", "1"]);
  assert.equal(takenAction(r, 0)!.note, "took 0 (p = 0.800)");
});

test("MultiDiscrete: labels are component=value and every taken component is named", () => {
  const spaces = replaySpaces(obs, new MultiDiscrete({ type: "MultiDiscrete", nvec: [2, 3] }));
  const r = replay(spaces, [[1, 2]], [{ kind: "categorical", probs: [[0.4, 0.6], [0.1, 0.2, 0.7]] }]);
  assert.deepEqual(distributionLabels(r), ["action[0]=0", "action[0]=1", "action[1]=0", "action[1]=1", "action[1]=2"]);
  const t = takenAction(r, 0)!;
  assert.deepEqual(t.taken, [false, true, false, false, true]);
  assert.equal(t.note, "took action[0]=1 (p = 0.600), action[1]=2 (p = 0.700)");
});

test("labels given one per value are kept; a Gaussian policy has no taken-action note", () => {
  const perValue: ReplaySpaces = { observationLabels: ["x"], actionLabels: ["left", "right"], actionKind: "discrete", actionNvec: [2] };
  const r = replay(perValue, [[1]], [{ kind: "categorical", probs: [[0.3, 0.7]] }]);
  assert.equal(takenAction(r, 0)!.note, "took right (p = 0.700)");
  const g = replay({ observationLabels: ["x"], actionLabels: ["torque"], actionKind: "continuous" }, [[0.5]], [{ kind: "gaussian", mean: [0.4], std: [0.2] }]);
  assert.deepEqual(distributionLabels(g), ["torque"]);
  assert.equal(takenAction(g, 0), undefined);
});
