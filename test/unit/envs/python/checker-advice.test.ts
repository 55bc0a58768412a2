/**
 * The env checker's advice for a Python env file is written in Python: a time limit is `max_episode_steps = N` at
 * the file's top level (as the runner reads it), not TypeScript's `export const maxEpisodeSteps`. Skipped without
 * python3 + numpy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkEnvFile } from "../../../../src/envs/checker";
import { skipWithoutNumpy } from "../../../fixtures/python/python-test-env";

test("a Python env that never ends and one with a fixed length get Python time-limit advice", { skip: skipWithoutNumpy() }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-py-advice-"));
  const env = (body: string) => `class Box:
    def __init__(self, n):
        self.low, self.high, self.shape = [-1.0] * n, [1.0] * n, (n,)

class Discrete:
    def __init__(self, n):
        self.n = n

class Env:
    def __init__(self):
        self.observation_space = Box(1)
        self.action_space = Discrete(2)
        self.t = 0

    def reset(self, seed=None, options=None):
        self.t = 0
        return [0.0], {}

    def step(self, action):
        self.t += 1
${body}
`;
  try {
    const never = path.join(dir, "never_ends.py");
    fs.writeFileSync(never, env("        return [0.0], float(action), False, False, {}"));
    const a = await checkEnvFile(never, { probeSteps: 200, timeLimitMs: 60_000 });
    const f = a.findings.find((x) => x.id === "episode.never-ends");
    assert.ok(f, JSON.stringify(a.findings.map((x) => x.id)));
    assert.match(f.message, /`max_episode_steps = 1000` at the top level of the file/);
    assert.doesNotMatch(f.message, /export const/);

    const fixed = path.join(dir, "fixed_length.py");
    fs.writeFileSync(fixed, env("        return [0.0], float(action), self.t >= 7, False, {}"));
    const b = await checkEnvFile(fixed, { probeSteps: 200, timeLimitMs: 60_000 });
    const g = b.findings.find((x) => x.id === "termination.fixed-length");
    assert.ok(g, JSON.stringify(b.findings.map((x) => x.id)));
    assert.match(g.message, /`max_episode_steps = 7`/);
    assert.doesNotMatch(g.message, /export const/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
