/**
 * Every native kernel against the cpu kernel it replaces (same op run under 'cpu' and
 * 'native' on seeded random inputs), the vector transcendentals against Math.*, argument checking,
 * and determinism. The addon's fast paths against its naive loops: native-reference.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, nativeBackendInfo, registerNativeBackend, setNativeThreads } from '../src/backend/native';
import type { ConvGeometry, PoolGeometry } from '../src/backend/native-addon';
import { prng, convGeometry } from './helpers';

/** n values uniform in [-scale, scale). */
function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = prng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; ++i) out[i] = (r() * 2 - 1) * scale;
  return out;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The same bytes: what "bit-identical" promises. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** [batch, inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft] as a PoolGeometry. */
function poolGeometry(s: number[]): PoolGeometry {
  const [
    batchSize,
    inHeight,
    inWidth,
    channels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padTop,
    padLeft,
  ] = s;
  return {
    batchSize,
    inHeight,
    inWidth,
    channels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padTop,
    padLeft,
  };
}

/** Runs fn on the given backend and returns copies of its outputs' values. */
async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = fn();
    return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
  });
}

/** max |a - b| / max(max |b|, 1e-6), and max |a - b|. */
function relDiff(a: Float32Array, b: Float32Array): { rel: number; abs: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; ++i) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return { rel: maxDiff / Math.max(maxRef, 1e-6), abs: maxDiff };
}

const TOL = 1e-4;
const addon = loadNativeAddon();
assert.ok(addon, 'native addon must be built (npm install)');
assert.ok(registerNativeBackend());

/** Runs fn on cpu and native; asserts every output agrees; returns the worst relative difference. */
async function compare(t: { diagnostic(msg: string): void }, fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const ref = await runOn('cpu', fn);
  const got = await runOn('native', fn);
  let worst = 0;
  ref.forEach((r, i) => {
    const { rel, abs } = relDiff(got[i], r);
    t.diagnostic(`output ${i}: max abs diff ${abs.toExponential(2)}, rel ${rel.toExponential(2)}`);
    assert.ok(rel <= TOL, `output ${i}: relative difference ${rel} > ${TOL}`);
    worst = Math.max(worst, rel);
  });
  return worst;
}

type Pad = 'valid' | 'same';
const convCases: Array<{ x: number[]; f: number[]; s: number | [number, number]; p: Pad }> = [
  { x: [1, 7, 9, 3], f: [3, 3, 3, 4], s: 1, p: 'valid' },
  { x: [1, 7, 9, 3], f: [3, 3, 3, 4], s: 2, p: 'same' },
  { x: [2, 8, 8, 2], f: [5, 5, 2, 3], s: 1, p: 'same' },
  { x: [3, 11, 10, 5], f: [4, 2, 5, 17], s: 2, p: 'valid' },
  { x: [2, 9, 7, 4], f: [3, 3, 4, 9], s: 2, p: 'same' },
  { x: [2, 6, 6, 70], f: [1, 1, 70, 70], s: 1, p: 'valid' },
  { x: [2, 9, 8, 1], f: [3, 3, 1, 5], s: [2, 1], p: 'same' },
  { x: [2, 8, 7, 1], f: [4, 3, 1, 17], s: 1, p: 'same' },
  { x: [50, 36, 36, 1], f: [5, 5, 1, 6], s: 1, p: 'valid' },
  { x: [50, 16, 16, 6], f: [5, 5, 6, 16], s: 1, p: 'valid' },
];

for (const c of convCases) {
  const name = `x=[${c.x}] f=[${c.f}] s=${JSON.stringify(c.s)} p=${c.p}`;
  const xv = randomArray(size(c.x), 1);
  const fv = randomArray(size(c.f), 2, 0.5);
  const x4 = c.x as [number, number, number, number];
  const f4 = c.f as [number, number, number, number];

  test(`Conv2D ${name}`, async (t) => {
    await compare(t, () => tf.conv2d(tf.tensor4d(xv, x4), tf.tensor4d(fv, f4), c.s, c.p));
  });

  test(`Conv2DBackpropInput+Conv2DBackpropFilter (tf.grads) ${name}`, async (t) => {
    await compare(t, () => {
      const x = tf.tensor4d(xv, x4);
      const f = tf.tensor4d(fv, f4);
      const yShape = tf.conv2d(x, f, c.s, c.p).shape;
      const r = tf.tensor(randomArray(size(yShape), 3), yShape);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.p), r)));
      return g([x, f]);
    });
  });

  test(`FusedConv2D bias+relu ${name}`, async (t) => {
    const bv = randomArray(c.f[3], 4);
    await compare(t, () =>
      tf.fused.conv2d({
        x: tf.tensor4d(xv, x4),
        filter: tf.tensor4d(fv, f4),
        strides: c.s,
        pad: c.p,
        bias: tf.tensor1d(bv),
        activation: 'relu',
      }),
    );
  });
}

const poolCases: Array<{ x: number[]; k: number; s: number; p: Pad }> = [
  { x: [1, 7, 9, 3], k: 2, s: 2, p: 'valid' },
  { x: [1, 7, 9, 3], k: 3, s: 2, p: 'same' },
  { x: [2, 6, 5, 4], k: 3, s: 1, p: 'same' },
  { x: [2, 9, 9, 8], k: 3, s: 2, p: 'same' },
  { x: [2, 7, 7, 16], k: 3, s: 1, p: 'valid' },
  { x: [2, 8, 8, 16], k: 2, s: 2, p: 'valid' },
  { x: [2, 9, 9, 6], k: 2, s: 2, p: 'valid' },
  { x: [2, 9, 9, 5], k: 2, s: 3, p: 'same' },
  { x: [50, 32, 32, 6], k: 2, s: 2, p: 'valid' },
  { x: [50, 12, 12, 16], k: 2, s: 2, p: 'valid' },
];

for (const c of poolCases) {
  const name = `x=[${c.x}] k=${c.k} s=${c.s} p=${c.p}`;
  const xv = randomArray(size(c.x), 5);
  const x4 = c.x as [number, number, number, number];
  test(`MaxPool ${name}`, async (t) => {
    await compare(t, () => tf.maxPool(tf.tensor4d(xv, x4), c.k, c.s, c.p));
  });
  test(`MaxPoolGrad (tf.grad) ${name}`, async (t) => {
    await compare(t, () => {
      const x = tf.tensor4d(xv, x4);
      const yShape = tf.maxPool(x, c.k, c.s, c.p).shape;
      const r = tf.tensor(randomArray(size(yShape), 6), yShape);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.p), r)))(x);
    });
  });
}

test('MaxPoolGrad routes like cpu with ties, -0, -Infinity and NaN windows, on every SIMD path', async () => {
  const values = [0, -0, 1, 1, 2, -Infinity, NaN];
  for (const shape of [
    [3, 8, 10, 6],
    [2, 4, 6, 3],
    [1, 6, 4, 5],
    [2, 8, 8, 16],
  ] as Array<[number, number, number, number]>) {
    const r = prng(shape[3]);
    const xv = Float32Array.from({ length: size(shape) }, () => values[Math.floor(r() * values.length)]);
    const dyv = randomArray(size(shape) / 4, 31);
    const fn = () => {
      const x = tf.tensor4d(xv, shape);
      const dy = tf.tensor4d(dyv, [shape[0], shape[1] / 2, shape[2] / 2, shape[3]]);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy)))(x);
    };
    const [ref] = await runOn('cpu', fn);
    for (const path of addon!.simdPaths()) {
      assert.ok(addon!.setSimd(path));
      const [got] = await runOn('native', fn);
      assert.deepEqual(Array.from(got), Array.from(ref), `${path} x=[${shape}]`);
    }
    addon!.setSimd('');
  }
});

const matCases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
  { a: [50, 576], b: [576, 120], ta: false, tb: false },
  { a: [50, 120], b: [576, 120], ta: false, tb: true },
  { a: [50, 576], b: [50, 120], ta: true, tb: false },
  { a: [576, 50], b: [120, 576], ta: true, tb: true },
  { a: [1000, 576], b: [576, 120], ta: false, tb: false },
  { a: [7, 3], b: [3, 5], ta: false, tb: false },
  { a: [3, 5, 7], b: [3, 7, 9], ta: false, tb: false },
  { a: [1, 5, 7], b: [4, 9, 7], ta: false, tb: true },
  { a: [4, 7, 5], b: [1, 7, 9], ta: true, tb: false },
];

for (const c of matCases) {
  const name = `a=[${c.a}] b=[${c.b}] ta=${c.ta} tb=${c.tb}`;
  const av = randomArray(size(c.a), 7);
  const bv = randomArray(size(c.b), 8);
  test(`BatchMatMul ${name}`, async (t) => {
    await compare(t, () => tf.matMul(tf.tensor(av, c.a), tf.tensor(bv, c.b), c.ta, c.tb));
  });
  // tfjs has no gradient for a broadcast batch (its BatchMatMul grad keeps the larger batch)
  if (size(c.a.slice(0, -2)) !== size(c.b.slice(0, -2))) continue;
  test(`BatchMatMul gradients (tf.grads) ${name}`, async (t) => {
    await compare(t, () => {
      const a = tf.tensor(av, c.a);
      const b = tf.tensor(bv, c.b);
      const yShape = tf.matMul(a, b, c.ta, c.tb).shape;
      const r = tf.tensor(randomArray(size(yShape), 9), yShape);
      return tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, c.ta, c.tb), r)))([a, b]);
    });
  });
}

for (const c of [
  { m: 50, k: 576, n: 120 },
  { m: 50, k: 120, n: 10 },
  { m: 1000, k: 120, n: 10 },
]) {
  test(`_FusedMatMul bias+relu a=[${c.m},${c.k}] b=[${c.k},${c.n}]`, async (t) => {
    const av = randomArray(c.m * c.k, 10),
      bv = randomArray(c.k * c.n, 11),
      biasv = randomArray(c.n, 12);
    await compare(t, () =>
      tf.fused.matMul({
        a: tf.tensor2d(av, [c.m, c.k]),
        b: tf.tensor2d(bv, [c.k, c.n]),
        bias: tf.tensor1d(biasv),
        activation: 'relu',
      }),
    );
  });
}

const binaryCases: Array<{ a: number[]; b: number[] }> = [
  { a: [50, 32, 32, 6], b: [50, 32, 32, 6] },
  { a: [50, 32, 32, 6], b: [6] },
  { a: [50, 120], b: [1, 120] },
  { a: [], b: [7, 5] },
  { a: [7, 5], b: [] },
  { a: [5], b: [3, 4, 5] },
  { a: [3, 1], b: [1, 4] }, // a general broadcast: cpu fallback
];
const binaryOps: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
  ['Add', tf.add],
  ['Sub', tf.sub],
  ['Multiply', tf.mul],
  ['RealDiv', tf.div],
];
for (const c of binaryCases) {
  for (const [name, op] of binaryOps) {
    test(`${name} a=[${c.a}] b=[${c.b}]`, async (t) => {
      const av = randomArray(size(c.a), 40),
        bv = randomArray(size(c.b), 41).map((v) => v + Math.sign(v) * 0.5);
      await compare(t, () => op(tf.tensor(av, c.a), tf.tensor(bv, c.b)));
    });
  }
}

const unaryOps: Array<[string, (x: tf.Tensor) => tf.Tensor, boolean]> = [
  ['Relu', tf.relu, false],
  ['Step', (x) => tf.step(x, 0.25), false],
  ['Tanh', tf.tanh, false],
  ['Sigmoid', tf.sigmoid, false],
  ['Sqrt', tf.sqrt, true],
  ['Square', tf.square, false],
  ['Neg', tf.neg, false],
  ['Exp', tf.exp, false],
  ['Log', tf.log, true],
];
for (const [name, op, positive] of unaryOps) {
  for (const shape of [
    [50, 32, 32, 6],
    [7, 3],
  ]) {
    test(`${name} x=[${shape}]`, async (t) => {
      const xv = randomArray(size(shape), 42, 3).map((v) => (positive ? Math.abs(v) + 1e-3 : v));
      await compare(t, () => op(tf.tensor(xv, shape)));
    });
  }
}

for (const shape of [
  [50, 10],
  [1000, 10],
  [3, 4, 7],
]) {
  test(`Softmax x=[${shape}]`, async (t) => {
    const xv = randomArray(size(shape), 44, 5);
    await compare(t, () => tf.softmax(tf.tensor(xv, shape)));
  });
}

const sumCases: Array<{ x: number[]; axis: number[] | number | null; keepDims: boolean }> = [
  { x: [50, 32, 32, 6], axis: [0, 1, 2], keepDims: false },
  { x: [50, 12, 12, 16], axis: [0, 1, 2], keepDims: true },
  { x: [50, 120], axis: 0, keepDims: false },
  { x: [50, 10], axis: -1, keepDims: true },
  { x: [4, 5, 6], axis: null, keepDims: false },
  { x: [4, 5, 6], axis: 1, keepDims: false }, // a middle axis: cpu fallback
];
for (const c of sumCases) {
  test(`Sum x=[${c.x}] axis=${JSON.stringify(c.axis)} keepDims=${c.keepDims}`, async (t) => {
    const xv = randomArray(size(c.x), 43);
    await compare(t, () => tf.sum(tf.tensor(xv, c.x), c.axis ?? undefined, c.keepDims));
  });
}

test('unsupported cases fall back to the cpu kernel (dilation 2, int32 matmul)', async (t) => {
  const xv = randomArray(2 * 9 * 9 * 2, 13),
    fv = randomArray(3 * 3 * 2 * 3, 14);
  await compare(t, () => tf.conv2d(tf.tensor4d(xv, [2, 9, 9, 2]), tf.tensor4d(fv, [3, 3, 2, 3]), 1, 'valid', 'NHWC', 2));
  await compare(t, () => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32')));
});

test('Conv2DBackpropInput is computed when read: unread it costs nothing and leaks nothing', async () => {
  await tf.setBackend('native');
  const x4: [number, number, number, number] = [2, 9, 9, 1],
    f4: [number, number, number, number] = [3, 3, 1, 4];
  const x = tf.tensor4d(randomArray(size(x4), 21), x4);
  const filter = tf.variable(tf.tensor4d(randomArray(size(f4), 22), f4));
  const dy = tf.tensor4d(randomArray(2 * 7 * 7 * 4, 23), [2, 7, 7, 4]);
  const before = tf.memory();
  const calls = { n: 0 };
  const inner = addon!.conv2dBackwardInput;
  addon!.conv2dBackwardInput = (...a: Parameters<typeof inner>) => {
    calls.n++;
    inner(...a);
  };
  try {
    // unread: never computed; the held inputs are released with it (no tensor, no buffer left)
    tf.tidy(() => {
      tf.conv2dTranspose(dy, filter, x4, 1, 'valid');
    });
    assert.equal(calls.n, 0);
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numDataBuffers, before.numDataBuffers);
    // the inputs' last tensors disposed before the result is read: still the eager values
    const eager = await runOn('cpu', () => tf.conv2dTranspose(dy, filter, x4, 1, 'valid'));
    await tf.setBackend('native');
    const dyCopy = tf.mul(dy, 1) as tf.Tensor4D,
      fCopy = tf.mul(filter, 1) as tf.Tensor4D; // own buffers, disposed unread
    const dx = tf.conv2dTranspose(dyCopy, fCopy, x4, 1, 'valid');
    tf.dispose([dyCopy, fCopy]);
    assert.ok(relDiff(dx.dataSync() as Float32Array, eager[0]).rel <= TOL);
    assert.equal(calls.n, 1);
    dx.dispose();
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numDataBuffers, before.numDataBuffers);
  } finally {
    addon!.conv2dBackwardInput = inner;
    tf.dispose([x, filter, dy]);
  }
});

test('vector tanh, sigmoid and exp stay within 1e-6 of Math.* on every SIMD path', (t) => {
  assert.ok(addon);
  const n = 100001;
  const x = new Float32Array(n);
  for (let i = 0; i < n; ++i) x[i] = -20 + (40 * i) / (n - 1);
  const out = new Float32Array(n);
  for (const path of addon.simdPaths()) {
    assert.ok(addon.setSimd(path));
    const err = [0, 0, 0];
    addon.unaryOp(out, x, addon.opCodes.unary.Tanh, 0);
    out.forEach((v, i) => {
      err[0] = Math.max(err[0], Math.abs(v - Math.tanh(x[i])));
    });
    addon.unaryOp(out, x, addon.opCodes.unary.Sigmoid, 0);
    out.forEach((v, i) => {
      err[1] = Math.max(err[1], Math.abs(v - 1 / (1 + Math.exp(-x[i]))));
    });
    addon.unaryOp(out, x, addon.opCodes.unary.Exp, 0);
    out.forEach((v, i) => {
      err[2] = Math.max(err[2], Math.abs(v - Math.exp(x[i])) / Math.exp(x[i]));
    });
    t.diagnostic(
      `${path}: tanh abs ${err[0].toExponential(2)}, sigmoid abs ${err[1].toExponential(2)}, ` + `exp rel ${err[2].toExponential(2)}`,
    );
    assert.ok(Math.max(...err) < 1e-6);
  }
  addon.setSimd('');
  const special = new Float32Array([NaN, Infinity, -Infinity, 0, -0]);
  const o = new Float32Array(5);
  addon.unaryOp(o, special, addon.opCodes.unary.Tanh, 0);
  assert.deepEqual([...o], [NaN, 1, -1, 0, 0]);
});

test('kernels flush denormals; the JS thread and the Adam update keep IEEE denormals', () => {
  assert.ok(addon);
  const out = new Float32Array(40000);
  addon.unaryOp(out, new Float32Array(40000).fill(1e-20), addon.opCodes.unary.Square, 0); // 1e-40 is denormal
  assert.equal(out[0], 0);
  assert.equal(out[39999], 0); // also on the pool's workers
  assert.equal(5e-324 * 1, 5e-324); // JS doubles unaffected after the call
  assert.ok(new Float32Array([1e-40])[0] > 0);
  const n = 40000;
  const value = new Float32Array(n),
    m = new Float32Array(n),
    v = new Float32Array(n);
  const g = new Float32Array(n).fill(1e-20);
  const f = Math.fround;
  addon.adamUpdate(value, m, v, g, [f(0.9), f(0.1), f(0.999), f(1 - 0.999), f(0.1), f(1 - 0.999), f(1e-7), f(-1e-3)]);
  assert.ok(v[0] > 0 && v[n - 1] > 0, 'Adam keeps the denormal second moment, as tfjs does');
});

test('bad calls to the raw addon throw JS errors instead of crashing', () => {
  assert.ok(addon);
  const g = convGeometry([1, 4, 4, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0]);
  const ok = () => [new Float32Array(4), new Float32Array(16), new Float32Array(9)] as const;
  const [y, x, f] = ok();
  addon.conv2dForward(y, x, f, null, 0, g); // the valid call works
  assert.throws(() => addon.conv2dForward(y, new Float32Array(15), f, null, 0, g), RangeError);
  assert.throws(() => addon.conv2dForward(new Float32Array(3), x, f, null, 0, g), RangeError);
  assert.throws(() => addon.conv2dForward(y, x, f, new Float32Array(2), 0, g), RangeError);
  assert.throws(() => addon.conv2dForward(y, new Float64Array(16) as unknown as Float32Array, f, null, 0, g), TypeError);
  assert.throws(() => addon.conv2dForward(y, x, f, null, 2, g), /activation must be an integer in \[0, 1\]/);
  assert.throws(() => addon.conv2dBackwardFilter(new Float32Array(8), x, y, g), RangeError);
  assert.throws(() => addon.maxPool(new Float32Array(1), x, poolGeometry([1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0])), RangeError);
  assert.throws(
    () => addon.batchMatMul(new Float32Array(6), new Float32Array(6), new Float32Array(5), null, 0, [1, 1, 2, 3, 2], false, false),
    RangeError,
  );
  assert.throws(
    () => addon.batchMatMul(new Float32Array(4), new Float32Array(6), new Float32Array(6), null, 0, [2, 3, 2, 3, 2], false, false),
    RangeError,
  );
  assert.throws(
    () =>
      addon.binaryOp(new Float32Array(4), new Float32Array(4), new Float32Array(4), Object.keys(addon.opCodes.binary).length, [4, 4, 4]),
    /op must be an integer in \[0, 3\]/,
  );
  assert.throws(() => addon.unaryOp(new Float32Array(4), new Float32Array(4), -1, 0), RangeError);
});

test('a geometry is an object whose every field is checked, by name', () => {
  assert.ok(addon);
  const [y, x, f] = [new Float32Array(4), new Float32Array(16), new Float32Array(9)];
  const g = convGeometry([1, 4, 4, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0]);
  const call = (geometry: unknown) => addon.conv2dForward(y, x, f, null, 0, geometry as ConvGeometry);
  call(g);
  assert.throws(() => call([1, 4, 4, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0]), { name: 'TypeError', message: 'conv geometry must be an object' });
  assert.throws(() => call(null), { name: 'TypeError', message: 'conv geometry must be an object' });
  const { padLeft: _dropped, ...missing } = g;
  assert.throws(() => call(missing), { name: 'TypeError', message: 'conv geometry.padLeft is missing' });
  assert.throws(() => call({ ...g, strideHeight: '1' }), { name: 'TypeError', message: 'conv geometry.strideHeight must be a number' });
  assert.throws(() => call({ ...g, strideWidth: 0 }), {
    name: 'RangeError',
    message: 'conv geometry.strideWidth must be an integer >= 1, not 0',
  });
  assert.throws(() => call({ ...g, padTop: -1 }), { name: 'RangeError', message: 'conv geometry.padTop must be an integer >= 0, not -1' });
  assert.throws(() => call({ ...g, inHeight: 4.5 }), {
    name: 'RangeError',
    message: 'conv geometry.inHeight must be an integer >= 1, not 4.5',
  });
  assert.throws(() => call({ ...g, inWidth: NaN }), {
    name: 'RangeError',
    message: 'conv geometry.inWidth must be an integer >= 1, not nan',
  });
  assert.throws(() => call({ ...g, batchSize: 2 ** 31 }), RangeError);
  const p = poolGeometry([1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0]);
  addon.maxPool(new Float32Array(4), x, p);
  const { channels: _c, ...noChannels } = p;
  assert.throws(() => addon.maxPool(new Float32Array(4), x, noChannels as PoolGeometry), {
    name: 'TypeError',
    message: 'pool geometry.channels is missing',
  });
});

test('determinism: bit-identical outputs run to run with 2 threads, and with 1 thread', () => {
  assert.ok(addon);
  const g = convGeometry([50, 36, 36, 1, 32, 32, 6, 5, 5, 1, 1, 0, 0]);
  const x = randomArray(50 * 36 * 36, 30),
    dy = randomArray(50 * 32 * 32 * 6, 31),
    f = randomArray(150, 32);
  const a = randomArray(50 * 576, 33),
    b = randomArray(50 * 120, 34);
  const run = () => {
    const df = new Float32Array(150),
      dx = new Float32Array(x.length),
      dw = new Float32Array(576 * 120);
    addon.conv2dBackwardFilter(df, x, dy, g);
    addon.conv2dBackwardInput(dx, dy, f, g);
    addon.batchMatMul(dw, a, b, null, 0, [1, 1, 576, 50, 120], true, false);
    return [df, dx, dw];
  };
  setNativeThreads(2);
  const first = run();
  for (let i = 0; i < 5; ++i) run().forEach((o, j) => assert.ok(sameBits(o, first[j]), `2 threads, run ${i + 2}, output ${j}`));
  setNativeThreads(1);
  run().forEach((o, j) => assert.ok(sameBits(o, first[j]), `1 thread, output ${j}`));
  setNativeThreads(0);
});

test('nativeBackendInfo reports kernels, features, threads and the SIMD path', (t) => {
  const info = nativeBackendInfo();
  t.diagnostic(JSON.stringify(info));
  assert.ok(info.kernels.includes('Conv2DBackpropFilter'));
  assert.ok(info.threads >= 1);
  assert.ok(['generic', 'avx2', 'avx512'].includes(info.simd));
});
