/**
 * The dashboard panel: a webview that the host feeds with a snapshot on `ready` and batched live updates afterwards
 * (at most ~10 messages per second). A hidden panel is sent nothing; when it is shown again it re-syncs from a
 * fresh snapshot. The host holds the history (RunManager / run directories); the webview keeps only view state.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { readRunInfo } from "../../core/run/run-dir";
import type { DashboardExportFormat, FromDashboardMessage, ToDashboardMessage } from "../../protocol";
import type { LiveRun, RunManager } from "../run-manager";
import { UpdateBatcher } from "./dashboard-batcher";
import { dashboardTitle, episodeFromLive, liveInfo, runData, sourceFindings, sourceKey, type DashboardSource } from "./dashboard-data";
import { dashboardHtml } from "./dashboard-html";

export type { DashboardSource } from "./dashboard-data";

/** How long a panel that became visible waits for the webview's own `ready` before re-syncing by itself. */
const RESYNC_FALLBACK_MS = 1000;

const EXPORT_FILTERS: Record<DashboardExportFormat, Record<string, string[]>> = {
  csv: { CSV: ["csv"] },
  json: { JSON: ["json"] },
  png: { "PNG image": ["png"] },
};

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist"), vscode.Uri.joinPath(extensionUri, "media")],
  };
}

export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = "ppoLab.dashboard";
  private static readonly panels = new Set<DashboardPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly batcher: UpdateBatcher;
  /** The webview announced itself and has had its snapshot; live data may flow. */
  private ready = false;
  private resyncTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  /** Opens (or reveals) a dashboard for the given runs. */
  static show(extensionUri: vscode.Uri, manager: RunManager, sources: DashboardSource[]): DashboardPanel {
    const keys = sources.map(sourceKey).join("|");
    for (const p of DashboardPanel.panels) {
      if (p.keys === keys) {
        p.panel.reveal();
        return p;
      }
    }
    const title = dashboardTitle(sources);
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, title, vscode.ViewColumn.Beside, webviewOptions(extensionUri));
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
    panel.webview.options = webviewOptions(extensionUri);
    return new DashboardPanel(panel, extensionUri, manager, sources, sources.map(sourceKey).join("|"));
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly manager: RunManager,
    private readonly sources: DashboardSource[],
    private readonly keys: string,
  ) {
    DashboardPanel.panels.add(this);
    this.batcher = new UpdateBatcher((msg) => this.post(msg));
    panel.iconPath = vscode.Uri.joinPath(extensionUri, "media", "ppo-lab.svg");
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromDashboardMessage) => this.onMessage(m)),
      panel.onDidChangeViewState(() => this.onViewState()),
      manager.onMetrics(({ run, row }) => {
        if (this.streaming && this.liveRun(run.key)) this.batcher.addRow(run.key, row);
      }),
      manager.onMessage(({ run, msg }) => {
        if (msg.type === "episode" && this.streaming && this.liveRun(run.key)) {
          this.batcher.addEpisode(run.key, episodeFromLive({ return: msg.return, length: msg.length, totalTimesteps: msg.totalTimesteps }));
        }
        if (msg.type === "diagnostic" && this.streaming && this.liveRun(run.key)) {
          // The rows up to the finding's update go first, so its marker lands on drawn data.
          this.batcher.flush();
          this.post({ type: "findings", key: run.key, findings: [msg.finding] });
        }
      }),
      manager.onDidChangeRun((run) => {
        if (!this.liveRun(run.key)) return;
        // The algorithm is known for sure once the trainer has resolved the config ("GRPO: CartPole-v1").
        const title = dashboardTitle(this.sources);
        if (this.panel.title !== title) this.panel.title = title;
        if (!this.streaming) return;
        // Rows buffered before the change go first, so the webview never sees a status ahead of its data.
        this.batcher.flush();
        this.post({ type: "runInfo", info: liveInfo(run) });
      }),
    );
  }

  /** Live data flows only to a webview that is ready and on screen. */
  private get streaming(): boolean {
    return this.ready && this.panel.visible;
  }

  private liveRun(key: string): LiveRun | undefined {
    for (const s of this.sources) if (s.kind === "live" && s.run.key === key) return s.run;
    return undefined;
  }

  private post(msg: ToDashboardMessage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(msg);
  }

  /** The full state; anything buffered is part of it (the history already holds those rows) and is dropped. */
  private sendSnapshot(): void {
    this.cancelResync();
    this.batcher.clear();
    this.ready = true;
    this.post({ type: "snapshot", runs: this.sources.map(runData) });
  }

  private onViewState(): void {
    if (!this.panel.visible) {
      // Hidden: send nothing. Without retainContextWhenHidden the webview is discarded and will say `ready` again.
      this.ready = false;
      this.batcher.clear();
      this.cancelResync();
      return;
    }
    if (this.ready) return;
    // Shown again: a recreated webview sends `ready` (answered with a snapshot); a retained one would not, so
    // re-sync by ourselves if no `ready` arrives soon.
    this.cancelResync();
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      if (this.panel.visible && !this.ready) this.sendSnapshot();
    }, RESYNC_FALLBACK_MS);
  }

  private cancelResync(): void {
    if (this.resyncTimer !== undefined) clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
  }

  private onMessage(m: FromDashboardMessage): void {
    switch (m.type) {
      case "ready":
        this.sendSnapshot();
        return;
      case "command":
        this.onCommand(m);
        return;
      case "export":
        void this.onExport(m);
        return;
      case "copySuggestion":
        void this.onCopy(m);
        return;
      case "openConfig":
        void this.onOpenConfig(m);
        return;
    }
  }

  private source(key: string): DashboardSource | undefined {
    return this.sources.find((s) => sourceKey(s) === key);
  }

  /** Copies a finding's suggestion (the config change it names) to the clipboard. */
  private async onCopy(m: Extract<FromDashboardMessage, { type: "copySuggestion" }>): Promise<void> {
    if (typeof m.text !== "string" || m.text.length === 0 || m.text.length > 10_000) return;
    await vscode.env.clipboard.writeText(m.text);
    const shown = m.text.length > 80 ? `${m.text.slice(0, 77)}...` : m.text;
    void vscode.window.showInformationMessage(`PPO Lab: copied "${shown}" to the clipboard.`);
  }

  /**
   * Opens the run's env file at a finding's location (or at its top). Only the run's env file or a file one of the
   * run's findings points at is opened, whatever the webview asks for.
   */
  private async onOpenConfig(m: Extract<FromDashboardMessage, { type: "openConfig" }>): Promise<void> {
    const source = typeof m.key === "string" ? this.source(m.key) : undefined;
    if (!source) return;
    const envFile = source.kind === "live" ? source.run.envFile : source.info.envFile;
    const loc = m.location;
    const known = loc && typeof loc.file === "string" && sourceFindings(source).some((f) => f.location?.file === loc.file);
    const file = known ? loc.file : envFile;
    if (!file || !fs.existsSync(file)) {
      void vscode.window.showWarningMessage(`PPO Lab: the env file${file ? ` ${file}` : ""} of this run is not available.`);
      return;
    }
    const line = known && Number.isFinite(loc.line) ? Math.max(0, Math.floor(loc.line) - 1) : 0;
    const column = known && Number.isFinite(loc.column) ? Math.max(0, Math.floor(loc.column) - 1) : 0;
    const position = new vscode.Position(line, column);
    try {
      await vscode.window.showTextDocument(vscode.Uri.file(file), {
        viewColumn: vscode.ViewColumn.One,
        selection: new vscode.Range(position, position),
      });
    } catch (e) {
      void vscode.window.showErrorMessage(`PPO Lab: could not open ${file}: ${(e as Error).message}`);
    }
  }

  private onCommand(m: Extract<FromDashboardMessage, { type: "command" }>): void {
    const run = this.liveRun(m.key) ?? this.manager.find(m.key);
    const pastDir = this.sources.some((s) => s.kind === "past" && s.info.dir === m.key) ? m.key : undefined;
    const dir = run?.runDir ?? pastDir;
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
        if (dir) void vscode.commands.executeCommand("revealFileInOS", vscode.Uri.file(dir));
        break;
      case "openReplays":
        if (dir) void vscode.commands.executeCommand("ppoLab.openReplays", dir);
        break;
    }
  }

  /** Asks where to save a chart's data or image (default: the run directory) and writes it. */
  private async onExport(m: Extract<FromDashboardMessage, { type: "export" }>): Promise<void> {
    if (!Object.hasOwn(EXPORT_FILTERS, m.format) || typeof m.data !== "string" || typeof m.fileName !== "string") return;
    const fileName = path.basename(m.fileName).replace(/[^\w.-]+/g, "_") || `chart.${m.format}`;
    const run = m.key ? (this.liveRun(m.key) ?? this.manager.find(m.key)) : undefined;
    const dir = run?.runDir ?? (m.key && fs.existsSync(m.key) ? m.key : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
    const target = await vscode.window.showSaveDialog({
      title: `Export ${fileName}`,
      defaultUri: dir ? vscode.Uri.file(path.join(dir, fileName)) : undefined,
      filters: EXPORT_FILTERS[m.format],
    });
    if (!target) return;
    let bytes: Uint8Array;
    if (m.format === "png") {
      const match = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(m.data);
      if (!match) {
        void vscode.window.showErrorMessage("PPO Lab: the chart image could not be read.");
        return;
      }
      bytes = Buffer.from(match[1], "base64");
    } else {
      bytes = Buffer.from(m.data, "utf8");
    }
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
    } catch (e) {
      void vscode.window.showErrorMessage(`PPO Lab: could not write ${target.fsPath}: ${(e as Error).message}`);
      return;
    }
    const open = await vscode.window.showInformationMessage(`PPO Lab: saved ${path.basename(target.fsPath)}`, "Open");
    if (open) void vscode.commands.executeCommand("vscode.open", target);
  }

  private html(): string {
    const webview = this.panel.webview;
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...p)).toString();
    return dashboardHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString("base64"),
      scriptUri: uri("dist", "webview", "dashboard.js"),
      baseStyleUri: uri("media", "base.css"),
      styleUri: uri("media", "dashboard.css"),
      codiconUri: uri("dist", "webview", "codicons", "codicon.css"),
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    DashboardPanel.panels.delete(this);
    this.cancelResync();
    this.batcher.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
