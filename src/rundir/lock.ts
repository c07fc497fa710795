/**
 * One writer per folder. A run or campaign folder is locked by a file created with O_EXCL holding
 * the owner's pid and host; a second writer is refused with that pid, and a lock left by a process
 * that died (kill -9, power cut) is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runtimeError } from '../errors';
import { fileError } from './atomic';

export const LOCK_FILE = '.lenet.lock';

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface FolderLock {
  readonly file: string;
  release(): void;
}

const held = new Set<string>();
let exitHookInstalled = false;

function releaseAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const file of held) fs.rmSync(file, { force: true });
  });
}

function readOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

/**
 * True unless the process is known to be gone (only a process on this host can be checked). A pid
 * reused by a program that is not Node (seen in /proc where there is one) is not the owner.
 */
function ownerAlive(o: LockOwner): boolean {
  if (o.host !== os.hostname()) return true;
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return /node/.test(fs.readFileSync(`/proc/${o.pid}/cmdline`, 'latin1'));
  } catch {
    return true; // no /proc here: the pid answered, so take it as the owner
  }
}

function describeOwner(o: LockOwner | null, file: string): string {
  if (!o) return `another lenet process is writing it (lock file ${file} is unreadable)`;
  const where = o.host === os.hostname() ? `pid ${o.pid}` : `pid ${o.pid} on host ${o.host}`;
  return `it is being written by ${where} (${o.command}, since ${o.started})`;
}

/** The live writer of dir's lock, or null when the folder is free (no lock, or a dead owner's). */
export function lockHolder(dir: string, name = LOCK_FILE): string | null {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) return null;
  const owner = readOwner(file);
  if (owner && !ownerAlive(owner)) return null;
  return describeOwner(owner, file);
}

/**
 * Takes dir's lock (`name` lets shards of one campaign hold locks of their own). Throws a one-line
 * runtime error naming the holder when a live process has it; takes over a dead process's lock.
 * Released by release() or, at the latest, when the process exits.
 */
export function lockFolder(dir: string, command: string, name = LOCK_FILE): FolderLock {
  const file = path.join(dir, name);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, JSON.stringify(me) + '\n');
      } finally {
        fs.closeSync(fd);
      }
      held.add(file);
      releaseAllOnExit();
      return {
        file,
        release: () => {
          if (!held.delete(file)) return;
          if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError('lock', dir, err);
    }
    const owner = readOwner(file);
    if (owner === null) {
      // A lock being written this instant, or a torn one: look again before judging it.
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age < 2000) throw runtimeError(`cannot write into ${dir}: ${describeOwner(null, file)}`);
    } else if (ownerAlive(owner)) {
      const hint = owner.host === os.hostname() ? '' : `; if that process is gone, delete ${file}`;
      throw runtimeError(`cannot write into ${dir}: ${describeOwner(owner, file)}${hint}`);
    }
    takeOver(file, owner);
  }
  throw runtimeError(`cannot write into ${dir}: its lock ${file} keeps changing hands`);
}

/**
 * Moves a dead owner's lock aside. rename() is atomic, so of two processes taking over at once
 * only one moves it; if what it moved is no longer the dead owner's lock (a third process took
 * the folder meanwhile), it is put back with link(), which never replaces a file.
 */
function takeOver(file: string, dead: LockOwner | null): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else moved it first: try to create again
  }
  const moved = readOwner(aside);
  if (dead !== null && (moved?.pid !== dead.pid || moved?.started !== dead.started)) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // a newer lock is in place already; the next attempt reads it
    }
  }
  fs.rmSync(aside, { force: true });
}
