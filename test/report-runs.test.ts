import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectRuns } from '../src/report/runs';
import { readEpochsCsv } from '../src/rundir/epochs';
import { comparisonRows, writeComparison } from '../src/report/comparison';
import { pairedInterval } from '../src/report/stats';
import { LenetError } from '../src/errors';
import { tempDir, writeRun, writeComparisonDir, cellPath } from './report-fixtures';

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

function lenetError(fn: () => unknown, code: number, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LenetError, `not a LenetError: ${err}`);
    assert.equal(err.exitCode, code);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'message must be one line');
    return true;
  });
}

test('collectRuns reads a single run directory', () => {
  const dir = tempDir();
  writeRun(dir, { label: 'relu', seed: 3, trainLoss: [0.9, 0.5, 0.3] });
  const c = collectRuns(dir);
  assert.equal(c.runs.length, 1);
  assert.equal(c.groups.length, 1);
  assert.equal(c.groups[0].label, 'relu');
  assert.deepEqual(c.groups[0].seeds, [3]);
  assert.equal(c.groups[0].epochs.length, 3);
  assert.equal(c.groups[0].epochs[1].std.train_loss, 0);
  assert.equal(c.kind, null);
});

test('collectRuns groups seeds and averages per epoch; order follows comparison.json', () => {
  const dir = tempDir();
  writeComparisonDir(dir, [
    { label: 'tanh-relu', seed: 1, trainLoss: [0.8, 0.4] },
    { label: 'tanh-relu', seed: 2, trainLoss: [0.6, 0.2] },
    { label: 'sigmoid', seed: 1, trainLoss: [2.0, 1.5] },
    { label: 'sigmoid', seed: 2, trainLoss: [2.2, 1.7] },
  ]);
  const c = collectRuns(dir);
  assert.equal(c.kind, 'comparison');
  assert.deepEqual(
    c.groups.map((g) => g.label),
    ['tanh-relu', 'sigmoid'],
  );
  const tr = c.groups[0];
  close(tr.epochs[0].mean.train_loss, 0.7);
  close(tr.epochs[0].std.train_loss, Math.sqrt(0.02));
  close(tr.epochs[1].mean.train_loss, 0.3);
  assert.equal(tr.epochs[1].n, 2);
  // finals: mean of the last 2 epochs of each run
  close(tr.finals.train_loss[0], 0.6);
  close(tr.finals.train_loss[1], 0.4);
  assert.deepEqual(tr.activations, ['relu', 'tanh', 'relu']);
  // Collecting a parent folder finds the same runs.
  const parent = path.dirname(dir);
  const sub = fs.mkdtempSync(path.join(parent, 'lenet-parent-'));
  fs.renameSync(dir, path.join(sub, 'cmp'));
  assert.equal(collectRuns(sub).runs.length, 4);
});

test('a malformed epochs.csv is one runtime-error line naming the file', () => {
  const dir = tempDir();
  writeRun(dir, { label: 'relu', seed: 1, trainLoss: [0.9, 0.5] });
  const file = path.join(dir, 'epochs.csv');
  fs.writeFileSync(file, 'epoch,loss\n1,0.5\n');
  lenetError(() => collectRuns(dir), 1, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} has a bad header`));
  fs.writeFileSync(
    file,
    'epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_paper_loss,test_paper_loss\n1,0.5,0.9,0.6,x,1,1.5,1.5\n',
  );
  lenetError(() => readEpochsCsv(file), 1, /line 2: test_accuracy is not a number/);
  fs.writeFileSync(file, 'epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_paper_loss,test_paper_loss\n1,0.5,0.9\n');
  lenetError(() => readEpochsCsv(file), 1, /line 2: 3 fields, header has 8/);
});

test('a malformed summary.json is one runtime-error line naming the file', () => {
  const dir = tempDir();
  writeRun(dir, { label: 'relu', seed: 1, trainLoss: [0.9, 0.5] });
  fs.writeFileSync(path.join(dir, 'summary.json'), '{"schedule": "relu"');
  lenetError(() => collectRuns(dir), 1, /summary\.json is not valid JSON/);
  fs.writeFileSync(path.join(dir, 'summary.json'), '{"schedule": "relu", "seed": 1}');
  lenetError(() => collectRuns(dir), 1, /summary\.json: "complete" must be a boolean/);
});

test('no runs, missing directory, duplicate seeds', () => {
  const empty = tempDir();
  fs.mkdirSync(path.join(empty, 'a', 'b'), { recursive: true });
  lenetError(() => collectRuns(empty), 1, new RegExp(`^no runs found under ${empty}$`));
  lenetError(() => collectRuns(path.join(empty, 'nope')), 2, /no such directory/);
  const dup = tempDir();
  writeRun(path.join(dup, 'x'), { label: 'relu', seed: 1, trainLoss: [0.9], averageLast: 1 });
  writeRun(path.join(dup, 'y'), { label: 'relu', seed: 1, trainLoss: [0.8], averageLast: 1 });
  lenetError(() => collectRuns(dup), 1, /two runs of relu with seed 1/);
});

test('comparison table: means, stds, Table 2 beside, gaps paired by seed', () => {
  const dir = tempDir();
  // averageLast 1: the final values are the last epoch's.
  const runs = [
    { label: 'sigmoid', seed: 1, trainLoss: [2, 1], trainAccuracy: [0.5, 0.8], testAccuracy: [0.5, 0.79], averageLast: 1, seconds: 10 },
    { label: 'sigmoid', seed: 2, trainLoss: [2, 1.2], trainAccuracy: [0.5, 0.82], testAccuracy: [0.5, 0.83], averageLast: 1, seconds: 12 },
    {
      label: 'tanh-relu',
      seed: 1,
      trainLoss: [1, 0.1],
      trainAccuracy: [0.9, 0.98],
      testAccuracy: [0.9, 0.97],
      averageLast: 1,
      seconds: 11,
    },
    {
      label: 'tanh-relu',
      seed: 2,
      trainLoss: [1, 0.2],
      trainAccuracy: [0.9, 0.96],
      testAccuracy: [0.9, 0.975],
      averageLast: 1,
      seconds: 13,
    },
    {
      label: 'relu,sigmoid,tanh',
      seed: 1,
      trainLoss: [1, 0.3],
      trainAccuracy: [0.9, 0.95],
      testAccuracy: [0.9, 0.94],
      averageLast: 1,
      seconds: 11,
    },
  ];
  writeComparisonDir(dir, runs);
  const c = collectRuns(dir);
  const rows = writeComparison(dir, c.groups);
  assert.deepEqual(
    rows.map((r) => r.label),
    ['sigmoid', 'tanh-relu', 'relu,sigmoid,tanh'],
  );
  const sig = rows[0];
  close(sig.trainAccuracy.mean, 0.81);
  close(sig.trainAccuracy.std, Math.sqrt(0.0002));
  close(sig.secondsPerEpoch.mean, 11);
  assert.deepEqual(sig.paper, { loss: 1.5943, accuracy: 0.881 });
  assert.equal(rows[2].paper, null);
  // Best test accuracy: tanh-relu (0.9725).
  const gap = sig.testGap;
  assert.ok(gap);
  assert.equal(gap.best, 'tanh-relu');
  close(gap.diff, 0.81 - 0.9725);
  const byHand = pairedInterval([0.79, 0.83], [0.97, 0.975]); // seeds 1, 2 of both, same architecture: paired
  assert.ok(byHand && gap.ci);
  close(gap.ci.low, byHand.low);
  close(gap.ci.high, byHand.high);
  assert.equal(rows[1].testGap?.ci, null);
  assert.equal(rows[2].testGap?.ci, null, 'one seed: no interval');

  const csv = fs.readFileSync(path.join(dir, 'comparison.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[0], /^schedule,conv1,conv2,dense,seeds,/);
  assert.match(csv[1], /^sigmoid,sigmoid,sigmoid,sigmoid,2,0,/);
  assert.match(csv[3], /^"relu,sigmoid,tanh",relu,sigmoid,tanh,1,0,/);
  const cells = csv[1].split(',');
  const header = csv[0].split(',');
  assert.equal(cells[header.indexOf('train_accuracy_mean')], '0.81');
  assert.equal(cells[header.indexOf('paper_table2_accuracy')], '0.881');
  assert.equal(cells[header.indexOf('test_accuracy_best')], 'tanh-relu');

  const md = fs.readFileSync(path.join(dir, 'comparison.md'), 'utf8');
  assert.match(md, /\| sigmoid \| sigmoid,sigmoid,sigmoid \| 2 \| 1\.1000 ± 0\.1414 \|/);
  assert.match(md, /\| tanh-relu \| relu,tanh,relu \| 2 \|.*\| 0\.981 \|.*\| best \| best \|/);
  assert.match(md, /-0\.1625 \[/);
  assert.match(md, /\| relu,sigmoid,tanh \|.*\(CI n\/a\)/);
  assert.ok(fs.existsSync(path.join(dir, cellPath('relu,sigmoid,tanh', 1), 'summary.json')));
  assert.equal(comparisonRows(c.groups).length, 3);
});
