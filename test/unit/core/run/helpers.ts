import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { NewRunInfo } from "../../../../src/core/run/run-dir";

/** A fresh temp folder; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = "ppo-lab-run-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function sampleInfo(overrides: Partial<NewRunInfo> = {}): NewRunInfo {
  return {
    envName: "CartPole",
    envFile: "examples/cartpole.ts",
    envHash: "sha256:0123abcd",
    seed: 42,
    backend: "cpu",
    config: { learningRate: 3e-4, nSteps: 128, nEnvs: 8, clipRange: 0.2 },
    configSources: { learningRate: "default", nEnvs: "envFile" },
    versions: { ppoLab: "0.1.0", tfjs: "4.22.0", node: process.versions.node },
    ...overrides,
  };
}

/** A tiny CSV reader for the tests' simple cases (no quoted fields). */
export function parseSimpleCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split("\n");
  assertEndsWithNewline(text);
  lines.pop();
  const [head, ...rest] = lines;
  return { header: head.split(","), rows: rest.map((l) => l.split(",")) };
}

function assertEndsWithNewline(text: string): void {
  if (!text.endsWith("\n")) throw new Error("CSV text does not end with a newline");
}

/** Names in `dir` (recursively) that look like temp files/folders. */
export function tempLeftovers(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.includes(".tmp-")) out.push(path.join(dir, e.name));
    if (e.isDirectory()) out.push(...tempLeftovers(path.join(dir, e.name)));
  }
  return out;
}
