/**
 * What `ppo-lab train` prints for a GRPO run: the header names the algorithm and the group/batch shape, the note says
 * that GRPO trains whole episodes (not the PPO rounding note, whose step count GRPO does not train), and the last
 * line names GRPO. The CLI runs as a child process.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..", "..");
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-train-output-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

test("a GRPO run's header, note and last line name GRPO and say it trains whole episodes", async () => {
  const cfg = path.join(tmpRoot, "grpo.json");
  fs.writeFileSync(cfg, JSON.stringify({ algorithm: "grpo", nEnvs: 2, nSteps: 64, batchSize: 64, nEpochs: 1, netArch: { pi: [16], vf: [16] }, grpo: { groupSize: 4 } }));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", path.join("src", "cli", "main.ts"), "train", "CartPole-v1", "-c", cfg, "-t", "300", "-o", path.join(tmpRoot, "runs")], { cwd: REPO }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
  assert.match(stdout, /training CartPole-v1 with GRPO \(/);
  assert.match(stdout, /groups of 4 whole episodes, batches of >= 2 x 64 = 128 steps, 300 timesteps/);
  assert.match(stdout, /note: GRPO trains whole episodes/);
  assert.doesNotMatch(stdout, /rounded up/);
  assert.match(stdout.trimEnd().split("\n").pop()!, /^run finished after \d+ steps \(ep_rew_mean \d+\.\d, GRPO\): /);
});
