/**
 * NativeAdamOptimizer against tf.train.adam: 20 steps of seeded gradients on LeNet-shaped
 * variables, bit-identical values and the same getWeights() state, bit for bit; a shared buffer
 * (refCount > 1) takes the tf-ops path and is never written in place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, NativeAdamOptimizer, registerNativeBackend } from '../src/backend/native';
import { prng } from './helpers';

/** Counts the addon's in-place Adam calls. */
let nativeCalls = 0;
const addon = loadNativeAddon();
if (addon) {
  const inner = addon.adamUpdate.bind(addon);
  addon.adamUpdate = (...args) => {
    nativeCalls++;
    inner(...args);
  };
}

/** The same bytes. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const SHAPES = [[5, 5, 1, 6], [6], [5, 5, 6, 16], [16], [576, 120], [120], [120, 10], [10]];
const STEPS = 20;

function seeded(shape: number[], r: () => number, scale: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale),
    shape,
  );
}

/** Runs STEPS updates; returns the final variable values and the optimizer's weights. */
async function run(
  makeOptimizer: () => tf.Optimizer,
  shareFirst: boolean,
): Promise<{ values: Float32Array[]; state: Array<{ name: string; values: Float32Array }>; sharedOk: boolean }> {
  const r = prng(1);
  const vars = SHAPES.map((s, i) => tf.tidy(() => tf.variable(seeded(s, r, 0.3), true, `adamtest${shareFirst ? 's' : ''}${i}`)));
  const shared = shareFirst ? vars[0].clone() : null; // shares vars[0]'s buffer: refCount 2
  const sharedBefore = shared ? Float32Array.from(shared.dataSync()) : null;
  const optimizer = makeOptimizer();
  const gr = prng(2);
  for (let step = 0; step < STEPS; ++step) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v) => {
      grads[v.name] = seeded(v.shape, gr, 1);
    });
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const values = vars.map((v) => Float32Array.from(v.dataSync()));
  const state = (await optimizer.getWeights()).map((w) => ({
    name: w.name.replace(/adamtests?/, 'adamtest'),
    values: Float32Array.from(w.tensor.dataSync()),
  }));
  const sharedOk = shared == null || shared.dataSync().every((x, i) => x === sharedBefore![i]);
  tf.dispose([...vars, ...(shared ? [shared] : [])]);
  optimizer.dispose();
  return { values, state, sharedOk };
}

for (const backend of ['native', 'cpu']) {
  for (const share of [false, true]) {
    test(`NativeAdamOptimizer vs tf.train.adam, ${STEPS} steps on '${backend}'${share ? ', first variable shared' : ''}`, async (t) => {
      assert.ok(registerNativeBackend());
      await tf.setBackend(backend);
      const ref = await run(() => tf.train.adam(1e-3), share);
      nativeCalls = 0;
      const got = await run(() => new NativeAdamOptimizer(1e-3), share);
      // on 'native' every update is in place except the shared variable's first (tf's
      // assign then gives it a buffer of its own); elsewhere NativeAdam is tf's Adam
      assert.equal(nativeCalls, backend === 'native' ? STEPS * SHAPES.length - (share ? 1 : 0) : 0);
      assert.ok(got.sharedOk, 'a shared buffer must not be written in place');
      let worst = 0;
      ref.values.forEach((r, i) =>
        r.forEach((x, j) => {
          worst = Math.max(worst, Math.abs(x - got.values[i][j]));
        }),
      );
      assert.deepEqual(
        got.state.map((s) => s.name),
        ref.state.map((s) => s.name),
      );
      ref.state.forEach((s, i) =>
        s.values.forEach((x, j) => {
          worst = Math.max(worst, Math.abs(x - got.state[i].values[j]));
        }),
      );
      t.diagnostic(`max |difference| over variables and moments: ${worst.toExponential(2)}`);
      // docs/performance.md's promise: bit-identical to tf.train.adam
      ref.values.forEach((r, i) => assert.ok(sameBits(got.values[i], r), `variable ${i} differs from tf.train.adam's`));
      ref.state.forEach((s, i) => assert.ok(sameBits(got.state[i].values, s.values), `${s.name} differs from tf.train.adam's`));
    });
  }
}

test(`NativeAdamOptimizer on 'native' is bit-identical to tf.train.adam on the pure-JS 'cpu' backend, ${STEPS} steps`, async () => {
  assert.ok(registerNativeBackend());
  await tf.setBackend('cpu');
  const ref = await run(() => tf.train.adam(1e-3), false);
  await tf.setBackend('native');
  nativeCalls = 0;
  const got = await run(() => new NativeAdamOptimizer(1e-3), false);
  assert.equal(nativeCalls, STEPS * SHAPES.length);
  ref.values.forEach((r, i) => assert.ok(sameBits(got.values[i], r), `variable ${i} differs from tf.train.adam's on cpu`));
  ref.state.forEach((s, i) => assert.ok(sameBits(got.state[i].values, s.values), `${s.name} differs`));
});

test('NativeAdamOptimizer: arrays read with dataSync() before a step keep their values (tf semantics)', async () => {
  assert.ok(registerNativeBackend());
  await tf.setBackend('native');
  const v = tf.tidy(() => tf.variable(tf.tensor1d(Float32Array.from({ length: 20000 }, (_, i) => i / 20000))));
  const optimizer = new NativeAdamOptimizer(0.1);
  const step = () => tf.tidy(() => optimizer.applyGradients({ [v.name]: tf.onesLike(v) }));
  step();
  const before = v.dataSync() as Float32Array;
  const copy = Float32Array.from(before);
  nativeCalls = 0;
  step();
  step();
  assert.equal(nativeCalls, 2);
  assert.deepEqual(before, copy, 'the array handed out must not be updated in place');
  assert.notDeepEqual(v.dataSync(), copy, 'the variable itself must move');
  const [, m] = await optimizer.getWeights();
  const mBefore = Float32Array.from(m.tensor.dataSync());
  const mArray = m.tensor.dataSync();
  step();
  assert.deepEqual(mArray, mBefore, 'a moment read through getWeights() must not change either');
  optimizer.dispose();
  v.dispose();
});
