/**
 * Trainer process entry (forked by the extension with an IPC channel). Waits for a `start` message, trains, and
 * streams `FromTrainerMessage`s back; obeys stop / pause / resume / checkpoint. Never trains on the extension host.
 */
import { ConfigError } from "../core/ppo/config";
import { RunDirError, RunLockedError } from "../core/run/run-dir";
import { checkEnvFile } from "../envs/checker";
import { EnvLoadError } from "../envs/loader";
import type { FromTrainerMessage, ToTrainerMessage } from "../protocol";
import { BackendError } from "./backend";
import { TrainingSession } from "./session";

function send(msg: FromTrainerMessage): void {
  if (process.send) {
    // Forked with IPC: once the channel is gone (the extension host ended) there is nobody to tell. The callback
    // keeps a send racing the channel's closing (EPIPE) from becoming an 'error' event that kills the trainer
    // before its final checkpoint.
    if (process.connected) process.send(msg, undefined, {}, () => undefined);
  } else process.stdout.write(JSON.stringify(msg) + "\n");
}

let session: TrainingSession | undefined;

async function start(msg: Extract<ToTrainerMessage, { type: "start" }>): Promise<number> {
  session = new TrainingSession(msg.request, { emit: send });
  try {
    const result = await session.run();
    return result.status === "failed" ? 1 : 0;
  } catch (e) {
    const err = e as Error;
    if (e instanceof EnvLoadError) {
      send({ type: "error", message: err.message, file: e.file, line: e.line, column: e.column, hint: e.hint });
    } else if (e instanceof RunLockedError) {
      send({ type: "error", message: err.message, runLocked: true });
    } else if (e instanceof ConfigError || e instanceof BackendError || e instanceof RunDirError) {
      send({ type: "error", message: err.message });
    } else {
      send({ type: "error", message: err.stack ?? String(err) });
    }
    return 2;
  }
}

function onMessage(raw: unknown): void {
  const msg = raw as ToTrainerMessage;
  switch (msg?.type) {
    case "start":
      if (session) {
        send({ type: "log", level: "warn", message: "a run is already in progress in this trainer process" });
        return;
      }
      void start(msg).then((code) => {
        process.exitCode = code;
        // Let the IPC channel flush the last messages, then leave.
        setImmediate(() => {
          if (process.connected) process.disconnect();
        });
      });
      break;
    case "check":
      void checkEnvFile(msg.env, { cwd: msg.cwd, envKwargs: msg.envKwargs }).then(
        (report) => send({ type: "checkReport", report }),
        (e: Error) => send({ type: "error", message: `the env checker failed: ${e.message}` }),
      );
      break;
    case "stop":
      if (session) session.stop();
      else process.exit(0);
      break;
    case "pause":
      session?.pause();
      break;
    case "resume":
      session?.resume();
      break;
    case "checkpoint":
      session?.checkpointNow();
      break;
    case "recordReplay":
      session?.recordReplay(msg.deterministic);
      break;
    default:
      send({ type: "log", level: "warn", message: `unknown message ${JSON.stringify(raw)?.slice(0, 100)}` });
  }
}

process.on("message", onMessage);
// A parent that goes away must not leave an orphan trainer: stop cleanly (final checkpoint) when the channel closes,
// and mark the run as interrupted so the extension resumes it when its window comes back (a reload).
process.on("disconnect", () => session?.stop({ interrupted: "the VS Code window that trained it closed or reloaded" }));
// Writes to a parent's closed pipes (EPIPE) must not crash the final checkpoint.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);
process.on("SIGTERM", () => (session ? session.stop() : process.exit(0)));
