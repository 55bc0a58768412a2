/**
 * The classic-control and grid-world examples as built-ins: each id resolves to its file, loads, exports its time
 * limit, gets its preset (only for the shipped file), and passes the env checker with no error and no warning.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PRESETS, resolveConfig } from "../../../src/core/ppo/config";
import { checkLoadedEnv } from "../../../src/envs/checker";
import { BUILTIN_ENVS, loadEnv, resolveBuiltinEnv } from "../../../src/envs/loader";
import { builtinIdOf } from "../../../src/trainer/session";

const ROOT = path.resolve(__dirname, "..", "..", "..");

const CASES = [
  { id: "Acrobot-v1", file: "acrobot.ts", limit: 500 },
  { id: "MountainCar-v0", file: "mountain-car.ts", limit: 200 },
  { id: "MountainCarContinuous-v0", file: "mountain-car-continuous.ts", limit: 999 },
  { id: "GridWorld-v0", file: "grid-world.ts", limit: 100 },
] as const;

for (const c of CASES) {
  test(`${c.id}: built-in id -> examples/${c.file}, time limit ${c.limit}, preset, checker clean`, async () => {
    assert.equal(BUILTIN_ENVS[c.id], c.file);
    const file = resolveBuiltinEnv(c.id);
    assert.equal(file, path.join(ROOT, "examples", c.file));
    assert.equal(resolveBuiltinEnv(c.id.toLowerCase()), file, "ids are case-insensitive");
    const loaded = await loadEnv(c.id);
    assert.equal(loaded.maxEpisodeSteps, c.limit);
    assert.equal(loaded.config, undefined, "presets live in PRESETS, not in the example file");
    assert.equal(builtinIdOf(loaded.file), c.id);

    // The preset resolves (valid keys and values) and its budget is the learning target's.
    const preset = PRESETS[c.id];
    assert.ok(preset !== undefined, `no preset for ${c.id}`);
    const { config } = resolveConfig([{ kind: "preset", label: c.id, values: preset }]);
    assert.equal(config.totalTimesteps, { "Acrobot-v1": 300_000, "MountainCar-v0": 1_000_000, "MountainCarContinuous-v0": 100_000, "GridWorld-v0": 30_000 }[c.id]);

    // One env copy per factory call, independent of the others.
    const a = loaded.factory();
    const b = loaded.factory();
    assert.notEqual(a, b);

    const report = checkLoadedEnv(loaded, { probeSteps: 1000, timeLimitMs: 20_000 });
    const problems = report.findings.filter((f) => f.severity !== "info");
    assert.deepEqual(problems, [], problems.map((f) => f.message).join("\n"));
    const info = report.findings.map((f) => f.id);
    // MountainCarContinuous, like Gymnasium, takes the action penalty on the action as given (the trainer clips first).
    assert.deepEqual(info, c.id === "MountainCarContinuous-v0" ? ["action.out-of-bounds-accepted"] : []);
  });
}

test("an unmodified copy of an example file is its built-in (preset); an edited or renamed copy is not", () => {
  assert.equal(builtinIdOf(path.join(ROOT, "test", "acrobot.ts")), undefined, "a missing file of the same name");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-builtin-copy-"));
  try {
    const original = fs.readFileSync(path.join(ROOT, "examples", "acrobot.ts"), "utf8");
    fs.writeFileSync(path.join(dir, "acrobot.ts"), original);
    assert.equal(builtinIdOf(path.join(dir, "acrobot.ts")), "Acrobot-v1");
    fs.writeFileSync(path.join(dir, "renamed.ts"), original);
    assert.equal(builtinIdOf(path.join(dir, "renamed.ts")), undefined);
    fs.writeFileSync(path.join(dir, "acrobot.ts"), original + "\n// edited\n");
    assert.equal(builtinIdOf(path.join(dir, "acrobot.ts")), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
