/**
 * A minimal test runner for inside the VS Code extension host (code-server's Node extension host, or desktop VS Code
 * through @vscode/test-electron). It runs test functions one after another, each under a timeout, and writes the
 * results to a JSON file after every test (atomically: temp file + rename), so the outer Node test can read them
 * even when the host hangs later. The outer test waits for `done: true`.
 *
 * No mocha: the extension host's `run()` contract only needs a promise, and a JSON file is the simplest contract
 * between the host and the outer test (the code-server page never closes by itself).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface HostTest {
  name: string;
  /** Default 120 s. */
  timeoutMs?: number;
  fn: () => Promise<void> | void;
}

export interface HostTestResult {
  name: string;
  status: "passed" | "failed";
  durationMs: number;
  /** The error's stack (or message) when the test failed. */
  error?: string;
}

/** The JSON file the runner writes (see HostResultsFile in test/e2e/harness/host-tests.ts). */
export interface HostResults {
  done: boolean;
  startedAt: string;
  finishedAt?: string;
  passed: number;
  failed: number;
  tests: HostTestResult[];
  /** Set when the runner itself broke (not a test). */
  runnerError?: string;
}

function writeAtomic(file: string, results: HostResults): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}

async function withTimeout(name: string, ms: number, fn: () => Promise<void> | void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test "${name}" timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the tests in order and writes `resultFile`; resolves with the results (never rejects for a failed test). */
export async function runHostTests(tests: HostTest[], resultFile: string): Promise<HostResults> {
  fs.mkdirSync(path.dirname(resultFile), { recursive: true });
  const results: HostResults = { done: false, startedAt: new Date().toISOString(), passed: 0, failed: 0, tests: [] };
  writeAtomic(resultFile, results);
  for (const t of tests) {
    const start = Date.now();
    try {
      await withTimeout(t.name, t.timeoutMs ?? 120_000, t.fn);
      results.tests.push({ name: t.name, status: "passed", durationMs: Date.now() - start });
      results.passed++;
    } catch (e) {
      results.tests.push({ name: t.name, status: "failed", durationMs: Date.now() - start, error: describe(e) });
      results.failed++;
    }
    writeAtomic(resultFile, results);
  }
  results.done = true;
  results.finishedAt = new Date().toISOString();
  writeAtomic(resultFile, results);
  return results;
}

/** Writes a result file that says the runner could not run (e.g. the suite threw while loading). */
export function writeRunnerError(resultFile: string, e: unknown): void {
  fs.mkdirSync(path.dirname(resultFile), { recursive: true });
  const now = new Date().toISOString();
  writeAtomic(resultFile, { done: true, startedAt: now, finishedAt: now, passed: 0, failed: 1, tests: [], runnerError: describe(e) });
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${describe(lastError)})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
