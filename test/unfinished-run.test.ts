/**
 * A run folder without summary.json (written when a run ends) is passed over by report, plot and
 * merge with a line that says how far it got — from epochs.csv and config.json — and whether a
 * process still trains it (its lock) or it was interrupted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRunTree } from '../src/rundir/run-folder';
import { lockFolder } from '../src/rundir/lock';

const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'f89e2f7', 'compare', 'relu', 'seed-1');

/** A tree of a finished run ("done", 2 epochs) and that run cut after `keep` epoch rows ("cut"). */
function treeWithCut(keep: number): { root: string; cut: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-unfinished-'));
  fs.cpSync(FIXTURE, path.join(root, 'done'), { recursive: true });
  const cut = path.join(root, 'cut');
  fs.mkdirSync(cut);
  fs.copyFileSync(path.join(FIXTURE, 'config.json'), path.join(cut, 'config.json'));
  const lines = fs.readFileSync(path.join(FIXTURE, 'epochs.csv'), 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(cut, 'epochs.csv'), lines.slice(0, 1 + keep).join('\n') + '\n');
  return { root, cut };
}

test('a run cut off after its first epoch is said as interrupted after epoch N of M, not "before its first epoch"', () => {
  const { root } = treeWithCut(1);
  try {
    assert.deepEqual(readRunTree(root).warnings, [
      'skipped cut: interrupted after epoch 1 of 2 (epochs.csv without summary.json); rerun its campaign, or lenet train --resume, to resume it',
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a run still training past its first epoch is said as still training, with how far it is', () => {
  const { root, cut } = treeWithCut(1);
  const lock = lockFolder(cut, 'lenet train');
  try {
    const [warning] = readRunTree(root).warnings;
    assert.match(
      warning,
      new RegExp(`^skipped cut: still training \\(epoch 1 of 2 done\\): it is being written by pid ${process.pid} \\(lenet train, since `),
    );
  } finally {
    lock.release();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a torn epochs.csv is said as unreadable, with no resume offered; every epoch done but no summary, as after its last epoch', () => {
  const { root, cut } = treeWithCut(1);
  try {
    fs.appendFileSync(path.join(cut, 'epochs.csv'), '2,2.1,0.5\n');
    const [warning] = readRunTree(root).warnings;
    assert.match(warning, /^skipped cut: no summary\.json, and .*epochs\.csv line 3: 3 fields, header has \d+$/);
    const lines = fs.readFileSync(path.join(FIXTURE, 'epochs.csv'), 'utf8');
    fs.writeFileSync(path.join(cut, 'epochs.csv'), lines);
    assert.deepEqual(readRunTree(root).warnings, [
      'skipped cut: interrupted after its last epoch (2 of 2), before its summary was written (epochs.csv without summary.json); rerun its campaign, or lenet train --resume, to resume it',
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('without a readable config.json the count is said alone; with no epoch row, as before its first epoch', () => {
  const { root, cut } = treeWithCut(2);
  try {
    fs.writeFileSync(path.join(cut, 'config.json'), '{');
    assert.deepEqual(readRunTree(root).warnings, [
      'skipped cut: interrupted after epoch 2 (epochs.csv without summary.json); rerun its campaign, or lenet train --resume, to resume it',
    ]);
    const lines = fs.readFileSync(path.join(cut, 'epochs.csv'), 'utf8').split('\n');
    fs.writeFileSync(path.join(cut, 'epochs.csv'), lines[0] + '\n');
    fs.copyFileSync(path.join(FIXTURE, 'config.json'), path.join(cut, 'config.json'));
    assert.deepEqual(readRunTree(root).warnings, [
      'skipped cut: interrupted before its first epoch ended (epochs.csv without summary.json); rerun its campaign, or lenet train --resume, to resume it',
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
