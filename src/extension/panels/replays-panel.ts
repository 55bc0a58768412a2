/**
 * The Replays panel: one run's recorded episodes, played in a webview. The webview pulls what it plays (header,
 * chunks of steps, chunks of frames) with request ids; the host reads only those ranges through the run's
 * `ReplaySource` (ReplayServer caps each request). A live run's new replays update the list; "Record next episode"
 * goes to its trainer. Read errors are shown in the panel, never thrown into the host.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { ReplaySource } from "../../core/replay/types";
import { readRunInfo } from "../../core/run/run-dir";
import type { FromReplaysMessage, RatingState, ReplayExportFormat, ReplaysRunInfo, ToReplaysMessage } from "../../protocol";
import type { LiveRun, RunManager } from "../run-manager";
import { ReplayServer } from "./replays-data";
import { fitOutcomeMessage, fitRewardInChildProcess, RatingHost } from "./rating-data";
import { episodeAliases } from "../../core/rlhf/run-ratings";
import { replaysHtml } from "./replays-html";

/** Opens the reader of a run directory's replays (see `openRunReplaySource` in replays-data.ts). */
export type ReplaySourceFactory = (runDir: string) => ReplaySource;

const EXPORT_FILTERS: Record<ReplayExportFormat, Record<string, string[]>> = {
  gif: { "GIF animation": ["gif"] },
  webm: { "WebM video": ["webm"] },
  csv: { CSV: ["csv"] },
};

/** Largest export accepted from the webview (base64 or text characters). */
const MAX_EXPORT_CHARS = 512 * 1024 * 1024;

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist"), vscode.Uri.joinPath(extensionUri, "media")],
  };
}

export class ReplaysPanel implements vscode.Disposable {
  static readonly viewType = "ppoLab.replays";
  private static readonly panels = new Set<ReplaysPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly server: ReplayServer;
  private disposed = false;
  /** Coalesces list refreshes when a live run saves several replays at once. */
  private listTimer: ReturnType<typeof setTimeout> | undefined;
  /** Rate mode: ratings in preferences.jsonl, reward model fitting. */
  private readonly rating: RatingHost;
  private fitting = false;

  /** Opens (or reveals) the Replays panel of a run directory. */
  static show(extensionUri: vscode.Uri, manager: RunManager, runDir: string, openSource: ReplaySourceFactory): ReplaysPanel {
    for (const p of ReplaysPanel.panels) {
      if (p.runDir === runDir) {
        p.panel.reveal();
        return p;
      }
    }
    const title = `Replays: ${ReplaysPanel.runInfo(manager, runDir).runId}`;
    const panel = vscode.window.createWebviewPanel(ReplaysPanel.viewType, title, vscode.ViewColumn.Beside, webviewOptions(extensionUri));
    return new ReplaysPanel(panel, extensionUri, manager, runDir, openSource);
  }

  /** Restores a panel after a window reload from the webview's saved state (`{ runDir }`). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, manager: RunManager, state: unknown, openSource: ReplaySourceFactory): ReplaysPanel | undefined {
    const runDir = (state as { runDir?: unknown } | undefined)?.runDir;
    panel.webview.options = webviewOptions(extensionUri);
    if (typeof runDir !== "string" || !fs.existsSync(runDir)) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>The run directory of this Replays panel is gone.</p></body></html>`;
      return undefined;
    }
    return new ReplaysPanel(panel, extensionUri, manager, runDir, openSource);
  }

  /** What the panel says about the run: from the live run in this window, else from run.json. */
  private static runInfo(manager: RunManager, runDir: string): ReplaysRunInfo {
    const live = manager.find(runDir);
    if (live) return { runDir, runId: live.runId ?? path.basename(runDir), envName: live.envName, status: live.status, live: live.live };
    try {
      const info = readRunInfo(runDir);
      return { runDir, runId: info.id, envName: info.envName, status: info.status, live: false };
    } catch {
      return { runDir, runId: path.basename(runDir), envName: "?", status: "unknown", live: false };
    }
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly manager: RunManager,
    readonly runDir: string,
    openSource: ReplaySourceFactory,
  ) {
    ReplaysPanel.panels.add(this);
    this.server = new ReplayServer(openSource(runDir));
    this.rating = new RatingHost(runDir);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, "media", "ppo-lab.svg");
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromReplaysMessage) => void this.onMessage(m)),
      manager.onMessage(({ run, msg }) => {
        if (run.runDir !== this.runDir) return;
        if (msg.type === "replay" || msg.type === "finished") this.refreshListSoon();
      }),
      manager.onDidChangeRun((run) => {
        if (run.runDir === this.runDir) this.refreshListSoon();
      }),
    );
  }

  private liveRun(): LiveRun | undefined {
    const run = this.manager.find(this.runDir);
    return run?.live ? run : undefined;
  }

  private post(msg: ToReplaysMessage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(msg);
  }

  private refreshListSoon(): void {
    if (this.listTimer !== undefined) return;
    this.listTimer = setTimeout(() => {
      this.listTimer = undefined;
      void this.sendList("replays");
    }, 200);
  }

  /** The run and its replay list (a hidden webview gets it again with `ready` when it is recreated). */
  private async sendList(type: "init" | "replays"): Promise<void> {
    const { replays, error } = await this.server.list();
    this.post({ type, run: ReplaysPanel.runInfo(this.manager, this.runDir), replays, ...(error ? { error } : {}) });
  }

  private async onMessage(m: FromReplaysMessage): Promise<void> {
    if (!m || typeof m !== "object") return;
    switch (m.type) {
      case "ready":
        await this.sendList("init");
        return;
      case "request":
        if (typeof m.requestId !== "number") return;
        this.post(await this.server.respond(m.requestId, m.request));
        return;
      case "recordNext": {
        const run = this.liveRun();
        if (!run) {
          this.post({ type: "recordState", state: "unavailable", message: "This run is not training in this window: only a live run can record its next episode." });
          return;
        }
        this.manager.recordReplay(run, m.deterministic === true);
        this.post({ type: "recordState", state: "sent", message: `Recording the next ${m.deterministic ? "deterministic " : ""}episode; it appears here when it ends.` });
        return;
      }
      case "export":
        await this.onExport(m);
        return;
      case "openDashboard":
        await vscode.commands.executeCommand("ppoLab.openDashboard", this.dashboardTarget());
        return;
      case "rateStart":
        await this.sendRating();
        return;
      case "rate": {
        const { ids, aliases } = await this.rateableIds();
        const problem = this.rating.rate(ids, m.a, m.b, m.choice, aliases);
        await this.sendRating(problem ? { level: "error", text: problem } : undefined);
        return;
      }
      case "fitReward":
        await this.fitReward();
        return;
      case "trainOnLearnedReward":
        await vscode.commands.executeCommand("ppoLab.trainOnLearnedReward", this.runDir);
        return;
    }
  }

  /** Ids of the replays that can be rated (with at least one step). */
  /** Replays with steps, and which of them are one recording (periodic + best/worst, see episodeAliases). */
  private async rateableIds(): Promise<{ ids: string[]; aliases: Map<string, string> }> {
    const replays = (await this.server.list()).replays.filter((r) => r.length > 0);
    return { ids: replays.map((r) => r.id), aliases: episodeAliases(replays) };
  }

  private async sendRating(message?: RatingState["message"]): Promise<void> {
    const { ids, aliases } = await this.rateableIds();
    this.post({ type: "rating", state: this.rating.state(ids, { fitting: this.fitting, message }, aliases) });
  }

  /**
   * Fits the reward model in a child process (`ppo-lab fit-reward`, TF.js off the extension host), then sends the new
   * state: its reward model carries the held-out accuracy (shown once), or a message with the CLI's error.
   */
  private async fitReward(): Promise<void> {
    if (this.fitting) return;
    this.fitting = true;
    await this.sendRating();
    const result = await fitRewardInChildProcess(path.join(this.extensionUri.fsPath, "dist", "cli.js"), this.runDir);
    this.fitting = false;
    await this.sendRating(fitOutcomeMessage(result));
  }

  /** The Runs-tree node shape `ppoLab.openDashboard` takes, for this panel's run. */
  private dashboardTarget(): unknown {
    const live = this.manager.find(this.runDir);
    if (live) return { kind: "live", run: live };
    try {
      return { kind: "past", info: { ...readRunInfo(this.runDir), dir: this.runDir } };
    } catch {
      return undefined;
    }
  }

  /** Asks where to save an export (default: the run directory) and writes it. */
  private async onExport(m: Extract<FromReplaysMessage, { type: "export" }>): Promise<void> {
    if (!Object.hasOwn(EXPORT_FILTERS, m.format) || typeof m.data !== "string" || typeof m.fileName !== "string") return;
    if (m.data.length > MAX_EXPORT_CHARS) {
      void vscode.window.showErrorMessage(`PPO Lab: the export is too large (${Math.round(m.data.length / 1e6)} MB); export a shorter replay.`);
      return;
    }
    const fileName = path.basename(m.fileName).replace(/[^\w.-]+/g, "_") || `replay.${m.format}`;
    const target = await vscode.window.showSaveDialog({
      title: `Export ${fileName}`,
      defaultUri: vscode.Uri.file(path.join(this.runDir, fileName)),
      filters: EXPORT_FILTERS[m.format],
    });
    if (!target) return;
    const bytes = m.format === "csv" ? Buffer.from(m.data, "utf8") : Buffer.from(m.data, "base64");
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
    } catch (e) {
      void vscode.window.showErrorMessage(`PPO Lab: could not write ${target.fsPath}: ${(e as Error).message}`);
      return;
    }
    const open = await vscode.window.showInformationMessage(`PPO Lab: saved ${path.basename(target.fsPath)}`, "Reveal");
    if (open) void vscode.commands.executeCommand("revealFileInOS", target);
  }

  private html(): string {
    const webview = this.panel.webview;
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...p)).toString();
    return replaysHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString("base64"),
      scriptUri: uri("dist", "webview", "replays.js"),
      baseStyleUri: uri("media", "base.css"),
      styleUri: uri("media", "replays.css"),
      codiconUri: uri("dist", "webview", "codicons", "codicon.css"),
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    ReplaysPanel.panels.delete(this);
    if (this.listTimer !== undefined) clearTimeout(this.listTimer);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
