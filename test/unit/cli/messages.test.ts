/**
 * Messages the CLI prints for a broken env, checked in process: the values an env returned are quoted as JSON
 * (`returned reward "1"`, so a string reads as a string), `undefined` is spelled out, and the env loader warns about an
 * export that looks like a misspelled `maxEpisodeSteps` / `config` (which it otherwise ignores silently).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Env } from "../../../src/core/env";
import { EnvContractError, SyncVectorEnv } from "../../../src/core/envs/vector-env";
import { EnvLoadError, loadEnvFile } from "../../../src/envs/loader";

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-cli-messages-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A one-copy vector env whose step() returns `result` (reset returns a valid observation). */
function stepError(result: Record<string, unknown>): string {
  const env = {
    observationSpace: { type: "Box", low: [0, 0], high: [1, 1] },
    actionSpace: { type: "Discrete", n: 2 },
    reset: () => ({ observation: [0, 0] }),
    step: () => result,
  } as unknown as Env;
  const vec = new SyncVectorEnv([env]);
  vec.reset(0);
  try {
    vec.step(Float32Array.of(0), 1);
  } catch (e) {
    assert.ok(e instanceof EnvContractError, String(e));
    return e.message;
  }
  assert.fail(`step() accepted ${JSON.stringify(result)}`);
}

describe("SyncVectorEnv: the returned values are quoted in contract errors", () => {
  test("a string reward is shown as a string", () => {
    const m = stepError({ observation: [0, 0], reward: "1", terminated: false, truncated: false });
    assert.match(m, /returned reward "1"; rewards must be finite numbers/);
  });

  test("NaN, Infinity and undefined rewards are spelled as JavaScript prints them", () => {
    assert.match(stepError({ observation: [0, 0], reward: NaN, terminated: false, truncated: false }), /returned reward NaN;/);
    assert.match(stepError({ observation: [0, 0], reward: -Infinity, terminated: false, truncated: false }), /returned reward -Infinity;/);
    assert.match(stepError({ observation: [0, 0], terminated: false, truncated: false }), /returned reward undefined;/);
  });

  test("terminated / truncated values are quoted", () => {
    const m = stepError({ observation: [0, 0], reward: 1, terminated: "false", truncated: 0 });
    assert.match(m, /returned terminated = "false", truncated = 0; both must be booleans/);
    assert.match(stepError({ observation: [0, 0], reward: 1, terminated: false }), /truncated = undefined;/);
  });

  test("an observation that is not a number array is shown, undefined included", () => {
    assert.match(stepError({ reward: 1, terminated: false, truncated: false, observation: undefined }), /not a number array: undefined$/);
    assert.match(stepError({ reward: 1, terminated: false, truncated: false, observation: "12" }), /not a number array: "12"$/);
  });
});

describe("loadEnvFile: quoted values and misspelled exports", () => {
  const ENV_CLASS = [
    "export default class Tiny {",
    '  observationSpace = { type: "Box" as const, low: [0], high: [1] };',
    '  actionSpace = { type: "Discrete" as const, n: 2 };',
    "  reset() { return { observation: [0] }; }",
    "  step(_a: number) { return { observation: [0], reward: 1, terminated: true, truncated: false }; }",
    "}",
  ];
  let n = 0;
  function envFile(...extra: string[]): string {
    const file = path.join(tmpRoot, `env-${++n}.ts`);
    fs.writeFileSync(file, [...ENV_CLASS, ...extra, ""].join("\n"));
    return file;
  }

  test('maxEpisodeSteps = "50" is quoted in the error', async () => {
    const file = envFile('export const maxEpisodeSteps = "50";');
    await assert.rejects(loadEnvFile(file), (e: unknown) => {
      assert.ok(e instanceof EnvLoadError);
      assert.match(e.message, /maxEpisodeSteps must be a positive integer, got a string \("50"\)\./);
      return true;
    });
  });

  test("an export one or two edits away from maxEpisodeSteps / config gives a warning naming it", async () => {
    const file = envFile("export const maxEpisodeStep = 50;", "export const Config = { nEnvs: 2 };");
    const loaded = await loadEnvFile(file);
    assert.equal(loaded.maxEpisodeSteps, undefined);
    assert.equal(loaded.config, undefined);
    assert.deepEqual([...(loaded.warnings ?? [])].sort(), [
      `${file}: the export "Config" is ignored; did you mean "config"?`,
      `${file}: the export "maxEpisodeStep" is ignored; did you mean "maxEpisodeSteps"?`,
    ]);
  });

  test("correct spellings and unrelated exports give no warnings", async () => {
    const file = envFile(
      "export const maxEpisodeSteps = 50;",
      "export const config = { nEnvs: 2 };",
      "export function confirm() { return true; }", // 2 edits from "config", but a function: not a misspelled config
      "export const maxSpeed = 3;",
    );
    const loaded = await loadEnvFile(file);
    assert.equal(loaded.maxEpisodeSteps, 50);
    assert.equal(loaded.warnings, undefined);
  });
});
