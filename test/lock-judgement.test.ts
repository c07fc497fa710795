/**
 * How a lock's holder is judged when the evidence is partial: a held flock beats every negative
 * rule, a pid is never judged outside its pid namespace, a lock this user cannot read is someone's,
 * and a lock's age is not fooled by a clock ahead. Each case here was a way to take a live
 * holder's lock (or to block a folder for good).
 */
import { test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flockProgram, lockFolder, lockHolder, LOCK_FILE } from '../src/rundir/lock';
import { escapeRegExp, ROOT, tempDir, throwsLenet } from './helpers';

const LOCK_JS = path.join(__dirname, '..', 'src', 'rundir', 'lock.js');
const BOOT = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

function startOf(pid: number | 'self'): number {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
}

function writeLock(dir: string, owner: Record<string, unknown>): string {
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, JSON.stringify({ command: 'lenet train', started: 'then', ...owner }));
  return file;
}

const lockText = (dir: string) => fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8');

function hasFlock(t: TestContext): boolean {
  if (spawnSync('flock', ['--version']).status === 0) return true;
  t.skip('needs flock(1) to stand in for a live holder');
  return false;
}

/** flock(1) holding an exclusive flock on `file` as a live holder does, until killed. */
async function holdFlock(t: TestContext, file: string): Promise<void> {
  // Its own process group, so that the sleep under flock(1) dies with it.
  const child = spawn('flock', ['-x', file, '-c', 'echo held; exec sleep 120'], { detached: true });
  t.after(() => process.kill(-child.pid!, 'SIGKILL'));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', reject);
  });
}

function withoutFlock<T>(fn: () => T): T {
  const saved = flockProgram.name;
  flockProgram.name = 'no-such-flock-program';
  try {
    return fn();
  } finally {
    flockProgram.name = saved;
  }
}

test('a held flock is a live holder whatever the boot id, start time or pid say', async (t) => {
  if (!hasFlock(t)) return;
  const host = os.hostname();
  const cases: Array<[string, Record<string, unknown>]> = [
    // A pod of the same name on another node, its flock seen through shared storage.
    ['another boot id, a dead pid', { pid: 4242, host, boot: '00000000-dead-beef-0000-000000000000', start: 5, flock: true }],
    ['this boot, a dead pid, another start time', { pid: 4242, host, boot: BOOT, start: 5, flock: true }],
    ["this process's pid and another start time", { pid: process.pid, host, boot: BOOT, start: startOf('self') - 1, flock: true }],
  ];
  for (const [what, owner] of cases) {
    const dir = tempDir('lenet-heldflock-');
    const file = writeLock(dir, owner);
    const before = lockText(dir);
    await holdFlock(t, file);
    assert.match(lockHolder(dir) ?? 'free', /^it is being written by pid \d+ \(lenet train, since then\)/, what);
    throwsLenet(
      () => lockFolder(dir, 'lenet train'),
      1,
      /cannot write into .*: it is being written by pid \d+ \(lenet train, since then\)/,
    );
    assert.equal(lockText(dir), before, `${what}: the lock is untouched`);
  }
});

test('a holder whose flock cannot be tested here, or whose pid is of another namespace, is never judged dead or this process', async (t) => {
  if (!hasFlock(t)) return;
  const host = os.hostname();
  const me = startOf('self');
  const cases: Array<[string, Record<string, unknown>]> = [
    // pid 1 of another container while this lenet is pid 1 too: its flock is held, flock(1) is missing here.
    [
      "this process's pid, another start time, a flock held",
      { pid: process.pid, host, boot: BOOT, start: me - 1, flock: true, pidns: 'pid:[1]' },
    ],
    [
      "this process's pid, another namespace, no flock",
      { pid: process.pid, host, boot: BOOT, start: me - 1, flock: false, pidns: 'pid:[1]' },
    ],
    // A host pid seen from a namespace where kill(0) cannot reach it.
    [
      'a pid of another namespace that kill(0) does not find',
      { pid: 2 ** 22 - 3, host, boot: BOOT, start: 5, flock: true, pidns: 'pid:[1]' },
    ],
  ];
  for (const [what, owner] of cases) {
    const dir = tempDir('lenet-unjudged-');
    const file = writeLock(dir, owner);
    const before = lockText(dir);
    await holdFlock(t, file);
    const refusal = new RegExp(
      `cannot write into .*: it is being written by pid ${owner.pid} \\(lenet train, since then\\), .*another pid namespace.*; if that process is gone, delete ${escapeRegExp(file)}$`,
    );
    withoutFlock(() => throwsLenet(() => lockFolder(dir, 'lenet train --resume'), 1, refusal));
    assert.equal(lockText(dir), before, `${what}: the lock is untouched`);
  }
});

/** Runs `args` as pid 1 of a new pid namespace; `mountProc` false leaves it the host's /proc. */
function inPidNamespace(args: string[], env: NodeJS.ProcessEnv, mountProc = true) {
  const child = spawn('unshare', ['--pid', '--fork', ...(mountProc ? ['--mount-proc'] : []), '--kill-child=SIGKILL', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, done, out: () => stdout };
}

const HOLD = `const l = require(${JSON.stringify(LOCK_JS)});
  if (process.env.LENET_TEST_NO_FLOCK) l.flockProgram.name = 'no-such-flock-program';
  try { l.lockFolder(process.argv[1], 'lenet train'); process.stdout.write('won\\n'); }
  catch (e) { process.stdout.write('lost: ' + e.message + '\\n'); process.exit(1); }
  setInterval(() => {}, 1000);`;

async function firstLine(p: { out: () => string; done: Promise<unknown> }): Promise<string> {
  const end = Date.now() + 120_000;
  while (!p.out().includes('\n') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return p.out();
}

test('pid namespaces with flock on one side only: a live holder is refused to the newcomer, never taken over', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (unshare of a pid namespace)');
  if (spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0) return t.skip('unshare does not work here');
  const NO = { LENET_TEST_NO_FLOCK: '1' };
  const cases: Array<[string, NodeJS.ProcessEnv, NodeJS.ProcessEnv, 'pidns' | 'host', boolean]> = [
    ['holder with flock, newcomer without', {}, NO, 'pidns', true],
    ['holder without flock, newcomer with', NO, {}, 'pidns', true],
    ['holder on the host, newcomer in a pid namespace without its own /proc and without flock', {}, NO, 'host', false],
  ];
  for (const [what, holderEnv, newcomerEnv, where, mountProc] of cases) {
    const dir = tempDir('lenet-nsflock-');
    const holder =
      where === 'host'
        ? (() => {
            const child = spawn(process.execPath, ['-e', HOLD, dir], { env: { ...process.env, ...holderEnv } });
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            return { child, done: new Promise((r) => child.on('exit', r)), out: () => out };
          })()
        : inPidNamespace([process.execPath, '-e', HOLD, dir], holderEnv);
    t.after(() => holder.child.kill('SIGKILL'));
    assert.equal(await firstLine(holder), 'won\n', what);
    const before = lockText(dir);
    const newcomer = inPidNamespace([process.execPath, '-e', HOLD, dir], newcomerEnv, mountProc);
    t.after(() => newcomer.child.kill('SIGKILL'));
    const line = await firstLine(newcomer);
    assert.match(line, /^lost: cannot write into .*: it is being written by pid \d+ \(lenet train, since .*\)/, `${what}: ${line}`);
    assert.equal(await newcomer.done, 1, what);
    assert.equal(lockText(dir), before, `${what}: the holder's lock is untouched`);
    holder.child.kill('SIGKILL');
    await holder.done;
  }
});

test('a non-lock modified in the future is stale once seen unchanged for a few seconds; so is a takeover lock', () => {
  for (const guard of [false, true]) {
    const dir = tempDir('lenet-futurelock-');
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, 'garbage');
    const future = new Date(Date.now() + 3600_000);
    if (guard) {
      // A takeover lock (garbage) from the future, beside an hour-old garbage lock.
      fs.utimesSync(file, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
      fs.writeFileSync(`${file}.takeover`, '');
      fs.utimesSync(`${file}.takeover`, future, future);
    } else fs.utimesSync(file, future, future);
    const lock = lockFolder(dir, 'lenet train');
    assert.equal(JSON.parse(lockText(dir)).pid, process.pid, `guard ${guard}`);
    // The notice for the caller to say (rundir/ prints nothing).
    assert.match(lock.tookOver ?? '', /^took over the lock of .*: \.lenet\.lock was not a lenet lock.*, \d+ s old$/);
    if (!guard) assert.match(lock.tookOver ?? '', /modified in the future/);
    lock.release();
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing is left');
  }
});

test('the lock is readable by every user whatever the umask; a lock this user cannot read is refused, never taken over', async (t) => {
  const dir = tempDir('lenet-umask-');
  const old = process.umask(0o077);
  let lock;
  try {
    lock = lockFolder(dir, 'lenet train');
  } finally {
    process.umask(old);
  }
  assert.equal(fs.statSync(path.join(dir, LOCK_FILE)).mode & 0o777, 0o644);
  lock.release();

  // A lock of another user's lenet (an older one, or made readable to its owner only), an hour old.
  const shared = tempDir('lenet-otheruser-');
  fs.chmodSync(shared, 0o777);
  const file = writeLock(shared, { pid: 4242, host: os.hostname(), boot: BOOT, start: 5, flock: false });
  const then = new Date(Date.now() - 3600_000);
  fs.utimesSync(file, then, then);
  const refusal = new RegExp(
    `cannot write into .*: its lock ${escapeRegExp(file)} belongs to user ${process.getuid?.()} and cannot be read by this user \\((EACCES|EPERM)\\): another user's lenet may be writing it; if that process is gone, delete ${escapeRegExp(file)}$`,
  );
  if (process.getuid?.() === 0) {
    // root reads everything: the newcomer is the user nobody.
    fs.chmodSync(file, 0o600);
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `try { require(${JSON.stringify(LOCK_JS)}).lockFolder(process.argv[1], 'lenet train'); console.log('won'); } catch (e) { console.log('lost: ' + e.message); }`,
        shared,
      ],
      { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' },
    );
    if (/EACCES|permission denied/i.test(r.stderr) && r.stdout === '')
      return t.skip(`user nobody cannot run this build: ${r.stderr.trim()}`);
    assert.match(r.stdout.trim(), new RegExp(`^lost: ${refusal.source}`), r.stderr);
  } else {
    fs.chmodSync(file, 0o000);
    throwsLenet(() => lockFolder(shared, 'lenet train'), 1, refusal);
    assert.match(lockHolder(shared) ?? 'free', /cannot be read by this user/);
    fs.chmodSync(file, 0o600);
  }
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, 4242, 'the lock is untouched');
});
