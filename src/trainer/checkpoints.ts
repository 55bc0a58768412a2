/**
 * Finding and decoding checkpoints: a run directory or a `checkpoints/<step>/` folder -> the PPO state, the run's
 * config and env file. Shared by resume, `ppo-lab eval` and `ppo-lab export`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PPOConfig } from "../core/ppo/config";
import type { PPOState } from "../core/ppo/ppo";
import { describeSpace } from "../core/spaces";
import { RunReader, loadCheckpoint, readRunInfo, type RunInfo } from "../core/run/run-dir";
import type { LoadedCheckpoint } from "../core/run/types";

/** A checkpoint could not be used; the message says which file and what to do. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

export interface ResolvedCheckpoint {
  runDir: string;
  info: RunInfo;
  config: PPOConfig;
  checkpointDir: string;
  checkpoint: LoadedCheckpoint;
}

/**
 * Resolves `target` (a run directory, or one of its `checkpoints/<step>` folders) to its newest (or given)
 * checkpoint and loads it.
 * @throws CheckpointError when the folder is not a run, has no checkpoint, or the checkpoint is corrupt.
 */
export function resolveCheckpoint(target: string, step?: number): ResolvedCheckpoint {
  const abs = path.resolve(target);
  if (!fs.existsSync(abs)) throw new CheckpointError(`${abs} does not exist: give a run directory or a checkpoint folder`);
  if (!fs.statSync(abs).isDirectory()) throw new CheckpointError(`${abs} is a file: give a run directory or a checkpoint folder (checkpoints/<step>)`);
  let runDir = abs;
  let checkpointDir: string | undefined;
  if (fs.existsSync(path.join(abs, "model.json")) && path.basename(path.dirname(abs)) === "checkpoints") {
    checkpointDir = abs;
    runDir = path.dirname(path.dirname(abs));
  }
  let info: RunInfo;
  try {
    info = readRunInfo(runDir);
  } catch (e) {
    throw new CheckpointError(`${runDir} is not a readable run directory: ${(e as Error).message}`);
  }
  if (!checkpointDir) {
    const reader = new RunReader(runDir);
    const steps = reader.listCheckpoints();
    if (steps.length === 0) throw new CheckpointError(`${runDir} has no checkpoint yet (checkpoints/ is empty); train longer or set checkpointEvery`);
    const chosen = step ?? steps[steps.length - 1];
    if (!steps.includes(chosen)) throw new CheckpointError(`${runDir} has no checkpoint at step ${chosen}; it has ${steps.join(", ")}`);
    checkpointDir = reader.checkpointDir(chosen);
  }
  let checkpoint: LoadedCheckpoint;
  try {
    checkpoint = loadCheckpoint(checkpointDir);
  } catch (e) {
    throw new CheckpointError(`the checkpoint ${checkpointDir} cannot be read: ${(e as Error).message}. Use an earlier checkpoint (--checkpoint <step>)`);
  }
  return { runDir, info, config: info.config as unknown as PPOConfig, checkpointDir, checkpoint };
}

/** The PPO state stored in a checkpoint. @throws CheckpointError when parts are missing. */
export function ppoStateOf(ck: LoadedCheckpoint, where: string): PPOState {
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(ck.optimizer?.weights ?? {})) {
    if (name.startsWith("m/")) m[name.slice(2)] = t.data;
    else if (name.startsWith("v/")) v[name.slice(2)] = t.data;
  }
  const meta = (ck.meta ?? {}) as { updates?: number; totalTimesteps?: number };
  const rng = (ck.rng as { state?: number[] } | undefined)?.state;
  if (!ck.optimizer || !rng || meta.updates === undefined) {
    throw new CheckpointError(`the checkpoint ${where} lacks optimizer state, RNG state or step counters; it cannot be resumed`);
  }
  return {
    weights: ck.weights,
    optimizer: { step: ck.optimizer.step, m, v },
    normalization: (ck.normalization ?? {}) as PPOState["normalization"],
    rng,
    totalTimesteps: meta.totalTimesteps ?? ck.step,
    updates: meta.updates,
  };
}

/**
 * Throws when the checkpoint was made for other spaces than `obsSpec` / `actSpec` (a run directory from a
 * different env).
 */
export function assertSameSpaces(ck: LoadedCheckpoint, observationSpace: unknown, actionSpace: unknown, envFile: string): void {
  const meta = (ck.meta ?? {}) as { observationSpace?: unknown; actionSpace?: unknown };
  // Element names (`labels`, used only to label replays) may change without changing the space.
  const dropLabels = (key: string, value: unknown): unknown => (key === "labels" ? undefined : value);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a, dropLabels) === JSON.stringify(b, dropLabels);
  // The short form (type and size) when that already tells the two apart; the full spaces otherwise.
  const show = (a: unknown, b: unknown): [string, string] =>
    describeSpace(a) !== describeSpace(b) ? [describeSpace(a), describeSpace(b)] : [JSON.stringify(a, dropLabels), JSON.stringify(b, dropLabels)];
  for (const [key, saved, current] of [
    ["observationSpace", meta.observationSpace, observationSpace],
    ["actionSpace", meta.actionSpace, actionSpace],
  ] as const) {
    if (saved === undefined || same(saved, current)) continue;
    const [was, now] = show(saved, current);
    throw new CheckpointError(`the checkpoint was trained on ${key} ${was} but ${envFile} has ${now}: a run directory from a different env?`);
  }
}
