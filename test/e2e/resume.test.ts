import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeRegExp } from '../helpers';
import { runCli, startCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

const work = tempDir('lenet-resume-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const ARGS = ['train', '--activation', 'tanh-relu', '--limit', '3000', '--epochs', '3', '--seed', '11', '--lr', '0.001', '--threads', '2'];

/** epochs.csv without the seconds column, which is wall-clock time. */
function csvWithoutSeconds(dir: string): string[] {
  const lines = fs.readFileSync(path.join(dir, 'epochs.csv'), 'utf8').trim().split('\n');
  const secondsAt = lines[0].split(',').indexOf('seconds');
  return lines.map((l) =>
    l
      .split(',')
      .filter((_, i) => i !== secondsAt)
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

/** Starts a real training subprocess and signals it once `when` holds (polled every 5 ms). */
function runAndSignal(
  dir: string,
  when: () => boolean,
  signal: NodeJS.Signals,
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const { child } = startCli([...ARGS, '--out', dir], { env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => {
      if (when()) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 5);
    child.on('exit', (code, sig) => {
      clearInterval(timer);
      resolve({ code, signal: sig, stderr });
    });
  });
}

let reference: string;
test('reference: an uninterrupted run', () => {
  reference = path.join(work, 'reference');
  const r = runCli([...ARGS, '--out', reference, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(dataRows(reference), 3);
});

function assertSameAsReference(dir: string): void {
  assert.deepEqual(csvWithoutSeconds(dir), csvWithoutSeconds(reference));
  const header = fs
    .readFileSync(path.join(dir, 'epochs.csv'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('epoch,'));
  assert.equal(header.length, 1, 'one header');
  assert.ok(
    fs.readFileSync(path.join(dir, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(reference, 'model', 'weights.bin'))),
    'final weights are bit-identical',
  );
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.complete, true);
  assert.equal(summary.epochs_run, 3);
}

/** Resumes a run with the printed command and checks it ends exactly as the uninterrupted one. */
function resumeAndCheck(dir: string, extra: string[] = []): void {
  const r = runCli(['train', '--resume', dir, '--quiet', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assertSameAsReference(dir);
}

test('SIGKILL mid-epoch 2, then --resume: same epochs.csv and weights as uninterrupted', async () => {
  const dir = path.join(work, 'kill-mid-epoch');
  // Epoch 1's checkpoint exists; wait a little longer so that the kill lands inside epoch 2.
  let firstCheckpointAt = 0;
  const killed = await runAndSignal(
    dir,
    () => {
      if (!firstCheckpointAt && fs.existsSync(path.join(dir, 'checkpoint.bin'))) firstCheckpointAt = Date.now();
      return firstCheckpointAt > 0 && Date.now() - firstCheckpointAt > 40;
    },
    'SIGKILL',
  );
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(dataRows(dir), 1, 'killed during epoch 2');
  // A torn row after the checkpoint's epoch (as a power cut mid-append would leave) is dropped too.
  fs.appendFileSync(path.join(dir, 'epochs.csv'), '2,0.43,0.8');
  resumeAndCheck(dir);
});

test('SIGKILL during the checkpoint write of epoch 2 (after its CSV row): the row is redone exactly once', async () => {
  const dir = path.join(work, 'kill-in-checkpoint');
  const killed = await runAndSignal(dir, () => false, 'SIGKILL', { LENET_TEST_KILL_IN_CHECKPOINT: '2' });
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(dataRows(dir), 2, 'epoch 2 row was written before the checkpoint');
  resumeAndCheck(dir);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
});

test('SIGKILL before the first epoch ends: resume starts over and still matches', async () => {
  const dir = path.join(work, 'kill-early');
  const killed = await runAndSignal(dir, () => fs.existsSync(path.join(dir, 'config.json')), 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  resumeAndCheck(dir);
});

test('SIGINT stops at a batch boundary: exit 130, summary marked incomplete, resume command printed', async () => {
  const dir = path.join(work, 'sigint');
  const stopped = await runAndSignal(dir, () => dataRows(dir) >= 1, 'SIGINT');
  assert.equal(stopped.code, 130, stopped.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.complete, false);
  assert.ok(summary.epochs_run >= 1 && summary.epochs_run < 3);
  assert.match(stopped.stderr, new RegExp(`resume with: lenet train --resume ${escapeRegExp(dir)}`));
  // In a pipe no bar holds the line: the stop's message is not preceded by an empty line (QA, issue 14).
  assert.match(stopped.stderr, /(^|[^\n]\n)lenet: SIGINT received, stopping at the next batch/);
  // Started with 2 threads, resumed with 1 (the CPUs it has now): the thread count changes no bit (QA, issue 14).
  resumeAndCheck(dir, ['--threads', '1']);
});

test('SIGTERM exits 143; --resume refuses protocol flags and finished runs say so', async () => {
  const dir = path.join(work, 'sigterm');
  const stopped = await runAndSignal(dir, () => dataRows(dir) >= 1, 'SIGTERM');
  assert.equal(stopped.code, 143, stopped.stderr);
  const refused = runCli(['train', '--resume', dir, '--lr', '0.1']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /saved configuration; remove --lr/);
  resumeAndCheck(dir);
  const again = runCli(['train', '--resume', dir]);
  assert.equal(again.code, 0);
  assert.match(again.stderr, /already complete \(3 epochs\); nothing to resume/);
  assertSameAsReference(dir);
});

test('lenet compare interrupted by SIGINT resumes: finished runs kept and skipped, the interrupted one resumed', async () => {
  const out = path.join(work, 'compare');
  const args = [
    'compare',
    '--activations',
    'relu,tanh-relu',
    '--limit',
    '3000',
    '--epochs',
    '2',
    '--lr',
    '0.001',
    '--threads',
    '2',
    '--out',
    out,
  ];
  const second = path.join(out, 'tanh-relu', 'seed-1');
  const stopped = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const { child } = startCli(args);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => {
      if (dataRows(second) >= 1) {
        clearInterval(timer);
        child.kill('SIGINT');
      }
    }, 5);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stderr });
    });
  });
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /comparison stopped; finished runs are kept/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'relu', 'seed-1', 'summary.json'), 'utf8')).complete, true);
  assert.equal(fs.existsSync(path.join(out, 'comparison.csv')), false);
  const r = runCli([...args, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  for (const label of ['relu', 'tanh-relu']) {
    const s = JSON.parse(fs.readFileSync(path.join(out, label, 'seed-1', 'summary.json'), 'utf8'));
    assert.equal(s.complete, true);
    assert.equal(dataRows(path.join(out, label, 'seed-1')), 2);
  }
  // The resumed run equals the same run trained in one go.
  const single = path.join(work, 'single-tanh-relu');
  const ref = runCli([
    'train',
    '--activation',
    'tanh-relu',
    '--limit',
    '3000',
    '--epochs',
    '2',
    '--lr',
    '0.001',
    '--threads',
    '2',
    '--out',
    single,
    '--quiet',
  ]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.deepEqual(csvWithoutSeconds(second), csvWithoutSeconds(single));
  assert.ok(fs.readFileSync(path.join(second, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(single, 'model', 'weights.bin'))));
  assert.ok(fs.existsSync(path.join(out, 'comparison.csv')));
});
