/**
 * The runner runs in the env file's folder, so relative PYTHONPATH entries are made absolute against the caller's
 * working directory before a runner starts; and end to end, `--describe` finds a module on a relative PYTHONPATH.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pythonChildEnv, describePythonEnv } from "../../../../src/envs/python/interpreter";

test("relative PYTHONPATH entries become absolute against the given cwd; absolute and empty ones stay", () => {
  const d = path.delimiter;
  const env = pythonChildEnv({ PYTHONPATH: ["stubs", "/abs/lib", "", "../up"].join(d), OTHER: "x" }, "/home/u/proj");
  assert.equal(env.PYTHONPATH, [path.resolve("/home/u/proj", "stubs"), "/abs/lib", "", path.resolve("/home/u/proj", "../up")].join(d));
  assert.equal(env.OTHER, "x");
  assert.equal(pythonChildEnv({ OTHER: "y" }).PYTHONPATH, undefined);
});

test("--describe imports a module found through a relative PYTHONPATH (env file in another folder)", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-pp-"));
  fs.mkdirSync(path.join(root, "libs"));
  fs.mkdirSync(path.join(root, "envs"));
  fs.writeFileSync(path.join(root, "libs", "my_helper_mod.py"), "N = 3\n");
  fs.writeFileSync(
    path.join(root, "envs", "uses_helper.py"),
    [
      "import my_helper_mod",
      "class Box:",
      "    def __init__(self):",
      "        self.low, self.high, self.shape = [-1.0], [1.0], (1,)",
      "class Discrete:",
      "    n = my_helper_mod.N",
      "class UsesHelper:",
      "    def __init__(self):",
      "        self.observation_space = Box()",
      "        self.action_space = Discrete()",
      "    def reset(self, seed=None, options=None):",
      "        return [0.0], {}",
      "    def step(self, action):",
      "        return [0.0], 0.0, True, False, {}",
      "",
    ].join("\n"),
  );
  const saved = { cwd: process.cwd(), pp: process.env.PYTHONPATH };
  process.chdir(root);
  process.env.PYTHONPATH = "libs";
  t.after(() => {
    process.chdir(saved.cwd);
    if (saved.pp === undefined) delete process.env.PYTHONPATH;
    else process.env.PYTHONPATH = saved.pp;
  });
  const d = await describePythonEnv(process.env.PPO_LAB_PYTHON ?? "python3", path.join(root, "envs", "uses_helper.py"), { cwd: path.join(root, "envs") });
  assert.ok(!("error" in d), JSON.stringify(d));
  assert.deepEqual((d as { actionSpace: { n: number } }).actionSpace.n, 3);
});
