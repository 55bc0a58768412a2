/**
 * File-system helpers for the run directory: errors that say which file and what to do, atomic writes
 * (temp file + fsync + rename), single-call appends, and repair of a torn last line.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/** An error about a run directory file. `path` is the file concerned; `code` the fs error code if any. */
export class RunDirError extends Error {
  readonly path: string;
  readonly code: string | undefined;

  constructor(message: string, filePath: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RunDirError";
    this.path = filePath;
    this.code = options?.code;
  }
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What to tell the user after a failed write, per kind of file. */
export interface WriteHint {
  /** Said after a disk-full error, e.g. "the run directory stays readable up to the last complete line." */
  afterDiskFull?: string;
}

const DEFAULT_AFTER_DISK_FULL = "the run directory stays readable up to the last complete line.";

/**
 * Turns an fs error during `action` ("writing", "creating", "reading", ...) on `filePath` into a RunDirError whose
 * message names the file and the remedy. Errors that are already RunDirErrors pass through.
 */
export function wrapFsError(err: unknown, action: string, filePath: string, hint: WriteHint = {}): RunDirError {
  if (err instanceof RunDirError) return err;
  const code = errnoCode(err);
  let message: string;
  switch (code) {
    case "ENOSPC":
      message = `No space left on device while ${action} ${filePath}: free some disk space; ${
        hint.afterDiskFull ?? DEFAULT_AFTER_DISK_FULL
      }`;
      break;
    case "EDQUOT":
      message = `Disk quota exceeded while ${action} ${filePath}: free some space or raise the quota; ${
        hint.afterDiskFull ?? DEFAULT_AFTER_DISK_FULL
      }`;
      break;
    case "EACCES":
    case "EPERM":
      message = `Permission denied while ${action} ${filePath}: choose a writable folder for runs or fix the folder's permissions.`;
      break;
    case "EROFS":
      message = `Read-only file system while ${action} ${filePath}: choose a folder for runs on a writable disk.`;
      break;
    case "ENOTDIR":
      message = `Not a folder while ${action} ${filePath}: a part of that path is a file, not a folder; choose another folder for runs.`;
      break;
    case "ENOENT":
      message = `${capitalise(action)} ${filePath} failed: the file or its folder does not exist (was the run directory moved or deleted?).`;
      break;
    case "EMFILE":
    case "ENFILE":
      message = `Too many open files while ${action} ${filePath}: close other programs or raise the open-file limit.`;
      break;
    default:
      message = `${capitalise(action)} ${filePath} failed: ${errMessage(err)}`;
  }
  return new RunDirError(message, filePath, { cause: err, code });
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

/** A random hex string for temp names. Not used for anything that must be reproducible. */
export function randomHex(bytes = 4): string {
  return randomBytes(bytes).toString("hex");
}

/** The temp name used next to `target` for an atomic write: `<target>.tmp-<pid>-<rand>`. */
export function tempNameFor(target: string): string {
  return `${target}.tmp-${process.pid}-${randomHex()}`;
}

/** True for names produced by `tempNameFor` (leftovers of a crash). */
export function isTempName(name: string): boolean {
  return /\.tmp-/.test(name);
}

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
}

/** Writes `data` to a new file and fsyncs it. The file must not exist. */
export function writeFileSynced(filePath: string, data: Buffer | string): void {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const fd = fs.openSync(filePath, "wx");
  try {
    writeAll(fd, buf);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a directory so a rename inside it is durable. Best effort: not supported on every platform (Windows). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Directories cannot be opened/fsynced on some platforms; the rename is still atomic.
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // ignore
      }
    }
  }
}

/**
 * Atomically replaces `target` with `data`: writes `<target>.tmp-<pid>-<rand>` in the same folder, fsyncs it and
 * renames it over `target`. Readers see either the old or the new content, never a mix. On failure the temp file is
 * removed and `target` is untouched; the error is wrapped (see `wrapFsError`).
 */
export function writeFileAtomic(target: string, data: Buffer | string, hint: WriteHint = {}): void {
  const tmp = tempNameFor(target);
  try {
    writeFileSynced(tmp, data);
    fs.renameSync(tmp, target);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // ignore: best effort cleanup
    }
    throw wrapFsError(err, "writing", target, {
      afterDiskFull: hint.afterDiskFull ?? `${path.basename(target)} was left as it was before this write.`,
    });
  }
  fsyncDir(path.dirname(target));
}

/**
 * Appends `text` (one or more complete lines, each ending in "\n") with a single append call, so a crash leaves at
 * most a torn last line, which readers skip and `repairTornTail` removes.
 */
export function appendText(filePath: string, text: string): void {
  try {
    fs.appendFileSync(filePath, text, "utf8");
  } catch (err) {
    throw wrapFsError(err, "writing", filePath);
  }
}

/**
 * If `filePath` ends with an incomplete line (no final "\n", left by a crash mid-write), truncates the file to the
 * end of its last complete line, so appending can continue cleanly. Returns the number of bytes removed.
 * A missing file is fine (returns 0).
 */
export function repairTornTail(filePath: string): number {
  let fd: number;
  try {
    fd = fs.openSync(filePath, "r+");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return 0;
    throw wrapFsError(err, "opening", filePath);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return 0;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return 0;
    // Scan backwards in chunks for the last "\n".
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    let keep = 0;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = fs.readSync(fd, chunk, 0, end - start, start);
      const idx = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (idx >= 0) {
        keep = start + idx + 1;
        break;
      }
      end = start;
    }
    fs.ftruncateSync(fd, keep);
    fs.fsyncSync(fd);
    return size - keep;
  } catch (err) {
    throw wrapFsError(err, "repairing", filePath);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates an empty file if it does not exist (leaves an existing one alone). */
export function touch(filePath: string): void {
  try {
    fs.closeSync(fs.openSync(filePath, "a"));
  } catch (err) {
    throw wrapFsError(err, "creating", filePath);
  }
}

/** JSON.stringify with a clear error for values JSON cannot hold (BigInt, cycles). Throws before any file is touched. */
export function toJson(value: unknown, what: string, replacer?: (key: string, value: unknown) => unknown, indent?: number): string {
  try {
    const text = JSON.stringify(value, replacer as ((this: unknown, key: string, value: unknown) => unknown) | undefined, indent);
    if (text === undefined) throw new TypeError("the value is not serialisable (undefined or a function)");
    return text;
  } catch (err) {
    throw new TypeError(`Cannot serialise ${what} to JSON: ${errMessage(err)}`, { cause: err });
  }
}
