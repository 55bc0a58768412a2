/**
 * The `ppo-lab` CLI as a user runs it: a child process `node --import tsx src/cli/main.ts ...` in the repository,
 * writing run directories into a temp folder. Checks exit codes, what is printed, and the run directory left behind
 * (DESIGN.md "A run directory") for a good run, broken inputs, an env that breaks the contract mid-run, and Ctrl-C.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..", "..");
const FIX = path.join(REPO, "test", "fixtures", "cli");
const TINY_CONFIG = path.join(FIX, "tiny-config.json");
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-cli-test-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let outCounter = 0;
/** A fresh (not yet existing) --out folder. */
function outDir(): string {
  return path.join(tmpRoot, `runs-${++outCounter}`);
}

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `onStdout` sees the accumulated stdout after every chunk. */
function start(args: string[], onStdout?: (text: string, child: ChildProcess) => void): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("src", "cli", "main.ts"), ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (d: string) => {
    stdout += d;
    onStdout?.(stdout, child);
  });
  child.stderr!.on("data", (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

function runCli(args: string[]): Promise<CliResult> {
  return start(args).done;
}

/** The single run directory under `out`. */
function onlyRunDir(out: string): string {
  const entries = fs.readdirSync(out, { withFileTypes: true }).filter((e) => e.isDirectory());
  assert.equal(entries.length, 1, `expected one run directory in ${out}, found ${entries.map((e) => e.name).join(", ")}`);
  return path.join(out, entries[0].name);
}

/** Asserts that no run directory was created under `out`. */
function noRunDir(out: string): void {
  const entries = fs.existsSync(out) ? fs.readdirSync(out) : [];
  assert.deepEqual(entries, [], `a failed start left ${entries.join(", ")} in ${out}`);
}

/** Parses every line of a JSONL file; fails on any unparsable line. */
function readJsonlStrict(file: string): Record<string, unknown>[] {
  const text = fs.readFileSync(file, "utf8");
  if (text === "") return [];
  assert.ok(text.endsWith("\n"), `${file} ends with a torn line`);
  return text
    .slice(0, -1)
    .split("\n")
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch (e) {
        assert.fail(`${file}:${i + 1} is not JSON: ${(e as Error).message}: ${line.slice(0, 100)}`);
      }
    });
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

const METRIC_KEYS = [
  "approx_kl",
  "old_approx_kl",
  "clip_fraction",
  "explained_variance",
  "entropy",
  "value_loss",
  "policy_gradient_loss",
  "grad_norm",
  "learning_rate",
  "ep_rew_mean",
  "steps_per_second",
];

function describeResult(r: CliResult): string {
  return `exit ${r.code} (${r.signal ?? "no signal"})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe("ppo-lab train: a tiny successful run on CartPole-v1", () => {
  const out = outDir();
  let result: CliResult;
  let runDir: string;

  test("exits 0 and prints one progress line per update", async () => {
    result = await runCli(["train", "CartPole-v1", "--timesteps", "512", "--config", TINY_CONFIG, "--out", out]);
    assert.equal(result.code, 0, describeResult(result));
    runDir = onlyRunDir(out);
    const progress = result.stdout.split("\n").filter((l) => /^update \d+/.test(l));
    // 512 timesteps / (2 envs x 64 steps) = 4 updates
    assert.equal(progress.length, 4, result.stdout);
    for (const line of progress) {
      assert.match(line, /ep_rew_mean -?\d/);
      assert.match(line, /\d+ steps\/s/);
    }
    assert.ok(result.stdout.includes(runDir), "stdout names the run directory");
    assert.match(result.stdout, /finished after 512 steps/);
    // the final line carries the last ep_rew_mean
    assert.ok(result.stdout.endsWith(`\n`), result.stdout);
    assert.match(result.stdout.trimEnd().split("\n").pop()!, /^run finished after 512 steps \(ep_rew_mean \d+\.\d\): /);
    // 512 is a whole number of 2 x 64 rollouts: no rounding note; info messages only with --verbose
    assert.doesNotMatch(result.stdout, /rounded up/);
    assert.doesNotMatch(result.stderr, /info:/, describeResult(result));
  });

  test("run.json: finished, backend recorded, resolved config with sources", () => {
    const info = readJson(path.join(runDir, "run.json"));
    assert.equal(info.status, "finished");
    assert.ok(["js", "tensorflow", "wasm", "cpu"].includes(info.backend as string), `backend ${String(info.backend)}`);
    assert.equal(info.envName, "CartPole-v1");
    assert.equal(info.envFile, path.join(REPO, "examples", "cartpole.ts"));
    assert.match(info.envHash as string, /^[0-9a-f]{64}$/);
    assert.equal(info.totalTimesteps, 512);
    assert.equal(info.lastCheckpointStep, 512);
    assert.equal(typeof info.endedAt, "string");
    const config = info.config as Record<string, unknown>;
    const sources = info.configSources as Record<string, unknown>;
    assert.equal(config.totalTimesteps, 512);
    assert.equal(sources.totalTimesteps, "flag");
    assert.equal(config.nSteps, 64);
    assert.equal(sources.nSteps, "file");
    assert.deepEqual(config.netArch, { pi: [16], vf: [16] });
    // not set by the config file or flags: the CartPole preset's gamma (zoo: 0.98)
    assert.equal(config.gamma, 0.98);
    assert.equal(sources.gamma, "preset");
    assert.equal(info.seed, config.seed);
  });

  test("metrics.jsonl: one row per update with the SB3/CleanRL metric names", () => {
    const rows = readJsonlStrict(path.join(runDir, "metrics.jsonl"));
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => r.update), [1, 2, 3, 4]);
    assert.deepEqual(rows.map((r) => r.total_timesteps), [128, 256, 384, 512]);
    for (const row of rows) {
      for (const k of METRIC_KEYS) assert.equal(typeof row[k], "number", `${k} in ${JSON.stringify(row)}`);
      const n = row as Record<string, number>;
      assert.ok(n.clip_fraction >= 0 && n.clip_fraction <= 1, `clip_fraction ${n.clip_fraction}`);
      // two actions: the entropy of a categorical is at most ln 2
      assert.ok(n.entropy > 0 && n.entropy <= Math.log(2) + 1e-6, `entropy ${n.entropy}`);
      assert.ok(n.approx_kl >= -1e-6, `approx_kl (k3 >= 0) ${n.approx_kl}`);
      assert.ok(n.value_loss >= 0, `value_loss ${n.value_loss}`);
      assert.ok(n.grad_norm > 0, `grad_norm ${n.grad_norm}`);
      assert.ok(n.steps_per_second > 0);
      assert.ok(n.explained_variance <= 1);
      // CartPole pays +1 per step and episodes last at least ~8 steps
      assert.ok(n.ep_rew_mean >= 8 && n.ep_rew_mean <= 500, `ep_rew_mean ${n.ep_rew_mean}`);
    }
    // The preset's linear schedule from 1e-3: equal decrements of 1e-3 * 128 / 512 per update.
    const lrs = rows.map((r) => r.learning_rate as number);
    assert.ok(lrs[0] <= 1e-3 + 1e-12 && lrs[0] >= 7.5e-4 - 1e-12, `first learning rate ${lrs[0]}`);
    for (let i = 1; i < lrs.length; i++) assert.ok(Math.abs(lrs[i - 1] - lrs[i] - 2.5e-4) < 1e-9, `learning rates ${lrs}`);
  });

  test("progress.csv: a header with the metric names and one row per update", () => {
    const lines = fs.readFileSync(path.join(runDir, "progress.csv"), "utf8").trimEnd().split("\n");
    const header = lines[0].split(",");
    for (const k of [...METRIC_KEYS, "update", "total_timesteps"]) assert.ok(header.includes(k), `progress.csv header lacks ${k}`);
    assert.equal(lines.length, 1 + 4);
    const col = header.indexOf("total_timesteps");
    assert.deepEqual(lines.slice(1).map((l) => Number(l.split(",")[col])), [128, 256, 384, 512]);
  });

  test("episodes.jsonl: finished CartPole episodes (return = length)", () => {
    const eps = readJsonlStrict(path.join(runDir, "episodes.jsonl"));
    assert.ok(eps.length >= 1, "no episode finished in 512 steps");
    let last = 0;
    let steps = 0;
    for (const e of eps) {
      assert.ok(Number.isInteger(e.length) && (e.length as number) >= 1);
      assert.equal(e.return, e.length, "CartPole's reward is +1 per step");
      assert.ok((e.total_timesteps as number) >= last && (e.total_timesteps as number) <= 512);
      last = e.total_timesteps as number;
      steps += e.length as number;
    }
    assert.ok(steps <= 512, `episodes cover ${steps} steps in a 512-step run`);
  });

  test("a final checkpoint checkpoints/512/ with model.json, weights.bin and the observation statistics", () => {
    const ckDir = path.join(runDir, "checkpoints");
    assert.deepEqual(fs.readdirSync(ckDir), ["512"], "only the final checkpoint (checkpointEvery 0)");
    const model = readJson(path.join(ckDir, "512", "model.json"));
    assert.equal(model.step, 512);
    // actor 4-16-2 and critic 4-16-1: (4*16 + 16 + 16*2 + 2) + (4*16 + 16 + 16*1 + 1) = 211 float32 numbers
    assert.equal(fs.statSync(path.join(ckDir, "512", "weights.bin")).size, 211 * 4);
    const manifest = model.weightsManifest as { paths: string[]; weights: { shape: number[] }[] }[];
    const floats = manifest.flatMap((g) => g.weights).reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0);
    assert.equal(floats, 211);
    const norm = (model.normalization as { observation?: { mean: number[]; var: number[]; count: number } }).observation;
    assert.ok(norm, "normalizeObservation is on: the checkpoint keeps the running statistics");
    assert.equal(norm.mean.length, 4);
    assert.equal(norm.var.length, 4);
    assert.ok(norm.var.every((v) => v > 0));
    assert.ok(norm.count >= 512, `observation count ${norm.count}`);
  });
});

describe("ppo-lab train: inputs that cannot start a run", { concurrency: 2 }, () => {
  test("a broken env file (syntax error) exits non-zero naming the file and line", async () => {
    const out = outDir();
    // Written at test time (a checked-in file with a syntax error would break `tsc` over test/).
    const file = path.join(tmpRoot, "broken-syntax.ts");
    fs.writeFileSync(
      file,
      [
        "// An env file with a syntax error on line 6 (a missing comma between two properties).",
        "export default class Broken {",
        '  observationSpace = { type: "Box" as const, low: [0], high: [1] };',
        '  actionSpace = { type: "Discrete" as const, n: 2 };',
        "  reset() { return { observation: [0] }; }",
        "  step(_a: number) { return { observation: [0], reward: 1 terminated: false, truncated: false }; }",
        "}",
        "",
      ].join("\n"),
    );
    const r = await runCli(["train", file, "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.ok(r.stderr.includes(`${file}:6:`), describeResult(r));
    noRunDir(out);
  });

  test("an unknown CLI option exits non-zero naming it", async () => {
    const out = outDir();
    const r = await runCli(["train", "CartPole-v1", "--learning-rat", "0.1", "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.match(r.stderr, /unknown option '--learning-rat'/);
    // a one-line hint instead of the whole help
    assert.ok(r.stderr.includes('(run "ppo-lab train --help" for the options)'), describeResult(r));
    assert.doesNotMatch(r.stderr, /Usage:|Options:/);
    noRunDir(out);
  });

  test("--out naming an existing file exits 2 with the message and a hint, no stack", async () => {
    const file = path.join(tmpRoot, "not-a-folder.txt");
    fs.writeFileSync(file, "notes\n");
    const r = await runCli(["train", "CartPole-v1", "--config", TINY_CONFIG, "-o", file]);
    assert.equal(r.code, 2, describeResult(r));
    assert.ok(r.stderr.includes(file), describeResult(r));
    assert.match(r.stderr, /^hint: .*--out/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
    assert.equal(fs.readFileSync(file, "utf8"), "notes\n");
  });

  test("--json: an error before training also prints one JSON error line on stdout", async () => {
    const lastJson = (r: CliResult): Record<string, unknown> => {
      const lines = r.stdout.trimEnd().split("\n");
      for (const l of lines) JSON.parse(l); // every stdout line is JSON
      return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    };
    const out = outDir();
    const missing = path.join(REPO, "test", "fixtures", "cli", "does-not-exist.ts");
    const r1 = await runCli(["train", missing, "--json", "--out", out]);
    assert.equal(r1.code, 2, describeResult(r1));
    const e1 = lastJson(r1);
    assert.equal(e1.type, "error");
    assert.equal(e1.file, missing);
    assert.match(e1.message as string, /not found/);
    assert.equal(typeof e1.hint, "string");
    assert.match(r1.stderr, /^error: /m, "the text stays on stderr");

    const cfg = path.join(FIX, "bad-json.json");
    const r2 = await runCli(["train", "CartPole-v1", "--config", cfg, "--json", "--out", out]);
    assert.equal(r2.code, 2, describeResult(r2));
    const e2 = lastJson(r2);
    assert.equal(e2.type, "error");
    assert.equal(e2.file, cfg);
    assert.equal(e2.line, 3);
    assert.equal(typeof e2.column, "number");

    const r3 = await runCli(["train", "CartPole-v1", "--timesteps", "lots", "--json", "--out", out]);
    assert.equal(r3.code, 2, describeResult(r3));
    const e3 = lastJson(r3);
    assert.equal(e3.type, "error");
    assert.match(e3.message as string, /--timesteps/);
    noRunDir(out);
  });

  test("a bad option value exits non-zero naming the option", async () => {
    const out = outDir();
    const r = await runCli(["train", "CartPole-v1", "--timesteps", "lots", "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.match(r.stderr, /--timesteps/);
    assert.match(r.stderr, /lots/);
    noRunDir(out);
  });

  test("a config file with bad JSON exits non-zero naming file:line", async () => {
    const out = outDir();
    const cfg = path.join(FIX, "bad-json.json");
    const r = await runCli(["train", "CartPole-v1", "--config", cfg, "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    // the stray second comma is on line 3
    assert.ok(r.stderr.includes(`${cfg}:3:`), describeResult(r));
    assert.match(r.stderr, /not valid JSON/);
    noRunDir(out);
  });

  test("a config file with an unknown key exits non-zero naming the file and the key", async () => {
    const out = outDir();
    const cfg = path.join(FIX, "unknown-key.json");
    const r = await runCli(["train", "CartPole-v1", "--config", cfg, "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.ok(r.stderr.includes(cfg), describeResult(r));
    assert.match(r.stderr, /"lerningRate".*did you mean "learningRate"/);
    noRunDir(out);
  });

  test("a missing config file exits non-zero naming it", async () => {
    const out = outDir();
    const cfg = path.join(tmpRoot, "no-such-config.json");
    const r = await runCli(["train", "CartPole-v1", "--config", cfg, "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.ok(r.stderr.includes(cfg), describeResult(r));
    noRunDir(out);
  });

  test("a missing env file exits non-zero naming it", async () => {
    const out = outDir();
    const r = await runCli(["train", "test/fixtures/cli/does-not-exist.ts", "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.ok(r.stderr.includes(path.join(REPO, "test", "fixtures", "cli", "does-not-exist.ts")), describeResult(r));
    noRunDir(out);
  });

  test("an unknown env id exits non-zero naming it and the built-in ids", async () => {
    const out = outDir();
    const r = await runCli(["train", "MountainCar-v9", "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.match(r.stderr, /MountainCar-v9/);
    assert.match(r.stderr, /CartPole-v1/);
    noRunDir(out);
  });

  test("--help exits 0 and lists the train command", async () => {
    const r = await runCli(["--help"]);
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /^\s*train\b/m);
    const t = await runCli(["train", "--help"]);
    assert.equal(t.code, 0, describeResult(t));
    for (const opt of ["--config", "--timesteps", "--seed", "--out", "--backend"]) assert.ok(t.stdout.includes(opt), `train --help lacks ${opt}`);
  });
});

describe("ppo-lab train: what is printed", { concurrency: 2 }, () => {
  test("--quiet prints only the final line, with the last ep_rew_mean", async () => {
    const out = outDir();
    const r = await runCli(["train", "CartPole-v1", "--timesteps", "200", "--config", TINY_CONFIG, "--out", out, "-q"]);
    assert.equal(r.code, 0, describeResult(r));
    const runDir = onlyRunDir(out);
    // 200 steps are rounded up to 2 rollouts of 2 x 64; no note in quiet mode
    assert.equal(r.stdout, `${r.stdout.split("\n")[0]}\n`, `one line expected\n${describeResult(r)}`);
    assert.match(r.stdout, /^run finished after 256 steps \(ep_rew_mean \d+\.\d\): /);
    assert.ok(r.stdout.trimEnd().endsWith(runDir), r.stdout);
    assert.doesNotMatch(r.stderr, /info:|warn:/, describeResult(r));
  });

  test("a note when totalTimesteps is rounded up to whole rollouts; info messages with --verbose", async () => {
    const out = outDir();
    const r = await runCli(["train", "CartPole-v1", "--timesteps", "200", "--config", TINY_CONFIG, "--out", out, "--verbose"]);
    assert.equal(r.code, 0, describeResult(r));
    const notes = r.stdout.split("\n").filter((l) => l.includes("rounded up"));
    assert.equal(notes.length, 1, r.stdout);
    assert.match(notes[0], /training 256 steps: totalTimesteps is rounded up to whole rollouts of nEnvs x nSteps = 2 x 64$/);
    assert.match(r.stdout, /finished after 256 steps/);
    // --verbose shows info-level trainer messages (here the replay recorder's summary).
    assert.match(r.stderr, /info: replays: \d+ episodes? recorded/, describeResult(r));
  });

  test("an export spelled like maxEpisodeSteps is reported as a warning, not silently ignored", async () => {
    const out = outDir();
    const file = path.join(tmpRoot, "misspelled-export.ts");
    fs.writeFileSync(
      file,
      [
        "export default class Misspelled {",
        '  observationSpace = { type: "Box" as const, low: [0], high: [100] };',
        '  actionSpace = { type: "Discrete" as const, n: 2 };',
        "  private t = 0;",
        "  reset() { this.t = 0; return { observation: [0] }; }",
        "  step(_a: number) { this.t += 1; return { observation: [this.t], reward: 1, terminated: this.t >= 10, truncated: false }; }",
        "}",
        "export const maxEpisodeStep = 50;",
        "",
      ].join("\n"),
    );
    const r = await runCli(["train", file, "--timesteps", "128", "--config", TINY_CONFIG, "--out", out]);
    assert.equal(r.code, 0, describeResult(r));
    assert.ok(
      r.stderr.includes(`warn: ${file}: the export "maxEpisodeStep" is ignored; did you mean "maxEpisodeSteps"?`),
      describeResult(r),
    );
  });
});

describe("ppo-lab train: an env that returns a NaN reward mid-run", () => {
  test("exits non-zero naming NaN and the step; the run directory is left failed and readable", async () => {
    const out = outDir();
    const r = await runCli(["train", path.join(FIX, "nan-reward.ts"), "--config", TINY_CONFIG, "--timesteps", "8192", "--out", out]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.notEqual(r.code, null, "killed instead of exiting");
    assert.match(r.stderr, /NaN/);
    assert.match(r.stderr, /reward/);
    // every copy returns NaN on its 2095th step: step 20 of its 84th 25-step episode; env 0 is stepped first
    assert.match(r.stderr, /env 0\b/);
    assert.match(r.stderr, /episode step 20\b/);

    const runDir = onlyRunDir(out);
    const info = readJson(path.join(runDir, "run.json"));
    assert.equal(info.status, "failed");
    assert.match((info.error as { message: string }).message, /NaN/);
    assert.equal(typeof info.endedAt, "string");
    // 32 updates (64 steps per copy each) completed before the failure in the 33rd rollout
    const rows = readJsonlStrict(path.join(runDir, "metrics.jsonl"));
    assert.equal(rows.length, 32);
    assert.equal(rows[31].total_timesteps, 32 * 128);
    assert.equal(rows[0].ep_rew_mean, 25);
    readJsonlStrict(path.join(runDir, "episodes.jsonl"));
  });

  test("a NaN the env checker sees in its probe stops the run before training, naming the file", async () => {
    const out = outDir();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nan-early-"));
    const file = path.join(dir, "nan-early.ts");
    fs.writeFileSync(
      file,
      fs.readFileSync(path.join(FIX, "nan-reward.ts"), "utf8").replace("this.total === 2095 ?", "this.total === 37 ?"),
    );
    const r = await runCli(["train", file, "--config", TINY_CONFIG, "--out", out]);
    assert.equal(r.code, 2, describeResult(r));
    assert.match(r.stderr, /env checker found 1 error/);
    assert.match(r.stderr, /nan-early\.ts:\d+:\d+/);
    assert.match(r.stderr, /reward/);
    assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, "no run directory");
  });
});

describe("ppo-lab train: Ctrl-C", () => {
  test("SIGINT after the first progress line stops the run with a final checkpoint and status 'stopped'", async () => {
    const out = outDir();
    let sentAt = 0;
    const { done } = start(
      ["train", "CartPole-v1", "--timesteps", "200000", "--config", TINY_CONFIG, "--out", out],
      (stdout, child) => {
        if (sentAt === 0 && /^update \d+/m.test(stdout)) {
          sentAt = Date.now();
          child.kill("SIGINT");
        }
      },
    );
    const r = await done;
    assert.ok(sentAt > 0, `no progress line appeared\n${describeResult(r)}`);
    const waited = Date.now() - sentAt;
    assert.ok(waited < 20_000, `took ${waited} ms to stop`);
    assert.equal(r.signal, null, "the CLI handles SIGINT itself instead of dying from it");
    assert.equal(r.code, 130, describeResult(r));
    assert.match(r.stderr, /stopping/);

    const runDir = onlyRunDir(out);
    const info = readJson(path.join(runDir, "run.json"));
    assert.equal(info.status, "stopped");
    const rows = readJsonlStrict(path.join(runDir, "metrics.jsonl"));
    assert.ok(rows.length >= 1);
    const finalStep = rows.length * 128; // each update adds 2 envs x 64 steps
    assert.equal(rows[rows.length - 1].total_timesteps, finalStep);
    assert.ok(finalStep < 200_000, "the run was stopped early");
    assert.equal(info.totalTimesteps, finalStep);
    assert.equal(info.lastCheckpointStep, finalStep);
    const ckpts = fs.readdirSync(path.join(runDir, "checkpoints"));
    assert.deepEqual(ckpts, [String(finalStep)]);
    for (const f of ["model.json", "weights.bin"]) assert.ok(fs.existsSync(path.join(runDir, "checkpoints", String(finalStep), f)), f);
    readJsonlStrict(path.join(runDir, "episodes.jsonl"));
  });

  test("a second Ctrl-C quits at once and leaves run.json 'stopped', not 'running'", async () => {
    const out = outDir();
    // An env whose step() takes 8 ms: an update (2 x 64 steps) lasts about a second, so both signals, sent shortly
    // after the first progress line, arrive during the second update, as when a user presses Ctrl-C twice during a
    // long update; they are handled, in order, right after it.
    const file = path.join(FIX, "slow-step.ts");
    let sent = false;
    const { done } = start(["train", file, "--timesteps", "200000", "--config", TINY_CONFIG, "--out", out], (stdout, child) => {
      if (!sent && /^update \d+/m.test(stdout)) {
        sent = true;
        setTimeout(() => child.kill("SIGINT"), 150);
        setTimeout(() => child.kill("SIGINT"), 200);
      }
    });
    const r = await done;
    assert.ok(sent, `no progress line appeared\n${describeResult(r)}`);
    assert.equal(r.signal, null, describeResult(r));
    assert.equal(r.code, 130, describeResult(r));
    assert.match(r.stderr, /stopping/);
    assert.match(r.stderr, /quitting at once/);
    const runDir = onlyRunDir(out);
    const info = readJson(path.join(runDir, "run.json"));
    assert.equal(info.status, "stopped");
    assert.equal(typeof info.endedAt, "string");
    assert.match((info.error as { message: string }).message, /second Ctrl-C/);
    // no final checkpoint (checkpointEvery 0: none at all); the logs are readable
    assert.ok(!fs.existsSync(path.join(runDir, "checkpoints")) || fs.readdirSync(path.join(runDir, "checkpoints")).length === 0);
    assert.ok(readJsonlStrict(path.join(runDir, "metrics.jsonl")).length >= 1);
  });
});
