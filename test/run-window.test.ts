import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveTrainConfig } from '../src/options/resolve';
import { runTraining } from '../src/train/run';
import { tempDir } from './harness/tmp';

/**
 * A writer checks that --out is empty, then (after choosing a backend and loading data) takes the
 * folder's lock. Another writer can fill the folder in between and let go of it: what it wrote must
 * not be overwritten. runTraining checks the folder before its first await, so writing a file right
 * after the call (before awaiting it) lands exactly in that window, every time.
 */
test('a folder filled between the emptiness check and the lock is refused, not overwritten', async () => {
  const dir = path.join(tempDir('lenet-window-'), 'run');
  const config = resolveTrainConfig({ activation: 'relu', limit: 300, epochs: 1, threads: 1 });
  const pending = runTraining(config, { outDir: dir, force: false });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'epochs.csv'), 'written by the other writer\n');
  await assert.rejects(pending, /exists and is not empty/);
  assert.equal(fs.readFileSync(path.join(dir, 'epochs.csv'), 'utf8'), 'written by the other writer\n');
  assert.equal(fs.existsSync(path.join(dir, '.lenet.lock')), false, 'the lock is let go');
});
