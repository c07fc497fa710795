/**
 * A new run checks that its folder is empty before anything is written, and again once it holds
 * the folder's lock: another lenet may have filled it in between (a run on the fused engine can
 * start and finish inside that window). Deterministic: runTraining awaits the backend between the
 * two, and the test fills the folder then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveTrainConfig } from '../src/options/resolve';
import { loadMnist } from '../src/data/mnist';
import { runTraining } from '../src/train/run';
import { tempDir } from './helpers';

test('a folder filled between the emptiness check and the lock is refused, and what filled it is kept', async () => {
  const work = tempDir('lenet-race-');
  const out = path.join(work, 'run');
  const config = resolveTrainConfig({ limit: 100, epochs: 1, threads: 1 });
  const data = loadMnist({ resize: config.resize, size: config.imageSize, limit: 100 });
  const training = runTraining(config, { outDir: out, force: false }, data);
  // runTraining has checked the (absent) folder and awaits the backend: another run writes now
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'epochs.csv'), 'another run\n');
  await assert.rejects(training, /output directory .* exists and is not empty/);
  assert.equal(fs.readFileSync(path.join(out, 'epochs.csv'), 'utf8'), 'another run\n');
  assert.deepEqual(fs.readdirSync(out), ['epochs.csv'], 'nothing written, the lock released');
  fs.rmSync(work, { recursive: true, force: true });
});
