import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
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
