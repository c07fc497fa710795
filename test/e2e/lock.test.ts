/**
 * The folder lock under hostile conditions: a full disk, anything but a lock at its name, many
 * processes taking over one stale lock at once, and pids that are reused — by another program, by
 * this very process, by pid 1 of the next container (real pid namespaces with unshare).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOCK_FILE } from '../../src/rundir/lock';
import { BIN, isOneLineError, runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { mountTmpfs, needsRoot } from '../harness/root';
import { canUnshare, inPidNamespace } from '../harness/namespace';
import { until } from '../harness/wait';

function lockOf(dir: string, name = LOCK_FILE): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
}

test('lenet train on a full disk fails in one line, and once space is freed the same command trains (no lock blocks it)', (t) => {
  if (!needsRoot(t, 'mounts a full tmpfs')) return;
  const mnt = mountTmpfs(t, '8m');
  const out = path.join(mnt, 'run');
  const filler = path.join(mnt, 'filler');
  fs.writeFileSync(filler, '');
  const fd = fs.openSync(filler, 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(65536, 1));
  } catch {
    // full
  } finally {
    fs.closeSync(fd);
  }
  const args = ['train', '--limit', '300', '--epochs', '1', '--threads', '1', '--out', out, '--quiet'];
  const full = runCli(args);
  assert.equal(full.code, 1, full.stderr);
  assert.ok(isOneLineError(full.stderr), full.stderr);
  assert.match(full.stderr, /no space left on device \(ENOSPC\)/);
  fs.rmSync(filler);
  const again = runCli(args);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(fs.existsSync(path.join(out, 'summary.json')));
  assert.equal(fs.existsSync(path.join(out, LOCK_FILE)), false);
});

test('pid namespaces: lenet train killed as pid 1 resumes as pid 1 of the next namespace (the Kubernetes pod after an OOM kill)', async (t) => {
  if (!canUnshare(t)) return;
  const out = tempDir('lenet-pod-');
  const train = ['train', '--limit', '300', '--epochs', '2', '--threads', '1', '--out', out, '--quiet'];
  const pod = inPidNamespace([process.execPath, BIN, ...train]);
  t.after(() => pod.child.kill('SIGKILL'));
  // Killed between epochs: once epoch 1 is in epochs.csv and its checkpoint is written.
  await until(
    () =>
      fs.existsSync(path.join(out, 'checkpoint.bin')) &&
      fs.readFileSync(path.join(out, 'epochs.csv'), 'utf8').trim().split('\n').length === 2,
    'epoch 1',
  );
  pod.child.kill('SIGKILL');
  await pod.done;
  assert.equal(lockOf(out).pid, 1, 'the killed pid 1 left its lock');
  const next = inPidNamespace([process.execPath, BIN, 'train', '--resume', out, '--quiet']);
  const r = await next.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'a crashed run resumes without a word');
  const rows = fs.readFileSync(path.join(out, 'epochs.csv'), 'utf8').trim().split('\n');
  assert.deepEqual(
    rows.map((l) => l.split(',')[0]),
    ['epoch', '1', '2'],
  );
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).complete, true);
  assert.equal(fs.existsSync(path.join(out, LOCK_FILE)), false);
});
