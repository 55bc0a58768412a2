/**
 * `ppo-lab replays <run-dir> [--json] [--csv <id>] [--out <file>]`: lists the replays of a run (replays/index.json),
 * or exports one replay's per-step data as CSV (one row per step: step, reward, return, terminated, truncated, V(s),
 * entropy, the observation, the action and the action distribution, with the replay's labels as column names).
 *
 * Exit codes: 0 done, 1 the run has no such replay or its files are corrupt (the message says which file).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { ReplayError } from "../core/replay/format";
import { RunReplaySource } from "../core/replay/source";
import type { ReplayHeader, ReplayStepsChunk, ReplaySummary } from "../core/replay/types";

/** Steps read per chunk while exporting (bounds memory for long replays). */
const CSV_CHUNK = 4096;

export interface ReplaysFlags {
  json?: boolean;
  csv?: string;
  out?: string;
}

/** Column names of the CSV of a replay with `header`'s spaces; `distWidth` numbers per distribution row. */
export function csvColumns(header: ReplayHeader, sample: ReplayStepsChunk | undefined): string[] {
  const { spaces } = header;
  const cols = ["step", "reward", "return", "terminated", "truncated", "value", "entropy"];
  cols.push(...spaces.observationLabels.map((l) => `obs:${l}`));
  cols.push(...spaces.actionLabels.map((l) => `action:${l}`));
  const d = sample?.distribution[0];
  if (d?.kind === "gaussian") {
    cols.push(...spaces.actionLabels.map((l) => `mean:${l}`), ...spaces.actionLabels.map((l) => `std:${l}`));
  } else if (d?.kind === "bernoulli") {
    cols.push(...spaces.actionLabels.map((l) => `p:${l}`));
  } else if (d?.kind === "categorical") {
    d.probs.forEach((p, i) => {
      const start = spaces.actionStart?.[i] ?? 0;
      const label = spaces.actionLabels[i] ?? `action[${i}]`;
      p.forEach((_, k) => cols.push(`p:${label}=${start + k}`));
    });
  }
  return cols;
}

/** The CSV rows of one chunk. @param returnBefore the return accumulated before `chunk.from` */
export function csvRows(chunk: ReplayStepsChunk, returnBefore: number): { rows: (string | number)[][]; returnAfter: number } {
  const rows: (string | number)[][] = [];
  let ret = returnBefore;
  for (let i = 0; i < chunk.to - chunk.from; i++) {
    ret += chunk.reward[i];
    const d = chunk.distribution[i];
    const dist = d.kind === "gaussian" ? [...d.mean, ...d.std] : d.kind === "bernoulli" ? d.probs : d.probs.flat();
    rows.push([
      chunk.from + i,
      chunk.reward[i],
      ret,
      chunk.terminated[i] ? 1 : 0,
      chunk.truncated[i] ? 1 : 0,
      chunk.value[i],
      chunk.entropy[i],
      ...chunk.observation[i],
      ...chunk.action[i],
      ...dist,
    ]);
  }
  return { rows, returnAfter: ret };
}

/**
 * Writes the CSV of replay `id` of `runDir` through `write`, chunk by chunk.
 * @throws ReplayError when the replay is missing or corrupt
 */
export async function exportReplayCsv(runDir: string, id: string, write: (text: string) => void): Promise<number> {
  const src = new RunReplaySource(runDir);
  const header = await src.header(id);
  const length = header.summary.length;
  let ret = 0;
  for (let from = 0; from < Math.max(length, 1); from += CSV_CHUNK) {
    const chunk = await src.steps(id, from, from + CSV_CHUNK);
    if (from === 0) write(stringify([csvColumns(header, chunk)]));
    const { rows, returnAfter } = csvRows(chunk, ret);
    ret = returnAfter;
    if (rows.length) write(stringify(rows));
  }
  return length;
}

function formatList(replays: ReplaySummary[]): string {
  if (replays.length === 0) return "no replays recorded in this run\n";
  const head = ["id", "kind", "update", "step", "return", "length", "end", "frames", "KB"];
  const rows = replays.map((r) => [
    r.id,
    r.kind,
    String(r.update),
    String(r.step),
    Number.isInteger(r.return) ? String(r.return) : r.return.toFixed(2),
    String(r.length),
    r.terminated ? "terminated" : "truncated",
    r.frameType,
    (r.bytes / 1024).toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

export function registerReplaysCommand(program: Command): void {
  program
    .command("replays")
    .description("list the episode replays of a run, or export one as CSV (--csv <id>)")
    .argument("<run-dir>", "run directory")
    .option("--json", "print the list as JSON")
    .option("--csv <id>", "write the per-step data of replay <id> as CSV")
    .option("-o, --out <file>", "with --csv: write to this file instead of stdout")
    .action(async (runDir: string, flags: ReplaysFlags) => {
      const dir = path.resolve(runDir);
      // `ppo-lab replays ... --csv id | head`: a closed pipe ends the output quietly.
      process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(0);
        throw e;
      });
      try {
        if (!fs.existsSync(dir)) throw new ReplayError(`no run directory ${dir}`);
        if (flags.csv) {
          if (flags.out) {
            const out = path.resolve(flags.out);
            const parts: string[] = [];
            const n = await exportReplayCsv(dir, flags.csv, (t) => parts.push(t));
            fs.writeFileSync(out, parts.join(""));
            process.stdout.write(`wrote ${n} steps of ${flags.csv} to ${out}\n`);
          } else {
            await exportReplayCsv(dir, flags.csv, (t) => void process.stdout.write(t));
          }
          return;
        }
        const list = await new RunReplaySource(dir).list();
        process.stdout.write(flags.json ? JSON.stringify(list) + "\n" : formatList(list));
      } catch (e) {
        if (!(e instanceof ReplayError)) throw e;
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
