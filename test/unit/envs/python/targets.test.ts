/**
 * Telling Python env targets (`file.py:ClassName`) apart from TypeScript env files and Gymnasium ids.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { looksLikeGymId, splitPythonTarget } from "../../../../src/envs/python/load";

test("file.py:ClassName splits into file and class; plain files, ids and look-alikes do not", () => {
  assert.deepEqual(splitPythonTarget("cartpole.py:CartPoleEnv"), ["cartpole.py", "CartPoleEnv"]);
  assert.deepEqual(splitPythonTarget("pkg/two_envs.py:pkg.Inner"), ["pkg/two_envs.py", "pkg.Inner"]);
  assert.deepEqual(splitPythonTarget("/abs/dir/my env.py:Env"), ["/abs/dir/my env.py", "Env"]);
  for (const t of ["cartpole.py", "examples/cartpole.ts", "CartPole-v1", "notes.py.ts", "cartpole.pyc", "a.py:"]) {
    assert.equal(splitPythonTarget(t), undefined, t);
  }
  for (const t of ["CartPole-v1", "ns/Custom-v0", "ALE/Pong-v5"]) assert.equal(looksLikeGymId(t), true, t);
  for (const t of ["cartpole.py", "examples/cartpole.ts", "CartPole"]) assert.equal(looksLikeGymId(t), false, t);
});
