import { test } from "node:test";
import assert from "node:assert/strict";
import { DiagnosticsMonitor } from "../../../../src/core/diagnostics/monitor";
import type { DiagnosticFinding } from "../../../../src/core/diagnostics/types";
import { EnvContractError } from "../../../../src/core/envs/vector-env";
import { NonFiniteLossError, type PPO, type PPOState } from "../../../../src/core/ppo/ppo";
import { makeSpace } from "../../../../src/core/spaces";
import { config, row } from "./helpers";

/** Just what the monitor reads of a PPO: config, action space, step counter and getState. */
function fakePPO(weightsAt: (call: number) => number[]) {
  let calls = 0;
  const fake = {
    config: config(),
    env: { actionSpace: makeSpace({ type: "Discrete", n: 2 }, "actionSpace") },
    totalTimesteps: 0,
    updates: 0,
    getState(): PPOState {
      const w = weightsAt(calls++);
      return {
        weights: { "actor/w": { shape: [w.length], data: Float32Array.from(w) } },
        optimizer: { step: 0, m: {}, v: {} },
        normalization: {},
        rng: [0],
        totalTimesteps: fake.totalTimesteps,
        updates: fake.updates,
      };
    },
  };
  return fake;
}

test("the monitor keeps the last state with finite parameters and reports the update that broke them", () => {
  const fake = fakePPO((call) => (call < 2 ? [call, 1] : [NaN, 1]));
  const found: DiagnosticFinding[] = [];
  const monitor = new DiagnosticsMonitor(fake as unknown as PPO, { onFinding: (f) => found.push(f) });
  assert.equal(monitor.lastGood.weights["actor/w"].data[0], 0, "initial state");
  fake.totalTimesteps = 64;
  fake.updates = 1;
  assert.equal(monitor.afterUpdate(row(1)), undefined);
  assert.equal(monitor.lastGood.totalTimesteps, 64);
  fake.totalTimesteps = 128;
  fake.updates = 2;
  const f = monitor.afterUpdate(row(2));
  assert.ok(f);
  assert.equal(f.id, "nonfinite.parameters");
  assert.equal(f.update, 2);
  assert.equal(f.evidence.context?.checkpointStep, 64);
  assert.equal(monitor.lastGood.totalTimesteps, 64, "still the state before the failing update");
  assert.deepEqual(found.map((x) => x.id), ["nonfinite.parameters"]);
  assert.ok(monitor.snapshotMs >= 0);
});

test("onError: env NaN and non-finite loss become findings; other errors do not", () => {
  const found: DiagnosticFinding[] = [];
  const monitor = new DiagnosticsMonitor(fakePPO(() => [1]) as unknown as PPO, { onFinding: (f) => found.push(f) });
  assert.equal(monitor.onError(new Error("disk full")), undefined);
  assert.equal(monitor.onError(new EnvContractError("step() of env 0 (episode step 3) returned terminated = 1, truncated = false; both must be booleans")), undefined);
  assert.equal(monitor.onError(new EnvContractError("step() of env 2 (episode step 9) returned reward Infinity; rewards must be finite numbers"))?.id, "nonfinite.reward");
  const metrics = row(1, { value_loss: NaN });
  const stats = [{ epoch: 0, pgLoss: 0, valueLoss: NaN, entropy: 0.6, approxKl: 0, oldApproxKl: 0, clipFraction: 0, ratioMin: 1, ratioMax: 1, gradNorm: NaN }];
  assert.equal(monitor.onError(new NonFiniteLossError("non-finite", metrics, stats))?.id, "nonfinite.loss");
  assert.deepEqual(found.map((x) => x.id), ["nonfinite.reward", "nonfinite.loss"]);
});
