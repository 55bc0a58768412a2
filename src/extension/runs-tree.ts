/**
 * The Runs tree: live runs first, then past runs from the run directories grouped by environment.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { listRuns, type RunListing } from "../core/run/run-dir";
import { REWARD_MODEL_FILE } from "../core/rlhf/run-ratings";
import { formatReturn, formatSteps, liveRunConfig, runKindPrefix, runTooltipHeading } from "./format";
import type { LiveRun, RunManager } from "./run-manager";

export type RunNode =
  | { kind: "live"; run: LiveRun }
  | { kind: "group"; env: string; runs: RunListing[] }
  | { kind: "past"; info: RunListing };

const STATUS_ICON: Record<string, string> = {
  queued: "clock",
  checking: "loading~spin",
  starting: "loading~spin",
  running: "sync~spin",
  paused: "debug-pause",
  stopping: "loading~spin",
  finished: "pass",
  stopped: "debug-stop",
  failed: "error",
};

export class RunsTreeProvider implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly manager: RunManager,
    private readonly roots: () => string[],
  ) {
    this.disposables.push(
      manager.onDidChangeRun(() => this.refresh()),
      manager.onMetrics(() => this.refreshSoon()),
      this.changed,
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Coalesces metric-driven refreshes to at most one per second. */
  private refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, 1000);
  }

  /** Past runs on disk, newest first, excluding runs that are live in this window. */
  pastRuns(): RunListing[] {
    const liveDirs = new Set(this.manager.liveRuns().map((r) => r.runDir));
    return this.roots()
      .flatMap((root) => {
        try {
          return listRuns(root);
        } catch {
          return [];
        }
      })
      .filter((r) => !liveDirs.has(r.dir));
  }

  getChildren(node?: RunNode): RunNode[] {
    if (!node) {
      const live: RunNode[] = this.manager
        .runs()
        .filter((r) => !r.ended)
        .map((run) => ({ kind: "live", run }));
      const groups = new Map<string, RunListing[]>();
      for (const info of this.pastRuns()) {
        const key = info.envFile || info.envName;
        groups.set(key, [...(groups.get(key) ?? []), info]);
      }
      const past: RunNode[] = [...groups.entries()].map(([env, runs]) => ({ kind: "group", env, runs }));
      return [...live, ...past];
    }
    if (node.kind === "group") return node.runs.map((info) => ({ kind: "past", info }));
    return [];
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    if (node.kind === "group") {
      const item = new vscode.TreeItem(path.basename(node.env), vscode.TreeItemCollapsibleState.Collapsed);
      item.description = `${node.runs.length} run${node.runs.length === 1 ? "" : "s"}`;
      item.tooltip = node.env;
      item.iconPath = new vscode.ThemeIcon("file-code");
      item.contextValue = "envGroup";
      return item;
    }
    if (node.kind === "live") {
      const r = node.run;
      const m = r.lastMetrics;
      const item = new vscode.TreeItem(r.runId ?? r.envName, vscode.TreeItemCollapsibleState.None);
      item.description = `${runKindPrefix(liveRunConfig(r))}${r.status} · ${formatSteps(m?.total_timesteps)} steps · R ${formatReturn(m?.ep_rew_mean)}`;
      item.iconPath = new vscode.ThemeIcon(STATUS_ICON[r.status] ?? "circle-outline");
      item.tooltip = new vscode.MarkdownString(
        `${runTooltipHeading(liveRunConfig(r), r.envName, r.status)}\n\n${r.runDir ?? "starting..."}${r.error ? `\n\n${r.error}` : ""}`,
      );
      item.contextValue = r.status === "paused" ? "run.paused" : "run.live";
      item.command = { command: "ppoLab.openDashboard", title: "Open Dashboard", arguments: [node] };
      return item;
    }
    const info = node.info;
    const item = new vscode.TreeItem(info.id, vscode.TreeItemCollapsibleState.None);
    item.description = `${runKindPrefix(info.config)}${info.status} · ${formatSteps(info.totalTimesteps)} steps`;
    item.iconPath = new vscode.ThemeIcon(STATUS_ICON[info.status] ?? "circle-outline");
    item.tooltip = new vscode.MarkdownString(
      `${runTooltipHeading(info.config, info.envName, info.status)}\n\n${info.dir}\n\nseed ${info.seed}, backend ${info.backend}` +
        (info.error ? `\n\n${info.error.message}` : ""),
    );
    item.contextValue = info.lastCheckpointStep !== undefined ? "run.past.checkpointed" : "run.past";
    // A fitted reward model (RLHF in miniature): "Train on Learned Reward" in the context menu.
    if (fs.existsSync(path.join(info.dir, REWARD_MODEL_FILE))) item.contextValue += ".rlhf";
    item.command = { command: "ppoLab.openDashboard", title: "Open Dashboard", arguments: [node] };
    return item;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}
