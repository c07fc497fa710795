/**
 * The op codes live in one table (native/opcodes.h). The addon reports it; native-opcodes.ts
 * names the ops this side expects there. These tests check the two against each other, that a
 * different table is refused with a reason, and that each reported code really runs the op its
 * name says (the tfjs cpu kernel of that name gives the same values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, nativeBackendInfo, registerNativeBackend } from '../src/backend/native';
import { ACTIVATION_NAMES, BINARY_KERNELS, opCodesMismatch, UNARY_KERNELS } from '../src/backend/native-opcodes';
import { prng } from './helpers';

const addon = loadNativeAddon();
assert.ok(addon, 'native addon must be built (npm install)');

function values(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

test('the addon reports exactly the op names native-opcodes.ts expects, with codes 0..n-1', (t) => {
  t.diagnostic(JSON.stringify(addon.opCodes));
  assert.equal(opCodesMismatch(addon.opCodes), null);
  for (const [group, names] of [
    ['activation', ACTIVATION_NAMES],
    ['binary', BINARY_KERNELS],
    ['unary', UNARY_KERNELS],
  ] as const) {
    const table: Record<string, number> = addon.opCodes[group];
    assert.deepEqual(Object.keys(table).sort(), [...names].sort(), group);
    assert.deepEqual(
      Object.values(table).sort((a, b) => a - b),
      names.map((_, i) => i),
      group,
    );
  }
});

test('a table that differs from what this side expects is refused, saying how', () => {
  const good = JSON.parse(JSON.stringify(addon.opCodes));
  assert.equal(opCodesMismatch(good), null);
  assert.match(opCodesMismatch(undefined)!, /reports no op-code table/);
  const { unary: _u, ...noUnary } = good;
  assert.match(opCodesMismatch(noUnary)!, /no "unary" group/);
  const missing = JSON.parse(JSON.stringify(good));
  delete missing.unary.Log;
  assert.match(opCodesMismatch(missing)!, /unary op codes name .* instead of .*Log/);
  const extra = JSON.parse(JSON.stringify(good));
  extra.binary.Maximum = 4;
  assert.match(opCodesMismatch(extra)!, /binary op codes name Add, Maximum, Multiply, RealDiv, Sub instead of/);
  const duplicate = JSON.parse(JSON.stringify(good));
  duplicate.binary.Sub = duplicate.binary.Add;
  assert.match(opCodesMismatch(duplicate)!, /binary op codes are not distinct integers 0..3/);
  const outOfRange = JSON.parse(JSON.stringify(good));
  outOfRange.activation.relu = 7;
  assert.match(opCodesMismatch(outOfRange)!, /activation op codes are not distinct integers 0..1/);
});

test('every code runs the op its name says: addon with that code = the tfjs cpu kernel of that name', async () => {
  await tf.setBackend('cpu');
  const n = 1000;
  const a = values(n, 1, -3, 3),
    b = values(n, 2, 0.5, 3);
  for (const name of BINARY_KERNELS) {
    const out = new Float32Array(n);
    addon.binaryOp(out, a, b, addon.opCodes.binary[name], [n, n, n]);
    const want = tf.tidy(() => tf.engine().runKernel(name, { a: tf.tensor1d(a), b: tf.tensor1d(b) }) as tf.Tensor).dataSync();
    assert.deepEqual([...out], [...want], name);
  }
  const positive = values(n, 3, 0.01, 3),
    any = values(n, 4, -3, 3);
  for (const name of UNARY_KERNELS) {
    const x = name === 'Sqrt' || name === 'Log' ? positive : any;
    const out = new Float32Array(n);
    addon.unaryOp(out, x, addon.opCodes.unary[name], 0.25);
    const want = tf
      .tidy(() => tf.engine().runKernel(name, { x: tf.tensor1d(x) }, name === 'Step' ? { alpha: 0.25 } : {}) as tf.Tensor)
      .dataSync();
    let worst = 0;
    out.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - want[i]) / Math.max(Math.abs(want[i]), 1));
    });
    assert.ok(worst <= 1e-6, `${name}: the addon's code ${addon.opCodes.unary[name]} differs from tfjs' ${name} by ${worst}`);
  }
  const x = values(12, 5, -3, 3),
    f = values(4, 6, -1, 1);
  const g = {
    batchSize: 1,
    inHeight: 3,
    inWidth: 4,
    inChannels: 1,
    outHeight: 3,
    outWidth: 4,
    outChannels: 4,
    filterHeight: 1,
    filterWidth: 1,
    strideHeight: 1,
    strideWidth: 1,
    padTop: 0,
    padLeft: 0,
  };
  const linear = new Float32Array(48),
    relu = new Float32Array(48);
  addon.conv2dForward(linear, x, f, null, addon.opCodes.activation.linear, g);
  addon.conv2dForward(relu, x, f, null, addon.opCodes.activation.relu, g);
  assert.ok(
    linear.some((v) => v < 0),
    'linear keeps negative values',
  );
  assert.deepEqual(
    [...relu],
    [...linear].map((v) => Math.max(v, 0)),
  );
});

test('the native backend registers one kernel for every elementwise name of the table', () => {
  assert.ok(registerNativeBackend());
  const registered = nativeBackendInfo().kernels;
  for (const name of [...BINARY_KERNELS, ...UNARY_KERNELS]) assert.ok(registered.includes(name), name);
});
