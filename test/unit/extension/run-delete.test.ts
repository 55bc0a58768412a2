import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_FILES, RunWriter } from "../../../src/core/run/run-dir";
import { deleteRunDirectory, runDeleteRefusal } from "../../../src/extension/run-delete";
import { removeDir, sampleInfo, tempDir } from "../core/run/helpers";

const roots: string[] = [];
after(() => roots.forEach(removeDir));

/** A closed run directory (no lock) with two metric rows. */
function pastRun(shortId: string): string {
  const root = tempDir("ppo-lab-delete-test-");
  roots.push(root);
  const w = RunWriter.create(root, sampleInfo(), { shortId });
  w.appendMetrics({ update: 1, total_timesteps: 128, ep_rew_mean: 10 });
  w.appendMetrics({ update: 2, total_timesteps: 256, ep_rew_mean: 12 });
  w.updateRunInfo({ status: "stopped" });
  w.close();
  return w.dir;
}

function files(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

describe("Delete Run", () => {
  it("deletes a past run nobody trains", async () => {
    const dir = pastRun("del1");
    assert.equal(runDeleteRefusal(dir, []), undefined);
    assert.deepEqual(await deleteRunDirectory(dir, [undefined]), { deleted: true });
    assert.equal(fs.existsSync(dir), false);
  });

  it("refuses a run whose writer lock another live process holds, naming its pid, and changes nothing", async () => {
    const dir = pastRun("del2");
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      assert.ok(child.pid);
      const lock = { pid: child.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
      fs.writeFileSync(path.join(dir, RUN_FILES.lock), JSON.stringify(lock));
      const before = files(dir);
      const runJson = fs.readFileSync(path.join(dir, RUN_FILES.info), "utf8");

      const refusal = runDeleteRefusal(dir, []);
      assert.ok(refusal, "refused before asking");
      assert.match(refusal, new RegExp(`process ${child.pid} .*stop that run first`));
      const result = await deleteRunDirectory(dir, []);
      assert.equal(result.deleted, false);
      assert.ok(!result.deleted && result.reason.includes(`process ${child.pid}`) && result.reason.includes("stop that run first"), JSON.stringify(result));
      assert.deepEqual(files(dir), before);
      assert.equal(fs.readFileSync(path.join(dir, RUN_FILES.info), "utf8"), runJson);
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.lock), "utf8")), lock, "the holder's lock is untouched");
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    // The trainer is gone: its lock is stale and the run can be deleted.
    assert.deepEqual(await deleteRunDirectory(dir, []), { deleted: true });
    assert.equal(fs.existsSync(dir), false);
  });

  it("refuses a run a live run of this window trains, even named by another path", async () => {
    const dir = pastRun("del3");
    const relative = path.relative(process.cwd(), dir);
    for (const live of [[dir], [undefined, relative]]) {
      const result = await deleteRunDirectory(dir, live);
      assert.equal(result.deleted, false);
      assert.ok(!result.deleted && /training in this window; stop that run first/.test(result.reason));
      assert.ok(fs.existsSync(path.join(dir, RUN_FILES.info)));
      assert.equal(fs.existsSync(path.join(dir, RUN_FILES.lock)), false, "no lock is left behind");
    }
  });

  it("refuses a run this process is writing (its lock is held) and deletes it once the writer closed", async () => {
    const dir = pastRun("del4");
    const w = RunWriter.open(dir);
    const result = await deleteRunDirectory(dir, []);
    assert.equal(result.deleted, false);
    assert.ok(!result.deleted && result.reason.includes(`process ${process.pid}`));
    w.close();
    assert.deepEqual(await deleteRunDirectory(dir, []), { deleted: true });
    assert.equal(fs.existsSync(dir), false);
  });
});
