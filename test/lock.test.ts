/**
 * The folder lock under hostile conditions: a full disk, anything but a lock at its name, many
 * processes taking over one stale lock at once, and pids that are reused — by another program, by
 * this very process, by pid 1 of the next container (real pid namespaces with unshare).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkOutDir } from '../src/rundir/layout';
import { FolderLock, flockProgram, lockFolder, lockHolder, LOCK_FILE, UNREADABLE_STALE_MS } from '../src/rundir/lock';
import { escapeRegExp, throwsLenet } from './helpers';
import { tempDir } from './harness/tmp';
import { mountTmpfs, needsRoot } from './harness/root';
import { canUnshare, inPidNamespace } from './harness/namespace';
import { until } from './harness/wait';

const LOCK_JS = path.join(__dirname, '..', 'src', 'rundir', 'lock.js');
/** An hour before now (a function: the tests before may take a while). */
const hourAgo = () => new Date(Date.now() - 3600_000);

/** This process's start time (field 22 of /proc/self/stat) and the boot id, read here independently. */
function startOf(pid: number | 'self'): number {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
}
const BOOT = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const PIDNS = fs.readlinkSync('/proc/self/ns/pid');

function writeLock(dir: string, owner: Record<string, unknown>, name = LOCK_FILE): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ command: 'lenet train', started: 'then', ...owner }));
  return file;
}

function lockOf(dir: string, name = LOCK_FILE): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
}

/** Takes a lock with fn; its takeover notice (FolderLock.tookOver: rundir/ prints nothing, the caller says it), if any. */
function withNotices(fn: () => FolderLock): { value: FolderLock; notices: string[] } {
  const value = fn();
  return { value, notices: value.tookOver === null ? [] : [value.tookOver] };
}

test('lock on a full disk: one error line naming ENOSPC, nothing left at the lock name; after space is freed the folder locks', (t) => {
  if (!needsRoot(t, 'mounts a small tmpfs as a full disk')) return;
  const mnt = mountTmpfs(t, '64k');
  const dir = path.join(mnt, 'run');
  fs.mkdirSync(dir);
  // Fill the disk to the last byte: creating a file still works (an inode), writing into it does not.
  const filler = path.join(mnt, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    throwsLenet(
      () => lockFolder(dir, 'lenet train'),
      1,
      new RegExp(`^cannot lock ${escapeRegExp(dir)}: no space left on device \\(ENOSPC\\)$`),
    );
    assert.deepEqual(fs.readdirSync(dir), [], 'no lock, empty or whole, and no temporary is left behind');
  }
  fs.rmSync(filler);
  const { value: lock, notices } = withNotices(() => lockFolder(dir, 'lenet train'));
  assert.deepEqual(notices, [], 'there was nothing to take over');
  assert.equal(lockOf(dir).pid, process.pid);
  lock.release();
  assert.deepEqual(fs.readdirSync(dir), []);
});

/** Everything that can sit at the lock's name and is not a lock lenet writes. */
const NOT_A_LOCK: Array<[string, (file: string) => void, RegExp]> = [
  ['an empty file', (f) => fs.writeFileSync(f, ''), /was empty/],
  ['garbage bytes', (f) => fs.writeFileSync(f, Buffer.from([0xff, 0x00, 0x7b, 0x22, 0x9c])), /was not a lenet lock/],
  ['half of a lock', (f) => fs.writeFileSync(f, '{"pid": 4242, "host": "'), /was not a lenet lock/],
  ['a folder with a file in it', (f) => (fs.mkdirSync(f), fs.writeFileSync(path.join(f, 'x'), 'x')), /was a folder/],
  ['an empty folder', (f) => fs.mkdirSync(f), /was a folder/],
  ['JSON null', (f) => fs.writeFileSync(f, 'null'), /not a lenet lock/],
  ['a JSON list', (f) => fs.writeFileSync(f, '[1, 2]'), /not a lenet lock/],
  ['pid as a string', (f) => fs.writeFileSync(f, JSON.stringify({ pid: '1', host: os.hostname() })), /not a lenet lock/],
  ['pid 0 (kill(0) signals the group)', (f) => fs.writeFileSync(f, JSON.stringify({ pid: 0, host: os.hostname() })), /not a lenet lock/],
  ['pid -1 (kill(-1) signals everyone)', (f) => fs.writeFileSync(f, JSON.stringify({ pid: -1, host: os.hostname() })), /not a lenet lock/],
  ['pid 1.5', (f) => fs.writeFileSync(f, JSON.stringify({ pid: 1.5, host: os.hostname() })), /not a lenet lock/],
  ['no host', (f) => fs.writeFileSync(f, JSON.stringify({ pid: process.ppid })), /not a lenet lock/],
  [
    'a start time that is text',
    (f) => fs.writeFileSync(f, JSON.stringify({ pid: 1, host: os.hostname(), start: 'x' })),
    /not a lenet lock/,
  ],
  ['a dangling symbolic link', (f) => fs.symlinkSync('/nonexistent/lock', f), /was a symbolic link/],
  ['a link to /dev/zero', (f) => fs.symlinkSync('/dev/zero', f), /was a symbolic link/],
  ['a 1 MB file', (f) => fs.writeFileSync(f, Buffer.alloc(1 << 20, 0x20)), /1048576 bytes, not a lenet lock/],
];

test('anything but a lock at the lock name, an hour old, is stale: taken over with one line saying what it was', () => {
  for (const [what, make, says] of NOT_A_LOCK) {
    const dir = tempDir('lenet-badlock-');
    const file = path.join(dir, LOCK_FILE);
    make(file);
    fs.lutimesSync(file, hourAgo(), hourAgo());
    assert.equal(lockHolder(dir), null, `${what}: nobody holds the folder`);
    checkOutDir(dir, false); // the folder counts as free and empty
    const { value: lock, notices } = withNotices(() => lockFolder(dir, 'lenet train'));
    assert.equal(notices.length, 1, `${what}: ${notices.join(' | ')}`);
    assert.match(notices[0], new RegExp(`^took over the lock of ${escapeRegExp(dir)}: \\.lenet\\.lock `), what);
    assert.match(notices[0], says, what);
    assert.ok(Number(/, (\d+) s old$/.exec(notices[0])?.[1]) >= 3600, `${what}: ${notices[0]}`);
    assert.ok(fs.lstatSync(file).isFile(), what);
    assert.equal(lockOf(dir).pid, process.pid, what);
    lock.release();
    assert.deepEqual(fs.readdirSync(dir), [], `${what}: nothing left behind`);
  }
});

test('a FIFO at the lock name does not hang lenet: stale like any other non-lock', () => {
  const dir = tempDir('lenet-fifo-');
  const file = path.join(dir, LOCK_FILE);
  assert.equal(spawnSync('mkfifo', [file]).status, 0);
  fs.utimesSync(file, hourAgo(), hourAgo());
  // In a child with a time limit: reading a FIFO without a writer blocks for ever.
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const l = require(${JSON.stringify(LOCK_JS)}); const k = l.lockFolder(process.argv[1], 'lenet train'); process.stdout.write('locked'); process.stderr.write(String(k.tookOver));`,
      dir,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(r.signal, null, 'lockFolder hung on a FIFO');
  assert.equal(r.stdout, 'locked', r.stderr);
  assert.match(r.stderr, /^took over the lock of .*: \.lenet\.lock was not a regular file, 36\d\d s old$/);
});

test('an unreadable lock younger than a few seconds is waited for: stale only once it is old enough', () => {
  const dir = tempDir('lenet-younglock-');
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, '');
  const { value: lock, notices } = withNotices(() => lockFolder(dir, 'lenet train'));
  const age = Number(/, (\d+) s old$/.exec(notices[0] ?? '')?.[1]);
  assert.ok(age >= UNREADABLE_STALE_MS / 1000, `taken over at ${age} s: ${notices.join(' | ')}`);
  lock.release();
});

test('an unreadable lock that becomes a live lock while waited for is respected', async () => {
  const dir = tempDir('lenet-younglock-');
  // As an older lenet wrote its lock: create it empty, write it a moment later, then hold it.
  const script = `const fs = require('fs'); const f = process.argv[1];
    const fd = fs.openSync(f, 'wx'); process.stdout.write('created');
    setTimeout(() => { fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: require('os').hostname(), command: 'old lenet', started: 'now' })); fs.closeSync(fd); }, 300);
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script, path.join(dir, LOCK_FILE)]);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  try {
    throwsLenet(() => lockFolder(dir, 'lenet train'), 1, new RegExp(`being written by pid ${child.pid} \\(old lenet, since now\\)`));
  } finally {
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));
  }
});

test('a forged lock with this process’s pid but another start time is stale in this pid namespace; elsewhere it is not judged', () => {
  const me = startOf('self');
  const cases: Array<[string, Record<string, unknown>]> = [
    [
      'an earlier process with this pid',
      { pid: process.pid, host: os.hostname(), boot: BOOT, start: me - 100, flock: false, pidns: PIDNS },
    ],
    [
      'a later one (start time after ours)',
      { pid: process.pid, host: os.hostname(), boot: BOOT, start: me + 100, flock: true, pidns: PIDNS },
    ],
    ['this very process, not holding it', { pid: process.pid, host: os.hostname(), boot: BOOT, start: me, flock: true, pidns: PIDNS }],
  ];
  for (const [what, owner] of cases) {
    const dir = tempDir('lenet-selflock-');
    writeLock(dir, owner);
    assert.equal(lockHolder(dir), null, `${what}: this process does not hold it`);
    // A holder that is gone is taken over silently, as a resume after a crash always was.
    const { value: lock, notices } = withNotices(() => lockFolder(dir, 'lenet train --resume'));
    assert.deepEqual(notices, [], what);
    assert.equal(lockOf(dir).start, me, what);
    // Now this process does hold it: a second lock of this process is refused, naming itself.
    throwsLenet(() => lockFolder(dir, 'again'), 1, new RegExp(`being written by pid ${process.pid} \\(lenet train --resume`));
    assert.match(lockHolder(dir) ?? '', new RegExp(`pid ${process.pid}`));
    lock.release();
  }
  // This process's pid with nothing to say it is of this namespace (an older lenet's lock, or
  // another namespace's): pid 1 of another container may be alive. Refused, naming the file.
  const unjudged: Array<[string, Record<string, unknown>]> = [
    ['an older lenet (pid and host only)', { pid: process.pid, host: os.hostname() }],
    ['another start time, no namespace', { pid: process.pid, host: os.hostname(), boot: BOOT, start: me - 100, flock: false }],
    ['another pid namespace', { pid: process.pid, host: os.hostname(), boot: BOOT, start: me - 100, flock: false, pidns: 'pid:[1]' }],
  ];
  for (const [what, owner] of unjudged) {
    const dir = tempDir('lenet-selflock-');
    const file = writeLock(dir, owner);
    const refusal = new RegExp(
      `being written by pid ${process.pid} \\(lenet train, since then\\), .*; if that process is gone, delete ${escapeRegExp(file)}$`,
    );
    assert.match(lockHolder(dir) ?? 'free', refusal, what);
    throwsLenet(() => lockFolder(dir, 'lenet train'), 1, refusal);
    assert.deepEqual(lockOf(dir), { command: 'lenet train', started: 'then', ...owner }, `${what}: the lock is untouched`);
  }
});

test('a live process is the holder only with its own start time; another boot, another program or a dead pid hold nothing', async () => {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume(); process.stdin.on("end", () => process.exit(0))']);
  await new Promise((resolve) => child.once('spawn', resolve));
  const sleeper = spawn('sleep', ['60']);
  await new Promise((resolve) => sleeper.once('spawn', resolve));
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  try {
    const pid = child.pid!;
    const start = startOf(pid);
    const host = os.hostname();
    const live: Array<[string, Record<string, unknown>]> = [
      ['its pid and start time', { pid, host, boot: BOOT, start, flock: false }],
      ['its pid, an older lenet (no start time)', { pid, host }],
      ['its pid and start time, boot unknown', { pid, host, boot: null, start, flock: false }],
    ];
    for (const [what, owner] of live) {
      const dir = tempDir('lenet-livelock-');
      writeLock(dir, owner);
      assert.match(lockHolder(dir) ?? 'free', new RegExp(`^it is being written by pid ${pid} \\(lenet train, since then\\)$`), what);
      throwsLenet(() => lockFolder(dir, 'lenet train'), 1, new RegExp(`cannot write into .*: it is being written by pid ${pid} `));
      assert.deepEqual(lockOf(dir), { command: 'lenet train', started: 'then', ...owner }, `${what}: the lock is untouched`);
    }
    // Each is stale by one rule alone: the others would call it live.
    const stale: Array<[string, Record<string, unknown>]> = [
      ['its pid, another start time', { pid, host, boot: BOOT, start: start + 1, flock: false }],
      ['its pid and start time, another boot', { pid, host, boot: 'f'.repeat(8), start, flock: false }],
      ['its pid and start time, a flock nobody holds', { pid, host, boot: BOOT, start, flock: true }],
      ['a program that is not lenet (old lock)', { pid: sleeper.pid, host }],
      ['a sleep with another start time', { pid: sleeper.pid, host, boot: BOOT, start: startOf(sleeper.pid!) - 7 }],
      ['a dead pid', { pid: Number(dead.stdout), host, boot: BOOT, start: 1 }],
    ];
    for (const [what, owner] of stale) {
      const dir = tempDir('lenet-stalelock-');
      writeLock(dir, owner);
      assert.equal(lockHolder(dir), null, what);
      checkOutDir(dir, false);
      const { value: lock, notices } = withNotices(() => lockFolder(dir, 'lenet train'));
      assert.deepEqual(notices, [], `${what}: a holder that is gone is taken over without a word`);
      assert.deepEqual([lockOf(dir).pid, lockOf(dir).command], [process.pid, 'lenet train'], what);
      lock.release();
    }
    // A holder on another host cannot be checked from here: refused, naming the file to delete.
    const dir = tempDir('lenet-otherhost-');
    writeLock(dir, { pid: 4242, host: 'node-17.cluster', boot: 'other', start: 5, flock: true, command: 'lenet sweep' });
    throwsLenet(
      () => lockFolder(dir, 'lenet sweep'),
      1,
      /it is being written by pid 4242 on host node-17\.cluster \(lenet sweep, since then\); if that process is gone, delete .*\.lenet\.lock$/,
    );
  } finally {
    child.stdin.end();
    sleeper.kill();
  }
});

test('a live holder keeps its flock: another process is refused, and it is free the moment the holder dies', async (t) => {
  const dir = tempDir('lenet-flock-');
  const holder = spawn(process.execPath, [
    '-e',
    `require(${JSON.stringify(LOCK_JS)}).lockFolder(process.argv[1], 'lenet sweep'); process.stdout.write('locked'); setInterval(() => {}, 1000);`,
    dir,
  ]);
  t.after(() => holder.kill('SIGKILL'));
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  const owner = lockOf(dir);
  assert.equal(owner.flock, true, 'the holder took an flock (flock(1) is on PATH here)');
  assert.equal(owner.start, startOf(holder.pid!));
  throwsLenet(() => lockFolder(dir, 'lenet sweep'), 1, new RegExp(`being written by pid ${holder.pid} \\(lenet sweep`));
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.on('exit', resolve));
  const lock = lockFolder(dir, 'lenet sweep');
  assert.equal(lockOf(dir).pid, process.pid);
  lock.release();
});

/** N processes call lockFolder on one folder at once; each says won or lost (with its message), then holds on until all have tried. */
async function race(dir: string, n: number, env: NodeJS.ProcessEnv = {}): Promise<Array<{ pid: number; said: string; stderr: string }>> {
  const script = `const l = require(${JSON.stringify(LOCK_JS)});
    if (process.env.LENET_TEST_NO_FLOCK && l.flockProgram) l.flockProgram.name = 'no-such-flock-program';
    let said; try { const k = l.lockFolder(process.argv[1], 'race'); said = 'won'; if (k.tookOver) process.stderr.write('lenet: ' + k.tookOver + '\\n'); } catch (e) { said = 'lost: ' + e.message; }
    process.stdout.write(said + '\\n');
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const children = Array.from({ length: n }, () => spawn(process.execPath, ['-e', script, dir], { env: { ...process.env, ...env } }));
  const results = await Promise.all(
    children.map(
      (child) =>
        new Promise<{ pid: number; said: string; stderr: string }>((resolve) => {
          let stdout = '';
          let stderr = '';
          child.stderr.on('data', (d) => (stderr += d));
          child.stdout.on('data', (d) => {
            stdout += d;
            if (stdout.endsWith('\n'))
              resolve({
                pid: child.pid!,
                said: stdout.trim(),
                get stderr() {
                  return stderr;
                },
              });
          });
        }),
    ),
  );
  const exited = children.map((child) => new Promise((resolve) => child.on('exit', resolve)));
  for (const child of children) child.stdin.end();
  await Promise.all(exited);
  return results;
}

test('many processes taking over one stale lock at once: exactly one wins, the others name it, at most one notice', async () => {
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const stales: Array<[string, (file: string) => void]> = [
    ['a dead pid', (f) => fs.writeFileSync(f, JSON.stringify({ pid: dead, host: os.hostname(), command: 'lenet train', started: 'then' }))],
    ['garbage', (f) => fs.writeFileSync(f, 'garbage')],
    ['an empty file', (f) => fs.writeFileSync(f, '')],
    ['a folder', (f) => fs.mkdirSync(f)],
  ];
  for (const [mode, env] of [
    ['flock', {}],
    ['start time only', { LENET_TEST_NO_FLOCK: '1' }],
  ] as const) {
    for (const [what, make] of stales) {
      const dir = tempDir('lenet-takeover-race-');
      const file = path.join(dir, LOCK_FILE);
      make(file);
      fs.utimesSync(file, hourAgo(), hourAgo());
      const results = await race(dir, 6, env);
      const winners = results.filter((r) => r.said === 'won');
      const label = `${mode}, ${what}: ${results.map((r) => r.said).join(' | ')}`;
      assert.equal(winners.length, 1, label);
      for (const r of results) {
        if (r === winners[0]) continue;
        assert.match(
          r.said,
          new RegExp(`^lost: cannot write into .*: it is being written by pid ${winners[0].pid} \\(race, since `),
          label,
        );
      }
      // At most one notice in all for a non-lock taken over, and only from the winner (the lock hands
      // its notice to the caller that got it: a process that removed the stale lock and then lost
      // the race says only that it lost); none for a dead holder's lock.
      const notices = results.flatMap((r) => r.stderr.split('\n').filter((l) => l.startsWith('lenet: took over')));
      assert.ok(notices.length <= (what === 'a dead pid' ? 0 : 1), `${label}: ${notices.join(' | ')}`);
      for (const r of results) if (r !== winners[0]) assert.doesNotMatch(r.stderr, /took over/, label);
      assert.ok(
        results.every((r) => r.stderr.split('\n').filter(Boolean).length <= 1),
        label,
      );
      assert.deepEqual(fs.readdirSync(dir), [], `${label}: the winner released it at exit and nothing is left`);
    }
  }
});

const HOLD_AS_PID1 = `const l = require(${JSON.stringify(LOCK_JS)});
  if (process.env.LENET_TEST_NO_FLOCK && l.flockProgram) l.flockProgram.name = 'no-such-flock-program';
  try { l.lockFolder(process.argv[1], 'lenet sweep'); process.stdout.write('won as pid ' + process.pid + '\\n'); }
  catch (e) { process.stdout.write('lost: ' + e.message + '\\n'); process.exit(1); }
  setInterval(() => {}, 1000);`;

test('pid namespaces: pid 1 of a new namespace takes over the lock pid 1 of a dead one left (by its flock), and is refused while it lives', async (t) => {
  if (!canUnshare(t)) return;
  for (const env of [{}, { LENET_TEST_NO_FLOCK: '1' }]) {
    const mode = env.LENET_TEST_NO_FLOCK ? 'start time only' : 'flock';
    const dir = tempDir('lenet-pidns-');
    const first = inPidNamespace([process.execPath, '-e', HOLD_AS_PID1, dir], env);
    t.after(() => first.child.kill('SIGKILL'));
    await until(() => first.out().includes('\n'), 'the first pid 1 to lock');
    assert.equal(first.out(), 'won as pid 1\n', mode);
    assert.equal(lockOf(dir).pid, 1);
    const firstStart = lockOf(dir).start;
    // While the first lives, pid 1 of another namespace is refused: it sees the first's flock
    // (not its pid). With no flock to go by, it cannot see the first at all: not tried.
    let refusal = '';
    if (mode === 'flock') {
      const second = inPidNamespace([process.execPath, '-e', HOLD_AS_PID1, dir], env);
      const r = await second.done;
      assert.equal(r.code, 1, r.stderr);
      refusal = r.stdout;
      assert.match(refusal, /^lost: cannot write into .*: it is being written by pid 1 \(lenet sweep, since .*\)/);
    }
    first.child.kill('SIGKILL'); // unshare dies, and --kill-child takes its pid 1 with it
    await first.done;
    assert.equal(lockOf(dir).pid, 1, 'the dead pid 1 left its lock');
    if (mode !== 'flock') {
      // No flock to go by: pid 1 of another namespace cannot be judged from here, dead or alive
      // (it may be a live container's). Refused, naming the file to delete if that process is gone.
      const blocked = inPidNamespace([process.execPath, '-e', HOLD_AS_PID1, dir], env);
      const r = await blocked.done;
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stdout,
        /^lost: cannot write into .*: it is being written by pid 1 \(lenet sweep, since .*\), a process of another pid namespace; if that process is gone, delete .*\.lenet\.lock\n$/,
      );
      assert.equal(lockOf(dir).start, firstStart, 'the lock is untouched');
      fs.rmSync(path.join(dir, LOCK_FILE));
    }
    const next = inPidNamespace([process.execPath, '-e', HOLD_AS_PID1, dir], env);
    await until(() => next.out().includes('\n'), 'the next pid 1 to lock');
    assert.equal(next.out(), 'won as pid 1\n', `${mode}: ${next.out()}`);
    assert.deepEqual([lockOf(dir).pid, lockOf(dir).start === firstStart], [1, false], "the lock is the new pid 1's");
    next.child.kill('SIGKILL');
    await next.done;
    if (mode === 'flock')
      assert.match(refusal, /, a process of another pid namespace\n$/, "the refusal says the pid is not this namespace's");
  }
});

test('flockProgram: without flock(1) the lock says so and the start time decides', () => {
  const saved = flockProgram.name;
  flockProgram.name = 'no-such-flock-program';
  try {
    const dir = tempDir('lenet-noflock-');
    const lock = lockFolder(dir, 'lenet train');
    assert.equal(lockOf(dir).flock, false);
    assert.equal(lockOf(dir).start, startOf('self'));
    throwsLenet(() => lockFolder(dir, 'lenet train'), 1, new RegExp(`being written by pid ${process.pid} `));
    lock.release();
  } finally {
    flockProgram.name = saved;
  }
});

test('this process holds a folder under any of its names: a second lock by another path to it is refused', () => {
  const dir = tempDir('lenet-twonames-');
  const link = `${dir}-link`;
  fs.symlinkSync(dir, link);
  const lock = lockFolder(dir, 'lenet train');
  try {
    for (const other of [link, path.relative(process.cwd(), dir), `${dir}/./`]) {
      throwsLenet(() => lockFolder(other, 'lenet train'), 1, new RegExp(`being written by pid ${process.pid} \\(lenet train`));
      assert.match(lockHolder(other) ?? 'free', new RegExp(`pid ${process.pid}`));
    }
  } finally {
    lock.release();
    fs.rmSync(link);
  }
  assert.deepEqual(fs.readdirSync(dir), []);
});
