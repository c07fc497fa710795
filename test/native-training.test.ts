/**
 * End to end: the LeNet of the paper (conv 6@5x5 relu, pool 2, conv 16@5x5 tanh, pool 2,
 * dense 120 relu, dense 10 softmax) trained 25 Adam steps from identical seeded weights on
 * 'cpu' and on 'native'; the loss must agree at every step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { NativeAdamOptimizer, registerNativeBackend, setNativeThreads } from '../src/backend/native';
import { prng } from './helpers';

// 25 steps: the pure-JS cpu backend takes most of npm test's time here; 25 Adam steps still carry the bias correction well past its first steps.
const STEPS = 25;
const BATCH = 4;

function buildLenet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [36, 36, 1], filters: 6, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'tanh' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Glorot-uniform-like weights and small biases from a seeded PRNG. */
function seededWeights(model: tf.LayersModel, seed: number): Float32Array[] {
  const r = prng(seed);
  return model.getWeights().map((w) => {
    const shape = w.shape;
    const n = w.size;
    const out = new Float32Array(n);
    const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : 1;
    const fanOut = shape.length > 1 ? shape[shape.length - 1] : 1;
    const scale = shape.length > 1 ? Math.sqrt(6 / (fanIn + fanOut)) : 0.05;
    for (let i = 0; i < n; ++i) out[i] = (r() * 2 - 1) * scale;
    return out;
  });
}

async function trainLosses(
  backend: string,
  nativeAdam = false,
  batch = BATCH,
  steps = STEPS,
  weightsOut?: Float32Array[],
): Promise<number[]> {
  await tf.setBackend(backend);
  const model = buildLenet();
  const init = seededWeights(model, 42);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(init[i], w.shape)));
  const r = prng(7);
  const xs = tf.tensor4d(
    Float32Array.from({ length: batch * 36 * 36 }, () => r()),
    [batch, 36, 36, 1],
  );
  const labels = Array.from({ length: batch }, () => Math.floor(r() * 10));
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
  const optimizer = nativeAdam ? new NativeAdamOptimizer(1e-3) : tf.train.adam(1e-3);
  const losses: number[] = [];
  for (let step = 0; step < steps; ++step) {
    const loss = optimizer.minimize(() => {
      const p = model.apply(xs, { training: true }) as tf.Tensor;
      return tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(tf.add(p, 1e-7))), 1))) as tf.Scalar;
    }, true) as tf.Scalar;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  if (weightsOut) model.getWeights().forEach((w) => weightsOut.push(Float32Array.from(w.dataSync())));
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  return losses;
}

test(`LeNet ${STEPS} Adam steps, batch ${BATCH}: per-step loss on native (tf Adam and NativeAdamOptimizer) matches cpu within 1e-3`, async (t) => {
  assert.ok(registerNativeBackend(), 'native addon must be built');
  let start = Date.now();
  const cpu = await trainLosses('cpu');
  const cpuMs = Date.now() - start;
  start = Date.now();
  const native = await trainLosses('native');
  const nativeMs = Date.now() - start;
  const fused = await trainLosses('native', true);
  let worst = 0;
  for (let i = 0; i < STEPS; ++i) worst = Math.max(worst, Math.abs(cpu[i] - native[i]), Math.abs(cpu[i] - fused[i]));
  t.diagnostic(`loss ${cpu[0].toFixed(4)} -> ${cpu[STEPS - 1].toFixed(4)}; max |cpu - native| = ${worst.toExponential(2)}`);
  t.diagnostic(`cpu ${cpuMs} ms, native ${nativeMs} ms for ${STEPS} steps`);
  assert.ok(cpu[STEPS - 1] < cpu[0], 'the loss should fall');
  for (let i = 0; i < STEPS; ++i) {
    assert.ok(Math.abs(cpu[i] - native[i]) <= 1e-3, `step ${i}: cpu ${cpu[i]} native ${native[i]}`);
    assert.ok(Math.abs(cpu[i] - fused[i]) <= 1e-3, `step ${i}: cpu ${cpu[i]} native + NativeAdam ${fused[i]}`);
  }
});

test('determinism: 20 native LeNet steps at batch 50 are bit-identical run to run (2 threads) and with 1 thread', async () => {
  assert.ok(registerNativeBackend());
  const run = async (threads: number) => {
    setNativeThreads(threads);
    const weights: Float32Array[] = [];
    const losses = await trainLosses('native', true, 50, 20, weights);
    return { losses, weights };
  };
  const a = await run(2);
  const b = await run(2);
  const c = await run(1);
  setNativeThreads(0);
  const bits = (r: { losses: number[]; weights: Float32Array[] }) =>
    [new Float64Array(r.losses), ...r.weights].map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'));
  assert.deepEqual(bits(b), bits(a), 'two runs with 2 threads');
  assert.deepEqual(bits(c), bits(a), '1 thread against 2');
});
