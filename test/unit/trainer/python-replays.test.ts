/**
 * Replays of a Python env: recorded on a single-copy proxy of the env through the bridge, with the env's render() RGB
 * arrays as frames, and no runner process left behind. Skipped without python3 + numpy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunReplaySource } from "../../../src/core/replay/source";
import { TrainingSession } from "../../../src/trainer/session";

import { PYTHON_FIXTURES as FIX, PYTHON_STUBS, setPythonPath, skipWithoutNumpy } from "../../fixtures/python/python-test-env";

test("a Python env's training run records replays with RGB frames from its render()", { skip: skipWithoutNumpy() }, async () => {
  const restorePythonPath = setPythonPath(PYTHON_STUBS); // the stand-in gymnasium package the fixture imports
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "py-replays-"));
  try {
    const result = await new TrainingSession(
      { env: path.join(FIX, "cartpole.py"), cwd: root, runsRoot: root, overrides: { nEnvs: 2, nSteps: 256, totalTimesteps: 1024, nEpochs: 1 } },
      { emit: () => undefined },
    ).run();
    assert.equal(result.status, "finished");
    const source = new RunReplaySource(result.runDir);
    const list = await source.list();
    assert.ok(list.length >= 2, `replays: ${list.map((r) => r.id).join(", ")}`);
    const first = list[0];
    assert.equal(first.frameType, "rgb");
    const frames = await source.frames(first.id, 0, 2);
    const f = frames[0];
    assert.ok(f && f.type === "rgb", "an RGB frame");
    if (f && f.type === "rgb") {
      assert.equal(f.width, 60);
      assert.equal(f.height, 40);
      assert.equal(f.data.length, 60 * 40 * (f.channels ?? 3));
      assert.ok(f.data.some((v) => v < 100), "the cart (dark pixels) is drawn");
    }
    const steps = await source.steps(first.id, 0, first.length);
    assert.equal(steps.reward.length, first.length);
    assert.equal(steps.reward.reduce((s, r) => s + r, 0), first.return);
  } finally {
    restorePythonPath();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
