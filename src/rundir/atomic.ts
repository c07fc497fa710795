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

/** One runtime-error line naming the file, with the reason a person can act on. */
export function fileError(action: string, file: string, err: unknown): Error {
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
  return runtimeError(`cannot ${action} ${file}: ${(code && reason[code]) ?? code ?? (err as Error).message}`);
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

/** Reads a file's bytes; a missing or unreadable one is one runtime-error line naming it. */
export function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw fileError('read', file, err);
  }
}

/** Reads a text file; a missing or unreadable one is one runtime-error line naming it. */
export function readText(file: string): string {
  try {
    // A UTF-8 byte-order mark (some editors add one) is not part of the text.
    return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw fileError('read', file, err);
  }
}

/** Parses a JSON file; unreadable or malformed is one runtime-error line naming it. */
export function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw runtimeError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}
