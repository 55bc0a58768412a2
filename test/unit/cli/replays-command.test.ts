import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exportReplayCsv } from "../../../src/cli/replays-command";
import { ReplayBuilder } from "../../../src/core/replay/format";
import { ReplayStore } from "../../../src/core/replay/store";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("ppo-lab replays --csv", () => {
  it("writes one row per step with labelled columns and the running return", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-replays-cli-"));
    dirs.push(dir);
    const b = new ReplayBuilder(2, 1, { kind: "categorical", nvec: [3] }, { observationLabels: ["pos", "vel"], actionLabels: ["move"], actionKind: "discrete", actionNvec: [3], actionStart: [-1] });
    for (let t = 0; t < 5; t++) {
      b.push({ observation: [t, -t], action: [(t % 3) - 1], reward: 0.5, terminated: t === 4, truncated: false, value: 1, entropy: 0.25, distribution: [0.25, 0.25, 0.5], frame: null });
    }
    const store = new ReplayStore(dir, { maxCount: 5, maxBytes: 1e6 });
    const { saved } = store.save(b, { kind: "periodic", update: 1, step: 10, return: 2.5, length: 5, terminated: true, seed: 1, deterministic: false, frameType: "none", createdAt: "2026-01-01T00:00:00.000Z" });
    assert.ok(saved);
    let text = "";
    const n = await exportReplayCsv(dir, saved.id, (t) => (text += t));
    assert.equal(n, 5);
    const lines = text.trim().split("\n");
    assert.equal(lines[0], "step,reward,return,terminated,truncated,value,entropy,obs:pos,obs:vel,action:move,p:move=-1,p:move=0,p:move=1");
    assert.equal(lines.length, 6);
    assert.equal(lines[5], "4,0.5,2.5,1,0,1,0.25,4,-4,0,0.25,0.25,0.5");
    await assert.rejects(exportReplayCsv(dir, "u000009-best", () => undefined), /no replay "u000009-best"/);
  });
});
