/**
 * Env checker results in the Problems panel, and a one-off check in its own trainer process (env files are user
 * code: they never run on the extension host).
 */
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { EnvCheckReport } from "../protocol";
import { defaultExportLine } from "./env-files";
import type { SpawnTrainer } from "./run-manager";

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Replaces the findings shown for the report's file (and the files its findings point at). */
export function showCheckReport(collection: vscode.DiagnosticCollection, report: EnvCheckReport): void {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  let exportLine = 0;
  try {
    exportLine = defaultExportLine(fs.readFileSync(report.file, "utf8"));
  } catch {
    // a missing file keeps line 0
  }
  byFile.set(report.file, []);
  for (const f of report.findings) {
    const file = f.location?.file ?? report.file;
    const line = f.location ? Math.max(0, f.location.line - 1) : exportLine;
    const col = f.location ? Math.max(0, f.location.column - 1) : 0;
    const d = new vscode.Diagnostic(
      new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER),
      f.hint ? `${f.message}\n${f.hint}` : f.message,
      SEVERITY[f.severity] ?? vscode.DiagnosticSeverity.Information,
    );
    d.source = "PPO Lab";
    d.code = f.id;
    byFile.set(file, [...(byFile.get(file) ?? []), d]);
  }
  for (const [file, diags] of byFile) collection.set(vscode.Uri.file(file), diags);
}

/**
 * Runs the checker in a fresh trainer process.
 * @throws Error when the trainer exits without a report (its stderr tail is in the message).
 */
export function runCheck(spawn: SpawnTrainer, env: string, cwd: string, token?: vscode.CancellationToken): Promise<EnvCheckReport> {
  return new Promise((resolve, reject) => {
    const handle = spawn(cwd);
    let done = false;
    token?.onCancellationRequested(() => {
      if (done) return;
      done = true;
      handle.kill("SIGKILL");
      reject(new vscode.CancellationError());
    });
    handle.onMessage((msg) => {
      if (msg.type === "checkReport" && !done) {
        done = true;
        handle.send({ type: "stop" });
        resolve(msg.report);
      } else if (msg.type === "error" && !done) {
        done = true;
        handle.kill("SIGTERM");
        reject(new Error(msg.message));
      }
    });
    handle.onExit((code, signal, tail) => {
      if (done) return;
      done = true;
      reject(new Error(`the checker process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${tail ? `: ${tail}` : ""}`));
    });
    handle.send({ type: "check", env, cwd });
  });
}
