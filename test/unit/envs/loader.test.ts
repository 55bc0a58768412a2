import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { after, describe, it } from "node:test";
import {
  EnvLoadError,
  findPublicModule,
  loadEnv,
  loadEnvFile,
  resolveBuiltinEnv,
  type LoadedEnvFile,
} from "../../../src/envs/loader";

const FIX = resolve(__dirname, "..", "..", "fixtures", "envs");
const fx = (name: string): string => join(FIX, name);

const tmpDirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "ppo-lab-loader-"));
  tmpDirs.push(d);
  return d;
}
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** Asserts that `p` rejects with an EnvLoadError and returns it. */
async function loadError(p: Promise<unknown>): Promise<EnvLoadError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EnvLoadError, `expected an EnvLoadError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the load to fail");
}

/** Runs one short episode to prove the env works. */
function episode(loaded: LoadedEnvFile, options?: Record<string, unknown>, action = 1, maxSteps = 100): number {
  const env = loaded.factory(options);
  env.reset({ seed: 1 });
  for (let t = 1; t <= maxSteps; t++) {
    const r = env.step(action);
    assert.equal(typeof r.reward, "number");
    if (r.terminated || r.truncated) return t;
  }
  return maxSteps;
}

describe("loadEnvFile: valid env files", () => {
  it("loads a TypeScript env class with config and maxEpisodeSteps", async () => {
    const loaded = await loadEnvFile(fx("valid-class.ts"));
    assert.equal(loaded.file, fx("valid-class.ts"));
    assert.match(loaded.hash, /^[0-9a-f]{64}$/);
    assert.equal(loaded.exportName, "default");
    assert.deepEqual(loaded.config, { totalTimesteps: 5000, nEnvs: 2 });
    assert.equal(loaded.maxEpisodeSteps, 50);
    const env = loaded.factory({ length: 3 });
    assert.deepEqual(env.observationSpace, { type: "Box", low: [0], high: [10], shape: [1] });
    assert.deepEqual(env.actionSpace, { type: "Discrete", n: 2 });
    // The class is constructed with the options: length 3 -> terminates after 3 steps right.
    assert.equal(episode(loaded, { length: 3 }), 3);
    // Each call builds a fresh copy.
    assert.notEqual(loaded.factory(), loaded.factory());
  });

  it("loads a factory-function env and passes the options", async () => {
    const loaded = await loadEnvFile(fx("valid-factory.ts"));
    assert.equal(loaded.config, undefined);
    assert.equal(loaded.maxEpisodeSteps, undefined);
    const env = loaded.factory({ target: 2 }) as unknown as { target: number };
    assert.equal(env.target, 2);
    assert.equal(episode(loaded, { target: 4 }, 2), 4);
  });

  it("bundles a relative helper import", async () => {
    const loaded = await loadEnvFile(fx("with-helper.ts"));
    const env = loaded.factory();
    const state = env as unknown as { gravity: number; height: number };
    assert.equal(state.gravity, 9.8);
    env.reset();
    env.step(0);
    assert.ok(Math.abs(state.height - (10 - 0.98)) < 1e-9);
  });

  it('supports `import type` and value imports from "ppo-lab"', async () => {
    const loaded = await loadEnvFile(fx("with-public.ts"));
    const env = loaded.factory();
    assert.deepEqual(env.observationSpace, { type: "Box", low: [-1, -1], high: [1, 1] });
    assert.deepEqual(env.actionSpace, { type: "Discrete", n: 4 });
    assert.equal(episode(loaded), 5);
  });

  it("loads a .js env (ES module syntax, importing a .ts helper)", async () => {
    const loaded = await loadEnvFile(fx("plain.js"));
    assert.equal(loaded.maxEpisodeSteps, 200);
    assert.deepEqual(loaded.factory().actionSpace, { type: "Discrete", n: 2 });
    assert.ok(episode(loaded, undefined, 0, 1000) > 1);
  });

  it("loads a CommonJS env whose module.exports is the class", async () => {
    const loaded = await loadEnvFile(fx("commonjs.cjs"));
    const env = loaded.factory({ a: 1 }) as unknown as { options: unknown };
    assert.deepEqual(env.options, { a: 1 });
    assert.equal(episode(loaded), 1);
  });

  it("resolves a relative path against the working directory", async () => {
    const rel = join("test", "fixtures", "envs", "valid-class.ts");
    const loaded = await loadEnv(rel, { cwd: resolve(FIX, "..", "..", "..") });
    assert.equal(loaded.file, fx("valid-class.ts"));
  });

  it("finds the public module from source", () => {
    const p = findPublicModule();
    assert.ok(p !== undefined);
    assert.ok(p.endsWith(join("src", "public", "index.ts")), p);
  });
});

describe("loadEnvFile: errors", () => {
  it("reports a missing file", async () => {
    const e = await loadError(loadEnvFile(fx("does-not-exist.ts")));
    assert.equal(e.file, fx("does-not-exist.ts"));
    assert.match(e.message, /not found/);
    assert.match(e.message, /does-not-exist\.ts/);
  });

  it("rejects an unsupported extension with a hint", async () => {
    const e = await loadError(loadEnvFile(fx("not-an-env.txt")));
    assert.match(e.message, /unsupported extension "\.txt"/);
    assert.match(e.hint ?? "", /\.ts/);
  });

  it("reports a syntax error with file, line and column", async () => {
    const dir = tmp();
    const file = join(dir, "broken.ts");
    writeFileSync(
      file,
      [
        "// line 1",
        "export default class Broken {",
        "  observationSpace = { type: 'Discrete', n: 2 };",
        "  reset() {",
        "    return { observation: 0 ;", // line 5: a `;` where `}` is expected
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    const e = await loadError(loadEnvFile(file));
    assert.equal(e.file, file);
    assert.equal(e.envFile, file);
    assert.equal(e.line, 5);
    assert.equal(typeof e.column, "number");
    assert.ok(e.message.startsWith(`${file}:5:`), e.message);
    assert.match(e.message, /Expected "}"/);
  });

  it("reports a syntax error inside an imported helper at the helper's location", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "helper.ts"), "export const x = 1;\nexport const y = (;\n");
    writeFileSync(join(dir, "env.ts"), 'import { x } from "./helper";\nexport default function make() { return x; }\n');
    const e = await loadError(loadEnvFile(join(dir, "env.ts")));
    assert.equal(e.file, join(dir, "helper.ts"));
    assert.equal(e.envFile, join(dir, "env.ts"));
    assert.equal(e.line, 2);
    assert.match(e.message, /imported by/);
  });

  it("reports an unresolvable import with a hint", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "env.ts"), 'import { nope } from "./missing-helper";\nexport default function make() { return nope; }\n');
    const e = await loadError(loadEnvFile(join(dir, "env.ts")));
    assert.equal(e.line, 1);
    assert.match(e.message, /Could not resolve "\.\/missing-helper"/);
    assert.match(e.hint ?? "", /import path/);
  });

  it("reports a missing default export and suggests one", async () => {
    const e = await loadError(loadEnvFile(fx("missing-default.ts")));
    assert.match(e.message, /no default export/);
    assert.match(e.message, /Forgotten, config/);
    assert.match(e.hint ?? "", /export default class MyEnv \{ \.\.\. \} or a factory function/);
    assert.match(e.hint ?? "", /export default Forgotten/);
  });

  it("reports a default export that is not a class or function", async () => {
    const e = await loadError(loadEnvFile(fx("default-not-function.ts")));
    assert.match(e.message, /default export is a number \(42\), not a class or a function/);
  });

  it("reports a module that throws at top level, at the line in the .ts source", async () => {
    const e = await loadError(loadEnvFile(fx("throws-top-level.ts")));
    assert.equal(e.file, fx("throws-top-level.ts"));
    assert.equal(e.line, 12);
    assert.equal(e.column, 9);
    assert.match(e.message, /size must be positive/);
    assert.ok(e.message.startsWith(`${fx("throws-top-level.ts")}:12:9`), e.message);
    assert.ok(e.cause instanceof Error);
  });

  it("rejects a maxEpisodeSteps that is not a positive integer", async () => {
    const e = await loadError(loadEnvFile(fx("bad-max-steps.ts")));
    assert.match(e.message, /maxEpisodeSteps must be a positive integer, got a number \(2\.5\)/);
    assert.match(e.message, /bad-max-steps\.ts/);
  });

  it("rejects a config that is not a plain object", async () => {
    const e = await loadError(loadEnvFile(fx("bad-config.ts")));
    assert.match(e.message, /config must be a plain object, got an array/);
  });

  it("the factory rejects a result that is not an env", async () => {
    const loaded = await loadEnvFile(fx("not-an-env.ts"));
    assert.throws(
      () => loaded.factory(),
      (e: unknown) =>
        e instanceof EnvLoadError &&
        e.file === fx("not-an-env.ts") &&
        /has no step\(action\), actionSpace/.test(e.message),
    );
  });

  it("the factory reports a throwing constructor at its line", async () => {
    const loaded = await loadEnvFile(fx("throws-in-constructor.ts"));
    assert.throws(
      () => loaded.factory(),
      (e: unknown) =>
        e instanceof EnvLoadError && e.line === 6 && /new Fragile\(options\) threw: RangeError: options\.size/.test(e.message),
    );
    assert.doesNotThrow(() => loaded.factory({ size: 2 }));
  });
});

describe("hash", () => {
  it("is stable for the same code and changes when an imported helper changes", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "lib"));
    const helper = join(dir, "lib", "reward.ts");
    const envFile = join(dir, "env.ts");
    writeFileSync(helper, "export const REWARD = 1;\n");
    writeFileSync(
      envFile,
      [
        'import { REWARD } from "./lib/reward";',
        "export default class E {",
        '  observationSpace = { type: "Discrete" as const, n: 1 };',
        '  actionSpace = { type: "Discrete" as const, n: 1 };',
        "  reset() { return { observation: 0 }; }",
        "  step() { return { observation: 0, reward: REWARD, terminated: true, truncated: false }; }",
        "}",
        "",
      ].join("\n"),
    );
    const a = await loadEnvFile(envFile);
    const b = await loadEnvFile(envFile);
    assert.equal(a.hash, b.hash);
    assert.equal(a.factory().step(0).reward, 1);

    writeFileSync(helper, "export const REWARD = 2;\n");
    const c = await loadEnvFile(envFile);
    assert.notEqual(c.hash, a.hash);
    assert.equal(c.factory().step(0).reward, 2);
  });
});

describe("built-in envs", () => {
  it("maps ids to example files", () => {
    const cart = resolveBuiltinEnv("CartPole-v1");
    const pend = resolveBuiltinEnv("Pendulum-v1");
    assert.ok(cart?.endsWith(`${sep}examples${sep}cartpole.ts`), cart);
    assert.ok(pend?.endsWith(`${sep}examples${sep}pendulum.ts`), pend);
    assert.equal(resolveBuiltinEnv("cartpole-v1"), cart);
    assert.equal(resolveBuiltinEnv("NoSuchEnv-v0"), undefined);
  });

  it("loadEnv reports an unknown id with the list of built-in ids", async () => {
    const e = await loadError(loadEnv("NoSuchEnv-v0", { cwd: tmp() }));
    assert.match(e.message, /Unknown env "NoSuchEnv-v0"/);
    assert.match(e.hint ?? "", /CartPole-v1/);
  });

  for (const id of ["CartPole-v1", "Pendulum-v1"]) {
    const path = resolveBuiltinEnv(id);
    it(`loads ${id} by id`, { skip: path !== undefined && existsSync(path) ? false : `${path} does not exist yet` }, async () => {
      const loaded = await loadEnv(id);
      assert.equal(loaded.file, path);
      const env = loaded.factory();
      assert.ok(env.observationSpace);
      assert.ok(env.actionSpace);
      env.reset({ seed: 0 });
    });
  }
});
