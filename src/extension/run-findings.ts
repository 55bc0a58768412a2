/**
 * A live run's diagnostics findings in the Problems panel ("ppo-lab-run" collection, on the env file): findings about
 * the env at their line, the others at the `export default` line; error findings also as a notification with
 * "Open Dashboard". A new run of the same env file replaces the findings of the earlier runs of it. The mapping itself
 * is in findings.ts (vscode-free, unit-tested).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { DiagnosticFinding, DiagnosticSeverity } from "../core/diagnostics/types";
import { defaultExportLine } from "./env-files";
import { problemsByFile } from "./findings";
import type { LiveRun, RunManager } from "./run-manager";

const SEVERITY: Record<DiagnosticSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function exportLineOf(file: string): number {
  try {
    return defaultExportLine(fs.readFileSync(file, "utf8"));
  } catch {
    return 0;
  }
}

export class RunFindings implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection("ppo-lab-run");
  /** The runs whose findings are shown, by run key. */
  private readonly shown = new Map<string, LiveRun>();
  /** Files the collection has entries for. */
  private files = new Set<string>();
  /** `runKey|findingId` of the error findings already notified. */
  private readonly notified = new Set<string>();
  private readonly subscription: { dispose(): void };

  constructor(manager: RunManager) {
    this.subscription = manager.onMessage(({ run, msg }) => {
      if (msg.type === "started") this.onStarted(run);
      else if (msg.type === "diagnostic") this.onFinding(run, msg.finding);
    });
  }

  /** A new run of a file: the findings of earlier runs of that file go. */
  private onStarted(run: LiveRun): void {
    if (!run.envFile) return;
    for (const [key, other] of this.shown) if (other !== run && other.envFile && samePath(other.envFile, run.envFile)) this.shown.delete(key);
    this.shown.set(run.key, run);
    this.refresh();
  }

  private onFinding(run: LiveRun, finding: DiagnosticFinding): void {
    if (!run.envFile) return;
    this.shown.set(run.key, run);
    this.refresh();
    if (finding.severity === "error") this.notify(run, finding);
  }

  private notify(run: LiveRun, finding: DiagnosticFinding): void {
    const id = `${run.key}|${finding.id}`;
    if (this.notified.has(id)) return;
    this.notified.add(id);
    const where = run.envFile ? path.basename(run.envFile) : run.envName;
    void vscode.window.showErrorMessage(`PPO Lab: ${where}: ${finding.title}`, "Open Dashboard").then((choice) => {
      if (choice) void vscode.commands.executeCommand("ppoLab.openDashboard", { kind: "live", run });
    });
  }

  /** Rebuilds the collection from the shown runs' findings. */
  private refresh(): void {
    const runs = [...this.shown.values()].filter((r) => r.envFile).map((r) => ({ envFile: r.envFile!, findings: r.findings }));
    const byFile = problemsByFile(runs, exportLineOf);
    const next = new Set<string>();
    for (const [file, problems] of byFile) {
      next.add(file);
      this.collection.set(
        vscode.Uri.file(file),
        problems.map((p) => {
          const d = new vscode.Diagnostic(new vscode.Range(p.line, p.column, p.line, Number.MAX_SAFE_INTEGER), p.message, SEVERITY[p.severity]);
          d.source = "PPO Lab";
          d.code = p.code;
          return d;
        }),
      );
    }
    for (const file of this.files) if (!next.has(file)) this.collection.delete(vscode.Uri.file(file));
    this.files = next;
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
    this.shown.clear();
  }
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => (process.platform === "win32" ? path.resolve(p).toLowerCase() : path.resolve(p));
  return norm(a) === norm(b);
}
