/**
 * A campaign whose worker processes cannot be started at all (fork itself throws: EAGAIN when the
 * user's process limit is reached, ENOMEM) ends: its cells are reported as failed, naming why, and
 * nothing keeps the process alive. Before, the pool's timer kept running and the campaign hung.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import childProcess = require('node:child_process');
import { runGrid } from '../src/train/campaign';
import { gridCells, gridSchedules } from '../src/train/grid';
import { optionValue } from '../src/options/parse';
import { tempDir } from './helpers';

test('fork failing for every worker fails the cells with the reason and ends the campaign (no hang)', async () => {
  const cells = gridCells(gridSchedules(optionValue('grid', 'relu,tanh')), [1]);
  const original = childProcess.fork;
  let attempts = 0;
  (childProcess as { fork: unknown }).fork = () => {
    attempts++;
    throw Object.assign(new Error('spawn EAGAIN'), { code: 'EAGAIN' });
  };
  try {
    const outDir = path.join(tempDir('lenet-fork-failure-'), 'sweep');
    const outcome = await Promise.race([
      runGrid({
        kind: 'sweep',
        cells,
        base: { limit: 300, epochs: 1, threads: 1 },
        outDir,
        jobs: 2,
        grid: { schedules: [...new Set(cells.map((c) => c.label))], seeds: [1] },
      }),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 60_000).unref()),
    ]);
    assert.notEqual(outcome, 'hung', 'the campaign did not end');
    if (outcome === 'hung') return;
    assert.ok(attempts >= 1);
    assert.ok(!outcome.stopped);
    assert.deepEqual(
      (outcome.failed ?? []).map((f) => f.reason),
      cells.map(() => 'no worker process could start (spawn EAGAIN)'),
    );
  } finally {
    (childProcess as { fork: unknown }).fork = original;
  }
});
