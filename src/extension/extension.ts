/**
 * Extension entry: registers commands and returns fast; a trainer process starts only on command.
 */
import * as vscode from "vscode";
import { TrainerProcess } from "./trainer-process";

let log: vscode.LogOutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  log = vscode.window.createOutputChannel("PPO Lab", { log: true });
  context.subscriptions.push(log);
  const runs = new Set<TrainerProcess>();
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.name = "PPO Lab";
  context.subscriptions.push(status);

  context.subscriptions.push(
    vscode.commands.registerCommand("ppoLab.train", async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      let env: string | undefined = target?.scheme === "file" ? target.fsPath : undefined;
      if (!env) {
        env = await vscode.window.showQuickPick(["CartPole-v1", "Pendulum-v1"], { title: "PPO Lab: environment to train" });
        if (!env) return;
      }
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === env);
      if (doc?.isDirty) {
        const choice = await vscode.window.showWarningMessage(`${doc.fileName} has unsaved changes.`, "Save and Train", "Cancel");
        if (choice !== "Save and Train" || !(await doc.save())) return;
      }
      const folder = (target && vscode.workspace.getWorkspaceFolder(target)) ?? vscode.workspace.workspaceFolders?.[0];
      const cwd = folder?.uri.fsPath ?? context.globalStorageUri.fsPath;
      const backend = vscode.workspace.getConfiguration("ppoLab").get<string>("trainer.backend", "auto");
      const proc = new TrainerProcess(context.extensionPath, log as vscode.LogOutputChannel);
      runs.add(proc);
      status.text = "$(sync~spin) PPO Lab: starting";
      status.command = "ppoLab.showLog";
      status.show();
      proc.onMessage((msg) => {
        if (msg.type === "metrics") {
          const r = msg.row;
          status.text = `$(pulse) PPO ${Math.round((r.total_timesteps ?? 0) / 1000)}k steps · ${Math.round(r.steps_per_second ?? 0)} steps/s · R ${r.ep_rew_mean === null ? "-" : r.ep_rew_mean.toFixed(1)}`;
        } else if (msg.type === "error") {
          const where = msg.file ? `${msg.file}${msg.line ? `:${msg.line}` : ""}: ` : "";
          void vscode.window.showErrorMessage(`PPO Lab: ${where}${msg.message.split("\n")[0]}`, "Show Log").then((c) => {
            if (c) log?.show();
          });
        } else if (msg.type === "finished") {
          status.text = `$(check) PPO ${msg.status}`;
          void vscode.window.showInformationMessage(`PPO Lab: run ${msg.status} after ${msg.totalTimesteps} steps.`);
        }
      });
      proc.onExit(() => runs.delete(proc));
      proc.start({
        env,
        cwd,
        runsRoot: vscode.Uri.joinPath(vscode.Uri.file(cwd), ".ppo-lab", "runs").fsPath,
        overrides: backend !== "auto" ? { backend: backend as "wasm" | "cpu" | "tensorflow" } : undefined,
      });
    }),
    vscode.commands.registerCommand("ppoLab.stop", () => {
      for (const r of runs) r.stop();
    }),
    vscode.commands.registerCommand("ppoLab.showLog", () => log?.show()),
    { dispose: () => runs.forEach((r) => r.kill()) },
  );
}

export function deactivate(): void {
  // Trainer processes are disposed through context.subscriptions.
}
