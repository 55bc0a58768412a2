import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import CartPole from "../../../examples/cartpole";
import { TimeLimit } from "../../../src/core/envs/time-limit";
import { resolveConfig } from "../../../src/core/ppo/config";
import { RunReplaySource } from "../../../src/core/replay/source";
import { replaysDir } from "../../../src/core/replay/store";
import type { SceneFrame } from "../../../src/core/replay/types";
import { Discrete } from "../../../src/core/spaces";
import type { FromTrainerMessage } from "../../../src/protocol";
import { TrainerReplays, type TrainingView } from "../../../src/trainer/replays";
import { TrainingSession } from "../../../src/trainer/session";

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-replays-"));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("replays during training", () => {
  it("a short CartPole run records periodic, best, worst and requested replays listed in index.json", async () => {
    const root = tmp();
    const messages: FromTrainerMessage[] = [];
    const session = new TrainingSession(
      { env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { totalTimesteps: 4096, seed: 3 } },
      { emit: (m) => messages.push(m) },
    );
    session.recordReplay(true);
    const result = await session.run();
    assert.equal(result.status, "finished", JSON.stringify(messages.filter((m) => m.type === "error" || m.type === "log")));
    const index = JSON.parse(fs.readFileSync(path.join(replaysDir(result.runDir), "index.json"), "utf8")) as { replays: { id: string; kind: string; update: number; return: number; deterministic: boolean }[] };
    const byKind = (k: string) => index.replays.filter((r) => r.kind === k);
    // 16 updates of 8 x 32 steps; auto interval ceil(16 / 8) = 2: after updates 1, 2, 4, ..., 16.
    assert.deepEqual(byKind("periodic").map((r) => r.update), [1, 2, 4, 6, 8, 10, 12, 14, 16]);
    assert.equal(byKind("best").length, 1);
    assert.equal(byKind("worst").length, 1);
    const requested = byKind("requested");
    assert.equal(requested.length, 1);
    assert.equal(requested[0].update, 1);
    assert.equal(requested[0].deterministic, true);
    const returns = index.replays.map((r) => r.return);
    assert.equal(byKind("best")[0].return, Math.max(...returns));
    assert.equal(byKind("worst")[0].return, Math.min(...returns));
    // Every saved replay was announced, and every announced one that is still kept is in the index.
    const announced = messages.filter((m): m is Extract<FromTrainerMessage, { type: "replay" }> => m.type === "replay").map((m) => m.summary.id);
    for (const r of index.replays) assert.ok(announced.includes(r.id), `${r.id} was not announced`);

    const src = new RunReplaySource(result.runDir);
    const last = byKind("periodic").at(-1)!;
    const header = await src.header(last.id);
    assert.equal(header.summary.frameType, "scene");
    assert.deepEqual(header.spaces.observationLabels, ["x", "x_dot", "theta", "theta_dot"]);
    const frames = await src.frames(last.id, 0, 3);
    assert.equal((frames[0] as SceneFrame).type, "scene");
    const steps = await src.steps(last.id, 0, header.summary.length);
    assert.equal(steps.reward.reduce((a, b) => a + b, 0), last.return);
    assert.equal(steps.terminated.at(-1) || steps.truncated.at(-1), true);
  });

  it("replays off: nothing is recorded unless requested", async () => {
    const root = tmp();
    const run = async (request: boolean): Promise<string> => {
      const session = new TrainingSession(
        { env: "CartPole-v1", cwd: root, runsRoot: root, overrides: { totalTimesteps: 512, seed: 3, replays: { enabled: false } as never } },
        { emit: () => undefined },
      );
      if (request) session.recordReplay();
      return (await session.run()).runDir;
    };
    assert.equal(fs.existsSync(path.join(replaysDir(await run(false)), "index.json")), false);
    const list = await new RunReplaySource(await run(true)).list();
    assert.deepEqual(list.map((r) => r.kind), ["requested"]);
  });

  it("a failing env does not stop training: recording is switched off after 3 failures", () => {
    const root = tmp();
    const { config } = resolveConfig([]);
    const logs: string[] = [];
    let made = 0;
    const replays = new TrainerReplays({
      runDir: root,
      config,
      totalUpdates: 10,
      makeEnv: () => {
        made++;
        const env = new TimeLimit(new CartPole(), 50);
        env.step = () => {
          throw new Error("broken step");
        };
        return env;
      },
      emit: (m) => {
        if (m.type === "log") logs.push(m.message);
      },
    });
    const view = (updates: number): TrainingView => ({
      policy: { getWeights: () => ({}) },
      env: { obsDim: 4, actionSpace: new Discrete({ type: "Discrete", n: 2 }) },
      obsNormalizer: undefined,
      updates,
      totalTimesteps: updates * 100,
      done: false,
    });
    for (let u = 1; u <= 6; u++) assert.doesNotThrow(() => replays.afterUpdate(view(u * 2)));
    assert.equal(logs.length, 3, logs.join("\n"));
    assert.match(logs[2], /replays are off for this run after 3 failures/);
    assert.ok(made <= 3);
  });
});
