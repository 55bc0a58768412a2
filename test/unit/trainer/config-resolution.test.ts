/**
 * Hyperparameter validation and resolution: `validatePartialConfig` / `resolveConfig` (src/core/ppo/config.ts) and
 * how a train request layers preset < settings < env file config < --config file < flags
 * (`resolveRequestConfig`, `readConfigFile` in src/trainer/session.ts; DESIGN.md "Rules of the house").
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ConfigError,
  DEFAULT_CONFIG,
  PRESETS,
  minibatchSize,
  resolveConfig,
  validatePartialConfig,
  type PPOConfig,
} from "../../../src/core/ppo/config";
import { builtinIdOf, readConfigFile, resolveRequestConfig } from "../../../src/trainer/session";
import { loadEnv } from "../../../src/envs/loader";
import type { TrainRequest } from "../../../src/protocol";

const REPO = path.resolve(__dirname, "..", "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-config-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a ConfigError");
}

describe("validatePartialConfig", () => {
  test("accepts a valid partial config and returns its values", () => {
    const v = validatePartialConfig({ nEnvs: 2, learningRate: 1e-3, targetKl: null, netArch: { pi: [8], vf: [8, 8] } }, "x");
    assert.deepEqual(v, { nEnvs: 2, learningRate: 1e-3, targetKl: null, netArch: { pi: [8], vf: [8, 8] } });
  });

  test("drops $schema (editor support) from the values", () => {
    assert.deepEqual(validatePartialConfig({ $schema: "./schema.json", seed: 3 }, "x"), { seed: 3 });
  });

  test("an unknown key gets a did-you-mean suggestion and the source in the message", () => {
    const e = configError(() => validatePartialConfig({ lerningRate: 1e-3 }, "my-config.json"));
    assert.equal(e.source, "my-config.json");
    assert.deepEqual(e.issues, ['unknown option "lerningRate" (did you mean "learningRate"?)']);
    assert.match(e.message, /my-config\.json/);
    assert.match(e.message, /did you mean "learningRate"/);
  });

  test("suggestions for other near misses; none for unrelated names", () => {
    assert.match(configError(() => validatePartialConfig({ totalTimestep: 5 }, "x")).issues[0], /did you mean "totalTimesteps"/);
    assert.match(configError(() => validatePartialConfig({ n_envs: 5 }, "x")).issues[0], /did you mean "nEnvs"/);
    assert.match(configError(() => validatePartialConfig({ gama: 0.9 }, "x")).issues[0], /did you mean "gamma"/);
    const none = configError(() => validatePartialConfig({ xyzzy: 1 }, "x")).issues[0];
    assert.match(none, /unknown option "xyzzy"/);
    assert.doesNotMatch(none, /did you mean/);
  });

  test("wrong types are reported per key", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ nEnvs: "8" }, /^nEnvs must be integer/],
      [{ nSteps: 2.5 }, /^nSteps must be integer/],
      [{ normalizeObservation: "yes" }, /^normalizeObservation must be boolean/],
      [{ learningRate: "fast" }, /^learningRate must be number/],
      [{ envKwargs: [1, 2] }, /^envKwargs must be object/],
      [{ activation: "sigmoid" }, /^activation must be one of "tanh", "relu"/],
      [{ backend: "gpu" }, /^backend must be one of "auto", "tensorflow", "wasm", "cpu"/],
    ];
    for (const [obj, re] of cases) {
      const e = configError(() => validatePartialConfig(obj, "x"));
      assert.ok(e.issues.some((i) => re.test(i)), `${JSON.stringify(obj)}: ${JSON.stringify(e.issues)}`);
    }
  });

  test("out-of-range values are reported with the bound", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ gamma: 1.5 }, /^gamma must be <= 1/],
      [{ gaeLambda: -0.1 }, /^gaeLambda must be >= 0/],
      [{ nEnvs: 0 }, /^nEnvs must be >= 1/],
      [{ nEnvs: 5000 }, /^nEnvs must be <= 1024/],
      [{ learningRate: 0 }, /^learningRate must be > 0/],
      [{ clipRange: 0 }, /^clipRange must be > 0/],
      [{ seed: -1 }, /^seed must be >= 0/],
      [{ totalTimesteps: 0 }, /^totalTimesteps must be >= 1/],
      [{ netArch: { pi: [0], vf: [4] } }, /^netArch\.pi\.0 must be >= 1/],
      [{ logStdRange: [1] }, /^logStdRange must NOT have fewer than 2 items/],
    ];
    for (const [obj, re] of cases) {
      const e = configError(() => validatePartialConfig(obj, "x"));
      assert.ok(e.issues.some((i) => re.test(i)), `${JSON.stringify(obj)}: ${JSON.stringify(e.issues)}`);
    }
  });

  test("nested unknown keys are named with their parent", () => {
    const e = configError(() => validatePartialConfig({ netArch: { pi: [4], vf: [4], qf: [4] } }, "x"));
    assert.deepEqual(e.issues, ['unknown option "qf" in netArch']);
  });

  test("lists every problem at once, one issue each", () => {
    const e = configError(() => validatePartialConfig({ lerningRate: 1e-3, nEnvs: "8", gamma: 1.5, activation: "elu" }, "cfg.json"));
    assert.equal(e.issues.length, 4, JSON.stringify(e.issues));
    assert.ok(e.issues.some((i) => i.includes('"lerningRate"')));
    assert.ok(e.issues.some((i) => i.startsWith("nEnvs")));
    assert.ok(e.issues.some((i) => i.startsWith("gamma")));
    assert.ok(e.issues.some((i) => i.startsWith("activation")));
    // the message lists them all, one per line
    assert.equal(e.message.split("\n").filter((l) => l.startsWith("  - ")).length, 4);
  });

  test("non-objects are rejected", () => {
    assert.match(configError(() => validatePartialConfig([1], "x")).issues[0], /must be a JSON object, got an array/);
    assert.match(configError(() => validatePartialConfig(null, "x")).issues[0], /must be a JSON object/);
    assert.match(configError(() => validatePartialConfig("nEnvs=2", "x")).issues[0], /got string/);
  });

  test("every default passes its own schema", () => {
    assert.deepEqual(validatePartialConfig(structuredClone(DEFAULT_CONFIG), "defaults"), DEFAULT_CONFIG);
    for (const [id, preset] of Object.entries(PRESETS)) validatePartialConfig(structuredClone(preset), `${id} preset`);
  });
});

describe("resolveConfig", () => {
  test("no layers: the defaults, every source 'default'", () => {
    const { config, sources } = resolveConfig([]);
    assert.deepEqual(config, DEFAULT_CONFIG);
    assert.deepEqual(new Set(Object.values(sources)), new Set(["default"]));
    assert.deepEqual(Object.keys(sources).sort(), Object.keys(DEFAULT_CONFIG).sort());
  });

  test("later layers win, and sources name the layer that set each value", () => {
    const { config, sources } = resolveConfig([
      { kind: "preset", label: "p", values: { nSteps: 32, gamma: 0.98, nEnvs: 8 } },
      { kind: "settings", label: "s", values: { gamma: 0.9, nEnvs: 2 } },
      { kind: "file", label: "f", values: { nEnvs: 3, entCoef: 0.01 } },
      { kind: "flag", label: "cli", values: { entCoef: 0.02, totalTimesteps: 1000 } },
    ]);
    assert.equal(config.nSteps, 32);
    assert.equal(sources.nSteps, "preset");
    assert.equal(config.gamma, 0.9);
    assert.equal(sources.gamma, "settings");
    assert.equal(config.nEnvs, 3);
    assert.equal(sources.nEnvs, "file");
    assert.equal(config.entCoef, 0.02);
    assert.equal(sources.entCoef, "flag");
    assert.equal(config.totalTimesteps, 1000);
    assert.equal(sources.totalTimesteps, "flag");
    assert.equal(config.learningRate, DEFAULT_CONFIG.learningRate);
    assert.equal(sources.learningRate, "default");
  });

  test("undefined values do not override; null does (null is a real value: 'off')", () => {
    const { config, sources } = resolveConfig([
      { kind: "preset", label: "p", values: { targetKl: 0.02, nSteps: 16 } },
      { kind: "flag", label: "cli", values: { targetKl: null, nSteps: undefined } },
    ]);
    assert.equal(config.targetKl, null);
    assert.equal(sources.targetKl, "flag");
    assert.equal(config.nSteps, 16);
    assert.equal(sources.nSteps, "preset");
  });

  test("nested values replace (not merge) and are copies: neither DEFAULT_CONFIG nor the layer is shared", () => {
    const layer = { netArch: { pi: [8], vf: [8] } };
    const { config } = resolveConfig([{ kind: "file", label: "f", values: layer }]);
    assert.deepEqual(config.netArch, { pi: [8], vf: [8] });
    config.netArch.pi.push(99);
    assert.deepEqual(layer.netArch.pi, [8]);
    const { config: d } = resolveConfig([]);
    d.netArch.pi.push(99);
    d.logStdRange[0] = 0;
    assert.deepEqual(DEFAULT_CONFIG.netArch, { pi: [64, 64], vf: [64, 64] });
    assert.deepEqual(DEFAULT_CONFIG.logStdRange, [-20, 2]);
  });

  test("cross-field checks: more minibatches than samples, an inverted logStdRange", () => {
    const e = configError(() =>
      resolveConfig([{ kind: "flag", label: "command-line flags", values: { nEnvs: 2, nSteps: 4, nMinibatches: 9, logStdRange: [2, -2] } }]),
    );
    assert.equal(e.issues.length, 2);
    assert.match(e.issues[0], /nMinibatches \(9\) is larger than the batch nEnvs \* nSteps = 8/);
    assert.match(e.issues[1], /logStdRange/);
    assert.match(e.message, /command-line flags/);
  });

  test("minibatchSize: batch / nMinibatches when set, else min(batchSize, batch)", () => {
    const base: PPOConfig = { ...structuredClone(DEFAULT_CONFIG), nEnvs: 4, nSteps: 32 };
    assert.equal(minibatchSize({ ...base, batchSize: 64, nMinibatches: null }), 64);
    assert.equal(minibatchSize({ ...base, batchSize: 1000, nMinibatches: null }), 128);
    assert.equal(minibatchSize({ ...base, nMinibatches: 4 }), 32);
  });
});

describe("resolveRequestConfig", () => {
  const req = (extra: Partial<TrainRequest> = {}): TrainRequest => ({ env: "CartPole-v1", cwd: REPO, runsRoot: path.join(tmp, "runs"), ...extra });

  test("CartPole-v1 uses its preset: sources say 'preset' for nSteps", async () => {
    const loaded = await loadEnv("CartPole-v1", { cwd: REPO });
    assert.equal(builtinIdOf(loaded.file), "CartPole-v1");
    const r = resolveRequestConfig(req(), loaded);
    const preset = PRESETS["CartPole-v1"];
    // rl-baselines3-zoo's CartPole-v1: n_envs 8, n_steps 32, gamma 0.98, gae_lambda 0.8, n_epochs 20
    assert.equal(r.config.nSteps, 32);
    assert.equal(r.config.nEnvs, 8);
    assert.equal(r.config.gamma, 0.98);
    assert.equal(r.config.gaeLambda, 0.8);
    assert.equal(r.config.nEpochs, 20);
    assert.equal(r.sources.nSteps, "preset");
    for (const k of Object.keys(preset) as (keyof PPOConfig)[]) assert.equal(r.sources[k], "preset", k);
    assert.equal(r.sources.vfCoef, "default");
    assert.deepEqual(r.layers.map((l) => l.kind), ["preset"]);
  });

  test("the preset is picked by the shipped example file, not by a file name that looks like it", async () => {
    // the shipped file, given by path instead of id
    const byPath = await loadEnv("examples/cartpole.ts", { cwd: REPO });
    assert.equal(resolveRequestConfig(req({ env: "examples/cartpole.ts" }), byPath).sources.nSteps, "preset");
    // a user's own (edited) examples/cartpole.ts elsewhere is just an env file: defaults, no preset (an unmodified
    // copy counts as the example: see the copy/renamed/edited test)
    const own = path.join(tmp, "project", "examples", "cartpole.ts");
    fs.mkdirSync(path.dirname(own), { recursive: true });
    fs.writeFileSync(own, fs.readFileSync(path.join(REPO, "examples", "cartpole.ts"), "utf8") + "\n// my changes\n");
    assert.equal(builtinIdOf(own), undefined);
    const loaded = await loadEnv(own);
    const r = resolveRequestConfig(req({ env: own }), loaded);
    assert.equal(r.sources.nSteps, "default");
    assert.equal(r.config.nSteps, DEFAULT_CONFIG.nSteps);
    assert.deepEqual(r.layers, []);
  });

  test("flags override the preset; settings sit between preset and env file / config file", async () => {
    const loaded = await loadEnv("CartPole-v1", { cwd: REPO });
    const cfgFile = writeTmp("cartpole-over.json", JSON.stringify({ nSteps: 16, gamma: 0.95 }));
    const r = resolveRequestConfig(
      req({
        settings: { nSteps: 8, learningRate: 5e-4, vfCoef: 0.25 },
        configFile: cfgFile,
        overrides: { gamma: 0.5, totalTimesteps: 1234 },
      }),
      loaded,
    );
    assert.equal(r.config.gamma, 0.5);
    assert.equal(r.sources.gamma, "flag");
    assert.equal(r.config.totalTimesteps, 1234);
    assert.equal(r.sources.totalTimesteps, "flag");
    assert.equal(r.config.nSteps, 16);
    assert.equal(r.sources.nSteps, "file");
    // settings beat the preset's learning rate (1e-3) ...
    assert.equal(r.config.learningRate, 5e-4);
    assert.equal(r.sources.learningRate, "settings");
    assert.equal(r.config.vfCoef, 0.25);
    // ... and the preset still fills what nobody else set
    assert.equal(r.config.nEnvs, 8);
    assert.equal(r.sources.nEnvs, "preset");
    assert.deepEqual(r.layers.map((l) => l.kind), ["preset", "settings", "file", "flag"]);
  });

  test("a relative --config path resolves against the request's cwd", async () => {
    const loaded = await loadEnv("CartPole-v1", { cwd: REPO });
    writeTmp("rel.json", JSON.stringify({ nEpochs: 3 }));
    const r = resolveRequestConfig(req({ cwd: tmp, configFile: "rel.json" }), loaded);
    assert.equal(r.config.nEpochs, 3);
    assert.equal(r.sources.nEpochs, "file");
  });

  test("an env file's exported config is a 'file' layer, and a non-builtin file gets no preset", async () => {
    const file = path.join(REPO, "test", "fixtures", "envs", "valid-class.ts");
    const loaded = await loadEnv(file);
    assert.equal(builtinIdOf(loaded.file), undefined);
    const r = resolveRequestConfig(req({ env: file, overrides: { nEnvs: 3 } }), loaded);
    // valid-class.ts exports { totalTimesteps: 5000, nEnvs: 2 }
    assert.equal(r.config.totalTimesteps, 5000);
    assert.equal(r.sources.totalTimesteps, "file");
    assert.equal(r.config.nEnvs, 3);
    assert.equal(r.sources.nEnvs, "flag");
    assert.equal(r.config.nSteps, DEFAULT_CONFIG.nSteps);
    assert.equal(r.sources.nSteps, "default");
  });

  test("an invalid layer throws a ConfigError naming where it came from", async () => {
    const loaded = await loadEnv("CartPole-v1", { cwd: REPO });
    assert.match(configError(() => resolveRequestConfig(req({ settings: { gamma: 2 } }), loaded)).message, /settings/);
    const flagErr = configError(() => resolveRequestConfig(req({ overrides: { nEnvs: 0 } }), loaded));
    assert.match(flagErr.message, /command-line flags/);
    const bad = writeTmp("bad-key.json", JSON.stringify({ lerningRate: 0.1 }));
    const fileErr = configError(() => resolveRequestConfig(req({ configFile: bad }), loaded));
    assert.equal(fileErr.source, bad);
    assert.match(fileErr.message, /did you mean "learningRate"/);
  });
});

describe("readConfigFile", () => {
  test("returns the validated values of a good file", () => {
    const f = writeTmp("good.json", '{ "$schema": "x", "nEnvs": 2, "netArch": { "pi": [16], "vf": [16] } }\n');
    assert.deepEqual(readConfigFile(f), { nEnvs: 2, netArch: { pi: [16], vf: [16] } });
  });

  test("a JSON syntax error gives file:line:column of the offending character", () => {
    // line 3, column 16: the second comma
    const f = writeTmp("syntax.json", '{\n  "nEnvs": 2,\n  "nSteps": 64,,\n  "seed": 1\n}\n');
    const e = configError(() => readConfigFile(f));
    assert.equal(e.source, f);
    assert.match(e.issues[0], /not valid JSON/);
    assert.ok(e.issues[0].includes(`${f}:3:16`), e.issues[0]);
  });

  test("a syntax error on the first line has column counted from 1", () => {
    const f = writeTmp("first-line.json", "{ nEnvs: 2 }");
    const e = configError(() => readConfigFile(f));
    assert.ok(e.issues[0].includes(`${f}:1:3`), e.issues[0]);
  });

  test("a missing file is a ConfigError naming it", () => {
    const f = path.join(tmp, "nope.json");
    const e = configError(() => readConfigFile(f));
    assert.equal(e.source, f);
    assert.match(e.issues[0], /cannot read the file: ENOENT/);
  });

  test("valid JSON with bad values is validated with the file as the source", () => {
    const f = writeTmp("values.json", '{ "gamma": 3, "lerningRate": 1 }');
    const e = configError(() => readConfigFile(f));
    assert.equal(e.source, f);
    assert.equal(e.issues.length, 2);
  });
});

test("a batchSize the user chose larger than the rollout is an error naming both; default and preset sizes are clamped", () => {
  assert.throws(
    () => resolveConfig([{ kind: "flag", label: "flags", values: { nEnvs: 2, nSteps: 16, batchSize: 64 } }]),
    (e: Error) => e instanceof ConfigError && /batchSize \(64, from the flag\) is larger than the rollout nEnvs \* nSteps = 2 \* 16 = 32/.test(e.message),
  );
  const ok = resolveConfig([{ kind: "flag", label: "flags", values: { nEnvs: 1, nSteps: 16 } }]);
  assert.equal(minibatchSize(ok.config), 16);
  const both = (() => {
    try {
      resolveConfig([{ kind: "file", label: "c.json", values: { nEnvs: 1, nSteps: 8, batchSize: 64, nMinibatches: 16 } }]);
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  })();
  assert.match(both, /nMinibatches \(16\) is larger than the batch/);
});
