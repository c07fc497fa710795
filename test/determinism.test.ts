import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveTrainConfig } from '../src/options/resolve';
import { runTraining } from '../src/train/run';
import { selectBackend } from '../src/backend/index';
import { loadMnist } from '../src/data/mnist';
import { buildLenet } from '../src/model/lenet';
import { DEFAULT_ARCH } from '../src/options/types';
import { createOptimizer } from '../src/train/optimizer';
import { Rng } from '../src/train/rng';
import { trainModel } from '../src/train/trainer';

test('tensor count returns to the same value after every epoch and to baseline after the run', async () => {
  await selectBackend('auto', null);
  const data = loadMnist({ resize: 'bilinear', limit: 500 });
  const baseline = tf.memory().numTensors;
  const counts: number[] = [];
  for (let run = 0; run < 2; run++) {
    const model = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, run + 1);
    const optimizer = createOptimizer('adam', 1e-3, tf.getBackend());
    await trainModel(
      model,
      optimizer,
      data.train,
      data.test,
      { epochs: 4, batchSize: 50, loss: 'crossentropy', imageSize: 36 },
      { epoch: 0, rngState: new Rng(run + 1).state },
      {
        onEpochEnd: () => {
          counts.push(tf.memory().numTensors);
        },
      },
    );
    model.dispose();
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, baseline, `run ${run + 1} left tensors behind`);
  }
  // Flat from epoch to epoch within a run.
  assert.deepEqual(counts.slice(0, 4), new Array(4).fill(counts[0]));
  assert.deepEqual(counts.slice(4), new Array(4).fill(counts[4]));
});

test('a run stopped mid-epoch and resumed writes the summary of a run never interrupted, bit for bit (QA of issue 16)', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-resume-summary-'));
  // the final window (3 epochs) holds epoch 1, which the resumed run reads back from epochs.csv
  const config = resolveTrainConfig({ limit: 300, epochs: 3, averageLast: 3, threads: 1, activation: 'tanh-relu' });
  await runTraining(config, { outDir: path.join(root, 'whole'), force: false });
  // Stopped at a batch boundary of epoch 2 (epoch 1 is saved), then resumed from its files.
  let batches = 0;
  const first = await runTraining(config, {
    outDir: path.join(root, 'cut'),
    force: false,
    shouldStop: () => ++batches > 9,
  });
  assert.ok(first.stopped && first.rows.length === 1, 'stopped in epoch 2');
  await runTraining(config, { outDir: path.join(root, 'cut'), force: false, resume: true });
  const summary = (d: string) => {
    const s = JSON.parse(fs.readFileSync(path.join(root, d, 'summary.json'), 'utf8'));
    return { ...s.final, seconds: 0, seconds_per_epoch: 0 };
  };
  assert.deepEqual(summary('cut'), summary('whole'));
  fs.rmSync(root, { recursive: true, force: true });
});
