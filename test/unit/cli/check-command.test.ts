import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { Command } from "commander";
import {
  exitCodeFor,
  formatFinding,
  formatSummary,
  registerCheckCommand,
  runCheck,
  type CheckIo,
} from "../../../src/cli/check-command";
import type { CheckReport } from "../../../src/envs/checker";

const ROOT = resolve(__dirname, "..", "..", "..");
const FIX = "test/fixtures/checker";

/** Runs `ppo-lab check ...args` in-process through commander; returns the exit code and what was printed. */
async function check(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const io: CheckIo = { write: (s) => void (out += s), cwd: ROOT };
  const program = new Command().name("ppo-lab").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerCheckCommand(program, io);
  process.exitCode = undefined;
  try {
    await program.parseAsync(["node", "ppo-lab", "check", ...args]);
    return { code: typeof process.exitCode === "number" ? process.exitCode : 0, out };
  } catch (e) {
    const ce = e as { code?: string };
    assert.ok(typeof ce.code === "string" && ce.code.startsWith("commander."), `unexpected ${String(e)}`);
    return { code: 2, out };
  } finally {
    process.exitCode = undefined;
  }
}

after(() => {
  process.exitCode = undefined;
});

describe("ppo-lab check (in-process)", () => {
  it("a clean env: no finding lines, a summary, exit 0", async () => {
    const { code, out } = await check("examples/cartpole.ts");
    assert.equal(code, 0);
    assert.equal(out, "examples/cartpole.ts: 0 errors, 0 warnings (2000 probe steps)\n");
  });

  it("an env with an error: compiler-style lines, exit 1", async () => {
    const { code, out } = await check(`${FIX}/nan-reward.ts`);
    assert.equal(code, 1);
    const lines = out.trimEnd().split("\n");
    assert.match(lines[0], /^test\/fixtures\/checker\/nan-reward\.ts:13:3: error \[step\.reward-not-finite\] step\(\) in nan-reward\.ts returned reward NaN at probe step 37 /);
    assert.match(lines[lines.length - 1], /^test\/fixtures\/checker\/nan-reward\.ts: 1 error, 0 warnings/);
    for (const l of lines.slice(0, -1)) assert.match(l, /^\S+:\d+:\d+: (error|warning|info) \[[a-z.-]+\] /);
  });

  it("warnings only: exit 0", async () => {
    const { code, out } = await check(`${FIX}/never-ends.ts`, "--steps", "300");
    assert.equal(code, 0);
    assert.match(out, /never-ends\.ts:\d+:\d+: warning \[episode\.never-ends\] No episode of never-ends\.ts ended in 300 /);
    assert.match(out, /0 errors, 1 warning \(300 probe steps\)\n$/);
  });

  it("--json prints the CheckReport", async () => {
    const { code, out } = await check(`${FIX}/box-low-gt-high.ts`, "--json");
    assert.equal(code, 1);
    const report = JSON.parse(out) as CheckReport;
    assert.equal(report.file, join(ROOT, FIX, "box-low-gt-high.ts"));
    assert.equal(report.ok, false);
    assert.equal(report.probeSteps, 0);
    assert.deepEqual(report.findings.map((f) => [f.id, f.severity, f.location?.line]), [["space.invalid", "error", 4]]);
  });

  it("--steps and --seed reach the checker", async () => {
    const a = JSON.parse((await check("CartPole-v1", "--json", "--steps", "120", "--seed", "5")).out) as CheckReport;
    assert.equal(a.probeSteps, 120);
    assert.equal(a.ok, true);
    const b = JSON.parse((await check(`${FIX}/nan-reward.ts`, "--json", "--steps", "30")).out) as CheckReport;
    assert.equal(b.ok, true, "the NaN at step 37 is beyond a 30-step probe");
  });

  it("usage errors exit 2", async () => {
    assert.equal((await check()).code, 2);
    assert.equal((await check("examples/cartpole.ts", "--steps", "0")).code, 2);
    assert.equal((await check("examples/cartpole.ts", "--steps", "ten")).code, 2);
    assert.equal((await check("examples/cartpole.ts", "--seed", "-1")).code, 2);
    assert.equal((await check("examples/cartpole.ts", "--bogus")).code, 2);
  });

  it("an argument that names no env: the finding, exit 2", async () => {
    const { code, out } = await check("NoSuchEnv-v9");
    assert.equal(code, 2);
    assert.match(out, /^NoSuchEnv-v9: error \[load\.not-found\] Unknown env "NoSuchEnv-v9"/);
  });

  it("a load error keeps the loader's position", async () => {
    const { code, out } = await check(`${FIX}/syntax-error.js`);
    assert.equal(code, 1);
    assert.match(out, /^test\/fixtures\/checker\/syntax-error\.js:5:18: error \[load\.bundle-failed\] syntax-error\.js: Expected "\)" but found "\{"/);
    assert.equal(out.split("\n").length, 3, "one line per finding (newlines in messages are folded) and the summary");
  });
});

describe("check-command formatting", () => {
  const report: CheckReport = {
    file: "/w/env.ts",
    ok: false,
    probeSteps: 10,
    findings: [
      { id: "step.threw", severity: "error", message: "boom\n  at line", location: { file: "/w/helpers/x.ts", line: 3, column: 7 } },
      { id: "export.missing-default", severity: "error", message: "no default" },
      { id: "scale.large-reward", severity: "warning", message: "large" },
      { id: "probe.time-limit", severity: "info", message: "slow" },
    ],
  };
  it("formats findings relative to cwd, without a location as file: ...", () => {
    assert.equal(formatFinding(report.findings[0], report.file, "/w"), "helpers/x.ts:3:7: error [step.threw] boom at line");
    assert.equal(formatFinding(report.findings[1], report.file, "/w"), "env.ts: error [export.missing-default] no default");
    assert.equal(formatFinding(report.findings[1], report.file, "/elsewhere"), "/w/env.ts: error [export.missing-default] no default");
  });
  it("summarises and picks the exit code", () => {
    assert.equal(formatSummary(report), "2 errors, 1 warning, 1 info (10 probe steps)");
    assert.equal(exitCodeFor(report), 1);
    assert.equal(exitCodeFor({ ...report, ok: true, findings: report.findings.slice(2) }), 0);
  });
});

describe("ppo-lab check (the real CLI)", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), "check", ...args], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });

  it("is registered in makeProgram and exits 0 / 1 / 2", () => {
    const ok = cli("Pendulum-v1", "--steps", "200");
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /pendulum\.ts: 0 errors, 0 warnings \(200 probe steps\)/);
    const bad = cli(`${FIX}/missing-step.ts`);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /missing-step\.ts:2:1: error \[export\.missing-step\]/);
    const usage = cli("examples/cartpole.ts", "--steps", "x");
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--steps must be an integer >= 1/);
  });
});
