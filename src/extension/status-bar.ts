/**
 * The status bar item while runs are live: "$(pulse) PPO 42.1k steps · 3.2k/s · R 187.3" (or "GRPO ...", see
 * statusBarText); a click opens the dashboard of the run shown.
 */
import * as vscode from "vscode";
import { statusBarText } from "./format";
import type { LiveRun, RunManager } from "./run-manager";

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("ppoLab.status", vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private lastEnded: LiveRun | undefined;

  constructor(private readonly manager: RunManager) {
    this.item.name = "PPO Lab";
    this.disposables.push(
      this.item,
      manager.onDidChangeRun((r) => {
        if (r.ended) this.lastEnded = r;
        this.update();
      }),
      manager.onMetrics(() => this.update()),
    );
  }

  private update(): void {
    const live = this.manager.liveRuns();
    const run = live[live.length - 1];
    if (!run) {
      const ended = this.lastEnded;
      if (!ended) {
        this.item.hide();
        return;
      }
      this.item.text = statusBarText(ended);
      this.item.tooltip = `${ended.envName}: ${ended.status}${ended.error ? `\n${ended.error}` : ""}`;
      this.item.command = { command: "ppoLab.openDashboard", title: "Open Dashboard", arguments: [{ kind: "live", run: ended }] };
      this.item.show();
      return;
    }
    this.item.text = statusBarText(run, live.length - 1);
    this.item.tooltip = `${run.envName}: ${run.status}\n${run.runDir ?? ""}\nClick to open the dashboard`;
    this.item.command = { command: "ppoLab.openDashboard", title: "Open Dashboard", arguments: [{ kind: "live", run }] };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
