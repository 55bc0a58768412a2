/**
 * The dashboard panel: a webview that the host feeds with a snapshot on `ready` and live metric rows afterwards.
 * The host holds the history (RunManager / run directories); the webview keeps only view state.
 */
import * as crypto from "node:crypto";
import * as vscode from "vscode";
import { RunReader, readRunInfo, type RunListing } from "../../core/run/run-dir";
import type { DashboardRunInfo, FromDashboardMessage, MetricsMessageRow, ToDashboardMessage } from "../../protocol";
import type { LiveRun, RunManager } from "../run-manager";

/** Points per run sent in a snapshot; the host downsamples longer histories. */
const SNAPSHOT_POINTS = 2000;

export type DashboardSource = { kind: "live"; run: LiveRun } | { kind: "past"; info: RunListing };

function liveInfo(run: LiveRun): DashboardRunInfo {
  return {
    key: run.key,
    runId: run.runId,
    runDir: run.runDir,
    envName: run.envName,
    envFile: run.envFile,
    status: run.status,
    backend: run.backend,
    seed: run.config?.seed,
    totalTimesteps: run.config?.totalTimesteps,
    config: run.config as unknown as Record<string, unknown> | undefined,
    sources: run.sources,
    error: run.error,
    live: run.live,
  };
}

function pastInfo(info: RunListing): DashboardRunInfo {
  return {
    key: info.dir,
    runId: info.id,
    runDir: info.dir,
    envName: info.envName,
    envFile: info.envFile,
    status: info.status,
    backend: info.backend,
    seed: info.seed,
    totalTimesteps: (info.config as { totalTimesteps?: number }).totalTimesteps,
    config: info.config,
    sources: info.configSources as Record<string, string> | undefined,
    error: info.error?.message,
    live: false,
  };
}

function downsample<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  const step = (rows.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => rows[Math.round(i * step)]);
}

export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = "ppoLab.dashboard";
  private static readonly panels = new Set<DashboardPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;

  /** Opens (or reveals) a dashboard for the given runs. */
  static show(extensionUri: vscode.Uri, manager: RunManager, sources: DashboardSource[]): DashboardPanel {
    const keys = sources.map((s) => (s.kind === "live" ? s.run.key : s.info.dir)).join("|");
    for (const p of DashboardPanel.panels) {
      if (p.keys === keys) {
        p.panel.reveal();
        return p;
      }
    }
    const title = sources.length === 1 ? `PPO: ${sources[0].kind === "live" ? sources[0].run.envName : sources[0].info.id}` : `PPO: compare ${sources.length} runs`;
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, title, vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist"), vscode.Uri.joinPath(extensionUri, "media")],
    });
    return new DashboardPanel(panel, extensionUri, manager, sources, keys);
  }

  /**
   * Restores a panel after a window reload from the webview's saved state (`{ runDirs }`): the runs come back as
   * past runs read from their directories; a run that was live here is shown from its files.
   */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, manager: RunManager, state: unknown): DashboardPanel {
    const dirs = (state as { runDirs?: unknown } | undefined)?.runDirs;
    const sources: DashboardSource[] = [];
    if (Array.isArray(dirs)) {
      for (const dir of dirs) {
        if (typeof dir !== "string") continue;
        const live = manager.liveRuns().find((r) => r.runDir === dir);
        if (live) sources.push({ kind: "live", run: live });
        else {
          try {
            sources.push({ kind: "past", info: { ...readRunInfo(dir), dir } });
          } catch {
            // the run directory is gone
          }
        }
      }
    }
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist"), vscode.Uri.joinPath(extensionUri, "media")],
    };
    return new DashboardPanel(panel, extensionUri, manager, sources, sources.map((s) => (s.kind === "live" ? s.run.key : s.info.dir)).join("|"));
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly manager: RunManager,
    private readonly sources: DashboardSource[],
    private readonly keys: string,
  ) {
    DashboardPanel.panels.add(this);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, "media", "ppo-lab.svg");
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromDashboardMessage) => this.onMessage(m)),
      manager.onMetrics(({ run, row }) => {
        if (this.ready && this.liveRun(run.key)) this.post({ type: "metrics", key: run.key, row });
      }),
      manager.onDidChangeRun((run) => {
        if (this.ready && this.liveRun(run.key)) this.post({ type: "runInfo", info: liveInfo(run) });
      }),
    );
  }

  private liveRun(key: string): LiveRun | undefined {
    for (const s of this.sources) if (s.kind === "live" && s.run.key === key) return s.run;
    return undefined;
  }

  private post(msg: ToDashboardMessage): void {
    void this.panel.webview.postMessage(msg);
  }

  private snapshot(): ToDashboardMessage {
    return {
      type: "snapshot",
      runs: this.sources.map((s) => {
        if (s.kind === "live") return { info: liveInfo(s.run), rows: s.run.history.downsample(SNAPSHOT_POINTS) };
        let rows: MetricsMessageRow[] = [];
        try {
          rows = new RunReader(s.info.dir).metrics().rows;
        } catch {
          // an unreadable run shows its header only
        }
        return { info: pastInfo(s.info), rows: downsample(rows, SNAPSHOT_POINTS) };
      }),
    };
  }

  private onMessage(m: FromDashboardMessage): void {
    if (m.type === "ready") {
      this.ready = true;
      this.post(this.snapshot());
      return;
    }
    if (m.type === "command") {
      const run = this.liveRun(m.key) ?? this.manager.find(m.key);
      const dir = run?.runDir ?? m.key;
      switch (m.command) {
        case "stop":
          if (run) this.manager.stop(run);
          break;
        case "pause":
          if (run) this.manager.pause(run);
          break;
        case "resume":
          if (run) this.manager.resume(run);
          break;
        case "checkpoint":
          if (run) this.manager.checkpoint(run);
          break;
        case "openRunDir":
          void vscode.commands.executeCommand("revealFileInOS", vscode.Uri.file(dir));
          break;
      }
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "dist", "webview", "dashboard.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "media", "dashboard.css"));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource} 'unsafe-inline'; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>PPO Lab dashboard</title>
</head>
<body>
<div id="app"><p class="muted">Loading run...</p></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    DashboardPanel.panels.delete(this);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
