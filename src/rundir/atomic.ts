/**
 * Crash-safe writes: a reader (or a resumed run) sees a file's old content or its new content,
 * never half of it, and a full disk never replaces a good file with a short one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError } from '../errors';

/** The temporary a write goes through: `.<name>.<pid>.tmp` beside the target. */
export function temporaryPath(file: string, pid = process.pid): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${pid}.tmp`);
}

/** Matches a temporary of one of `names` left by any process (see temporaryPath). */
export function isTemporaryOf(entry: string, names: readonly string[]): boolean {
  const m = /^\.(.+)\.\d+\.tmp$/.exec(entry);
  return m !== null && names.includes(m[1]);
}

/** One runtime-error line naming the file, with the reason a person can act on; `code` keeps the system's error code. */
export function fileError(action: string, file: string, err: unknown): Error & { code?: string } {
  if (err instanceof Error && err.name === 'LenetError') return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason: Record<string, string> = {
    ENOSPC: 'no space left on device (ENOSPC)',
    EDQUOT: 'disk quota exceeded (EDQUOT)',
    EROFS: 'read-only file system (EROFS)',
    EACCES: 'permission denied (EACCES)',
    EPERM: 'operation not permitted (EPERM)',
    ENOENT: 'no such file or directory (ENOENT)',
    ENOTDIR: 'a part of the path is not a directory (ENOTDIR)',
    EISDIR: 'is a directory (EISDIR)',
    EIO: 'input/output error (EIO)',
  };
  return Object.assign(runtimeError(`cannot ${action} ${file}: ${(code && reason[code]) ?? code ?? (err as Error).message}`), { code });
}

/** Every byte of `data`, however many calls it takes (a short write is not an error until it is). */
function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.byteLength) offset += fs.writeSync(fd, data, offset, data.byteLength - offset);
}

/** Makes a rename durable: the folder's entry is on disk, not only the file's data. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder (EINVAL/EISDIR); the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes a file atomically: a temporary in the same folder, written in full, fsynced, renamed over
 * the target, then the folder fsynced. On any failure (ENOSPC above all) the temporary is removed,
 * the old file stays as it was, and the error names the file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = temporaryPath(file);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    writeAll(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the write error is the one to report
      }
    }
    fs.rmSync(tmp, { force: true });
    throw fileError('write', file, err);
  }
  fsyncDir(path.dirname(file));
}

/** JSON with two-space indent and a final newline, written atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * The most a file of a run or campaign folder can hold, by kind: far above what lenet writes (a
 * config.json or summary.json is a few kilobytes, epochs.csv about 100 bytes an epoch,
 * comparison.json about 100 bytes a cell), far below what would exhaust memory. model/weights.bin
 * and checkpoint.bin are held to the size their model makes (see inference/trained-model.ts, train/checkpoint.ts).
 */
export const READ_LIMITS = {
  /** config.json, summary.json, model.json, a SLURM submission record. */
  json: 16 * 1024 * 1024,
  /** comparison.json: a grid of up to hundreds of thousands of cells. */
  campaign: 64 * 1024 * 1024,
  /** epochs.csv: hundreds of thousands of epochs. */
  csv: 64 * 1024 * 1024,
} as const;

/** "12.3 MB" for a message. */
function sizeText(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} bytes`;
}

/** What a file that is not a regular file is, in words. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export interface BoundedReadOptions {
  /** Refuse a symbolic link instead of following it (a lock file). */
  noFollow?: boolean;
  /** The message for a file over the limit, given its size (default: "N MB, more than the M a lenet file can be"). */
  tooLarge?: (size: number) => string;
}

/**
 * The one way lenet reads a file of a run or campaign folder: a regular file only (a symbolic link
 * followed to one is fine), at most `maxBytes`, opened without blocking (a FIFO, a device or a
 * folder in its place is refused at once, never read), read in bounded chunks (a file that grows
 * while it is read stops at the limit). Anything else is one runtime-error line naming the file.
 */
export function readRegularFile(file: string, maxBytes: number, options: BoundedReadOptions = {}): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (options.noFollow ? fs.constants.O_NOFOLLOW : 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' && options.noFollow)
      throw runtimeError(`cannot read ${file}: it is a symbolic link`);
    throw fileError('read', file, err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw runtimeError(`cannot read ${file}: it is a directory, not a file`);
    if (!st.isFile()) throw runtimeError(`cannot read ${file}: it is ${kindOf(st)}, not a regular file`);
    const tooLarge = (size: number) =>
      runtimeError(
        options.tooLarge
          ? `${file}: ${options.tooLarge(size)}`
          : `cannot read ${file}: it holds ${sizeText(size)}, more than the ${sizeText(maxBytes)} such a lenet file can hold`,
      );
    if (st.size > maxBytes) throw tooLarge(st.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total, Math.max(st.size - total, 0) + 1));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(total);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (err) {
    throw fileError('read', file, err);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a file's bytes through readRegularFile; a missing or unreadable one is one runtime-error line naming it. */
export function readBytes(file: string, maxBytes: number, options?: BoundedReadOptions): Buffer {
  return readRegularFile(file, maxBytes, options);
}

/** Reads a text file through readRegularFile (at most READ_LIMITS.json unless told); one runtime-error line naming it otherwise. */
export function readText(file: string, maxBytes: number = READ_LIMITS.json): string {
  // A UTF-8 byte-order mark (some editors add one) is not part of the text.
  return readRegularFile(file, maxBytes)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

/** JSON text of the objects readJson returned, so that a message can quote what the file holds (jsonLiteral). */
const jsonSources = new WeakMap<object, string>();

/** Records the text of every object of a parsed file (a few levels deep: where lenet's files keep their values). */
function remember(value: unknown, text: string, depth: number): void {
  if (typeof value !== 'object' || value === null || depth > 3) return;
  jsonSources.set(value, text);
  for (const v of Array.isArray(value) ? value : Object.values(value))
    if (typeof v === 'object' && v !== null) remember(v, text, depth + 1);
}

/** Parses a JSON file (at most READ_LIMITS.json unless told); unreadable or malformed is one runtime-error line naming it. */
export function readJson(file: string, maxBytes: number = READ_LIMITS.json): unknown {
  const text = readText(file, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw runtimeError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  remember(value, text, 0);
  return value;
}

/**
 * A value of a file, as a message shows it: JSON's spelling, but a number JSON.parse could only read
 * as ±Infinity (1e400) as the file spells it (JSON.stringify would say null), and nothing as
 * "nothing". `holder` and `key` let it find that spelling in the text readJson read.
 */
export function shownValue(value: unknown, holder?: object, key?: string): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    const text = holder ? jsonSources.get(holder) : undefined;
    const literal =
      text && key ? new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)`).exec(text)?.[1] : undefined;
    return literal ?? `${value} (a number beyond what a double holds)`;
  }
  return JSON.stringify(value) ?? String(value);
}
