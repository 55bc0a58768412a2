/**
 * `ppo-lab compare` stopped from outside, as `train` is: SIGTERM stops the current run with a final checkpoint and
 * skips the rest; a second Ctrl-C quits at once and leaves the current run "stopped" (never "running") with the steps
 * logged so far. The CLI runs as a child process, as a user runs it.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PYTHON_FIXTURES, PYTHON_STUBS, skipWithoutNumpy } from "../../fixtures/python/python-test-env";

const REPO = path.resolve(__dirname, "..", "..", "..");
const TINY_CONFIG = path.join(REPO, "test", "fixtures", "cli", "tiny-config.json");
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-compare-int-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** Runs `ppo-lab compare args`; `signals` are sent (in order, `gapMs` apart) once the first update line shows. */
function compare(args: string[], signals: NodeJS.Signals[], gapMs: number): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("src", "cli", "main.ts"), "compare", ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let sent = false;
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => {
    stderr += d;
    if (!sent && /\] update \d+/.test(stderr)) {
      sent = true;
      signals.forEach((s, i) => setTimeout(() => child.kill(s), 100 + i * gapMs));
    }
  });
  child.stdout.resume();
  const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    }),
  );
}

function runDirs(out: string): string[] {
  return fs.existsSync(out) ? fs.readdirSync(out).map((d) => path.join(out, d)) : [];
}

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>;
const metricRows = (dir: string) => fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { total_timesteps: number });

test("SIGTERM stops compare's current run with a final checkpoint and skips the remaining runs", async () => {
  const out = path.join(tmpRoot, "term");
  const r = await compare(["CartPole-v1", "--algorithms", "ppo", "-c", TINY_CONFIG, "-t", "200000", "-o", out], ["SIGTERM"], 0);
  assert.equal(r.code, 1, r.stderr);
  const dirs = runDirs(out);
  assert.equal(dirs.length, 1, "the second run was skipped");
  const info = readJson(path.join(dirs[0], "run.json"));
  const rows = metricRows(dirs[0]);
  assert.equal(info.status, "stopped");
  assert.equal(info.totalTimesteps, rows[rows.length - 1].total_timesteps);
  assert.equal(info.lastCheckpointStep, rows[rows.length - 1].total_timesteps);
});

test("a second Ctrl-C quits compare at once and leaves the current run 'stopped' with its logged steps", async () => {
  const out = path.join(tmpRoot, "int");
  const file = path.join(REPO, "test", "fixtures", "cli", "slow-step.ts"); // an update lasts about a second
  const r = await compare([file, "-c", TINY_CONFIG, "-t", "200000", "-o", out], ["SIGINT", "SIGINT"], 50);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /quitting at once/);
  const dirs = runDirs(out);
  assert.equal(dirs.length, 1);
  const info = readJson(path.join(dirs[0], "run.json"));
  const rows = metricRows(dirs[0]);
  assert.equal(info.status, "stopped");
  assert.match((info.error as { message: string }).message, /second Ctrl-C/);
  assert.ok(rows.length >= 1);
  assert.equal(info.totalTimesteps, rows[rows.length - 1].total_timesteps);
});

test("compare on a Python env trains PPO and GRPO by default, both through the bridge", { skip: skipWithoutNumpy() }, async () => {
  const out = path.join(tmpRoot, "py");
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join("src", "cli", "main.ts"), "compare", path.join(PYTHON_FIXTURES, "cartpole.py"), "-t", "2048", "--json", "-o", out], {
      cwd: REPO,
      env: { ...process.env, PYTHONPATH: PYTHON_STUBS },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { results: { algorithm: string; status: string; totalTimesteps: number }[] };
  assert.deepEqual(summary.results.map((x) => [x.algorithm, x.status]), [["ppo", "finished"], ["grpo", "finished"]]);
  for (const x of summary.results) assert.ok(x.totalTimesteps >= 2048, `${x.algorithm}: ${x.totalTimesteps} steps`);
  assert.equal(runDirs(out).length, 2);
});
