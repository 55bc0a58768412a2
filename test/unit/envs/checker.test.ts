import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import {
  FINDING_IDS,
  blankCommentsAndStrings,
  checkEnvFile,
  checkLoadedEnv,
  type CheckFinding,
  type CheckReport,
} from "../../../src/envs/checker";
import { loadEnvFile } from "../../../src/envs/loader";

const ROOT = resolve(__dirname, "..", "..", "..");
const FIX = join(ROOT, "test", "fixtures", "checker");
const fx = (name: string): string => join(FIX, name);

/** 1-based line of the first line of `file` that contains `text` (independent of the checker's own search). */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(file, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  assert.notEqual(i, -1, `${text} not found in ${file}`);
  return i + 1;
}

function summary(r: CheckReport): string {
  return r.findings.map((f) => `${f.severity} [${f.id}] ${f.message}`).join("\n") || "(no findings)";
}

/** The single finding with `id`; fails with the whole report otherwise. */
function only(r: CheckReport, id: string): CheckFinding {
  const found = r.findings.filter((f) => f.id === id);
  assert.equal(found.length, 1, `expected one ${id} finding, got:\n${summary(r)}`);
  return found[0];
}

function ids(r: CheckReport, severity?: CheckFinding["severity"]): string[] {
  return r.findings.filter((f) => severity === undefined || f.severity === severity).map((f) => f.id);
}

/** Asserts id, severity, the location's line (and file) and that the message names the env file. */
function expectFinding(
  r: CheckReport,
  id: string,
  severity: CheckFinding["severity"],
  line?: number,
  file = r.file,
): CheckFinding {
  const f = only(r, id);
  assert.equal(f.severity, severity, `${id}: ${f.message}`);
  assert.equal(FINDING_IDS[id as keyof typeof FINDING_IDS] !== undefined, true, `${id} is not in FINDING_IDS`);
  if (line !== undefined) {
    assert.ok(f.location, `${id} has no location`);
    assert.equal(f.location.file, file);
    assert.equal(f.location.line, line, `${id} at ${f.location.file}:${f.location.line}:${f.location.column}`);
    assert.ok(f.location.column >= 1);
  }
  const name = r.file.split(/[\\/]/).pop()!;
  assert.ok(f.message.includes(name), `the message should name ${name}: ${f.message}`);
  return f;
}

describe("checkEnvFile: the examples are clean", () => {
  it("examples/cartpole.ts: no findings at all", async () => {
    const r = await checkEnvFile(join(ROOT, "examples", "cartpole.ts"));
    assert.deepEqual(r.findings, [], summary(r));
    assert.equal(r.ok, true);
    assert.equal(r.probeSteps, 2000);
    assert.equal(r.file, join(ROOT, "examples", "cartpole.ts"));
  });

  it("examples/pendulum.ts: no findings (its time limit ends the episodes; it clips actions itself)", async () => {
    const r = await checkEnvFile(join(ROOT, "examples", "pendulum.ts"));
    assert.deepEqual(r.findings, [], summary(r));
    assert.equal(r.ok, true);
    assert.equal(r.probeSteps, 2000);
  });

  it("pendulum without its maxEpisodeSteps export never ends: the TimeLimit is what ends it", async () => {
    const loaded = await loadEnvFile(join(ROOT, "examples", "pendulum.ts"));
    assert.equal(loaded.maxEpisodeSteps, 200);
    const r = checkLoadedEnv({ ...loaded, maxEpisodeSteps: undefined });
    expectFinding(r, "episode.never-ends", "warning", lineOf(loaded.file, "  step(action: number | number[]): {"));
    // An explicit limit (as the config's maxEpisodeSteps) counts as well.
    const r2 = checkLoadedEnv({ ...loaded, maxEpisodeSteps: undefined }, { maxEpisodeSteps: 300 });
    assert.deepEqual(r2.findings, [], summary(r2));
  });

  it("resolves built-in ids, relative to cwd for paths", async () => {
    const r = await checkEnvFile("CartPole-v1", { probeSteps: 300 });
    assert.equal(r.file, join(ROOT, "examples", "cartpole.ts"));
    assert.equal(r.probeSteps, 300);
    assert.equal(r.ok, true);
    const r2 = await checkEnvFile("pendulum.ts", { cwd: join(ROOT, "examples"), probeSteps: 100 });
    assert.equal(r2.file, join(ROOT, "examples", "pendulum.ts"));
    assert.deepEqual(r2.findings, []);
  });
});

describe("checkEnvFile: load and export problems", () => {
  it("a missing step method", async () => {
    const file = fx("missing-step.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "export.missing-step", "error", lineOf(file, "export default class NoStep"));
    assert.match(f.message, /no step\(\) method/);
    assert.equal(r.ok, false);
    assert.equal(r.probeSteps, 0);
    assert.deepEqual(ids(r), ["export.missing-step"]);
  });

  it("no default export", async () => {
    const file = fx("missing-default.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "export.missing-default", "error", lineOf(file, "export class Forgotten"));
    assert.match(f.message, /export default Forgotten/);
  });

  it("a syntax error keeps the loader's line and column", async () => {
    const file = fx("syntax-error.js");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "load.bundle-failed", "error", 5);
    assert.equal(f.location?.column, 18);
    assert.match(f.message, /Expected "\)"/);
  });

  it("a constructor that throws (the factory needs its envKwargs)", async () => {
    const file = fx("factory-kwargs.ts");
    // With the file's config.envKwargs the env is valid.
    const good = await checkEnvFile(file);
    assert.deepEqual(ids(good, "error").concat(ids(good, "warning")), [], summary(good));
    // Explicit envKwargs override the config's: without `length` the factory throws.
    const r = await checkEnvFile(file, { envKwargs: {} });
    const f = expectFinding(r, "env.constructor-threw", "error", lineOf(file, 'throw new Error("make: options.length'));
    assert.match(f.message, /options\.length is required/);
  });

  it("a file that does not exist is a finding, not an exception", async () => {
    const r = await checkEnvFile(fx("no-such-env.ts"));
    assert.equal(r.ok, false);
    assert.equal(r.file, fx("no-such-env.ts"));
    assert.deepEqual(ids(r), ["load.not-found"]);
    const r2 = await checkEnvFile("NoSuchEnv-v0");
    assert.deepEqual(ids(r2), ["load.not-found"]);
  });

  it("rejects invalid options (a programming error, not an env problem)", async () => {
    await assert.rejects(checkEnvFile("CartPole-v1", { probeSteps: 0 }), RangeError);
    await assert.rejects(checkEnvFile("CartPole-v1", { seed: 1.5 }), RangeError);
  });
});

describe("checkEnvFile: spaces", () => {
  it("a Box with low > high", async () => {
    const file = fx("box-low-gt-high.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "space.invalid", "error", lineOf(file, "observationSpace = {"));
    assert.match(f.message, /observationSpace/);
    assert.match(f.message, /low\[1\] = 5 > high\[1\] = 2/);
    assert.equal(r.probeSteps, 0);
  });

  it("a Discrete space with n = 0", async () => {
    const file = fx("discrete-zero.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "space.invalid", "error", lineOf(file, "actionSpace = {"));
    assert.match(f.message, /^actionSpace/);
    assert.match(f.message, /n >= 1, got n = 0/);
  });
});

describe("checkEnvFile: reset", () => {
  it("reset returning an array instead of { observation }", async () => {
    const file = fx("reset-returns-array.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "reset.bad-return", "error", lineOf(file, "  reset("));
    assert.match(f.message, /returned an array \[0, 0\]/);
    assert.match(f.message, /\{ observation, info\? \}/);
    assert.equal(r.probeSteps, 0);
  });

  it("reset returning an observation of the wrong size", async () => {
    const file = fx("reset-outside-box.ts");
    const r = await checkEnvFile(file, { probeSteps: 50 });
    const f = expectFinding(r, "reset.observation-outside-space", "error", lineOf(file, "  reset("));
    assert.match(f.message, /3 numbers, but observationSpace has shape \[2\]/);
  });

  it("reset that throws points at the throwing line", async () => {
    const file = fx("reset-throws.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "reset.threw", "error", lineOf(file, "this.start!.slice()"));
    assert.match(f.message, /TypeError/);
  });
});

describe("checkEnvFile: the random-action probe", () => {
  it("a NaN reward at step 37", async () => {
    const file = fx("nan-reward.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "step.reward-not-finite", "error", lineOf(file, "  step(_action: number)"));
    assert.match(f.message, /reward NaN at probe step 37 \(/);
    assert.equal(r.ok, false);
    assert.equal(r.probeSteps, 2000, "a bad reward does not stop the probe");
    assert.deepEqual(ids(r, "warning"), []);
  });

  it("a NaN observation: the step and the observation index", async () => {
    const file = fx("nan-observation.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "step.observation-not-finite", "error", lineOf(file, "  step(_action: number)"));
    assert.match(f.message, /observation\[2\] = NaN at probe step 12 \(/);
  });

  it("an observation outside the Box: the index, the value and the bounds", async () => {
    const file = fx("obs-outside-box.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "step.observation-outside-space", "error", lineOf(file, "  step(_action: number)"));
    assert.match(f.message, /observation\[1\] = 1\.5, outside the Box bounds \[-1, 1\] at probe step 3 /);
    assert.match(f.message, /It happened \d+ times in 2000 probe steps/);
  });

  it("a step that throws: the line of the throw, source-mapped into the .ts file", async () => {
    const file = fx("step-throws.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "step.threw", "error", 16);
    assert.equal(lineOf(file, 'throw new RangeError("the state left the table")'), 16);
    assert.match(f.message, /RangeError: the state left the table at probe step 10 /);
    assert.equal(r.probeSteps, 9);
  });

  it("a throw inside a helper module of the env points at the helper", async () => {
    const file = fx("step-throws-in-helper.ts");
    const helper = fx(join("helpers", "physics.ts"));
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "step.threw", "error", lineOf(helper, "throw new Error"), helper);
    assert.match(f.message, new RegExp(`called from step-throws-in-helper\\.ts:${lineOf(file, "integrate(this.x")}:`));
  });

  it("step returning the old Gym tuple", async () => {
    const file = fx("gym-tuple.js");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "step.bad-return", "error", lineOf(file, "  step(_action)"));
    assert.match(f.message, /old Gym tuple/);
  });

  it("terminated/truncated as numbers", async () => {
    const file = fx("numeric-flags.js");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "step.flags-not-boolean", "error", lineOf(file, "  step(_action)"));
    assert.match(f.message, /terminated = 0, truncated = 0/);
  });

  it("the probe honours probeSteps and stops at its time cap", async () => {
    const file = fx("slow-step.ts");
    const started = Date.now();
    const r = await checkEnvFile(file, { timeLimitMs: 100 });
    assert.ok(Date.now() - started < 1500, "the probe must stop near its time cap");
    expectFinding(r, "probe.time-limit", "info", lineOf(file, "  step(_action: number)"));
    assert.ok(r.probeSteps > 0 && r.probeSteps < 2000, `probeSteps ${r.probeSteps}`);
    assert.equal(r.ok, true);
    const short = await checkEnvFile(fx("never-ends.ts"), { probeSteps: 25 });
    assert.equal(short.probeSteps, 25);
  });

  it("checkLoadedEnv is synchronous and deterministic for a seed", async () => {
    const loaded = await loadEnvFile(fx("nan-reward.ts"));
    const r1 = checkLoadedEnv(loaded, { seed: 7 });
    assert.ok(!(r1 instanceof Promise));
    const r2 = checkLoadedEnv(loaded, { seed: 7 });
    assert.deepEqual(r1, r2);
  });

  it("sorts findings: errors, then warnings, then info", async () => {
    const r = await checkEnvFile(fx("numeric-flags.js"));
    const order = { error: 0, warning: 1, info: 2 };
    const sev = r.findings.map((f) => order[f.severity]);
    assert.deepEqual(sev, [...sev].sort((a, b) => a - b));
    assert.ok(r.findings.length >= 2, summary(r));
  });
});

describe("checkEnvFile: determinism", () => {
  it("reset that ignores the seed and uses Math.random: error", async () => {
    const file = fx("random-reset.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "determinism.reset-seed", "error", lineOf(file, "  reset("));
    assert.match(f.message, /reset\(\{ seed: 123 \}\)/);
    assert.match(f.message, /observation\[0\] = /);
    assert.deepEqual(ids(r), ["determinism.reset-seed"], summary(r));
  });

  it("a generator that is never reseeded: 'reset ignores the seed?' warning", async () => {
    const file = fx("seed-ignored.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "determinism.seeds-identical", "warning", lineOf(file, "  reset("));
    assert.match(f.message, /reset ignores the seed\?/);
    assert.deepEqual(ids(r), ["determinism.seeds-identical"], summary(r));
  });

  it("a fixed start state is only info", async () => {
    const file = fx("fixed-start.ts");
    const r = await checkEnvFile(file);
    expectFinding(r, "determinism.seeds-identical", "info", lineOf(file, "  reset("));
    assert.deepEqual(ids(r), ["determinism.seeds-identical"], summary(r));
    assert.equal(r.ok, true);
  });

  it("step with Math.random noise: warning", async () => {
    const file = fx("random-step.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "determinism.step", "warning", lineOf(file, "  step(action: number)"));
    assert.match(f.message, /diverged at step 1 /);
    assert.deepEqual(ids(r), ["determinism.step"], summary(r));
  });
});

describe("checkEnvFile: heuristics", () => {
  it("an episode that never ends", async () => {
    const file = fx("never-ends.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "episode.never-ends", "warning", lineOf(file, "  step(action: number)"));
    assert.match(f.message, /export const maxEpisodeSteps/);
    assert.deepEqual(ids(r), ["episode.never-ends"], summary(r));
    const limited = await checkEnvFile(file, { maxEpisodeSteps: 100 });
    assert.deepEqual(limited.findings, [], summary(limited));
  });

  it("terminated always at step 50", async () => {
    const file = fx("fixed-length.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "termination.fixed-length", "warning", lineOf(file, "  step(action: number)"));
    assert.match(f.message, /exactly step 50 in all 40 episodes/);
    assert.match(f.message, /truncated/);
    assert.deepEqual(ids(r), ["termination.fixed-length"], summary(r));
  });

  it("observations x1000", async () => {
    const file = fx("huge-observation.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "scale.large-observation", "warning", lineOf(file, "  step(action: number[])"));
    assert.match(f.message, /normalizeObservation: true/);
    assert.match(f.message, /observation\[0\]/);
    assert.deepEqual(ids(r), ["scale.large-observation"], summary(r));
  });

  it("rewards x1e4, unless the file's config already normalises them", async () => {
    const file = fx("huge-reward.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "scale.large-reward", "warning", lineOf(file, "  step(action: number)"));
    assert.match(f.message, /normalizeReward: true/);
    assert.deepEqual(ids(r), ["scale.large-reward"], summary(r));
    const normalized = await checkEnvFile(fx("huge-reward-normalized.ts"));
    assert.deepEqual(normalized.findings, [], summary(normalized));
  });

  it("a Box action far outside the bounds that step uses as it is: info", async () => {
    const file = fx("box-action-unclipped.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "action.out-of-bounds-accepted", "info", lineOf(file, "  step(action: number[])"));
    assert.match(f.message, /\[10\], far outside actionSpace \[-1, 1\]/);
    assert.equal(r.ok, true);
  });
});

describe("checkEnvFile: render()", () => {
  it("every example's scene frames pass", async () => {
    for (const name of ["acrobot", "mountain-car", "mountain-car-continuous", "grid-world"]) {
      const r = await checkEnvFile(join(ROOT, "examples", `${name}.ts`), { probeSteps: 200 });
      assert.deepEqual(ids(r).filter((id) => id.startsWith("render.")), [], summary(r));
    }
  });

  it("an invalid scene names the field and the step, at render()", async () => {
    const file = fx("render-bad-scene.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "render.invalid-frame", "warning", lineOf(file, "  render() {"));
    assert.match(f.message, /after step 3: shapes\[0\]\.points: must NOT have fewer than 2 items/);
    assert.equal(r.ok, true);
  });

  it("a render() that throws is a warning pointing at the throw", async () => {
    const file = fx("render-throws.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "render.threw", "warning", lineOf(file, 'throw new Error("no canvas here")'));
    assert.match(f.message, /no canvas here/);
    assert.match(f.message, /after reset\(\)/);
  });
});

describe("blankCommentsAndStrings", () => {
  it("blanks comments and string contents and keeps every offset", () => {
    const src = 'const a = "step(";  // step(\n/* reset(\n */ step(x) { return `reset(${1})`; }\n';
    const out = blankCommentsAndStrings(src);
    assert.equal(out.length, src.length);
    assert.equal(out.split("\n").length, src.split("\n").length);
    assert.equal(out.indexOf("step("), src.indexOf("step(x)"));
    assert.equal(out.indexOf("reset("), -1);
  });
});

describe("checkEnvFile: GRPO tasks", () => {
  it("a malformed `tasks` is an error at its declaration, with GRPO's own message", async () => {
    const file = fx("bad-tasks.ts");
    const r = await checkEnvFile(file);
    const f = expectFinding(r, "tasks.invalid", "error", lineOf(file, "tasks: unknown"));
    assert.match(f.message, /`tasks` is a number, not an array/);
    assert.equal(r.ok, false);
    const hole = await checkEnvFile(file, { envKwargs: { hole: true } });
    assert.match(only(hole, "tasks.invalid").message, /tasks\[1\] is undefined;/);
  });

  it("valid tasks give no finding", async () => {
    const r = await checkEnvFile(join(ROOT, "test", "fixtures", "envs", "with-tasks.ts"));
    assert.deepEqual(ids(r).filter((id) => id.startsWith("tasks")), [], summary(r));
  });
});
