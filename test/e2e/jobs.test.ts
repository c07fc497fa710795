/**
 * `--jobs N`: cells trained side by side in worker processes, through the real CLI. The files must
 * equal a one-at-a-time run bit for bit; Ctrl-C, SIGTERM and a worker killed with SIGKILL must leave
 * cells that a rerun resumes to the same numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeRegExp } from '../helpers';
import { CliResult, isOneLineError, ROOT, runCli, startCli, LENET_SHELL_FUNCTION } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { readCheckpoint } from '../../src/train/checkpoint';

// A space in the path: every printed command must quote it.
const work = tempDir('lenet jobs-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const CELLS = ['relu/seed-1', 'relu/seed-2', 'tanh/seed-1', 'tanh/seed-2'];
const CAMPAIGN = ['compare', '--activations', 'relu,tanh', '--seeds', '2', '--limit', '3000', '--epochs', '3', '--lr', '0.001'];
const PARALLEL = [...CAMPAIGN, '--jobs', '2', '--threads', '1'];

function csvWithoutSeconds(file: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const drop = lines[0]
    .split(',')
    .map((h, i) => (/seconds|s\/epoch|s_per_epoch/.test(h) ? i : -1))
    .filter((i) => i >= 0);
  return lines.map((l) =>
    l
      .split(',')
      .filter((_, i) => !drop.includes(i))
      .join(','),
  );
}

function dataRows(dir: string): number {
  try {
    return fs.readFileSync(path.join(dir, 'epochs.csv'), 'utf8').trim().split('\n').length - 1;
  } catch {
    return 0;
  }
}

function lockPid(dir: string): number | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, '.lenet.lock'), 'utf8')).pid;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the real CLI; `group` gives it a process group of its own, as a terminal's foreground job has. */
function start(args: string[], group = false) {
  return startCli(args, { detached: group });
}

async function waitFor(cond: () => boolean, ms = 180_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Worker pids seen in the cells' lock files while `until` runs (the campaign's own pid excluded). */
function watchWorkers(out: string, parent: number): { pids: Set<number>; stop: () => void } {
  const pids = new Set<number>();
  const timer = setInterval(() => {
    for (const c of CELLS) {
      const pid = lockPid(path.join(out, c));
      if (pid !== null && pid !== parent) pids.add(pid);
    }
  }, 5);
  return { pids, stop: () => clearInterval(timer) };
}

/** A worker (not the campaign process) holding a cell's lock once that cell has an epoch written. */
async function trainingWorker(out: string, parent: number): Promise<{ cell: string; pid: number }> {
  let found: { cell: string; pid: number } | null = null;
  await waitFor(() => {
    for (const c of CELLS) {
      const pid = lockPid(path.join(out, c));
      if (pid !== null && pid !== parent && dataRows(path.join(out, c)) >= 1) found = { cell: c, pid };
    }
    return found !== null;
  });
  return found!;
}

let reference: string;
function assertSameAsReference(out: string, cells = CELLS): void {
  for (const c of cells) {
    assert.deepEqual(
      csvWithoutSeconds(path.join(out, c, 'epochs.csv')),
      csvWithoutSeconds(path.join(reference, c, 'epochs.csv')),
      `${c} epochs.csv`,
    );
    assert.ok(
      fs.readFileSync(path.join(out, c, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(reference, c, 'model', 'weights.bin'))),
      `${c} weights are bit-identical`,
    );
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, c, 'summary.json'), 'utf8')).complete, true, `${c} complete`);
  }
}

/** Runs a printed `lenet …` command line with a POSIX shell, as a user pasting it would. */
function runPrinted(command: string): CliResult {
  assert.match(command, /^lenet /);
  const r = spawnSync('sh', ['-c', `${LENET_SHELL_FUNCTION}; ${command}`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

test('bad --jobs is one usage line (exit 2) before anything is written', () => {
  const out = path.join(work, 'never');
  for (const bad of ['0', '1.5', 'abc']) {
    for (const cmd of [
      ['compare', '--activations', 'relu'],
      ['sweep', '--grid', 'relu'],
    ]) {
      const r = runCli([...cmd, '--jobs', bad, '--out', out]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(isOneLineError(r.stderr), r.stderr);
      assert.match(r.stderr, new RegExp(`--jobs must be a whole number from 1 to 1024, or auto; got "${escapeRegExp(bad)}"`));
    }
  }
  assert.equal(fs.existsSync(out), false);
});

test('--jobs 2 --threads 1 gives every cell the same epochs.csv and weights as --jobs 1 --threads 1, and the same table', () => {
  reference = path.join(work, 'reference');
  const one = runCli([...CAMPAIGN, '--jobs', '1', '--threads', '1', '--out', reference]);
  assert.equal(one.code, 0, one.stderr);
  assert.doesNotMatch(one.stderr, /worker process/, '--jobs 1 trains in this process');
  assert.match(one.stderr, /^\[1\/4\] relu seed 1 epoch 1\/3 {2}train loss/m, 'the one-at-a-time lines as before');

  const out = path.join(work, 'parallel');
  const two = runCli([...PARALLEL, '--out', out]);
  assert.equal(two.code, 0, two.stderr);
  assert.match(two.stderr, /^lenet: 4 cells to train on 2 worker processes × 1 thread \(--jobs 2\)$/m);
  for (const [i, c] of ['relu seed 1', 'relu seed 2', 'tanh seed 1', 'tanh seed 2'].entries()) {
    for (let e = 1; e <= 3; e++)
      // the same label as one at a time: "[i/n] name" (QA, issue 14)
      assert.match(two.stderr, new RegExp(`^\\[${i + 1}/4\\] ${c} epoch ${e}/3 {2}train loss \\d\\.\\d{4} acc`, 'm'), `${c} epoch ${e}`);
  }
  assertSameAsReference(out);
  assert.deepEqual(csvWithoutSeconds(path.join(out, 'comparison.csv')), csvWithoutSeconds(path.join(reference, 'comparison.csv')));
  for (const c of CELLS) assert.equal(JSON.parse(fs.readFileSync(path.join(out, c, 'config.json'), 'utf8')).backend.threads, 1);
  // The table on stdout is the same but for the seconds column.
  const noSeconds = (s: string) => s.replace(/\| [\d.]+ ± [\d.]+ \| (?=[-+\d.]+ \[|best)/g, '| - | ');
  assert.equal(noSeconds(two.stdout.replace(out, reference)), noSeconds(one.stdout));
});

test('--jobs above the cells left to train starts only as many workers; finished cells are skipped', () => {
  const out = path.join(work, 'rerun-two');
  fs.cpSync(path.join(work, 'parallel'), out, { recursive: true });
  for (const c of ['relu/seed-2', 'tanh/seed-1']) fs.rmSync(path.join(out, c), { recursive: true });
  const r = runCli([...CAMPAIGN, '--jobs', '5', '--threads', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^lenet: 2 cells to train on 2 worker processes × 1 thread \(--jobs 5, 2 cells to train\)$/m);
  assert.match(r.stderr, /lenet: relu seed 1 already done, skipped/);
  assert.match(r.stderr, /lenet: tanh seed 2 already done, skipped/);
  assertSameAsReference(out);
});

test('a worker killed with SIGKILL: its cell is reported, the others finish, exit 1 with the rerun, which resumes it to the same numbers', async () => {
  const out = path.join(work, 'killed');
  const run = start([...PARALLEL, '--out', out]);
  const workers = watchWorkers(out, run.child.pid!);
  const { cell: victim, pid: victimPid } = await trainingWorker(out, run.child.pid!);
  process.kill(victimPid, 'SIGKILL');
  const r = await run.done;
  workers.stop();
  const name = victim.replace('/seed-', ' seed ');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^lenet: ${name}: worker killed by SIGKILL$`, 'm'));
  const last = r.stderr.trim().split('\n').pop()!;
  assert.match(
    last,
    new RegExp(
      `^lenet: 1 cell did not finish \\(${name}\\); the other cells are done\\. Rerun to resume it \\(and write the tables\\): lenet compare `,
    ),
  );
  assert.ok(last.includes(`--out '${out}'`), `the folder is quoted: ${last}`);
  assert.ok(workers.pids.size >= 3, `a new worker took the queue over (worker pids seen: ${[...workers.pids].join(', ')})`);
  for (const c of CELLS.filter((c) => c !== victim))
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, c, 'summary.json'), 'utf8')).complete, true, c);
  assert.equal(fs.existsSync(path.join(out, 'comparison.csv')), false, 'no table while a cell is missing');
  assert.equal(lockPid(path.join(out, victim)), victimPid, 'the dead worker left its lock');
  const checkpoint = path.join(out, victim, 'checkpoint.bin');
  const resumeFrom = fs.existsSync(checkpoint) ? readCheckpoint(checkpoint).state.epoch : 0;

  const again = runPrinted(last.slice(last.indexOf('lenet compare ')));
  assert.equal(again.code, 0, again.stderr);
  for (const c of CELLS.filter((c) => c !== victim))
    assert.match(again.stderr, new RegExp(`lenet: ${c.replace('/seed-', ' seed ')} already done, skipped`));
  // The killed cell resumed after its checkpoint's epoch: the rerun trained only the epochs after it.
  for (let e = 1; e <= 3; e++) {
    const shown =
      new RegExp(`${escapeRegExp(name)}\\] epoch ${e}/3 `).test(again.stderr) ||
      new RegExp(`\\] ${escapeRegExp(name)} epoch ${e}/3 `).test(again.stderr);
    assert.equal(shown, e > resumeFrom, `epoch ${e} trained on the rerun (checkpoint at epoch ${resumeFrom})`);
  }
  assertSameAsReference(out);
  assert.ok(fs.existsSync(path.join(out, 'comparison.csv')));
});

test('SIGTERM to one worker alone stops the campaign with its code, 143 (not 130), and the rerun line', async () => {
  const out = path.join(work, 'worker-sigterm');
  const run = start([...PARALLEL, '--out', out]);
  const workers = watchWorkers(out, run.child.pid!);
  const { pid: victimPid } = await trainingWorker(out, run.child.pid!);
  process.kill(victimPid, 'SIGTERM');
  const r = await run.done;
  workers.stop();
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr.trim().split('\n').pop()!, /^lenet: comparison stopped; finished runs are kept\. Resume with: lenet compare /);
  for (const pid of workers.pids) assert.equal(alive(pid), false, `worker ${pid} ended`);
  for (const c of CELLS) assert.equal(lockPid(path.join(out, c)), null, `${c}: its lock was released`);
});

test('Ctrl-C (SIGINT to the process group) stops every worker at a batch boundary: exit 130, the printed rerun resumes to the same numbers', async () => {
  const out = path.join(work, 'ctrl-c');
  const run = start([...PARALLEL, '--out', out], true);
  const workers = watchWorkers(out, run.child.pid!);
  await waitFor(() => CELLS.some((c) => dataRows(path.join(out, c)) >= 1));
  process.kill(-run.child.pid!, 'SIGINT');
  const r = await run.done;
  workers.stop();
  assert.equal(r.code, 130, r.stderr);
  const last = r.stderr.trim().split('\n').pop()!;
  assert.match(
    last,
    /^lenet: comparison stopped; finished runs are kept\. Resume with: lenet compare --activations relu,tanh .*--jobs 2 --threads 1 --out /,
  );
  assert.ok(workers.pids.size >= 2);
  for (const pid of workers.pids) assert.equal(alive(pid), false, `worker ${pid} ended`);
  for (const c of CELLS) assert.equal(lockPid(path.join(out, c)), null, `${c}: its worker released the lock on the way out`);
  const stopped = CELLS.filter(
    (c) =>
      fs.existsSync(path.join(out, c, 'summary.json')) && !JSON.parse(fs.readFileSync(path.join(out, c, 'summary.json'), 'utf8')).complete,
  );
  assert.ok(stopped.length >= 1, 'at least one cell stopped mid-way with its summary marked incomplete');
  for (const c of stopped)
    assert.equal(
      readCheckpoint(path.join(out, c, 'checkpoint.bin')).state.epoch,
      dataRows(path.join(out, c)),
      `${c}: checkpoint matches epochs.csv`,
    );

  const again = runPrinted(last.slice(last.indexOf('lenet compare ')));
  assert.equal(again.code, 0, again.stderr);
  assertSameAsReference(out);
});

test('SIGTERM to the parent alone reaches the workers over IPC: a sweep exits 143 and its rerun resumes', async () => {
  const out = path.join(work, 'sigterm');
  // {relu}³ × 2 seeds: the cells relu/seed-1 and relu/seed-2 of the reference comparison.
  const args = [
    'sweep',
    '--grid',
    'relu',
    '--seeds',
    '2',
    '--limit',
    '3000',
    '--epochs',
    '3',
    '--lr',
    '0.001',
    '--jobs',
    '2',
    '--threads',
    '1',
    '--out',
    out,
  ];
  const run = start(args);
  const workers = watchWorkers(out, run.child.pid!);
  await waitFor(() => dataRows(path.join(out, 'relu/seed-1')) >= 1 || dataRows(path.join(out, 'relu/seed-2')) >= 1);
  run.child.kill('SIGTERM');
  const r = await run.done;
  workers.stop();
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /lenet: sweep stopped; finished cells are kept\. Resume with: lenet sweep --grid relu .*--out /);
  for (const pid of workers.pids) assert.equal(alive(pid), false, `worker ${pid} ended`);
  const again = runCli(args);
  assert.equal(again.code, 0, again.stderr);
  assertSameAsReference(out, ['relu/seed-1', 'relu/seed-2']);
  assert.ok(fs.existsSync(path.join(out, 'sweep.csv')));
});
