/**
 * The healthy presets stay quiet: full seeded training runs of CartPole-v1 (100k steps) and Pendulum-v1 (150k steps)
 * with their presets and default diagnostics settings fire no warning and no error (info is allowed). These are the
 * runs the rules' thresholds were calibrated on (see the docstrings in src/core/diagnostics/rules/).
 * The two runs train in parallel child processes (one core each; about 2 minutes on an idle 2-core machine).
 * Run: node scripts/run-tests.mjs test/diagnostics
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";

interface HealthyResult {
  env: string;
  status: string;
  errors: string[];
  updates: number;
  wallSeconds: number;
  epRewMean: number | null;
  findings: { id: string; severity: string; update: number; title: string }[];
}

const REPO = path.resolve(__dirname, "..", "..");

function run(env: string, steps: number): Promise<HealthyResult> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "healthy-run.ts"), env, String(steps)], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`${env}: exit ${code}\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(line) as HealthyResult);
    });
  });
}

// Both start now and train at the same time; each test awaits its own.
const runs = {
  "CartPole-v1": run("CartPole-v1", 100_000),
  "Pendulum-v1": run("Pendulum-v1", 150_000),
};
// Keep an early rejection from being reported as unhandled before its test awaits it.
for (const p of Object.values(runs)) p.catch(() => undefined);

for (const [env, steps] of [
  ["CartPole-v1", 100_000],
  ["Pendulum-v1", 150_000],
] as const) {
  test(`${env} with its preset: no warning or error over a full ${steps}-step run (seed 1)`, async () => {
    const r = await runs[env];
    assert.equal(r.status, "finished", r.errors.join("\n"));
    assert.equal(r.updates, Math.ceil(steps / (env === "CartPole-v1" ? 256 : 4096)));
    const list = r.findings.map((f) => `${f.severity} [${f.id}] update ${f.update}: ${f.title}`);
    console.log(`  ${env}: ${r.updates} updates in ${r.wallSeconds.toFixed(0)} s, ep_rew_mean ${r.epRewMean?.toFixed(1)}, findings: ${list.join("; ") || "none"}`);
    assert.deepEqual(
      list.filter((l) => !l.startsWith("info")),
      [],
      "a healthy preset run fired warnings/errors",
    );
  });
}
