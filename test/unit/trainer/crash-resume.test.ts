/**
 * Resuming after a crash between checkpoints (kill -9): the rows logged after the last checkpoint are not logged
 * twice, and the episode statistics continue instead of restarting empty.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunReader, readRunInfo } from "../../../src/core/run/run-dir";
import { TrainingSession } from "../../../src/trainer/session";

// 16 steps per update; 8 steps per env after a reset, too few for CartPole to end an episode.
const tiny = { nEnvs: 2, nSteps: 8, batchSize: 16, nEpochs: 1, netArch: { pi: [8], vf: [8] }, backend: "wasm" as const, seed: 3, statsWindowSize: 5, checkpointEvery: 8 };

test("kill -9 between checkpoints, then resume: no duplicate rows, kept rows intact, ep_rew_mean continues, no false findings", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "crash-resume-"));
  try {
    const first = await new TrainingSession({ env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { ...tiny, totalTimesteps: 256 } } as never, { emit: () => undefined }).run();
    assert.equal(first.status, "finished");
    const dir = first.runDir;
    // The state a kill -9 after update 12 leaves: the checkpoint at 128 (update 8) is the last one, the logs go on
    // to update 16 (the final checkpoint at 256 never got written), run.json still says running.
    fs.rmSync(path.join(dir, "checkpoints", "256"), { recursive: true });
    const info = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...info, status: "running", lastCheckpointStep: 128, endedAt: undefined }));
    const metricsBefore = fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").split("\n");
    const episodesBefore = new RunReader(dir).episodes().rows;
    assert.ok(metricsBefore.length > 9 && episodesBefore.some((e) => e.total_timesteps > 128), "the crashed run has rows after the checkpoint");

    const second = await new TrainingSession({ env: "", cwd: root, runsRoot: root, resume: dir, overrides: { totalTimesteps: 384 } } as never, { emit: () => undefined }).run();
    assert.equal(second.status, "finished");
    assert.deepEqual(readRunInfo(dir).extra?.resumedFrom, [128]);

    const reader = new RunReader(dir);
    const rows = reader.metrics().rows;
    const steps = rows.map((r) => r.total_timesteps as number);
    assert.deepEqual(steps, Array.from({ length: 24 }, (_, i) => 16 * (i + 1)), "every update once, total_timesteps strictly increasing");
    assert.deepEqual(rows.map((r) => r.update), Array.from({ length: 24 }, (_, i) => i + 1));
    assert.equal(fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").split("\n").slice(0, 8).join("\n"), metricsBefore.slice(0, 8).join("\n"), "rows <= 128 intact");
    const csv = fs.readFileSync(path.join(dir, "progress.csv"), "utf8").trim().split("\n");
    const col = csv[0].split(",").indexOf("total_timesteps");
    assert.deepEqual(csv.slice(1).map((l) => Number(l.split(",")[col])), steps, "progress.csv has the same rows");

    const episodes = reader.episodes().rows;
    assert.deepEqual(episodes.filter((e) => e.total_timesteps <= 128), episodesBefore.filter((e) => e.total_timesteps <= 128));
    for (let i = 1; i < episodes.length; i++) assert.ok(episodes[i].total_timesteps >= episodes[i - 1].total_timesteps, `episode ${i} goes back in time`);

    // The first update after the resume: its rollout (8 steps per env after a reset) finishes no episode, so its
    // ep_rew_mean can only come from the restored window: the last 5 episodes up to step 128.
    const resumed = rows[8];
    assert.equal(episodes.filter((e) => e.total_timesteps > 128 && e.total_timesteps <= 144).length, 0);
    const window = episodes.filter((e) => e.total_timesteps <= 144).slice(-5);
    assert.equal(window.length, 5);
    const expected = window.reduce((s, e) => s + (e.return as number), 0) / window.length;
    assert.ok(Number.isFinite(resumed.ep_rew_mean), `ep_rew_mean after the resume: ${resumed.ep_rew_mean}`);
    assert.ok(Math.abs((resumed.ep_rew_mean as number) - expected) < 1e-9, `${resumed.ep_rew_mean} vs ${expected}`);
    assert.equal(resumed.episodes, 5);

    const ids = reader.diagnostics().rows.map((d) => (d as { id?: string }).id);
    assert.ok(!ids.includes("signal.no-episodes"), `findings: ${ids.join(", ")}`);
    assert.ok(!ids.includes("signal.constant-reward"), `findings: ${ids.join(", ")}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
