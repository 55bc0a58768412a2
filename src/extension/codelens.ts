/**
 * CodeLens above an env file's default export: Train, Check, Configure; while a run of the file is live,
 * "Open Dashboard · 42k steps · R 187".
 */
import * as vscode from "vscode";
import { defaultExportLine, looksLikeEnvFile } from "./env-files";
import { formatReturn, formatSteps } from "./format";
import type { RunManager } from "./run-manager";

export class EnvCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly manager: RunManager) {
    this.disposables.push(
      manager.onDidChangeRun(() => this.changed.fire()),
      manager.onMetrics(() => {
        if (this.timer) return;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.changed.fire();
        }, 2000);
      }),
    );
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    if (!looksLikeEnvFile(text)) return [];
    const line = defaultExportLine(text);
    const range = new vscode.Range(line, 0, line, 0);
    const lenses = [
      new vscode.CodeLens(range, { title: "$(play) Train", command: "ppoLab.train", arguments: [doc.uri] }),
      new vscode.CodeLens(range, { title: "$(checklist) Check", command: "ppoLab.checkEnv", arguments: [doc.uri] }),
      new vscode.CodeLens(range, { title: "$(settings) Configure", command: "ppoLab.trainWithConfig", arguments: [doc.uri] }),
    ];
    const live = this.manager.liveRuns().filter((r) => r.envFile === doc.uri.fsPath || r.request.env === doc.uri.fsPath);
    for (const run of live) {
      const m = run.lastMetrics;
      lenses.push(
        new vscode.CodeLens(range, {
          title: `$(graph-line) Open Dashboard · ${formatSteps(m?.total_timesteps)} steps · R ${formatReturn(m?.ep_rew_mean)}`,
          command: "ppoLab.openDashboard",
          arguments: [{ kind: "live", run }],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
