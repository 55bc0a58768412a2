/** Names and ids in a run directory, and reading/checking `run.json`. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunInfo } from "./types";
import { RUN_STATUSES } from "./types";
import { RunDirError, toJson, wrapFsError } from "./fs-util";
import { isJsonObject } from "./jsonl";

/** File and folder names inside a run directory. */
export const RUN_FILES = {
  info: "run.json",
  metrics: "metrics.jsonl",
  progress: "progress.csv",
  episodes: "episodes.jsonl",
  diagnostics: "diagnostics.jsonl",
  checkpoints: "checkpoints",
  replays: "replays",
  /** The writer lock (`{pid, hostname, startedAt}` of the process writing the run; see lock.ts). Not run data. */
  lock: "trainer.lock",
} as const;

/** Absolute paths of everything in the run directory `dir`. */
export function runPaths(dir: string): { [K in keyof typeof RUN_FILES]: string } {
  return {
    info: path.join(dir, RUN_FILES.info),
    metrics: path.join(dir, RUN_FILES.metrics),
    progress: path.join(dir, RUN_FILES.progress),
    episodes: path.join(dir, RUN_FILES.episodes),
    diagnostics: path.join(dir, RUN_FILES.diagnostics),
    checkpoints: path.join(dir, RUN_FILES.checkpoints),
    replays: path.join(dir, RUN_FILES.replays),
    lock: path.join(dir, RUN_FILES.lock),
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Lower-case, file-name-safe form of an env name: "CartPole v1!" -> "cartpole-v1". */
export function slugifyEnvName(envName: string): string {
  const slug = envName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 40)
    .replace(/[-.]+$/g, "");
  return slug.length > 0 ? slug : "env";
}

/**
 * The folder name of a run: `<YYYYMMDD-HHMMSS>-<env>-<shortid>`, e.g. "20261129-120501-cartpole-a1b2c3".
 * The timestamp is in UTC, so the CLI and the extension agree on any machine (`createdAt` in run.json is the exact
 * ISO time). `envName` is slugified (`slugifyEnvName`); `shortId` must be letters/digits.
 */
export function makeRunId(envName: string, date: Date, shortId: string): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("makeRunId: invalid date");
  if (!/^[A-Za-z0-9]+$/.test(shortId)) throw new RangeError(`makeRunId: shortId must be letters/digits, got "${shortId}"`);
  const stamp =
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  return `${stamp}-${slugifyEnvName(envName)}-${shortId.toLowerCase()}`;
}

/** Checks the shape of a parsed run.json; throws a RunDirError naming the file and the problem. */
export function parseRunInfo(json: unknown, file: string): RunInfo {
  const bad = (why: string): never => {
    throw new RunDirError(`${file} is not a valid PPO Lab run.json: ${why}.`, file);
  };
  if (!isJsonObject(json)) return bad("not a JSON object");
  for (const key of ["id", "envName", "envFile", "envHash", "createdAt", "updatedAt", "backend"] as const) {
    if (typeof json[key] !== "string") bad(`"${key}" must be a string`);
  }
  if (!RUN_STATUSES.includes(json.status as RunInfo["status"])) bad(`"status" must be one of ${RUN_STATUSES.join(", ")}`);
  if (typeof json.seed !== "number") bad(`"seed" must be a number`);
  if (!isJsonObject(json.config)) bad(`"config" must be an object`);
  if (!isJsonObject(json.versions)) bad(`"versions" must be an object`);
  // Files from before formatVersion existed count as version 1.
  return { ...(json as unknown as RunInfo), formatVersion: typeof json.formatVersion === "number" ? json.formatVersion : 1 };
}

/** Reads and checks `<dir>/run.json`. */
export function readRunInfo(dir: string): RunInfo {
  const file = path.join(dir, RUN_FILES.info);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw wrapFsError(err, "reading", file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RunDirError(`${file} is not valid JSON (${(err as Error).message}).`, file, { cause: err });
  }
  return parseRunInfo(json, file);
}

export function serialiseRunInfo(info: RunInfo): string {
  return toJson(info, "run.json", undefined, 2) + "\n";
}
