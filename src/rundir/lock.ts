/**
 * One writer per folder. A run or campaign folder is locked by a small JSON file naming its holder;
 * a second writer is refused with the holder's pid, and a lock its holder can no longer hold (the
 * process died: kill -9, an OOM kill, a power cut) is taken over.
 *
 * The lock never exists half-written: it is written whole into a temporary beside it and hard-linked
 * into place (link(2) fails when the name exists, so it is O_EXCL's test and the write in one step).
 * Anything at the lock's name that is not a lock we could have written (empty, garbage, wrong JSON,
 * a folder, a link, a FIFO) is stale once it is a few seconds old, and taken over saying so in one line.
 *
 * Who holds a lock: a pid alone is not enough, as pids are reused (in a container lenet is pid 1,
 * and so is its replacement after an OOM kill, with the same host name). The lock records its
 * holder's process start time (/proc/PID/stat, field 22) and the machine's boot id, and the holder
 * keeps an flock(2) on the lock file for as long as it lives. The flock answers across pid
 * namespaces (two containers on one machine sharing a folder see each other's flock but not each
 * other's pids); the start time answers where no flock could be taken (no flock(1) on PATH, a file
 * system without flock). Node has no flock call, so flock(1) takes it on a descriptor this process
 * keeps open: an flock belongs to the open file, which the kernel closes when the process dies.
 */
import * as childProcess from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runtimeError } from '../errors';
import { fileError, readRegularFile } from './atomic';

export const LOCK_FILE = '.lenet.lock';

/** An unreadable lock younger than this may still be being made by an older lenet; older, it is garbage. */
export const UNREADABLE_STALE_MS = 5000;

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id; null where there is none. */
  boot: string | null;
  /** The holder's start time in clock ticks after boot (/proc/PID/stat field 22); null where unknown. */
  start: number | null;
  /** True when the holder keeps an flock on the lock file. */
  flock: boolean;
  /**
   * The holder's pid namespace (/proc/self/ns/pid, e.g. "pid:[4026531836]"); null where unknown
   * (an older lenet, no /proc). Its pid means something only to a process of the same namespace.
   */
  pidns: string | null;
  command: string;
  /** ISO time the lock was taken, for people. */
  started: string;
}

export interface FolderLock {
  readonly file: string;
  /**
   * Set when the lock was taken over from a stale one that was not a live lenet's (garbage, not a
   * regular file, modified in the future): the one line to tell the user, which the caller says
   * (rundir/ prints nothing). A lock left by a process that died is taken over without a word.
   */
  readonly tookOver: string | null;
  release(): void;
}

/** Locks this process holds: file → the inode it linked there and the descriptor keeping its flock. */
const held = new Map<string, { ino: number; fd: number }>();
let exitHookInstalled = false;

function releaseAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const file of [...held.keys()]) releaseHeld(file);
  });
}

// ---------------------------------------------------------------- this process and others

function readFileOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

/** pid and start time (field 22) from /proc/<which>/stat; the command name may hold spaces and ')'. */
function procStat(which: string): { pid: number; start: number } | null {
  const text = readFileOrNull(`/proc/${which}/stat`);
  if (text === null) return null;
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' '); // fields[0] is field 3 (state)
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const start = Number(fields[19]);
  return Number.isSafeInteger(pid) && Number.isSafeInteger(start) ? { pid, start } : null;
}

interface Self {
  host: string;
  boot: string | null;
  start: number | null;
  /** /proc shows this process's pid namespace, so /proc/PID is the process that kill(PID) reaches. */
  procIsOurs: boolean;
  pidns: string | null;
}

function readLinkOrNull(file: string): string | null {
  try {
    return fs.readlinkSync(file);
  } catch {
    return null;
  }
}

let selfCache: Self | null = null;
function self(): Self {
  if (selfCache === null) {
    const stat = procStat('self');
    const boot = readFileOrNull('/proc/sys/kernel/random/boot_id')?.trim() || null;
    const pidns = readLinkOrNull('/proc/self/ns/pid');
    selfCache = {
      host: os.hostname(),
      boot,
      start: stat?.start ?? null,
      procIsOurs: stat?.pid === process.pid,
      pidns: pidns !== null && /^pid:\[\d+\]$/.test(pidns) ? pidns : null,
    };
  }
  return { ...selfCache, host: os.hostname() };
}

/** The outcome of flock(1) on an open descriptor: taken, held by another open file, or no answer. */
type FlockResult = 'taken' | 'busy' | 'unknown';

const FLOCK_BUSY = 75;
/** Tests set this to a name that is not on PATH, to try the start-time rule alone. */
export const flockProgram = { name: 'flock' };

/** An exclusive flock on fd's open file, kept after flock(1) exits (it belongs to the open file). */
function flockFd(fd: number, waitSeconds: number): FlockResult {
  const args = waitSeconds > 0 ? ['-x', '-w', String(waitSeconds)] : ['-x', '-n'];
  const r = childProcess.spawnSync(flockProgram.name, [...args, '-E', String(FLOCK_BUSY), '3'], {
    stdio: ['ignore', 'ignore', 'ignore', fd],
    timeout: 30_000,
  });
  if (r.status === 0) return 'taken';
  if (r.status === FLOCK_BUSY) return 'busy';
  return 'unknown'; // no flock(1), or a file system that refuses flock
}

/**
 * Whether some open file holds an flock on `file`'s inode `ino`: 'busy' when one does, 'taken'
 * when none does (our test lock is dropped again), 'unknown' when flock cannot tell.
 */
function flockHeld(file: string, ino: number): FlockResult {
  // Opened for writing where allowed: NFS emulates flock with POSIX locks, whose exclusive kind needs it.
  const flags = fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | flags);
  } catch {
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | flags);
    } catch {
      return 'unknown';
    }
  }
  try {
    if (fs.fstatSync(fd).ino !== ino) return 'unknown'; // replaced meanwhile: the caller looks again
    // A short wait: another process testing the same lock holds the flock for a few milliseconds.
    return flockFd(fd, 0.5);
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------- reading a lock

/** A lock file as found: its holder, or why it is unreadable; with the inode and age, for the takeover. */
type Found =
  | { kind: 'gone' }
  | { kind: 'owner'; owner: LockOwner; ino: number; ageMs: number }
  | { kind: 'unreadable'; what: string; ino: number; ageMs: number; isDir: boolean }
  /** A file this process may not read (another user's, mode 0600): its holder cannot be judged, so it is never taken over. */
  | { kind: 'denied'; code: string; uid: number };

const MAX_LOCK_BYTES = 16 * 1024;

function parseOwner(text: string): LockOwner | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  if (!Number.isSafeInteger(r.pid) || (r.pid as number) < 1) return null;
  if (typeof r.host !== 'string' || r.host === '') return null;
  const start = r.start === undefined || r.start === null ? null : r.start;
  if (start !== null && (!Number.isSafeInteger(start) || (start as number) < 0)) return null;
  const boot = r.boot === undefined || r.boot === null ? null : r.boot;
  if (boot !== null && typeof boot !== 'string') return null;
  const pidns = typeof r.pidns === 'string' && r.pidns !== '' ? r.pidns : null;
  return {
    pid: r.pid as number,
    host: r.host,
    boot: boot as string | null,
    start: start as number | null,
    flock: r.flock === true,
    pidns,
    command: typeof r.command === 'string' ? r.command : 'lenet',
    started: typeof r.started === 'string' ? r.started : 'an unknown time',
  };
}

/** When this process first saw each version of a file at a lock's name (name, inode, times and size). */
const firstSeen = new Map<string, number>();

/**
 * How old what is at a lock's name is: by its modification time, or by how long this process has
 * seen it unchanged, whichever is longer. A modification time in the future (a clock ahead on an
 * NFS client or server, a folder unpacked from such a machine's tar) says nothing of its age; the
 * time this process has watched it unchanged does.
 */
function ageOf(file: string, st: fs.Stats): { ageMs: number; future: boolean } {
  const now = Date.now();
  const key = `${file}\0${st.dev}\0${st.ino}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.size}`;
  let seen = firstSeen.get(key);
  if (seen === undefined) {
    if (firstSeen.size > 1000) firstSeen.clear();
    firstSeen.set(key, (seen = now));
  }
  return { ageMs: Math.max(now - st.mtimeMs, now - seen), future: st.mtimeMs > now + 1000 };
}

/** Reads what is at the lock's name without following links or blocking on a FIFO. */
function inspect(file: string): Found {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return { kind: 'gone' };
  }
  const { ageMs, future } = ageOf(file, st);
  const unreadable = (what: string): Found => ({
    kind: 'unreadable',
    what: future ? `${what} (modified in the future: a clock ahead)` : what,
    ino: st.ino,
    ageMs,
    isDir: st.isDirectory(),
  });
  if (st.isDirectory()) return unreadable('a folder');
  if (st.isSymbolicLink()) return unreadable('a symbolic link');
  if (!st.isFile()) return unreadable('not a regular file');
  if (st.size === 0) return unreadable('empty');
  if (st.size > MAX_LOCK_BYTES) return unreadable(`${st.size} bytes, not a lenet lock`);
  let text: string;
  try {
    text = readRegularFile(file, MAX_LOCK_BYTES, { noFollow: true }).toString('utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    // Another user's lock this user may not read is a live holder's as likely as a dead one's.
    if (code === 'EACCES' || code === 'EPERM') return { kind: 'denied', code, uid: st.uid };
    return unreadable(`unreadable (${code ?? 'error'})`);
  }
  // Replaced between lstat and the read: look again.
  const ino = fs.lstatSync(file, { throwIfNoEntry: false })?.ino;
  if (ino === undefined) return { kind: 'gone' };
  if (ino !== st.ino) return inspect(file);
  const owner = parseOwner(text);
  return owner ? { kind: 'owner', owner, ino, ageMs } : unreadable('not a lenet lock');
}

// ---------------------------------------------------------------- judging a holder

/**
 * The holder, described for the refusal, when it may still hold the lock; null when the lock is
 * stale. `unsure`: its holder cannot be checked from here (another host, another pid namespace,
 * a flock that cannot be tested), so the refusal names the file to delete if that process is gone.
 */
type Holder = { by: string; unsure: boolean } | null;

/** Whether the lock's pid is a pid of this process's namespace: 'same', 'other', or 'unknown' (an older lock, no /proc). */
function namespaceOf(o: LockOwner, me: Self): 'same' | 'other' | 'unknown' {
  if (o.pidns === null || me.pidns === null) return 'unknown';
  return o.pidns === me.pidns ? 'same' : 'other';
}

/**
 * Who may still hold the lock, or null. Positive evidence first: a held flock is a live holder,
 * whatever its boot id, start time or pid say. Only when the flock is free or cannot be tested do
 * the other rules decide, and a pid is judged only in the pid namespace it belongs to: a process
 * never counts itself, or a process that only shares its pid, as the holder, and never calls a
 * holder dead or itself from a pid that means nothing here (pid 1 of another container, a host
 * pid seen from a namespace without its own /proc). Where it cannot tell, the holder is alive.
 */
function holderOf(file: string, ino: number, o: LockOwner): Holder {
  const me = self();
  const what = `(${o.command}, since ${o.started})`;
  if (o.host !== me.host) return { by: `pid ${o.pid} on host ${o.host} ${what}`, unsure: true };
  const ns = namespaceOf(o, me);
  const live = { by: `pid ${o.pid} ${what}`, unsure: false };
  const unjudged = (why: string): Holder => ({ by: `pid ${o.pid} ${what}, ${why}`, unsure: true });
  if (o.pid === process.pid && ns !== 'other' && (o.start === null || o.start === me.start) && holdsInode(file, ino)) return live;
  if (o.flock) {
    const f = flockHeld(file, ino);
    if (f === 'busy')
      return ns === 'other' || o.pid === process.pid ? { by: `${live.by}, a process of another pid namespace`, unsure: false } : live;
    if (f === 'taken') return null; // the holder's flock went with it
  }
  // The flock cannot tell: the holder took none, or it cannot be tested from here.
  // Written before this machine last started (or on another machine that has this host name).
  if (o.boot !== null && me.boot !== null && o.boot !== me.boot) return null;
  const cannotTest = o.flock ? ' (its flock cannot be tested here)' : '';
  if (ns === 'other') return unjudged(`a process of another pid namespace${cannotTest}`);
  if (o.pid === process.pid) {
    // Our pid in our namespace is this process, which does not hold the lock: its writer is gone.
    if (ns === 'same') return null;
    return unjudged(`with this process's pid in a pid namespace lenet cannot tell${cannotTest}`);
  }
  let denied = false;
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') {
      // No such process here: the holder is gone if its pid is one of this namespace.
      return ns === 'same' || me.procIsOurs ? null : unjudged(`not a pid lenet can check from here${cannotTest}`);
    }
    denied = true;
  }
  if (!me.procIsOurs) return live; // alive for kill(0), and /proc cannot say more
  const stat = procStat(String(o.pid));
  if (stat === null) return denied ? live : null;
  if (o.start !== null) return o.start === stat.start ? live : null; // else the pid is another process now
  // A lock of an older lenet, without a start time: a pid reused by a program that is not Node is not it.
  const cmdline = readFileOrNull(`/proc/${o.pid}/cmdline`);
  return cmdline !== null && !/node/.test(cmdline) ? null : live;
}

/** Whether this process holds the lock file `ino` at `file` (by inode: the same folder may be named two ways). */
function holdsInode(file: string, ino: number): boolean {
  const dev = fs.lstatSync(file, { throwIfNoEntry: false })?.dev;
  for (const h of held.values()) {
    try {
      const st = fs.fstatSync(h.fd);
      if (st.ino === ino && st.dev === dev) return true;
    } catch {
      // closed: not held
    }
  }
  return false;
}

/** "it is being written by pid N (…)", with the file to delete when the holder cannot be checked from here. */
function describeLive(file: string, holder: NonNullable<Holder>): string {
  const hint = holder.unsure ? `; if that process is gone, delete ${file}` : '';
  return `it is being written by ${holder.by}${hint}`;
}

/** A lock this user may not read: someone else's, whose holder cannot be judged from here. */
function describeDenied(file: string, found: { code: string; uid: number }): string {
  return `its lock ${file} belongs to user ${found.uid} and cannot be read by this user (${found.code}): another user's lenet may be writing it; if that process is gone, delete ${file}`;
}

/** The live writer of dir's lock, described, or null when the folder is free (no lock, or a stale one). */
export function lockHolder(dir: string, name = LOCK_FILE): string | null {
  const file = path.join(dir, name);
  const found = inspect(file);
  if (found.kind === 'denied') return describeDenied(file, found);
  if (found.kind !== 'owner') return null; // an unreadable lock is waited for, then taken over, by lockFolder
  const holder = holderOf(file, found.ino, found.owner);
  return holder === null ? null : describeLive(file, holder);
}

// ---------------------------------------------------------------- taking a lock

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(1, ms));
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset, offset);
}

/** What this process writes into a lock file. */
function ownerText(command: string, flock: boolean): Buffer {
  const me = self();
  const owner: LockOwner = {
    pid: process.pid,
    host: me.host,
    boot: me.boot,
    start: me.start,
    flock,
    pidns: me.pidns,
    command,
    started: new Date().toISOString(),
  };
  return Buffer.from(JSON.stringify(owner) + '\n', 'utf8');
}

/** A new file, flocked by this process when it can be, holding this process's lock in full. */
function writeOwnedFile(file: string, command: string, flags: string | number): { fd: number; flock: boolean } {
  const fd = fs.openSync(file, flags, 0o644);
  try {
    // Readable by every user who can write the folder, whatever the umask: a lock another user
    // cannot read cannot be judged (it is refused, never taken over), so it must not be unreadable.
    fs.fchmodSync(fd, 0o644);
    const flock = flockFd(fd, 0) === 'taken';
    writeAll(fd, ownerText(command, flock));
    return { fd, flock };
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
}

/**
 * Takes dir's lock (`name` lets shards of one campaign hold locks of their own). Throws a one-line
 * runtime error naming the holder when a live process has it; takes over a stale one (its holder
 * gone, or unreadable and older than UNREADABLE_STALE_MS), saying so in one line on stderr.
 * Released by release() or, at the latest, when the process exits.
 */
export function lockFolder(dir: string, command: string, name = LOCK_FILE): FolderLock {
  const file = path.join(dir, name);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  let temp: { fd: number; flock: boolean };
  try {
    // Flocked before its name appears: the lock is flocked the instant it exists.
    temp = writeOwnedFile(tmp, command, 'wx');
  } catch (err) {
    throw fileError('lock', dir, err);
  }
  let lock: FolderLock | null = null;
  try {
    lock = acquire(dir, file, tmp, temp.fd, command);
    removeLeftovers(dir, name);
    return lock;
  } finally {
    fs.rmSync(tmp, { force: true });
    if (lock === null || held.get(file)?.fd !== temp.fd) fs.closeSync(temp.fd);
  }
}

/** Codes with which link(2) says the file system has no hard links. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

function acquire(dir: string, file: string, tmp: string, fd: number, command: string): FolderLock {
  const ino = fs.fstatSync(fd).ino;
  const deadline = Date.now() + UNREADABLE_STALE_MS + 10_000;
  let links = true;
  let tookOver: string | null = null;
  while (Date.now() < deadline) {
    try {
      if (links) {
        fs.linkSync(tmp, file);
        return holding(file, ino, fd, tookOver);
      }
      // No hard links: O_EXCL create and write. A kill between the two leaves an empty lock,
      // which is stale within seconds.
      const own = writeOwnedFile(file, command, 'wx');
      return holding(file, fs.fstatSync(own.fd).ino, own.fd, tookOver);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (links && NO_LINKS.has(code)) {
        links = false;
        continue;
      }
      if (code !== 'EEXIST') throw fileError('lock', dir, err);
    }
    const found = inspect(file);
    if (found.kind === 'gone') continue;
    if (found.kind === 'denied') throw runtimeError(`cannot write into ${dir}: ${describeDenied(file, found)}`);
    if (found.kind === 'owner') {
      // A holder that is gone left its lock by dying (a crash, kill -9): taken over without a word,
      // as a resume after a crash always has been.
      const holder = holderOf(file, found.ino, found.owner);
      if (holder !== null) throw runtimeError(`cannot write into ${dir}: ${describeLive(file, holder)}`);
      takeOver(file, found.ino, tmp, ino);
    } else if (found.ageMs < UNREADABLE_STALE_MS) {
      sleepMs(Math.min(200, UNREADABLE_STALE_MS - found.ageMs)); // perhaps an older lenet writing it this instant
    } else if (takeOver(file, found.ino, tmp, ino)) {
      tookOver = `took over the lock of ${dir}: ${path.basename(file)} was ${found.what}, ${Math.round(found.ageMs / 1000)} s old`;
    }
  }
  throw runtimeError(`cannot write into ${dir}: its lock ${file} keeps changing hands`);
}

function holding(file: string, ino: number, fd: number, tookOver: string | null): FolderLock {
  held.set(file, { ino, fd });
  releaseAllOnExit();
  return { file, tookOver, release: () => releaseHeld(file) };
}

function releaseHeld(file: string): void {
  const mine = held.get(file);
  if (!mine) return;
  held.delete(file);
  try {
    if (fs.lstatSync(file).ino === mine.ino) fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
  try {
    fs.closeSync(mine.fd);
  } catch {
    // closed already
  }
}

/**
 * Removes the stale lock at `file` (inode `ino`) under a short takeover lock: this process's own
 * lock linked as `<lock>.takeover`, judged like the lock itself. Of several processes taking over
 * one stale lock at once only one removes it, and none removes the lock another has just put in
 * its place. True when this process removed it; false when the takeover lock was busy or the
 * stale lock had already been replaced (the caller looks again).
 */
function takeOver(file: string, ino: number, tmp: string, myIno: number): boolean {
  const guard = `${file}.takeover`;
  try {
    fs.linkSync(tmp, guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return removeIfStill(file, ino); // no hard links: the rename is the guard
    const g = inspect(guard);
    if (g.kind === 'gone') return false;
    if (g.kind === 'denied') throw runtimeError(`cannot take over the lock ${file}: ${describeDenied(guard, g)}`);
    const stale = g.kind === 'owner' ? holderOf(guard, g.ino, g.owner) === null : g.ageMs >= UNREADABLE_STALE_MS;
    if (stale) removeIfStill(guard, g.ino);
    else sleepMs(5);
    return false;
  }
  try {
    return removeIfStill(file, ino);
  } finally {
    if (fs.lstatSync(guard, { throwIfNoEntry: false })?.ino === myIno) fs.rmSync(guard, { force: true });
  }
}

/**
 * Removes what is at `file` (a folder too) when it is still inode `ino`: renamed aside first (one
 * rename wins), then checked. Only if a takeover lock was itself broken can the file renamed be a
 * newer one; it is then put back.
 */
function removeIfStill(file: string, ino: number): boolean {
  const aside = `${file}.stale.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  try {
    if (fs.lstatSync(file).ino !== ino) return false;
    fs.renameSync(file, aside);
  } catch {
    return false; // gone, or moved by someone else first
  }
  if (fs.lstatSync(aside).ino !== ino) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // a newer one is in place; the next attempt reads it
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { recursive: true, force: true });
  return true;
}

/** Names a lock leaves beside itself (its temporaries, the takeover lock): not a folder's content. */
export function isLockEntry(entry: string): boolean {
  return /^\.lenet[^/]*\.lock($|\.)/.test(entry);
}

/** Temporaries and set-aside locks of processes killed while locking (minutes old), and a dead takeover lock. */
function removeLeftovers(dir: string, name: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.startsWith(`${name}.`)) continue;
    const p = path.join(dir, e);
    if (e === `${name}.takeover`) {
      const g = inspect(p);
      if (g.kind === 'gone' || g.kind === 'denied') continue;
      if (g.kind === 'owner' ? holderOf(p, g.ino, g.owner) === null : g.ageMs >= UNREADABLE_STALE_MS) removeIfStill(p, g.ino);
      continue;
    }
    if (!/\.tmp$|\.stale\.\d+\.[0-9a-f]+$/.test(e)) continue;
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > 60_000) fs.rmSync(p, { recursive: true, force: true });
  }
}
