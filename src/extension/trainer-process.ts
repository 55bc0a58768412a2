/**
 * Forks the bundled trainer entry (`dist/trainer.js`) as a Node process (`ELECTRON_RUN_AS_NODE=1` under VS Code's
 * Electron), with typed IPC using structured-clone ("advanced") serialisation.
 */
import { fork } from "node:child_process";
import * as path from "node:path";
import type { FromTrainerMessage, ToTrainerMessage } from "../protocol";
import type { SpawnTrainer, TrainerHandle } from "./run-manager";

const STDERR_TAIL_LINES = 20;

/**
 * @param extensionPath the extension's install folder (holds `dist/trainer.js`)
 * @param onOutput receives the trainer's stdout/stderr lines for the log channel
 * @param extraEnv environment variables for each new trainer (e.g. PPO_LAB_PYTHON, the interpreter of .py envs)
 */
export function forkTrainer(
  extensionPath: string,
  onOutput: (stream: "stdout" | "stderr", line: string) => void,
  extraEnv: () => NodeJS.ProcessEnv = () => ({}),
): SpawnTrainer {
  return (cwd: string): TrainerHandle => {
    const entry = path.join(extensionPath, "dist", "trainer.js");
    const child = fork(entry, [], {
      cwd,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
      env: { ...process.env, ...extraEnv(), ELECTRON_RUN_AS_NODE: "1" },
    });
    const tail: string[] = [];
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      for (const line of d.split("\n")) if (line.trim()) onOutput("stdout", line);
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      for (const line of d.split("\n")) {
        if (!line.trim()) continue;
        onOutput("stderr", line);
        tail.push(line);
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
      }
    });
    const exitListeners: ((code: number | null, signal: string | null, stderrTail: string) => void)[] = [];
    let exited = false;
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (exited) return;
      exited = true;
      for (const l of exitListeners) l(code, signal, tail.join("\n"));
    };
    child.on("exit", onExit);
    child.on("error", (e) => {
      tail.push(`failed to start the trainer: ${e.message}`);
      onExit(null, null);
    });
    return {
      pid: child.pid,
      send(msg: ToTrainerMessage) {
        if (child.connected) child.send(msg);
      },
      onMessage(listener) {
        child.on("message", (m) => listener(m as FromTrainerMessage));
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      disconnect() {
        if (child.connected) child.disconnect();
      },
      kill(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
  };
}
