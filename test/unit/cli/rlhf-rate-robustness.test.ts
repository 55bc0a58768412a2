/**
 * `ppo-lab rate` / `fit-reward` when things go wrong: Ctrl-C during rating, a rater that throws part-way, a torn
 * preferences.jsonl, malformed rating lines, re-running on rated pairs, broken replay files, too few ratings.
 * Runs on synthetic replays (no training), through the built CLI where a real process is needed (signals, exit codes).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { appendPreference, readPreferences } from "../../../src/core/rlhf/preferences";
import { syntheticRun } from "../../fixtures/replays/synthetic-run";

const CLI = path.resolve(__dirname, "../../../dist/cli.js");
const skip = fs.existsSync(CLI) ? false : "dist/cli.js not built (npm run build)";
const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-rate-"));
  dirs.push(d);
  return d;
}

/** A rater file: `body` is the function body given (a, b) and a call counter `n` (1-based). */
function raterFile(body: string): string {
  const file = path.join(tmp(), "rater.js");
  fs.writeFileSync(file, `let n = 0;\nexport default function rate(a, b) {\n  n++;\n  ${body}\n}\n`);
  return file;
}

function runCli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function lines(file: string): string[] {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
}

describe("ppo-lab rate keeps every rating", { skip }, () => {
  it("Ctrl-C saves the ratings made so far and says how many (exit 130)", async () => {
    const run = tmp();
    syntheticRun(run, 10);
    // A slow synchronous rater: 150 ms of busy work per pair.
    const rater = raterFile("const end = Date.now() + 150; while (Date.now() < end) {}\n  return a.return > b.return ? 'a' : 'b';");
    const prefs = path.join(run, "preferences.jsonl");
    const child = spawn(process.execPath, [CLI, "rate", run, "--rater", rater, "--pairs", "40"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    // Interrupt once a few ratings are on disk: they must be there as soon as they are made.
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(prefs) && lines(prefs).length >= 3)) {
      assert.ok(Date.now() < deadline, "no rating appeared within 60 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    assert.equal(code, 130, err);
    const m = /interrupted: (\d+) ratings saved to (.*preferences\.jsonl)/.exec(err);
    assert.ok(m, `stderr: ${err}`);
    const n = Number(m[1]);
    assert.equal(m[2], prefs);
    assert.ok(n >= 3 && n < 40, `${n} ratings`);
    assert.equal(readPreferences(run).records.length, n);
    assert.equal(lines(prefs).length, n, "every line is a whole rating");
  });

  it("a rater that throws on its 3rd call keeps the 2 ratings before it and says so (exit 2, file:line)", () => {
    const run = tmp();
    syntheticRun(run, 5);
    const rater = raterFile("if (n === 3) throw new Error('cannot decide this one');\n  return 'a';");
    const r = runCli("rate", run, "--rater", rater, "--pairs", "6");
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /rater\.js:4:\d+: the rater threw: Error: cannot decide this one/);
    assert.match(r.err, /2 ratings made before it were saved to .*preferences\.jsonl/);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
    assert.equal(readPreferences(run).records.length, 2);
  });
});

describe("ppo-lab fit-reward / rate warn about the ratings they skip", { skip }, () => {
  it("names file:line and what is wrong for each malformed line (first 5, then 'and N more'), and fits on the good ones", () => {
    const run = tmp();
    const ids = syntheticRun(run, 8);
    const prefs = path.join(run, "preferences.jsonl");
    const good = (i: number, j: number) => appendPreference(run, { a: ids[i], b: ids[j], choice: i > j ? "a" : "b", rater: "user", createdAt: "2026-01-01T00:00:00.000Z" });
    for (let i = 0; i < 6; i++) good(i + 1, i); // lines 1-6
    fs.appendFileSync(prefs, '{"a":"u000001-periodic","b":"u0000\n'); // 7: truncated JSON
    fs.appendFileSync(prefs, "garbage\n"); // 8
    fs.appendFileSync(prefs, JSON.stringify({ a: ids[0], b: ids[2], choice: "maybe", rater: "user", createdAt: "x" }) + "\n"); // 9
    fs.appendFileSync(prefs, JSON.stringify({ a: ids[0], b: "no-such-replay", choice: "a", rater: "user", createdAt: "x" }) + "\n"); // 10
    fs.appendFileSync(prefs, "[1, 2]\n{}\n"); // 11, 12
    for (let i = 0; i < 5; i++) good(i + 2, i); // 13-17

    const fit = runCli("fit-reward", run);
    assert.equal(fit.code, 0, fit.err);
    assert.match(fit.out, /reward model: 11 pairs/);
    const warnings = fit.err.split("\n").filter((l) => l.startsWith("warning: "));
    assert.deepEqual(warnings.slice(0, 5).map((w) => Number(/preferences\.jsonl:(\d+):/.exec(w)?.[1])), [7, 8, 9, 10, 11], fit.err);
    assert.match(warnings[0], /:7: not valid JSON/);
    assert.match(warnings[2], /:9: "choice" is "maybe"; it must be one of a, b, same, unknown/);
    assert.match(warnings[3], /:10: episode "no-such-replay" is not a replay of this run/);
    assert.match(warnings[5], /and 1 more skipped line/);
    assert.equal(warnings.length, 6);

    const rate = runCli("rate", run, "--rater", raterFile("return 'a';"), "--pairs", "1");
    assert.equal(rate.code, 0, rate.err);
    assert.match(rate.err, /preferences\.jsonl:8: not valid JSON/);
  });
});

describe("ppo-lab rate asks only about unrated pairs", { skip }, () => {
  it("twice with the same seed rates 50 then the 5 left; a user's rating is never rated again; then nothing to rate", () => {
    const run = tmp();
    const ids = syntheticRun(run, 11); // 55 pairs
    appendPreference(run, { a: ids[3], b: ids[7], choice: "b", rater: "user", createdAt: "2026-01-01T00:00:00.000Z" });
    const rater = raterFile("return a.return > b.return ? 'a' : 'b';");
    const first = runCli("rate", run, "--rater", rater, "--pairs", "50", "--seed", "0");
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^rated 50 pairs; 51 ratings/);
    const second = runCli("rate", run, "--rater", rater, "--pairs", "50", "--seed", "0");
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /only 4 unrated pairs left; rated 4 pairs; 55 ratings/);
    const { records } = readPreferences(run);
    const keys = records.map((r) => [r.a, r.b].sort().join(" "));
    assert.equal(new Set(keys).size, 55, "every pair rated exactly once");
    assert.deepEqual(records.filter((r) => [r.a, r.b].sort().join(" ") === [ids[3], ids[7]].sort().join(" ")).map((r) => r.rater), ["user"]);
    const third = runCli("rate", run, "--rater", rater, "--pairs", "55");
    assert.equal(third.code, 0, third.err);
    assert.match(third.out, /all 55 pairs of the run's replays already have a rating; nothing to rate/);
    assert.equal(readPreferences(run).records.length, 55);
  });
});

describe("a missing or truncated .replay file", { skip }, () => {
  it("is skipped with one warning naming it, by rate and by fit-reward, with the pairs and ratings using it (no stack trace)", () => {
    const run = tmp();
    const ids = syntheticRun(run, 6);
    const rater = raterFile("return a.return > b.return ? 'a' : 'b';");
    assert.equal(runCli("rate", run, "--rater", rater, "--pairs", "15").code, 0);
    const replayFile = (id: string) => path.join(run, "replays", fs.readdirSync(path.join(run, "replays")).find((f) => f.startsWith(id) && f.endsWith(".replay"))!);
    fs.rmSync(replayFile(ids[1]));
    const cut = replayFile(ids[4]);
    fs.truncateSync(cut, Math.floor(fs.statSync(cut).size / 2));

    const fit = runCli("fit-reward", run);
    assert.equal(fit.code, 0, fit.err);
    assert.doesNotMatch(fit.err, /\n\s+at /, "no stack trace");
    const skipped = fit.err.split("\n").filter((l) => l.startsWith("warning: skipped replay"));
    assert.equal(skipped.length, 2, fit.err);
    assert.match(skipped.join("\n"), new RegExp(`"${ids[1]}"`));
    assert.match(skipped.join("\n"), new RegExp(`"${ids[4]}"`));
    assert.doesNotMatch(fit.err, /is not a replay of this run/, "ratings of a skipped replay are not warned about one by one");
    // 4 readable replays: their 6 pairs are the usable ones.
    assert.match(fit.out, /reward model: 6 pairs/);

    fs.rmSync(path.join(run, "preferences.jsonl"));
    const rate = runCli("rate", run, "--rater", rater, "--pairs", "15");
    assert.equal(rate.code, 0, rate.err);
    assert.equal(rate.err.split("\n").filter((l) => l.startsWith("warning: skipped replay")).length, 2, rate.err);
    assert.match(rate.out, /only 6 unrated pairs left; rated 6 pairs/);
  });
});

describe("fit-reward with too few ratings", { skip }, () => {
  const rate = (run: string, a: string, b: string, choice: "a" | "b" | "same") => appendPreference(run, { a, b, choice, rater: "user", createdAt: "2026-01-01T00:00:00.000Z" });

  it("warns about 1 rating (few decisive pairs, nothing held out) and still writes the model", () => {
    const run = tmp();
    const ids = syntheticRun(run, 4);
    rate(run, ids[0], ids[1], "b");
    const fit = runCli("fit-reward", run);
    assert.equal(fit.code, 0, fit.err);
    assert.match(fit.err, /warning: only 1 decisive rating \(A or B better\); a reward model from fewer than about 10/);
    assert.match(fit.err, /warning: no pairs were held out/);
    assert.ok(fs.existsSync(path.join(run, "reward-model.json")));
  });

  it("is an error when every rating says 'same' (exit 2, no model written)", () => {
    const run = tmp();
    const ids = syntheticRun(run, 4);
    for (let i = 0; i < 3; i++) rate(run, ids[i], ids[i + 1], "same");
    const fit = runCli("fit-reward", run);
    assert.equal(fit.code, 2, fit.err);
    assert.match(fit.err, /all 3 usable ratings say "same", so there is nothing to learn/);
    assert.equal(fs.existsSync(path.join(run, "reward-model.json")), false);
  });
});
