/**
 * Extension entry: wires the run manager (trainer processes), the Runs tree, the status bar, CodeLens, the
 * Problems panel and the dashboard to commands. `activate` registers and returns; work starts on command.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { PRESETS, resolveConfig, type PPOConfig } from "../core/ppo/config";
import { BUILTIN_ENVS } from "../envs/loader";
import { readRunInfo, type RunListing } from "../core/run/run-dir";
import { REWARD_MODEL_FILE } from "../core/rlhf/run-ratings";
import { runCheck, showCheckReport } from "./check-report";
import { EnvCodeLensProvider } from "./codelens";
import { liveRunConfig, runPickDescription } from "./format";
import { compareAlgorithmsCommand } from "./compare-algorithms";
import { learnedRewardOverrides } from "./learned-reward";
import { runKind } from "../run-kind";
import { envTemplate, findEnvFiles, isEnvFileName } from "./env-files";
import { pickPythonEnv, resolvePythonInterpreter } from "./python-interpreter";
import { DashboardPanel, type DashboardSource } from "./panels/dashboard-panel";
import { openRunReplaySource } from "./panels/replays-data";
import { ReplaysPanel } from "./panels/replays-panel";
import { ReloadResume } from "./reload-resume";
import { RunFindings } from "./run-findings";
import { RunManager, type LiveRun } from "./run-manager";
import { RunsTreeProvider, type RunNode } from "./runs-tree";
import { maxConcurrentRuns, runsRoot, settingsConfig } from "./settings";
import { RunStatusBar } from "./status-bar";
import { forkTrainer } from "./trainer-process";
import { deleteRunDirectory, runDeleteRefusal } from "./run-delete";

let manager: RunManager | undefined;

/** What commands receive: a tree node, a URI, or nothing (then they ask). */
type CommandTarget = RunNode | vscode.Uri | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel("PPO Lab", { log: true });
  // The Python interpreter for .py env files, resolved when one is picked (see pickEnv); trainers get it as
  // PPO_LAB_PYTHON.
  let trainerPython: string | undefined;
  const spawn = forkTrainer(
    context.extensionPath,
    (stream, line) => (stream === "stderr" ? log.warn(line) : log.info(line)),
    () => (trainerPython ? { PPO_LAB_PYTHON: trainerPython } : {}),
  );
  manager = new RunManager(spawn, {
    maxConcurrent: maxConcurrentRuns,
    log: (level, message) => log[level](message),
  });
  const runs = manager;
  const checkDiagnostics = vscode.languages.createDiagnosticCollection("ppo-lab-check");
  const roots = (): string[] =>
    (vscode.workspace.workspaceFolders ?? []).map((f) => runsRoot(f.uri.fsPath, f.uri));
  const tree = new RunsTreeProvider(runs, roots);
  const treeView = vscode.window.createTreeView("ppoLab.runs", { treeDataProvider: tree, canSelectMany: true });
  context.subscriptions.push(
    log,
    checkDiagnostics,
    tree,
    treeView,
    new RunStatusBar(runs),
    new RunFindings(runs),
    vscode.languages.registerCodeLensProvider(
      [{ language: "typescript" }, { language: "javascript" }, { language: "python" }].map((s) => ({ ...s, scheme: "file" })),
      new EnvCodeLensProvider(runs),
    ),
    { dispose: () => runs.dispose() },
  );

  runs.onMessage(({ run, msg }) => {
    if (msg.type === "log") log[msg.level](`${run.envName}: ${msg.message}`);
    if (msg.type === "started") log.info(`${msg.runId}: started in ${msg.runDir} (backend ${msg.backend})`);
    if (msg.type === "error") {
      log.error(`${run.envName}: ${msg.message}`);
      const where = msg.file ? `${path.basename(msg.file)}${msg.line ? `:${msg.line}` : ""}: ` : "";
      void vscode.window.showErrorMessage(`PPO Lab: ${where}${msg.message.split("\n")[0]}`, "Show Log").then((c) => {
        if (c) log.show();
      });
    }
    if (msg.type === "finished") {
      log.info(`${run.runId ?? run.envName}: ${msg.status} after ${msg.totalTimesteps} steps`);
      tree.refresh();
    }
  });
  // Runs whose trainer stopped because this window reloaded continue now (see reload-resume.ts).
  const reloadResume = new ReloadResume(runs, {
    cwdFor: (dir) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir))?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(dir),
    log: (level, message) => log[level](message),
  });
  context.subscriptions.push(reloadResume);
  reloadResume.scan(roots());
  runs.onCheckReport(({ report }) => showCheckReport(checkDiagnostics, report));
  runs.onDidChangeRun(() => void vscode.commands.executeCommand("setContext", "ppoLab.hasLiveRuns", runs.liveRuns().length > 0));
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        // A run this panel showed live may be resuming after the reload: show it live, not as a past run.
        const dirs = (state as { runDirs?: unknown } | undefined)?.runDirs;
        await reloadResume.settled(Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === "string") : []);
        DashboardPanel.revive(panel, context.extensionUri, runs, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(ReplaysPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        ReplaysPanel.revive(panel, context.extensionUri, runs, state, openRunReplaySource);
      },
    }),
  );
  runs.onDidChangeRun((run) => {
    if (run.status === "failed" && run.error && !run.checkReport?.ok) {
      const isCheck = run.checkReport && !run.checkReport.ok;
      void vscode.window
        .showErrorMessage(`PPO Lab: ${run.envName}: ${run.error.split("\n")[0]}`, isCheck ? "Show Problems" : "Show Log")
        .then((c) => {
          if (c === "Show Problems") void vscode.commands.executeCommand("workbench.actions.view.problems");
          else if (c) log.show();
        });
    }
    // Another window (or the CLI) took the run first: its lock holder trains it there; nothing was changed here.
    if (run.status === "stopped" && run.notResumed && run.error) void vscode.window.showWarningMessage(`PPO Lab: not resumed here: ${run.error}`);
  });

  const requireTrust = async (): Promise<boolean> => {
    if (vscode.workspace.isTrusted) return true;
    const choice = await vscode.window.showWarningMessage(
      "PPO Lab runs environment files as code. Trust this workspace to train or check environments; past runs stay viewable.",
      "Manage Workspace Trust",
    );
    if (choice) void vscode.commands.executeCommand("workbench.trust.manage");
    return false;
  };

  /**
   * The env to act on (see pickAnyEnv); for a .py file, the Python interpreter is resolved and, when the file holds
   * several env classes, the user picks one (`file.py:Name`).
   */
  const pickEnv = async (target: CommandTarget, title: string): Promise<{ env: string; uri?: vscode.Uri } | undefined> => {
    const picked = await pickAnyEnv(target, title);
    if (!picked || !picked.env.endsWith(".py")) return picked;
    trainerPython = await resolvePythonInterpreter(picked.uri, (m) => log.warn(m));
    log.info(`Python interpreter for ${path.basename(picked.env)}: ${trainerPython ?? "python3 from PATH"}`);
    const env = await pickPythonEnv(picked.env, trainerPython);
    return env === undefined ? undefined : { ...picked, env };
  };

  /** The env to act on: the given URI, the active editor's file, or a pick of workspace env files and built-ins. */
  const pickAnyEnv = async (target: CommandTarget, title: string): Promise<{ env: string; uri?: vscode.Uri } | undefined> => {
    if (target instanceof vscode.Uri) return { env: target.fsPath, uri: target };
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === "file" && isEnvFileName(active.fsPath)) return { env: active.fsPath, uri: active };
    const files = await findEnvFiles();
    const items: (vscode.QuickPickItem & { env: string; uri?: vscode.Uri })[] = [
      ...files.map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri), env: uri.fsPath, uri })),
      ...Object.keys(BUILTIN_ENVS).map((id) => ({ label: id, description: "built-in", env: id })),
    ];
    return vscode.window.showQuickPick(items, { title, placeHolder: "Environment file or built-in id" });
  };

  const saveIfDirty = async (uri?: vscode.Uri): Promise<boolean> => {
    if (!uri) return true;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc?.isDirty) return true;
    const choice = await vscode.window.showWarningMessage(`${path.basename(doc.fileName)} has unsaved changes.`, { modal: true }, "Save and Continue");
    return choice === "Save and Continue" && (await doc.save());
  };

  const cwdFor = (uri?: vscode.Uri): string => {
    const folder = (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
    if (folder) return folder.uri.fsPath;
    if (uri) return path.dirname(uri.fsPath);
    fs.mkdirSync(context.globalStorageUri.fsPath, { recursive: true });
    return context.globalStorageUri.fsPath;
  };

  const openDashboard = (sources: DashboardSource[]): void => {
    DashboardPanel.show(context.extensionUri, runs, sources);
  };

  /** Starts a run (checker first) with a cancellable progress notification for the start-up phase. */
  const startRun = async (env: string, uri: vscode.Uri | undefined, extra: { configFile?: string; overrides?: Partial<PPOConfig> } = {}): Promise<LiveRun> => {
    const cwd = cwdFor(uri);
    const run = runs.start({
      env,
      cwd,
      runsRoot: runsRoot(cwd, uri),
      settings: settingsConfig(uri),
      configFile: extra.configFile,
      overrides: extra.overrides,
    });
    log.info(`queued ${env}`);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `PPO Lab: ${path.basename(env)}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          const report = (): void => {
            progress.report({ message: run.status === "queued" ? "queued (max concurrent runs reached)" : run.status === "checking" ? "bundling and checking the environment..." : "starting the trainer..." });
            if (run.status === "running" || run.status === "paused" || run.ended) {
              sub.dispose();
              resolve();
            }
          };
          const sub = runs.onDidChangeRun((r) => r === run && report());
          token.onCancellationRequested(() => {
            runs.stop(run);
            sub.dispose();
            resolve();
          });
          report();
        }),
    );
    if (run.status === "running" && vscode.workspace.getConfiguration("ppoLab").get<boolean>("openDashboardOnTrain", true)) {
      openDashboard([{ kind: "live", run }]);
    }
    return run;
  };

  const pickLiveRun = async (target: CommandTarget, filter: (r: LiveRun) => boolean, verb: string): Promise<LiveRun | undefined> => {
    if (target && !(target instanceof vscode.Uri) && target.kind === "live") return target.run;
    const candidates = runs.liveRuns().filter(filter);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`PPO Lab: no run to ${verb}.`);
      return undefined;
    }
    if (candidates.length === 1) return candidates[0];
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: r.runId ?? r.envName, description: r.status, run: r })),
      { title: `PPO Lab: run to ${verb}` },
    );
    return pick?.run;
  };

  const allRunSources = (): (vscode.QuickPickItem & { source: DashboardSource })[] => [
    ...runs.liveRuns().map((run) => ({
      label: `$(pulse) ${run.runId ?? run.envName}`,
      description: runPickDescription(liveRunConfig(run), run.status, run.runId ? run.envName : undefined),
      source: { kind: "live" as const, run },
    })),
    ...tree.pastRuns().map((info: RunListing) => ({
      label: info.id,
      description: runPickDescription(info.config, info.status, info.envName),
      source: { kind: "past" as const, info },
    })),
  ];

  const register = (id: string, fn: (...args: never[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown));
  };

  register("ppoLab.train", async (target?: vscode.Uri) => {
    if (!(await requireTrust())) return;
    const picked = await pickEnv(target, "PPO Lab: environment to train");
    if (!picked || !(await saveIfDirty(picked.uri))) return;
    await startRun(picked.env, picked.uri);
  });

  register("ppoLab.trainWithConfig", async (target?: vscode.Uri) => {
    if (!(await requireTrust())) return;
    const picked = await pickEnv(target, "PPO Lab: environment to train");
    if (!picked || !(await saveIfDirty(picked.uri))) return;
    const configs = await vscode.workspace.findFiles("**/{*.ppo.json,ppo-lab.config.json}", "**/node_modules/**", 100);
    type Item = vscode.QuickPickItem & { action: "preset" | "file" | "edit"; file?: string; preset?: string };
    const items: Item[] = [
      { label: "$(zap) Preset and settings", description: "defaults < preset < settings < the env file's config", action: "preset" },
      ...Object.keys(PRESETS).map((id) => ({ label: `$(beaker) ${id} preset`, description: "apply this preset's hyperparameters", action: "preset" as const, preset: id })),
      ...configs.map((u) => ({ label: `$(json) ${path.basename(u.fsPath)}`, description: vscode.workspace.asRelativePath(u), action: "file" as const, file: u.fsPath })),
      { label: "$(edit) Edit hyperparameters...", description: "open the resolved config as JSON (validated, with completion)", action: "edit" },
    ];
    const choice = await vscode.window.showQuickPick(items, { title: "PPO Lab: train with config" });
    if (!choice) return;
    if (choice.action === "preset") {
      await startRun(picked.env, picked.uri, { overrides: choice.preset ? PRESETS[choice.preset] : undefined });
    } else if (choice.action === "file") {
      await startRun(picked.env, picked.uri, { configFile: choice.file });
    } else {
      const cwd = cwdFor(picked.uri);
      const builtinId = Object.keys(BUILTIN_ENVS).find((id) => id === picked.env || BUILTIN_ENVS[id] === path.basename(picked.env));
      const layers = [
        ...(builtinId ? [{ kind: "preset" as const, label: "preset", values: PRESETS[builtinId] }] : []),
        { kind: "settings" as const, label: "settings", values: settingsConfig(picked.uri) },
      ];
      const { config } = resolveConfig(layers);
      const dir = path.join(cwd, ".ppo-lab", "configs");
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${path.basename(picked.env).replace(/\.[^.]+$/, "")}.ppo.json`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const go = await vscode.window.showInformationMessage(
        `Edit the hyperparameters in ${path.basename(file)}, then train. Values here override the env file's config.`,
        "Save and Train",
      );
      if (go && (await doc.save())) await startRun(picked.env, picked.uri, { configFile: file });
    }
  });

  register("ppoLab.stop", async (target?: CommandTarget) => {
    const run = await pickLiveRun(target, () => true, "stop");
    if (run) runs.stop(run);
  });
  register("ppoLab.pause", async (target?: CommandTarget) => {
    const run = await pickLiveRun(target, (r) => r.status === "running", "pause");
    if (run) runs.pause(run);
  });
  register("ppoLab.resume", async (target?: CommandTarget) => {
    const run = await pickLiveRun(target, (r) => r.status === "paused", "resume");
    if (run) runs.resume(run);
  });
  register("ppoLab.checkpoint", async (target?: CommandTarget) => {
    const run = await pickLiveRun(target, (r) => r.status === "running" || r.status === "paused", "checkpoint");
    if (run) runs.checkpoint(run);
  });

  register("ppoLab.openDashboard", async (target?: RunNode) => {
    if (target && target.kind === "live") return openDashboard([{ kind: "live", run: target.run }]);
    if (target && target.kind === "past") return openDashboard([{ kind: "past", info: target.info }]);
    const items = allRunSources();
    if (items.length === 0) {
      void vscode.window.showInformationMessage("PPO Lab: no runs yet. Run \"PPO Lab: Train Environment\" first.");
      return;
    }
    const pick = await vscode.window.showQuickPick(items, { title: "PPO Lab: open the dashboard of a run" });
    if (pick) openDashboard([pick.source]);
  });

  register("ppoLab.openReplays", async (target?: RunNode | string) => {
    let dir: string | undefined;
    if (typeof target === "string") dir = target;
    else if (target?.kind === "live") dir = target.run.runDir;
    else if (target?.kind === "past") dir = target.info.dir;
    if (!dir && target === undefined) {
      const items = allRunSources().filter((i) => (i.source.kind === "live" ? i.source.run.runDir : i.source.info.dir));
      if (items.length === 0) {
        void vscode.window.showInformationMessage("PPO Lab: no runs yet. Run \"PPO Lab: Train Environment\" first.");
        return;
      }
      const pick = await vscode.window.showQuickPick(items, { title: "PPO Lab: open the replays of a run" });
      if (!pick) return;
      dir = pick.source.kind === "live" ? pick.source.run.runDir : pick.source.info.dir;
    }
    if (!dir) {
      void vscode.window.showInformationMessage("PPO Lab: this run has no run directory yet; try again once it has started.");
      return;
    }
    ReplaysPanel.show(context.extensionUri, runs, dir, openRunReplaySource);
  });

  // RLHF in miniature: a new run on the same env file, rewarded by the reward model fit on this run's ratings.
  register("ppoLab.trainOnLearnedReward", async (target?: RunNode | string) => {
    if (!(await requireTrust())) return;
    let dir = typeof target === "string" ? target : target?.kind === "live" ? target.run.runDir : target?.kind === "past" ? target.info.dir : undefined;
    if (!dir) {
      const items = allRunSources()
        .map((i) => ({ ...i, dir: i.source.kind === "live" ? i.source.run.runDir : i.source.info.dir }))
        .filter((i) => i.dir && fs.existsSync(path.join(i.dir, REWARD_MODEL_FILE)));
      if (items.length === 0) {
        void vscode.window.showInformationMessage("PPO Lab: no run has a reward model yet. Rate episodes in a run's Replays panel (Rate), then Fit reward model.");
        return;
      }
      dir = (await vscode.window.showQuickPick(items, { title: "PPO Lab: train on the learned reward of a run" }))?.dir;
      if (!dir) return;
    }
    const modelFile = path.join(dir, REWARD_MODEL_FILE);
    if (!fs.existsSync(modelFile)) {
      void vscode.window.showErrorMessage(`PPO Lab: ${dir} has no ${REWARD_MODEL_FILE}; rate episodes in its Replays panel and fit the reward model first.`);
      return;
    }
    let info: ReturnType<typeof readRunInfo>;
    try {
      info = readRunInfo(dir);
    } catch (e) {
      void vscode.window.showErrorMessage(`PPO Lab: cannot read the run of ${dir}: ${(e as Error).message}`);
      return;
    }
    let fineTune = false;
    if (info.lastCheckpointStep !== undefined) {
      // The RLHF shape: start from the rated run's policy and stay close to it (adaptive KL to that reference).
      const how = await vscode.window.showQuickPick(
        [
          {
            label: "$(debug-restart) Fine-tune this run's policy",
            description: `start from its newest checkpoint, ${runKind(info.config).algorithm === "grpo" ? "GRPO's KL term (grpo.klCoef)" : "adaptive KL penalty"} to it (RLHF)`,
            fineTune: true,
          },
          { label: "$(add) Fresh policy", description: "train from scratch on the learned reward", fineTune: false },
        ],
        { title: "PPO Lab: train on the learned reward" },
      );
      if (!how) return;
      fineTune = how.fineTune;
    }
    const overrides = learnedRewardOverrides(modelFile, dir, info.config, fineTune);
    log.info(`training ${info.envFile} on the learned reward of ${modelFile}`);
    await startRun(info.envFile, fs.existsSync(info.envFile) ? vscode.Uri.file(info.envFile) : undefined, { overrides });
  });

  register("ppoLab.compareRuns", async (target?: RunNode, selected?: RunNode[]) => {
    const fromTree = (selected ?? (target ? [target] : [])).filter((n) => n.kind === "live" || n.kind === "past");
    let sources: DashboardSource[] = fromTree.map((n) => (n.kind === "live" ? { kind: "live", run: n.run } : { kind: "past", info: (n as { info: RunListing }).info }));
    if (sources.length < 2) {
      const picks = await vscode.window.showQuickPick(allRunSources(), { title: "PPO Lab: runs to compare", canPickMany: true });
      if (!picks || picks.length === 0) return;
      sources = picks.map((p) => p.source);
    }
    openDashboard(sources);
  });

  const compareAlgorithms = compareAlgorithmsCommand(context, {
    runs,
    requireTrust,
    pickEnv: (target, title) => pickEnv(target, title),
    saveIfDirty,
    cwdFor,
    openDashboard,
    log: (level, message) => log[level](message),
  });
  register("ppoLab.compareAlgorithms", (target?: vscode.Uri) => compareAlgorithms(target));

  register("ppoLab.newEnvFile", async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: "PPO Lab: new environment file",
      defaultUri: folder ? vscode.Uri.joinPath(folder, "my-env.ts") : undefined,
      filters: { TypeScript: ["ts"] },
    });
    if (!uri) return;
    const base = path.basename(uri.fsPath).replace(/\.[^.]+$/, "");
    const className = base.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/^[^A-Za-z]+/, "") || "MyEnv";
    await vscode.workspace.fs.writeFile(uri, Buffer.from(envTemplate(className.endsWith("Env") ? className : `${className}Env`)));
    await vscode.window.showTextDocument(uri);
  });

  register("ppoLab.checkEnv", async (target?: vscode.Uri) => {
    if (!(await requireTrust())) return;
    const picked = await pickEnv(target, "PPO Lab: environment to check");
    if (!picked || !(await saveIfDirty(picked.uri))) return;
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `PPO Lab: checking ${path.basename(picked.env)}`, cancellable: true },
        (_p, token) => runCheck(spawn, picked.env, cwdFor(picked.uri), token),
      );
      showCheckReport(checkDiagnostics, report);
      const errors = report.findings.filter((f) => f.severity === "error").length;
      const warnings = report.findings.filter((f) => f.severity === "warning").length;
      const text = `PPO Lab: ${path.basename(report.file)}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"} (${report.probeSteps} probe steps).`;
      if (errors + warnings === 0) void vscode.window.showInformationMessage(text);
      else
        void vscode.window.showWarningMessage(text, "Show Problems").then((c) => {
          if (c) void vscode.commands.executeCommand("workbench.actions.view.problems");
        });
    } catch (e) {
      if (!(e instanceof vscode.CancellationError)) void vscode.window.showErrorMessage(`PPO Lab: ${(e as Error).message}`);
    }
  });

  register("ppoLab.showLog", () => log.show());
  register("ppoLab.refreshRuns", () => tree.refresh());
  register("ppoLab.revealRunDir", (target?: RunNode) => {
    const dir = target?.kind === "past" ? target.info.dir : target?.kind === "live" ? target.run.runDir : undefined;
    if (dir) void vscode.commands.executeCommand("revealFileInOS", vscode.Uri.file(dir));
  });
  register("ppoLab.deleteRun", async (target?: RunNode) => {
    if (target?.kind !== "past") return;
    const busy = runDeleteRefusal(target.info.dir, runs.liveRuns().map((r) => r.runDir));
    if (busy) {
      void vscode.window.showWarningMessage(`PPO Lab: ${busy}`);
      return;
    }
    const choice = await vscode.window.showWarningMessage(`Delete run ${target.info.id} and all its files?`, { modal: true }, "Delete");
    if (choice !== "Delete") return;
    try {
      // Refused while this window or another process (ppo-lab train in a terminal, another window) trains the run.
      const result = await deleteRunDirectory(target.info.dir, runs.liveRuns().map((r) => r.runDir));
      if (!result.deleted) void vscode.window.showWarningMessage(`PPO Lab: ${result.reason}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`PPO Lab: could not delete ${target.info.dir}: ${(e as Error).message}`);
    }
    tree.refresh();
  });

  // Saving an env file whose run is live offers a restart with the new code (the old run is kept).
  context.subscriptions.push(
    vscode.workspace.onDidSaveTextDocument(async (doc) => {
      const live = runs.liveRuns().filter((r) => r.envFile === doc.uri.fsPath);
      if (live.length === 0) return;
      const choice = await vscode.window.showInformationMessage(
        `${path.basename(doc.fileName)} changed while a run of it is training.`,
        "Restart run with the new code",
      );
      if (!choice) return;
      for (const old of live) {
        runs.stop(old);
        await startRun(doc.uri.fsPath, doc.uri, { overrides: old.config });
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => tree.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("ppoLab.runsDirectory")) tree.refresh();
    }),
  );
}

export async function deactivate(): Promise<void> {
  // Closing or reloading the window stops every run gracefully (final checkpoint), marked as interrupted so that a
  // reload resumes it (reload-resume.ts); escalating to kills.
  await manager?.interruptAll(10_000);
}
