/**
 * Extension-host integration tests: they run inside the real extension host (code-server's, or desktop VS Code's via
 * `npm run test:electron`) against the INSTALLED PPO Lab extension (from ppo-lab.vsix), with the opened workspace
 * being a temporary copy of examples/.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { type HostTest, waitFor } from "./runner";

export const EXTENSION_ID = "ppo-lab.ppo-lab";

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "no workspace folder is open (the harness opens a copy of examples/)");
  return folder.uri.fsPath;
}

function listRunDirs(runsRoot: string): string[] {
  if (!fs.existsSync(runsRoot)) return [];
  return fs
    .readdirSync(runsRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(runsRoot, d.name));
}

/** Complete lines of a JSONL file (a partly written last line is not counted). */
function countJsonlLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file, "utf8");
  const lines = text.split("\n");
  lines.pop(); // after the last "\n": empty, or a line still being written
  return lines.filter((l) => l.trim() !== "").length;
}

function readRunJson(runDir: string): { status?: string; error?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, "run.json"), "utf8")) as { status?: string };
  } catch {
    return undefined; // not written yet
  }
}

/** Complete checkpoints: `checkpoints/<step>/` folders (temp folders carry a suffix) holding a model.json. */
function completeCheckpoints(runDir: string): string[] {
  const dir = path.join(runDir, "checkpoints");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => /^\d+$/.test(n) && fs.existsSync(path.join(dir, n, "model.json")))
    .map((n) => path.join(dir, n));
}

async function activatedExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  await ext.activate();
  assert.equal(ext.isActive, true, "extension did not activate");
  return ext;
}

export const tests: HostTest[] = [
  {
    name: "the extension activates and registers every command in contributes.commands",
    timeoutMs: 60_000,
    fn: async () => {
      const ext = await activatedExtension();
      const contributed = ((ext.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map(
        (c) => c.command,
      );
      assert.ok(contributed.length >= 3, `expected at least 3 contributed commands, got ${JSON.stringify(contributed)}`);
      for (const id of ["ppoLab.train", "ppoLab.stop", "ppoLab.showLog"]) assert.ok(contributed.includes(id), `${id} is not contributed`);
      const registered = new Set(await vscode.commands.getCommands(true));
      const missing = contributed.filter((id) => !registered.has(id));
      assert.deepEqual(missing, [], `contributed but not registered after activation: ${missing.join(", ")}`);
    },
  },
  {
    name: "ppoLab.train on cartpole.ts streams metrics into a run directory; ppoLab.stop stops it with a checkpoint",
    timeoutMs: 240_000,
    fn: async () => {
      await activatedExtension();
      const ws = workspaceRoot();
      const envFile = vscode.Uri.file(path.join(ws, "cartpole.ts"));
      assert.ok(fs.existsSync(envFile.fsPath), `${envFile.fsPath} is missing from the workspace`);
      const runsRoot = path.join(ws, ".ppo-lab", "runs");
      const before = new Set(listRunDirs(runsRoot));
      let stopped = false;
      try {
        await vscode.commands.executeCommand("ppoLab.train", envFile);
        const runDir = await waitFor(`a new run directory under ${runsRoot}`, 60_000, () =>
          listRunDirs(runsRoot).find((d) => !before.has(d)),
        );
        const metrics = path.join(runDir, "metrics.jsonl");
        const first = await waitFor(`a first line in ${metrics}`, 120_000, () => {
          const status = readRunJson(runDir)?.status;
          if (status && status !== "running") throw new Error(`run.json status is "${status}" before any metrics`);
          const n = countJsonlLines(metrics);
          return n > 0 ? n : undefined;
        });
        // metrics.jsonl keeps growing while the run goes on.
        await waitFor(`${metrics} to grow beyond ${first} line(s)`, 120_000, () => countJsonlLines(metrics) > first);

        await vscode.commands.executeCommand("ppoLab.stop");
        stopped = true;
        const finalStatus = await waitFor(`run.json status to leave "running" in ${runDir}`, 60_000, () => {
          const s = readRunJson(runDir)?.status;
          return s && s !== "running" ? s : undefined;
        });
        assert.equal(finalStatus, "stopped", `run.json: ${JSON.stringify(readRunJson(runDir))}`);
        const ckpts = await waitFor(`a complete checkpoint in ${runDir}/checkpoints`, 30_000, () => {
          const c = completeCheckpoints(runDir);
          return c.length > 0 ? c : undefined;
        });
        assert.ok(countJsonlLines(metrics) >= 2, "fewer than 2 metrics lines after stop");
        assert.ok(ckpts.length >= 1);
      } finally {
        // Never leave a trainer running behind a failed assertion.
        if (!stopped) await vscode.commands.executeCommand("ppoLab.stop");
      }
    },
  },
  {
    name: "a broken env file puts an error in the Problems panel and leaves no trainer running",
    timeoutMs: 120_000,
    fn: async () => {
      await activatedExtension();
      const ws = workspaceRoot();
      const file = path.join(ws, "broken-reward.ts");
      fs.writeFileSync(
        file,
        [
          "export default class BrokenReward {",
          '  observationSpace = { type: "Box" as const, low: [-1], high: [1], shape: [1] };',
          '  actionSpace = { type: "Discrete" as const, n: 2 };',
          "  reset() {",
          "    return { observation: [0] };",
          "  }",
          "  step(_action: number) {",
          '    return { observation: [0], reward: "one" as unknown as number, terminated: false, truncated: false };',
          "  }",
          "}",
          "",
        ].join("\n"),
      );
      const uri = vscode.Uri.file(file);
      const runsRoot = path.join(ws, ".ppo-lab", "runs");
      const before = new Set(listRunDirs(runsRoot));
      await vscode.commands.executeCommand("ppoLab.train", uri);
      const diags = await waitFor(`a PPO Lab diagnostic on ${file}`, 90_000, () => {
        const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === "PPO Lab" && x.severity === vscode.DiagnosticSeverity.Error);
        return d.length > 0 ? d : undefined;
      });
      assert.match(diags[0].message, /reward/i, diags[0].message);
      const trainers = (): string[] => {
        try {
          return execFileSync("pgrep", ["-f", "dist/trainer.js"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
        } catch {
          return []; // pgrep exits 1 when nothing matches
        }
      };
      await waitFor("no trainer process left", 30_000, () => (trainers().length === 0 ? true : undefined));
      assert.deepEqual(listRunDirs(runsRoot).filter((d) => !before.has(d)), [], "no run directory for a broken env");
    },
  },
];
