/**
 * Owns one forked trainer process: typed messages both ways, graceful stop with escalation to a kill.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as vscode from "vscode";
import type { FromTrainerMessage, ToTrainerMessage, TrainRequest } from "../protocol";

export class TrainerProcess {
  private child: ChildProcess | undefined;
  private readonly messages = new vscode.EventEmitter<FromTrainerMessage>();
  private readonly exits = new vscode.EventEmitter<number | null>();
  readonly onMessage = this.messages.event;
  readonly onExit = this.exits.event;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  start(request: TrainRequest): void {
    const entry = path.join(this.extensionPath, "dist", "trainer.js");
    this.child = fork(entry, [], { cwd: request.cwd, stdio: ["ignore", "pipe", "pipe", "ipc"] });
    this.child.stdout?.on("data", (d: Buffer) => this.log.info(d.toString().trimEnd()));
    this.child.stderr?.on("data", (d: Buffer) => this.log.warn(d.toString().trimEnd()));
    this.child.on("message", (m) => {
      const msg = m as FromTrainerMessage;
      if (msg.type === "log") this.log[msg.level](msg.message);
      else if (msg.type === "error") this.log.error(msg.message);
      else if (msg.type === "started") this.log.info(`run ${msg.runId} started in ${msg.runDir} (backend ${msg.backend})`);
      this.messages.fire(msg);
    });
    this.child.on("exit", (code) => {
      this.log.info(`trainer process exited with code ${code}`);
      this.exits.fire(code);
      this.messages.dispose();
      this.exits.dispose();
    });
    this.send({ type: "start", request });
  }

  send(msg: ToTrainerMessage): void {
    if (this.child?.connected) this.child.send(msg);
  }

  /** Asks the trainer to stop after its current update (it saves a final checkpoint); kills it after 15 s. */
  stop(): void {
    this.send({ type: "stop" });
    const child = this.child;
    setTimeout(() => {
      if (child && child.exitCode === null) child.kill("SIGKILL");
    }, 15_000).unref();
  }

  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill("SIGTERM");
  }
}
