/**
 * The Python bridge (src/envs/python): protocol round trip, spaces translation, class discovery, errors mapped to
 * the .py line, step timeout, a killed runner failing the run, interpreter/numpy problems. Needs `python3` with
 * numpy (skipped otherwise); Gymnasium is not needed: the fixtures are duck-typed or use the local stand-in package
 * test/fixtures/python/stubs/gymnasium (put on PYTHONPATH here only).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stackLocation } from "../../../../src/envs/checker";
import { checkEnvFile } from "../../../../src/envs/checker";
import { EnvLoadError, loadEnv } from "../../../../src/envs/loader";
import { PythonEnvError, PythonProcessError } from "../../../../src/envs/python/bridge";
import { PythonEnvProxy, PythonVectorEnv, type PythonEnvSpec } from "../../../../src/envs/python/python-env";
import { RunReader } from "../../../../src/core/run/reader";
import { TrainingSession } from "../../../../src/trainer/session";

import { processRunning as running, PYTHON as python, PYTHON_FIXTURES as FIX, PYTHON_STUBS as STUBS, setPythonPath, skipWithoutNumpy } from "../../../fixtures/python/python-test-env";

const skip = skipWithoutNumpy();

function spec(file: string, extra: Partial<PythonEnvSpec> = {}): PythonEnvSpec {
  return { python, target: path.join(FIX, file), maxEpisodeSteps: 0, stepTimeoutMs: 10_000, cwd: FIX, env: { PYTHONPATH: STUBS }, ...extra };
}


function lineOf(file: string, marker: string): number {
  return fs.readFileSync(path.join(FIX, file), "utf8").split("\n").findIndex((l) => l.includes(marker)) + 1;
}

let restorePythonPath: () => void = () => undefined;
before(() => {
  restorePythonPath = setPythonPath(STUBS);
});
after(() => restorePythonPath());

describe("Python bridge: protocol round trip", { skip }, () => {
  it("reset with seeds, step with auto-reset, masks and a flattened Dict observation over 2 processes", () => {
    const vec = new PythonVectorEnv(spec("duck.py", { kwargs: { limit: 2 } }), 3, 2);
    try {
      assert.equal(vec.processIds.length, 2);
      // Dict {phase: Discrete(3), pos: Box(2)} -> one-hot(3) + 2 = 5, sorted keys.
      assert.equal(vec.obsDim, 5);
      const obs = vec.reset(0); // seeds 0, 1, 2 -> t = 0, 1, 0
      assert.deepEqual(Array.from(obs), [1, 0, 0, 0, 0, 0, 1, 0, 1, -1, 1, 0, 0, 0, 0]);
      assert.deepEqual(Array.from(vec.masks), [1, 1, 0, 1, 1, 0, 1, 1, 0]);
      const r = vec.step(new Float32Array([0, 1, 2]), 1);
      // t = 1, 2 (limit reached: terminated, auto-reset to t = 0), 1
      assert.deepEqual(Array.from(r.rewards), [0, 1, 2]);
      assert.deepEqual(Array.from(r.terminated), [0, 1, 0]);
      assert.deepEqual(Array.from(r.finalObservations[1] ?? []), [0, 0, 1, 2, -2]);
      assert.deepEqual(Array.from(r.observations.subarray(5, 10)), [1, 0, 0, 0, 0]);
      assert.deepEqual(r.episodes, [{ envIndex: 1, return: 1, length: 1, terminated: true, truncated: false }]);
      assert.deepEqual(Array.from(vec.masks), [1, 0, 1, 1, 1, 0, 1, 0, 1]);
      assert.equal(vec.masksSeen, true);
    } finally {
      vec.close();
    }
  });

  it("CartPole: the real final observation is kept, the time limit truncates, nothing runs after close()", () => {
    const vec = new PythonVectorEnv(spec("cartpole.py", { maxEpisodeSteps: 20 }), 2);
    const pids = vec.processIds;
    vec.reset(7);
    let ended = 0;
    for (let t = 0; t < 60; t++) {
      const r = vec.step(new Float32Array([t % 2, 1]), 1); // env 1 pushes right until it falls
      for (let e = 0; e < 2; e++) {
        if (!(r.terminated[e] || r.truncated[e])) continue;
        ended++;
        const fin = r.finalObservations[e] as Float32Array;
        const next = r.observations.subarray(e * 4, e * 4 + 4);
        assert.ok(next.every((v) => Math.abs(v) <= 0.05), `env ${e} restarted near 0: ${next.join(", ")}`);
        assert.notDeepEqual(Array.from(fin), Array.from(next), "the final observation is not the reset one");
        if (r.terminated[e]) assert.ok(Math.abs(fin[0]) > 2.4 || Math.abs(fin[2]) > 0.2094, `a terminal state: ${fin.join(", ")}`);
        if (e === 0) assert.equal(r.truncated[e], 1, "env 0 alternates and survives 20 steps: truncated");
      }
    }
    assert.ok(ended >= 3);
    vec.close();
    const until = Date.now() + 2000;
    while (pids.some(running) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    assert.deepEqual(pids.filter(running), []);
  });

  it("render() gives an RGB frame", () => {
    const env = new PythonEnvProxy(spec("cartpole.py"));
    try {
      env.reset({ seed: 1 });
      const frame = env.render();
      assert.equal(frame.type, "rgb");
      if (frame.type === "rgb") {
        assert.deepEqual([frame.width, frame.height, frame.channels, frame.data.length], [60, 40, 3, 60 * 40 * 3]);
      }
    } finally {
      env.close();
    }
  });
});

describe("Python bridge: spaces translation", { skip }, () => {
  it("Tuple observations flatten to one Box; Box actions keep infinite bounds and arrive as float arrays", () => {
    const env = new PythonEnvProxy(spec("spaces_env.py", { kwargs: { action: "box" } }));
    try {
      assert.deepEqual(env.observationSpace, {
        type: "Box",
        low: [-2, -2, 0, 0, 0, 0, 0, 0, 0],
        high: [3, 3, 1, 1, 1, 1, 1, 1, 1],
        shape: [9],
        flattenedFrom: "Tuple",
      });
      assert.deepEqual(env.actionSpace, { type: "Box", low: [-1, -Infinity], high: [1, Infinity], shape: [2] });
      // Box(2) as is, MultiDiscrete([2,3]) = [1,2] one-hot per part, MultiBinary as 0/1.
      assert.deepEqual(env.reset().observation, [0.5, -1, 0, 1, 0, 0, 1, 0, 1]);
      const r = env.step([0.25, -3]);
      assert.deepEqual((r.observation as number[]).slice(0, 2), [0.25, -3]);
      assert.equal(r.reward, -2.75);
    } finally {
      env.close();
    }
  });

  for (const [action, expected, sent, reward] of [
    ["multidiscrete", { type: "MultiDiscrete", nvec: [3, 4], start: [1, 0] }, [3, 2], 5],
    ["multibinary", { type: "MultiBinary", n: 3 }, [1, 0, 1], 2],
    ["discrete", { type: "Discrete", n: 4, start: 2 }, 5, 5],
  ] as const) {
    it(`${action} actions`, () => {
      const env = new PythonEnvProxy(spec("spaces_env.py", { kwargs: { action } }));
      try {
        assert.deepEqual(env.actionSpace, expected);
        env.reset();
        assert.equal(env.step(sent as number | number[]).reward, reward);
      } finally {
        env.close();
      }
    });
  }

  it("the vector env sends stored actions decoded (start added, Box clipped to its bounds)", () => {
    const vec = new PythonVectorEnv(spec("spaces_env.py", { kwargs: { action: "multidiscrete" } }), 1);
    try {
      vec.reset(0);
      // stored indices [2, 3] -> values [1 + 2, 0 + 3]
      assert.equal(vec.step(new Float32Array([2, 3]), 2).rewards[0], 6);
    } finally {
      vec.close();
    }
    const box = new PythonVectorEnv(spec("spaces_env.py", { kwargs: { action: "box" } }), 1);
    try {
      box.reset(0);
      assert.equal(box.step(new Float32Array([5, 2]), 2).rewards[0], 3); // 5 clipped to 1
    } finally {
      box.close();
    }
  });
});

describe("Python env loading", { skip }, () => {
  it("loads a .py file: the only class, its config and time limit; the env checker passes over the bridge", async () => {
    const loaded = await loadEnv(path.join(FIX, "cartpole.py"), { python });
    assert.equal(loaded.exportName, "CartPoleEnv");
    assert.equal(loaded.maxEpisodeSteps, 500);
    assert.equal(loaded.python?.envSpec, path.join(FIX, "cartpole.py"));
    const report = await checkEnvFile(path.join(FIX, "cartpole.py"), { probeSteps: 300, timeLimitMs: 60_000 });
    assert.deepEqual(report.findings.filter((f) => f.severity === "error"), []);
  });

  it("several env classes: an error listing them; file.py:Name and a registered id pick one", async () => {
    const file = path.join(FIX, "two_envs.py");
    await assert.rejects(loadEnv(file, { python }), (e: unknown) => e instanceof EnvLoadError && /several envs: Left, Right, TwoEnvs-Right-v0/.test(e.message) && /ppo-lab: env=/.test(e.hint ?? ""));
    const left = await loadEnv(`${file}:Left`, { python });
    assert.equal(left.exportName, "Left");
    assert.equal(left.python?.envSpec, `${file}:Left`, "run.json keeps the choice");
    const reg = await loadEnv(`${file}:TwoEnvs-Right-v0`, { python });
    assert.equal(reg.exportName, "TwoEnvs-Right-v0");
    assert.equal(reg.maxEpisodeSteps, 7, "the registration's max_episode_steps");
  });

  it("a constructor that needs envKwargs loads; the kwargs reach it (and their absence is reported)", async () => {
    const loaded = await loadEnv(path.join(FIX, "needs_kwargs.py"), { python });
    assert.equal(loaded.exportName, "NeedsSize");
    const env = loaded.factory({ size: 3 });
    try {
      env.reset();
      assert.equal(env.step(0).reward, 3);
    } finally {
      env.close?.();
    }
    assert.throws(() => loaded.factory({}), (e: unknown) => e instanceof EnvLoadError && /missing 1 required positional argument: 'size'/.test(e.message));
  });

  it("a missing interpreter and a missing numpy give the fix", async () => {
    await assert.rejects(loadEnv(path.join(FIX, "duck.py"), { python: "/nonexistent/python3" }), (e: unknown) =>
      e instanceof EnvLoadError && /Python interpreter "\/nonexistent\/python3" not found/.test(e.message) && /ppoLab\.python/.test(e.hint ?? ""),
    );
    const restore = setPythonPath(path.join(FIX, "no-numpy"));
    try {
      await assert.rejects(loadEnv(path.join(FIX, "duck.py"), { python }), (e: unknown) =>
        e instanceof EnvLoadError && /No module named 'numpy'/.test(e.message) && /-m pip install numpy/.test(e.hint ?? ""),
      );
    } finally {
      restore();
    }
  });
});

describe("Python env failures", { skip }, () => {
  it("an exception at step 50 maps to its .py line (bridge, checker and a training run)", async () => {
    const file = path.join(FIX, "raises.py");
    const line = lineOf("raises.py", "RAISE-LINE");
    const vec = new PythonVectorEnv(spec("raises.py"), 1);
    try {
      vec.reset(0);
      for (let t = 1; t < 50; t++) vec.step(new Float32Array([0]), 1);
      assert.throws(() => vec.step(new Float32Array([0]), 1), (e: unknown) => {
        assert.ok(e instanceof PythonEnvError);
        assert.match(e.message, /ValueError: boom at step 50/);
        assert.deepEqual(stackLocation(e, file), { file, line, column: 1 });
        assert.match(e.traceback, /raises\.py", line \d+, in step/);
        return true;
      });
    } finally {
      vec.close();
    }
    const report = await checkEnvFile(file, { probeSteps: 100, timeLimitMs: 60_000 });
    const finding = report.findings.find((f) => f.severity === "error");
    assert.equal(finding?.location?.line, line, JSON.stringify(report.findings));

    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-py-raise-"));
    const errors: { file?: string; line?: number; message: string }[] = [];
    const result = await new TrainingSession(
      { env: file, cwd: root, runsRoot: root, skipCheck: true, overrides: { nEnvs: 2, nSteps: 64, totalTimesteps: 1024, backend: "cpu" } },
      { emit: (m) => void (m.type === "error" && errors.push(m)) },
    ).run();
    assert.equal(result.status, "failed");
    assert.equal(errors[0]?.file, file);
    assert.equal(errors[0]?.line, line);
    assert.match(errors[0]?.message ?? "", /boom at step 50/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("a hung step times out, with the runner stopped", () => {
    const vec = new PythonVectorEnv(spec("hangs.py", { stepTimeoutMs: 800 }), 1);
    const pids = vec.processIds;
    vec.reset(0);
    for (let t = 1; t < 5; t++) vec.step(new Float32Array([0]), 1);
    const t0 = Date.now();
    assert.throws(() => vec.step(new Float32Array([0]), 1), (e: unknown) => e instanceof PythonProcessError && /did not answer within 800 ms/.test(e.message));
    const waited = Date.now() - t0;
    assert.ok(waited >= 700 && waited < 10_000, `timed out after ${waited} ms`);
    vec.close();
    const until = Date.now() + 2000;
    while (pids.some(running) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    assert.deepEqual(pids.filter(running), []);
  });

  it("killing the Python process mid-run fails the run and leaves its directory readable", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-py-kill-"));
    let killed: number[] = [];
    const errors: string[] = [];
    const session: TrainingSession = new TrainingSession(
      { env: path.join(FIX, "cartpole.py"), cwd: root, runsRoot: root, skipCheck: true, overrides: { nEnvs: 4, nSteps: 32, totalTimesteps: 20_000, backend: "cpu", nEnvProcesses: 2 } },
      {
        emit(m) {
          if (m.type === "error") errors.push(m.message);
          if (m.type === "metrics" && killed.length === 0) {
            killed = (session.ppo?.env as PythonVectorEnv).processIds;
            process.kill(killed[1], "SIGKILL");
          }
        },
      },
    );
    const result = await session.run();
    assert.equal(result.status, "failed");
    assert.match(errors[0] ?? "", /process 2 of 2 was killed by SIGKILL/);
    const run = new RunReader(result.runDir);
    assert.equal(run.info().status, "failed");
    assert.ok(run.metrics().rows.length >= 1);
    assert.deepEqual(killed.filter(running), []);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
