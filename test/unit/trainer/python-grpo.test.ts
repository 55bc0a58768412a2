/**
 * GRPO on a Python env: the bridge resets a whole group with one seed (PythonVectorEnv.resetEach), so the G copies
 * of a group start from the same state, and a GRPO run trains through the bridge with groupSize copies. Skipped
 * without python3 + numpy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readJsonl, isMetricsRow } from "../../../src/core/run/jsonl";
import { PythonVectorEnv } from "../../../src/envs/python/python-env";
import { TrainingSession } from "../../../src/trainer/session";
import { PYTHON, PYTHON_FIXTURES as FIX, PYTHON_STUBS, setPythonPath, skipWithoutNumpy } from "../../fixtures/python/python-test-env";

const skip = skipWithoutNumpy();

test("PythonVectorEnv.resetEach: one seed per copy, spread over runner processes; tasks and wrong lengths are refused", { skip }, () => {
  const vec = new PythonVectorEnv(
    { python: PYTHON, target: path.join(FIX, "cartpole.py"), maxEpisodeSteps: 0, stepTimeoutMs: 10_000, cwd: FIX, env: { PYTHONPATH: PYTHON_STUBS } },
    4,
    2,
  );
  try {
    const rows = (obs: Float32Array) => Array.from({ length: 4 }, (_, i) => Array.from(obs.subarray(i * 4, i * 4 + 4)));
    const same = rows(vec.resetEach([9, 9, 9, 9]));
    for (const r of same) assert.deepEqual(r, same[0], "one seed: the same start in both runner processes");
    const spread = rows(vec.resetEach([1, 2, 3, 4]));
    assert.equal(new Set(spread.map((r) => r.join(","))).size, 4, "four seeds: four starts");
    assert.deepEqual(rows(vec.reset(9))[0], same[0], "reset(seed) is resetEach([seed, seed + 1, ...])");
    assert.deepEqual(rows(vec.reset(6))[3], same[0]);
    assert.throws(() => vec.resetEach([1, 2, 3]), /3 seeds for 4 envs/);
    assert.throws(() => vec.resetEach([1, 2, 3, 4], ["a", "b", "c", "d"]), /take no tasks/);
    assert.throws(() => vec.resetEach([1, 2, 3, 0.5]), /not an integer/);
  } finally {
    vec.close();
  }
});

test("GRPO trains a Python env through the bridge: groupSize copies, group metrics, no critic metrics", { skip }, async () => {
  const restorePythonPath = setPythonPath(PYTHON_STUBS); // the stand-in gymnasium package the fixture imports
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "py-grpo-"));
  try {
    const result = await new TrainingSession(
      {
        env: path.join(FIX, "cartpole.py"),
        cwd: root,
        runsRoot: root,
        // groupSize differs from nEnvs: the bridge must start groupSize copies.
        overrides: { algorithm: "grpo", grpo: { groupSize: 6, klCoef: 0.04, scaleByStd: true, maxRolloutSteps: 1000 }, nEnvs: 4, nSteps: 128, totalTimesteps: 2048, nEpochs: 2 },
      },
      { emit: () => undefined },
    ).run();
    assert.equal(result.status, "finished");
    const rows = readJsonl(path.join(result.runDir, "metrics.jsonl"), isMetricsRow).rows;
    assert.ok(rows.length >= 2, `${rows.length} updates`);
    for (const r of rows) {
      assert.ok(typeof r.zero_advantage_fraction === "number" && r.zero_advantage_fraction >= 0 && r.zero_advantage_fraction < 1, `zero_advantage_fraction ${r.zero_advantage_fraction}`);
      assert.ok(!("value_loss" in r), "no value_loss");
      assert.ok(Number.isFinite(r.policy_gradient_loss));
    }
    assert.ok((rows[rows.length - 1].total_timesteps as number) >= 2048);
    const info = JSON.parse(fs.readFileSync(path.join(result.runDir, "run.json"), "utf8")) as { config: { algorithm: string } };
    assert.equal(info.config.algorithm, "grpo");
  } finally {
    restorePythonPath();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
