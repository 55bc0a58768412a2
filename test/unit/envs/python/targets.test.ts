/**
 * Telling Python env targets apart from TypeScript env files and Gymnasium ids (used by compare, in the CLI and the
 * extension, to leave GRPO out for Python envs).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isPythonEnvFile, splitPythonTarget } from "../../../../src/envs/python/load";

test("file.py and file.py:ClassName are Python env files; .ts files, ids and look-alikes are not", () => {
  for (const t of ["envs/cartpole.py", "/abs/dir/my env.py", "cartpole.py:CartPoleEnv", "pkg/two_envs.py:pkg.Inner"]) {
    assert.equal(isPythonEnvFile(t), true, t);
  }
  for (const t of ["examples/cartpole.ts", "CartPole-v1", "ns/Custom-v0", "notes.py.ts", "cartpole.pyc", "a.py:"]) {
    assert.equal(isPythonEnvFile(t), false, t);
  }
  assert.deepEqual(splitPythonTarget("cartpole.py:CartPoleEnv"), ["cartpole.py", "CartPoleEnv"]);
  assert.equal(splitPythonTarget("cartpole.py"), undefined);
});
