/**
 * Findings in the CLI: printed as they fire (severity, id, evidence, title, top suggestion, env location) and in a
 * summary before the final line. Runs `ppo-lab train` as a child process, as a user would.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ENVS, TINY } from "./harness";

const REPO = path.resolve(__dirname, "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-diag-cli-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("src", "cli", "main.ts"), ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

const config = path.join(tmp, "tiny.json");
fs.writeFileSync(config, JSON.stringify({ ...TINY, backend: undefined }));

test("ppo-lab train prints a warning as it fires and a summary at the end", async () => {
  const out = path.join(tmp, "runs-warning");
  const r = await cli(["train", path.join(ENVS, "cartpole-reward-x1e4.ts"), "--config", config, "--timesteps", "384", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const at = lines.findIndex((l) => l.startsWith("warning [reward.scale] "));
  assert.ok(at > 0, r.stdout);
  assert.match(lines[at], /^warning \[reward\.scale\] return_scale \S+ > 1000 over updates 1-5: returns are too large for the value head and normalizeReward is off$/);
  assert.match(lines[at + 1], /^ {2}try: set `normalizeReward: true`/);
  assert.equal(lines[at + 2], `  at ${path.join(ENVS, "cartpole-reward-x1e4.ts")}:7:12`);
  // printed right after update 5's progress line
  assert.match(lines[at - 1], /^update 5 \|/);
  const summary = lines.findIndex((l) => l.startsWith("diagnostics: "));
  assert.match(lines[summary], /^diagnostics: 1 warning \(details in .*diagnostics\.jsonl\)$/);
  assert.match(lines[summary + 1], /^ {2}warning \[reward\.scale\] update 5: /);
  assert.match(lines[summary + 2], /^run finished after 384 steps/);
});

test("ppo-lab train reports a non-finite loss as an error finding and exits 1 with the last good checkpoint", async () => {
  const out = path.join(tmp, "runs-error");
  const r = await cli(["train", path.join(ENVS, "huge-reward-loss.ts"), "--config", config, "--timesteps", "640", "--out", out]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^error \[nonfinite\.loss\] value_loss = (Infinity|NaN) at update 5: value_loss became (Infinity|NaN) in update 5 \(epoch 1, minibatch 1\)$/m);
  assert.match(r.stdout, /^diagnostics: 1 error/m);
  assert.match(r.stdout, /checkpoint at step 256/);
  assert.match(r.stdout, /^run failed after/m);
  assert.match(r.stderr, /non-finite/);
});
