/**
 * The replays of one run directory, writer side: `<runDir>/replays/index.json` (the list of ReplaySummary entries,
 * replaced atomically) and one binary file per replay (`<id>.replay`, see format.ts), plus the caps on how many
 * replays and bytes a run keeps.
 *
 * Write order keeps the index honest: the replay file is written under a temp name and renamed, then the index is
 * replaced atomically, then the files of dropped replays are deleted. A crash leaves at most an orphan file that no
 * index entry points at (removed the next time a store is opened on the run), never an entry without its file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RUN_FILES } from "../run/layout";
import { isTempName, tempNameFor, writeFileAtomic } from "../run/fs-util";
import { REPLAY_FILE_EXTENSION, ReplayError, type ReplayBuilder } from "./format";
import type { ReplayKind, ReplaySummary } from "./types";

export const REPLAY_INDEX_FILE = "index.json";

/** What `index.json` holds. */
export interface ReplayIndex {
  format: "ppo-lab-replays";
  version: 1;
  replays: ReplaySummary[];
}

/** Caps per run. */
export interface ReplayLimits {
  /** Most replays kept (best and worst included). */
  maxCount: number;
  /** Most bytes the replay files may take together. */
  maxBytes: number;
}

/** The replays folder of a run directory. */
export function replaysDir(runDir: string): string {
  return path.join(runDir, RUN_FILES.replays);
}

/** The file of replay `id` in `dir` (the replays folder). */
export function replayFile(dir: string, id: string): string {
  return path.join(dir, `${id}${REPLAY_FILE_EXTENSION}`);
}

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** @throws ReplayError when `id` is not a safe file stem (letters, digits, "-" and "_"). */
export function checkReplayId(id: string): void {
  if (typeof id !== "string" || !ID_PATTERN.test(id)) {
    throw new ReplayError(`invalid replay id ${JSON.stringify(id)}: ids are letters, digits, "-" and "_"`);
  }
}

function checkSummary(s: unknown, i: number, file: string): ReplaySummary {
  const bad = (why: string): never => {
    throw new ReplayError(`${file}: replay entry ${i} ${why}; the index is corrupt (delete it to start over)`, file);
  };
  if (s === null || typeof s !== "object") return bad("is not an object");
  const o = s as Record<string, unknown>;
  if (typeof o.id !== "string" || !ID_PATTERN.test(o.id)) bad(`has an invalid id ${JSON.stringify(o.id)}`);
  for (const k of ["update", "step", "return", "length", "seed", "bytes"]) if (typeof o[k] !== "number") bad(`has no number "${k}"`);
  if (!["periodic", "best", "worst", "requested"].includes(o.kind as string)) bad(`has an unknown kind ${JSON.stringify(o.kind)}`);
  return o as unknown as ReplaySummary;
}

/**
 * Parses the text of an index file.
 * @throws ReplayError naming `file` when it is not valid JSON or not a replay index.
 */
export function parseReplayIndex(text: string, file: string): ReplayIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReplayError(`${file} is not valid JSON (${(e as Error).message}); the replay index is corrupt`, file);
  }
  const o = json as Partial<ReplayIndex> | null;
  if (!o || typeof o !== "object" || o.format !== "ppo-lab-replays" || !Array.isArray(o.replays)) {
    throw new ReplayError(`${file} is not a PPO Lab replay index (expected {"format": "ppo-lab-replays", "replays": [...]})`, file);
  }
  return { format: "ppo-lab-replays", version: 1, replays: o.replays.map((s, i) => checkSummary(s, i, file)) };
}

/** Reads `<dir>/index.json`; a missing file is an empty index. @throws ReplayError when it is corrupt or unreadable. */
export function readReplayIndex(dir: string): ReplayIndex {
  const file = path.join(dir, REPLAY_INDEX_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { format: "ppo-lab-replays", version: 1, replays: [] };
    throw new ReplayError(`cannot read ${file}: ${(e as Error).message}`, file, { cause: e });
  }
  return parseReplayIndex(text, file);
}

/** What a save did. */
export interface SaveResult {
  /** The saved replay, or undefined when it did not fit the caps. */
  saved: ReplaySummary | undefined;
  /** Replays dropped to make room or replaced (a new best replaces the old best). */
  removed: ReplaySummary[];
  /** Why the replay was not saved. */
  reason?: string;
}

/**
 * Picks which replays to drop so that `entries` fits `limits`. `keep` (the new replay) is never picked.
 * Order: the oldest periodic replays (lowest update) first, then the oldest requested ones; best and worst are only
 * replaced by a better best/worse worst, never dropped for room.
 * @returns the entries to drop, or undefined when dropping those is not enough.
 */
export function pickVictims(entries: ReplaySummary[], keep: ReplaySummary, limits: ReplayLimits): ReplaySummary[] | undefined {
  let count = entries.length;
  let bytes = entries.reduce((a, e) => a + e.bytes, 0);
  const fits = (): boolean => count <= limits.maxCount && bytes <= limits.maxBytes;
  const victims: ReplaySummary[] = [];
  const order: ReplayKind[] = ["periodic", "requested"];
  for (const kind of order) {
    const candidates = entries.filter((e) => e.kind === kind && e !== keep).sort((a, b) => a.update - b.update || a.createdAt.localeCompare(b.createdAt));
    for (const c of candidates) {
      if (fits()) return victims;
      victims.push(c);
      count--;
      bytes -= c.bytes;
    }
  }
  return fits() ? victims : undefined;
}

/**
 * Writes the replays of one run (single writer: the trainer). Readers use {@link RunReplaySource}.
 */
export class ReplayStore {
  readonly dir: string;
  private index: ReplayIndex;

  /**
   * Opens (and creates) `<runDir>/replays/`, reads its index and removes files no entry points at (leftovers of a
   * crash between writing a replay and updating the index, and temp files).
   * @throws ReplayError when the index is corrupt or the folder cannot be created.
   */
  constructor(
    readonly runDir: string,
    public limits: ReplayLimits,
  ) {
    this.dir = replaysDir(runDir);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw new ReplayError(`cannot create ${this.dir}: ${(e as Error).message}`, this.dir, { cause: e });
    }
    this.index = readReplayIndex(this.dir);
    this.removeOrphans();
  }

  /** The replays in the index, oldest first. */
  list(): ReplaySummary[] {
    return [...this.index.replays];
  }

  /** A fresh id for a replay of `kind` after `update`: "u000010-periodic", with "-2", "-3"... when taken. */
  nextId(update: number, kind: ReplayKind): string {
    const base = `u${String(update).padStart(6, "0")}-${kind}`;
    const taken = new Set(this.index.replays.map((r) => r.id));
    let id = base;
    for (let k = 2; taken.has(id) || fs.existsSync(replayFile(this.dir, id)); k++) id = `${base}-${k}`;
    return id;
  }

  /**
   * Saves a recorded episode, applying the caps: a new best (worst) replaces the previous best (worst); then the
   * oldest periodic, then the oldest requested replays are dropped until the count and bytes fit. A replay that does
   * not fit even then is not saved (`saved` undefined, `reason` says why).
   * @param summary without `id` and `bytes` (assigned here)
   * @param sameAs the id of a replay saved from the same builder (the same episode kept as periodic and as best):
   *   the new file is a hard link to its file, so the episode takes its bytes on disk once (a copy where the file
   *   system has no hard links). The caps still count both entries' bytes.
   * @throws ReplayError (naming the file) when writing fails; the index then still lists only complete replays.
   */
  save(builder: ReplayBuilder, summary: Omit<ReplaySummary, "id" | "bytes">, sameAs?: string): SaveResult {
    const id = this.nextId(summary.update, summary.kind);
    const full: ReplaySummary = { ...summary, id, bytes: 0 };
    const data = builder.toBuffer(full);
    full.bytes = data.length;
    const replaced = summary.kind === "best" || summary.kind === "worst" ? this.index.replays.filter((r) => r.kind === summary.kind) : [];
    const remaining = this.index.replays.filter((r) => !replaced.includes(r));
    const victims = pickVictims([...remaining, full], full, this.limits);
    if (!victims) {
      return {
        saved: undefined,
        removed: [],
        reason: `replay ${id} (${data.length} bytes) does not fit the caps (maxCount ${this.limits.maxCount}, maxBytes ${this.limits.maxBytes}) even after dropping periodic and requested replays`,
      };
    }
    const file = replayFile(this.dir, id);
    if (!(sameAs !== undefined && this.linkExisting(sameAs, file))) {
      writeFileAtomic(file, data, { afterDiskFull: "the replay was not saved; the other replays are intact." });
    }
    const removed = [...replaced, ...victims];
    const next: ReplayIndex = { ...this.index, replays: [...remaining.filter((r) => !victims.includes(r)), full] };
    try {
      this.writeIndex(next);
    } catch (e) {
      fs.rmSync(file, { force: true });
      throw e;
    }
    for (const r of removed) fs.rmSync(replayFile(this.dir, r.id), { force: true });
    return { saved: full, removed };
  }

  /** Hard-links the file of replay `id` as `target` (temp name + rename). @returns false when that is not possible. */
  private linkExisting(id: string, target: string): boolean {
    if (!this.index.replays.some((r) => r.id === id)) return false;
    const tmp = tempNameFor(target);
    try {
      fs.linkSync(replayFile(this.dir, id), tmp);
      fs.renameSync(tmp, target);
      return true;
    } catch {
      fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /** Replaces index.json atomically. */
  private writeIndex(next: ReplayIndex): void {
    writeFileAtomic(path.join(this.dir, REPLAY_INDEX_FILE), JSON.stringify(next, null, 1) + "\n", {
      afterDiskFull: "the replay index was left as it was.",
    });
    this.index = next;
  }

  private removeOrphans(): void {
    const known = new Set(this.index.replays.map((r) => `${r.id}${REPLAY_FILE_EXTENSION}`));
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const orphan = (name.endsWith(REPLAY_FILE_EXTENSION) && !known.has(name)) || (isTempName(name) && name.includes(REPLAY_FILE_EXTENSION));
      const tempIndex = isTempName(name) && name.startsWith(REPLAY_INDEX_FILE);
      if (orphan || tempIndex) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}
