import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { buildLenet } from '../src/model/lenet';
import { DEFAULT_ARCH } from '../src/options/types';
import { resolveTrainConfig } from '../src/options/resolve';
import { lossTensor, tallyProbabilities, emptyTally } from '../src/train/loss';
import { paperLossOf } from '../src/train/metrics';

test.before(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

test('default LeNet layer shapes: 36→32→16→12→6, 576→120→10', () => {
  const model = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 1);
  const shapes = Object.fromEntries(model.layers.map((l) => [l.name, l.outputShape]));
  assert.deepEqual(shapes.conv1, [null, 32, 32, 6]);
  assert.deepEqual(shapes.pool1, [null, 16, 16, 6]);
  assert.deepEqual(shapes.conv2, [null, 12, 12, 16]);
  assert.deepEqual(shapes.pool2, [null, 6, 6, 16]);
  assert.deepEqual(shapes.flatten, [null, 576]);
  assert.deepEqual(shapes.dense, [null, 120]);
  assert.deepEqual(shapes.output, [null, 10]);
  // 156 + 2416 + 69240 + 1210 parameters.
  assert.equal(model.countParams(), 156 + 2416 + 69240 + 1210);
  model.dispose();
});

test('each hidden layer gets its activation from the schedule; the output is softmax', () => {
  const model = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'sigmoid'], 36, 1);
  const act = (name: string) => (model.getLayer(name).getConfig() as { activation: string }).activation;
  assert.equal(act('act1'), 'relu');
  assert.equal(act('act2'), 'tanh');
  assert.equal(act('act3'), 'sigmoid');
  assert.equal(act('output'), 'softmax');
  assert.equal(act('conv1'), 'linear');
  // The activation layers really compute those functions.
  const x = tf.tensor4d([-1, 2], [1, 1, 1, 2]);
  assert.deepEqual(Array.from((model.getLayer('act1').apply(x) as tf.Tensor).dataSync()), [0, 2]);
  const t = (model.getLayer('act2').apply(x) as tf.Tensor).dataSync();
  assert.ok(Math.abs(t[0] - Math.tanh(-1)) < 1e-6);
  model.dispose();
  x.dispose();
});

test('configurable sizes change the layers', () => {
  const c = resolveTrainConfig({ conv1Filters: '8', conv2Filters: '12', kernelSize: '3', denseUnits: '64' });
  const model = buildLenet(c.arch, c.schedule, 36, 1);
  assert.deepEqual(model.getLayer('conv1').outputShape, [null, 34, 34, 8]);
  assert.deepEqual(model.getLayer('conv2').outputShape, [null, 15, 15, 12]);
  assert.deepEqual(model.getLayer('dense').outputShape, [null, 64]);
  model.dispose();
});

test('the same seed gives the same initial weights; another seed does not', () => {
  const a = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 7);
  const b = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 7);
  const c = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 8);
  const w = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a)[0], w(c)[0]);
  [a, b, c].forEach((m) => m.dispose());
});

test('loss tensors agree with the plain-number tallies', () => {
  const probs = [0.7, 0.1, 0.05, 0.05, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
  const labels = [0, 3];
  const p = tf.tensor2d(probs, [2, 10]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat() as tf.Tensor2D;
  const tally = emptyTally();
  tallyProbabilities(tally, new Float32Array(probs), labels);
  const ce = lossTensor('crossentropy', p, y).dataSync()[0];
  const paper = lossTensor('paper', p, y).dataSync()[0];
  assert.ok(Math.abs(ce - (-Math.log(0.7) - Math.log(0.1)) / 2) < 1e-5);
  assert.ok(Math.abs(ce - tally.loss / 2) < 1e-5);
  assert.ok(Math.abs(paper - (paperLossOf(probs.slice(0, 10), 0) + paperLossOf(probs.slice(10), 3)) / 2) < 1e-5);
  assert.ok(Math.abs(paper - tally.paperLoss / 2) < 1e-5);
  assert.equal(tally.correct, 1); // row 2 is a tie; argmax takes the first class
});
