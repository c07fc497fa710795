/**
 * The fused engine (native/fused_engine.h, src/train/fused-engine.ts) against the tfjs engine —
 * one step's gradients and updated weights for every activation, loss and optimizer, odd sizes
 * and batches, several steps in a row — and against its own naive references on every vector
 * path; bit-identical for 1, 2, 3 and 16 threads; checkpoints that resume bit-exactly and that
 * either engine reads; the activations, the optimizer update and the resizing as pairs of their
 * own. Real MNIST batches: their blank borders make max-pool ties, which every path must break
 * alike (the first maximum of a window); noise images only where near ties would make the
 * comparison with the references meaningless (see referenceBatch).
 *
 * Tolerances, stated once: gradients and probabilities agree within 1e-5 of the tensor's largest
 * magnitude (float32 sums of up to 51 200 products in another order; measured ~1e-6). Updated
 * weights within 1e-5 of the largest weight plus 1e-2 of the learning rate: Adam's first step
 * moves a weight by about ±lr whatever its gradient's size, so a gradient that rounds to near
 * zero may move it by a fraction of lr differently.
 */
import { test } from 'node:test';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/index';
import { loadNativeAddon } from '../src/backend/native';
import { createFusedEngine, fusedKernels, fusedMicroBatches, TENSOR_KIND } from '../src/backend/fused';
import { Arch, DEFAULT_ARCH, LossName, OptimizerName } from '../src/options/types';
import { loadMnist, MnistData } from '../src/data/mnist';
import { createResizer, resizeImages, ResizeMode } from '../src/data/resize';
import { Schedule } from '../src/model/activations';
import { buildLenet } from '../src/model/lenet';
import { tfjsEngine } from '../src/train/engine';
import { fusedEngine, FusedTrainingEngine } from '../src/train/fused-engine';
import { lossTensor, emptyTally, tallyProbabilities } from '../src/train/loss';
import { createOptimizer } from '../src/train/optimizer';
import { Rng } from '../src/train/rng';
import { trainWithEngine } from '../src/train/trainer';
import { forwardOf, runProbabilities } from '../src/commands/forward';
import type { RunManifest } from '../src/rundir/manifest';

const addon = loadNativeAddon();
assert.ok(addon, 'native addon must be built (npm install)');
const SIZE = 36;
const GRAD_TOLERANCE = 1e-5;

let mnist: MnistData | null = null;
function data(): MnistData {
  mnist ??= loadMnist({ resize: 'bilinear', size: SIZE, limit: 600 });
  return mnist;
}

/** Images and labels start..start+n-1 of the training set. */
function batch(n: number, start = 0): { images: Float32Array; labels: Uint8Array } {
  const d = data();
  return { images: d.train.slice(start, start + n), labels: d.train.labels.slice(start, start + n) };
}

/** Largest |a - b| and that over the largest |b|. */
function difference(a: Float32Array, b: Float32Array): { abs: number; scaled: number } {
  assert.equal(a.length, b.length);
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    abs = Number.isNaN(d) ? Infinity : Math.max(abs, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { abs, scaled: abs / Math.max(scale, 1e-30) };
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function sameBytes(a: Float32Array[], b: Float32Array[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)))
  );
}

interface Case {
  schedule: Schedule;
  loss: LossName;
  optimizer: OptimizerName;
  arch: Arch;
  batch: number;
}

const ODD_ARCH: Arch = { conv1Filters: 7, conv2Filters: 5, kernelSize: 3, poolSize: 3, denseUnits: 33 };
const WIDE_ARCH: Arch = { conv1Filters: 16, conv2Filters: 8, kernelSize: 4, poolSize: 2, denseUnits: 64 };
const SMALL_ARCH: Arch = { conv1Filters: 3, conv2Filters: 20, kernelSize: 5, poolSize: 3, denseUnits: 10 };

/** Every activation in some layer, both losses, the three optimizers, odd sizes and batches. */
const CASES: Case[] = [
  { schedule: ['relu', 'tanh', 'relu'], loss: 'crossentropy', optimizer: 'adam', arch: DEFAULT_ARCH, batch: 50 },
  { schedule: ['sigmoid', 'sigmoid', 'sigmoid'], loss: 'crossentropy', optimizer: 'sgd', arch: DEFAULT_ARCH, batch: 50 },
  { schedule: ['elu', 'selu', 'swish'], loss: 'paper', optimizer: 'momentum', arch: DEFAULT_ARCH, batch: 50 },
  { schedule: ['softplus', 'mish', 'tanh'], loss: 'crossentropy', optimizer: 'momentum', arch: DEFAULT_ARCH, batch: 50 },
  { schedule: ['tanh', 'relu', 'mish'], loss: 'paper', optimizer: 'adam', arch: ODD_ARCH, batch: 37 },
  { schedule: ['swish', 'softplus', 'elu'], loss: 'crossentropy', optimizer: 'sgd', arch: WIDE_ARCH, batch: 1 },
  { schedule: ['selu', 'sigmoid', 'softplus'], loss: 'paper', optimizer: 'adam', arch: SMALL_ARCH, batch: 67 },
];

const describe = (c: Case) =>
  `${c.schedule.join(',')} ${c.loss} ${c.optimizer} arch ${c.arch.conv1Filters},${c.arch.conv2Filters},k${c.arch.kernelSize},p${c.arch.poolSize},${c.arch.denseUnits} batch ${c.batch}`;

const LR = 1e-3;

/** The addon's engine of the default model (relu, tanh, relu; cross-entropy; Adam at LR), `over` changed. */
function defaultNative(over: Partial<Parameters<typeof createFusedEngine>[0]> = {}): ReturnType<typeof createFusedEngine> {
  return createFusedEngine({
    image: SIZE,
    conv1: 6,
    conv2: 16,
    kernel: 5,
    pool: 2,
    dense: 120,
    classes: 10,
    activations: ['relu', 'tanh', 'relu'],
    loss: 'crossentropy',
    optimizer: 'adam',
    learningRate: LR,
    ...over,
  });
}

/** `epochs` epochs of `d` through the trainer, batches of c.batch, shuffled from `seed`. */
function trainFrom(e: FusedTrainingEngine, d: MnistData, c: Case, epochs: number, seed: number) {
  return trainWithEngine(
    e,
    d.train,
    d.test,
    { epochs, batchSize: c.batch, loss: c.loss, imageSize: SIZE },
    { epoch: 0, rngState: new Rng(seed).state },
  );
}

function fusedFor(c: Case, seed: number, reference = false): FusedTrainingEngine {
  return fusedEngine(buildLenet(c.arch, c.schedule, SIZE, seed), {
    arch: c.arch,
    schedule: c.schedule,
    imageSize: SIZE,
    loss: c.loss,
    optimizer: c.optimizer,
    learningRate: LR,
    reference,
  });
}

test('fused vs tfjs: one step, every activation, loss and optimizer, odd sizes and batches', async (t) => {
  await selectBackend('native', null);
  for (const c of CASES) {
    const model = buildLenet(c.arch, c.schedule, SIZE, 3);
    const optimizer = createOptimizer(c.optimizer, LR, 'native');
    const fused = fusedFor(c, 3);
    const { images, labels } = batch(c.batch, 100);
    const x = tf.tensor4d(images, [c.batch, SIZE, SIZE, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat() as tf.Tensor2D;
    const probs = tf.tidy(() => (model.apply(x) as tf.Tensor).dataSync() as Float32Array);
    const { grads } = tf.variableGrads(() => lossTensor(c.loss, model.apply(x, { training: true }) as tf.Tensor2D, y));
    const tfjsGrads = Object.values(grads).map((g) => g.dataSync() as Float32Array);
    optimizer.applyGradients(grads);
    const fusedProbs = fused.trainBatch(images, labels);
    const worst = { probs: difference(fusedProbs, probs).abs, grad: 0, weight: 0 };
    const fusedGrads = fused.gradients();
    const fusedWeights = fused.weights();
    model.getWeights().forEach((w, i) => {
      const g = difference(fusedGrads[i], tfjsGrads[i]).scaled;
      assert.ok(g <= GRAD_TOLERANCE, `${describe(c)}: gradient ${i} differs by ${g} of its largest value`);
      const wv = w.dataSync() as Float32Array;
      const dw = difference(fusedWeights[i], wv).abs;
      assert.ok(dw <= 1e-5 * maxAbs(wv) + 1e-2 * LR, `${describe(c)}: updated weights ${i} differ by ${dw}`);
      worst.grad = Math.max(worst.grad, g);
      worst.weight = Math.max(worst.weight, dw);
    });
    assert.ok(worst.probs <= GRAD_TOLERANCE, `${describe(c)}: probabilities differ by ${worst.probs}`);
    t.diagnostic(
      `${describe(c)}: probabilities ${worst.probs.toExponential(1)}, gradients ${worst.grad.toExponential(1)} of their largest, weights ${worst.weight.toExponential(1)}`,
    );
    tf.dispose([x, y, ...Object.values(grads)]);
    model.dispose();
    optimizer.dispose();
    fused.model().dispose();
  }
});

test('fused vs tfjs: 8 steps in a row, the loss at every step and the weights after', async (t) => {
  await selectBackend('native', null);
  for (const c of [CASES[0], CASES[2]]) {
    const model = buildLenet(c.arch, c.schedule, SIZE, 5);
    const optimizer = createOptimizer(c.optimizer, LR, 'native');
    const engines = [tfjsEngine(model, optimizer, c.loss, SIZE), fusedFor(c, 5)];
    const losses = engines.map(() => [] as number[]);
    for (let s = 0; s < 8; s++) {
      const { images, labels } = batch(c.batch, s * c.batch);
      engines.forEach((e, k) => {
        const tally = emptyTally();
        tallyProbabilities(tally, e.trainBatch(images, labels), labels);
        losses[k].push(tally.loss / tally.count);
      });
    }
    const lossDiff = Math.max(...losses[0].map((l, i) => Math.abs(l - losses[1][i]) / l));
    assert.ok(lossDiff < 1e-5, `${describe(c)}: losses ${losses[0]} vs ${losses[1]}`);
    const tw = model.getWeights().map((w) => w.dataSync() as Float32Array);
    const fw = (engines[1] as FusedTrainingEngine).weights();
    const dw = Math.max(...tw.map((w, i) => difference(fw[i], w).abs / Math.max(maxAbs(w), 1e-30)));
    assert.ok(dw < 1e-4, `${describe(c)}: weights after 8 steps differ by ${dw} of their largest`);
    t.diagnostic(`${describe(c)}: 8 losses within ${lossDiff.toExponential(1)} (relative), weights within ${dw.toExponential(1)}`);
    model.dispose();
    optimizer.dispose();
    engines[1].model().dispose();
  }
});

/** n seeded noise images with labels: values far apart, so no window of a max-pool is a near tie. */
function noise(n: number, seed: number): { images: Float32Array; labels: Uint8Array } {
  const r = new Rng(seed);
  return {
    images: Float32Array.from({ length: n * SIZE * SIZE }, () => r.next()),
    labels: Uint8Array.from({ length: n }, () => Math.floor(r.next() * 10)),
  };
}

/**
 * A window whose two largest activations differ in the last bits can pick its winner differently
 * when the sums that make them are rounded in another order, and route its gradient to another
 * pixel: real MNIST has such windows (faint strokes near blank ones), more so with swish and mish,
 * which are flat around their minimum. Exact ties (blank windows) are broken alike by every path.
 * So the reference runs MNIST batches with monotonic activations in the conv layers, and noise
 * images where swish or mish follows a conv.
 */
function referenceBatch(c: Case, step: number): { images: Float32Array; labels: Uint8Array } {
  const flat = c.schedule.slice(0, 2).some((a) => a === 'swish' || a === 'mish');
  return flat ? noise(c.batch, 100 + step) : batch(c.batch, step * c.batch);
}

test('every layer against its naive reference, on every vector path, with 1, 2 and 3 threads: bit-identical across threads', (t) => {
  // batches of at most 20: the references are naive loops
  const configs = [CASES[0], CASES[2], CASES[3], CASES[4], CASES[5], CASES[6]].map((c) => ({ ...c, batch: Math.min(c.batch, 20) }));
  try {
    const refs = configs.map((c) => {
      const e = fusedFor(c, 11, true);
      const out: Float32Array[][] = [];
      for (let s = 0; s < 2; s++) {
        const { images, labels } = referenceBatch(c, s);
        out.push([Float32Array.from(e.trainBatch(images, labels)), ...e.gradients()]);
      }
      out.push([Float32Array.from(e.predict(batch(7, 300).images, 7)), ...e.weights()]);
      return out;
    });
    for (const path of addon.simdPaths()) {
      assert.ok(addon.setSimd(path));
      let worst = 0;
      let worstWeight = 0;
      let worstWhat = '';
      configs.forEach((c, ci) => {
        let first: Float32Array[][] | null = null;
        for (const threads of [1, 2, 3]) {
          addon.setThreads(threads);
          const e = fusedFor(c, 11);
          const out: Float32Array[][] = [];
          for (let s = 0; s < 2; s++) {
            const { images, labels } = referenceBatch(c, s);
            out.push([Float32Array.from(e.trainBatch(images, labels)), ...e.gradients()]);
          }
          out.push([Float32Array.from(e.predict(batch(7, 300).images, 7)), ...e.weights()]);
          out.forEach((tensors, s) =>
            tensors.forEach((v, i) => {
              const ref = refs[ci][s][i];
              const what =
                s === 2
                  ? i === 0
                    ? 'prediction'
                    : `weights ${i - 1}`
                  : i === 0
                    ? `probabilities of step ${s + 1}`
                    : `gradient ${i - 1} of step ${s + 1}`;
              if (s === 2 && i > 0) {
                const dw = difference(v, ref).abs;
                assert.ok(
                  dw <= 1e-5 * maxAbs(ref) + 1e-2 * LR,
                  `${describe(c)} on ${path} with ${threads} threads: ${what} differ from the reference by ${dw}`,
                );
                worstWeight = Math.max(worstWeight, dw);
                return;
              }
              const d = difference(v, ref).scaled;
              assert.ok(
                d <= GRAD_TOLERANCE,
                `${describe(c)} on ${path} with ${threads} threads: ${what} differs from the reference by ${d}`,
              );
              if (d > worst) [worst, worstWhat] = [d, `${what}, ${describe(c)}`];
            }),
          );
          if (first == null) first = out;
          else
            first.forEach((tensors, s) =>
              assert.ok(sameBytes(out[s], tensors), `${describe(c)} on ${path}: ${threads} threads differ from 1`),
            );
          e.model().dispose();
        }
      });
      t.diagnostic(
        `${path}: ${configs.length} configurations: probabilities and gradients within ${worst.toExponential(1)} of the reference (${worstWhat}), weights after 2 steps within ${worstWeight.toExponential(1)}; 1, 2 and 3 threads bit-identical`,
      );
    }
  } finally {
    addon.setSimd('');
    addon.setThreads(0);
  }
});

test('2 epochs through the trainer give bit-identical weights with 1, 2, 3 and 16 threads (batch 37: a smaller last batch)', async (t) => {
  const c: Case = { ...CASES[0], batch: 37 };
  const d = data();
  const results: Float32Array[][] = [];
  const losses: number[][] = [];
  try {
    for (const threads of [1, 2, 3, 16]) {
      addon.setThreads(threads);
      const e = fusedFor(c, 2);
      const run = await trainFrom(e, d, c, 2, 2);
      results.push(e.weights());
      losses.push(run.rows.flatMap((r) => [r.train_loss, r.test_loss, r.train_accuracy]));
      e.model().dispose();
    }
  } finally {
    addon.setThreads(0);
  }
  results.slice(1).forEach((w, i) => assert.ok(sameBytes(w, results[0]), `${[2, 3, 16][i]} threads: weights differ from 1 thread's`));
  losses.slice(1).forEach((l) => assert.deepEqual(l, losses[0]));
  t.diagnostic(
    `600 images, batches of 37 (${fusedMicroBatches(37)} micro-batches), 2 epochs: weights and epoch rows bit-identical for 1, 2, 3, 16 threads`,
  );
});

test("evaluate's forward: a fused run's probabilities are its test pass's, bit for bit; --backend cpu or a tfjs run takes the tfjs model", async () => {
  await selectBackend('native', null);
  const c: Case = { ...CASES[0], batch: 50 };
  const d = loadMnist({ resize: 'bilinear', size: SIZE, limit: 5000 }); // 833 test images
  const e = fusedFor(c, 5);
  const run = await trainFrom(e, d, c, 1, 5);
  const model = e.model();
  const config = { arch: c.arch, schedule: c.schedule, imageSize: SIZE, loss: c.loss, optimizer: c.optimizer, learningRate: LR };
  const manifest = (name: string) => ({ engine: { name, threads: null, simd: null }, config }) as unknown as RunManifest;
  assert.equal(forwardOf(manifest('fused'), 'auto'), 'fused');
  assert.equal(forwardOf(manifest('fused'), 'native'), 'fused');
  assert.equal(forwardOf(manifest('fused'), 'cpu'), 'tfjs');
  assert.equal(forwardOf(manifest('tfjs'), 'auto'), 'tfjs');
  const tally = emptyTally();
  tallyProbabilities(tally, runProbabilities(model, manifest('fused'), 'auto', d.test.slice(0, d.test.count), d.test.count), d.test.labels);
  assert.equal(tally.count, d.test.count);
  assert.equal(tally.loss / tally.count, run.rows[0].test_loss, 'the test loss of the epoch, to the last bit');
  assert.equal(tally.correct / tally.count, run.rows[0].test_accuracy);
  e.dispose();
  model.dispose();
});

test('a snapshot resumes bit-exactly, and each engine resumes the other one', async () => {
  await selectBackend('native', null);
  for (const optimizer of ['adam', 'sgd', 'momentum'] as const) {
    const c: Case = { ...CASES[0], optimizer, batch: 20 };
    const steps = (e: { trainBatch(i: Float32Array, l: Uint8Array): Float32Array }, from: number, n: number) => {
      for (let s = from; s < from + n; s++) {
        const { images, labels } = batch(c.batch, s * c.batch);
        e.trainBatch(images, labels);
      }
    };
    // fused: 4 steps straight, or 2, a snapshot into a new engine, 2 more
    const straight = fusedFor(c, 4);
    steps(straight, 0, 4);
    const first = fusedFor(c, 4);
    steps(first, 0, 2);
    const snap = await first.snapshot();
    const resumed = fusedFor(c, 9); // other initial weights: all must come from the snapshot
    await resumed.restore(snap);
    steps(resumed, 2, 2);
    assert.ok(sameBytes(resumed.weights(), straight.weights()), `${optimizer}: resumed weights differ`);
    const [a, b] = [await resumed.snapshot(), await straight.snapshot()];
    assert.ok(
      sameBytes(
        a.optimizer.slice(1).map((p) => p.values as Float32Array),
        b.optimizer.slice(1).map((p) => p.values as Float32Array),
      ),
    );
    assert.deepEqual(
      [...a.optimizer[0].values, ...a.extra.flatMap((e) => [...e.values])],
      [...b.optimizer[0].values, ...b.extra.flatMap((e) => [...e.values])],
    );

    // fused -> tfjs -> fused and tfjs -> fused -> tfjs carry every value of the checkpoint over
    const model = buildLenet(c.arch, c.schedule, SIZE, 9);
    const tfOptimizer = createOptimizer(optimizer, LR, 'native');
    const tfjs = tfjsEngine(model, tfOptimizer, c.loss, SIZE);
    await tfjs.restore(snap);
    const viaTfjs = await tfjs.snapshot();
    const flat = (s: typeof snap) => [...s.model, ...s.optimizer, ...s.extra].map((p) => Float32Array.from(p.values));
    assert.ok(sameBytes(flat(viaTfjs), flat(snap)), `${optimizer}: tfjs does not hold the fused snapshot`);
    assert.deepEqual(
      viaTfjs.optimizer.map((p) => p.shape),
      snap.optimizer.map((p) => p.shape),
    );
    steps(tfjs, 2, 1); // tfjs trains on from it
    const tfjsSnap = await tfjs.snapshot();
    const back = fusedFor(c, 10);
    await back.restore(tfjsSnap);
    assert.ok(sameBytes(flat(await back.snapshot()), flat(tfjsSnap)), `${optimizer}: fused does not hold the tfjs snapshot`);
    for (const e of [straight, first, resumed, back]) e.model().dispose();
    model.dispose();
    tfOptimizer.dispose();
  }
});

test('a step returns before its update is done; every call on the engine, a thread-count change and dispose wait for it', () => {
  const c = CASES[0];
  const model = buildLenet(c.arch, c.schedule, SIZE, 4);
  const initial = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  const make = () => {
    const e = defaultNative({ activations: c.schedule, loss: c.loss, optimizer: c.optimizer });
    initial.forEach((w, i) => e.writeTensor(TENSOR_KIND.weights, i, w));
    return e;
  };
  type Native = ReturnType<typeof createFusedEngine>;
  const sizes = make().tensorSizes();
  const read = (e: Native, kind: number) =>
    sizes.map((n, i) => {
      const out = new Float32Array(n);
      e.readTensor(kind, i, out);
      return out;
    });
  const probs = new Float32Array(500);
  const replaced = new Float32Array(sizes[4]).fill(0.01);
  /** What each call sees when it comes right after a step (the update then still in flight with 2+ threads). */
  const observe = (threads: number) => {
    addon.setThreads(threads);
    const seen: Float32Array[][] = [];
    const e = make();
    for (let s = 0; s < 3; s++) {
      const { images, labels } = batch(50, s * 50);
      e.step(probs, images, labels);
      seen.push(read(e, TENSOR_KIND.weights)); // every tensor the update writes, read at once
      e.step(probs, images, labels);
      seen.push(read(e, TENSOR_KIND.slot1));
      e.step(probs, images, labels);
      seen.push(read(e, TENSOR_KIND.gradients));
      e.step(probs, images, labels);
      e.writeTensor(TENSOR_KIND.weights, 4, replaced); // must not be overwritten by the update in flight
      seen.push(read(e, TENSOR_KIND.weights));
    }
    const { images, labels } = batch(50, 300);
    e.step(probs, images, labels);
    addon.setThreads(1); // the pool is rebuilt: the update in flight finishes first
    seen.push(read(e, TENSOR_KIND.weights));
    addon.setThreads(threads);
    e.step(probs, images, labels);
    e.dispose(); // frees the engine's memory: the update in flight finishes first
    return seen;
  };
  try {
    const one = observe(1);
    for (let s = 3; s < one.length; s += 4) assert.ok(sameBytes([one[s][4]], [replaced]), 'a written kernel reads back');
    for (const threads of [2, 3]) {
      const many = observe(threads);
      many.forEach((tensors, k) => assert.ok(sameBytes(tensors, one[k]), `${threads} threads, read ${k}: differs from 1 thread`));
    }
  } finally {
    addon.setThreads(0);
  }
});

test('with another engine stepping in a worker_thread, a step still returns a finished update: two reads after it agree', async () => {
  // The pool is one per process: a job of the worker's engine completes this thread's update in
  // flight, and this thread must still wait until it is done before reading (QA: torn reads).
  addon.setThreads(2);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { createFusedEngine } = require(workerData.fused);
     const e = createFusedEngine({ image: 36, conv1: 6, conv2: 4, kernel: 5, pool: 2, dense: 16, classes: 10,
       activations: ['relu', 'tanh', 'relu'], loss: 'crossentropy', optimizer: 'adam', learningRate: 1e-3 });
     const images = new Float32Array(32 * 36 * 36).fill(0.5), labels = new Uint8Array(32), probs = new Float32Array(320);
     while (Atomics.load(workerData.stop, 0) === 0) e.step(probs, images, labels);
     e.dispose();`,
    { eval: true, workerData: { fused: path.join(__dirname, '..', 'src', 'backend', 'fused.js'), stop } },
  );
  const ended = new Promise((resolve) => worker.once('exit', resolve));
  try {
    const e = defaultNative({ dense: 2000, conv2: 64 }); // a wide dense layer: its update takes long enough to be caught
    const sizes = e.tensorSizes();
    sizes.forEach((n, i) =>
      e.writeTensor(
        TENSOR_KIND.weights,
        i,
        Float32Array.from({ length: n }, (_, j) => Math.sin(j * 0.37 + i) * 0.05),
      ),
    );
    const { images, labels } = batch(32);
    const probs = new Float32Array(320);
    const [a, b] = [new Float32Array(sizes[4]), new Float32Array(sizes[4])];
    let torn = 0;
    for (let step = 0; step < 30; step++) {
      e.step(probs, images, labels);
      e.readTensor(TENSOR_KIND.weights, 4, a);
      e.readTensor(TENSOR_KIND.weights, 4, b);
      if (!Buffer.from(a.buffer).equals(Buffer.from(b.buffer))) torn++;
    }
    e.dispose();
    assert.equal(torn, 0, `${torn} of 30 steps: the weights changed between two reads after the step returned`);
  } finally {
    Atomics.store(stop, 0, 1);
    await ended;
    addon.setThreads(0);
  }
});

test('the binding refuses bad buffers, labels and sizes with a JS error, touching no memory', () => {
  const e = defaultNative();
  const { images, labels } = batch(4);
  assert.throws(() => e.step(new Float32Array(39), images, labels), /probs has 39 elements, expected 40/);
  assert.throws(() => e.step(new Float32Array(40), images.subarray(1), labels), /images has 5183 elements, expected 5184/);
  assert.throws(() => e.step(new Float32Array(40), images, Uint8Array.of(1, 2, 10, 3)), /labels\[2\] is 10, not a class/);
  assert.throws(() => e.step(new Float32Array(0), new Float32Array(0), new Uint8Array(0)), /at least one image/);
  assert.throws(
    () => e.step(new Float32Array(40), images, Int32Array.of(1, 2, 3, 4) as unknown as Uint8Array),
    /labels must be a Uint8Array/,
  );
  assert.throws(() => e.readTensor(0, 8, new Float32Array(1)), /tensor index out of range/);
  assert.throws(() => e.readTensor(0, 0, new Float32Array(149)), /out has 149 elements, expected 150/);
  assert.throws(() => e.writeTensor(1, 0, new Float32Array(150)), /no such tensor kind/);
  assert.throws(() => e.setState({ iterations: -1, accBeta1: 0.9, accBeta2: 0.999 }), /iterations must be an integer/);
  const make = (over: Record<string, unknown>) => () => defaultNative(over);
  assert.throws(make({ kernel: 17 }), /conv2: kernel 17 and pool 2 leave no output of a 10x10 input/);
  assert.throws(make({ pool: 0 }), /pool must be an integer in \[1, 4096\]/);
  assert.throws(make({ learningRate: Number.NaN }), /learningRate must be a positive number/);
  // a step after refused calls still works, and NaN weights give NaN probabilities rather than a crash
  const probs = new Float32Array(40);
  e.step(probs, images, labels);
  assert.ok(probs.every((p) => p >= 0 && p <= 1));
  e.writeTensor(0, 6, new Float32Array(1200).fill(Number.NaN));
  e.forward(probs, images);
  assert.ok(probs.every((p) => Number.isNaN(p)));
  // disposed: its memory is freed, and any further call is refused
  e.dispose();
  assert.throws(() => e.step(probs, images, labels), /this engine was disposed/);
  assert.throws(() => e.getState(), /this engine was disposed/);
  e.dispose();
});

test('activations: the vector paths against activations.h, with tfjs definitions at the branch points', (t) => {
  const kernels = fusedKernels();
  const n = 20001;
  const special = [
    0,
    -0,
    1e-30,
    -1e-30,
    1e-8,
    -1e-8,
    0.5,
    -0.5,
    0.49999997,
    -0.49999997,
    13.942385,
    -13.942385,
    13.942386,
    20,
    -20,
    88,
    -88,
    90,
    -90,
    200,
    -200,
    Number.NaN,
  ];
  const x = Float32Array.from([...Array.from({ length: n }, (_, i) => -40 + (80 * i) / (n - 1)), ...special]);
  const codes = addon.opCodes.engineActivation;
  try {
    for (const path of addon.simdPaths()) {
      assert.ok(addon.setSimd(path));
      const worst: string[] = [];
      for (const [name, code] of Object.entries(codes)) {
        const [y, d, yr, dr] = [0, 1, 2, 3].map(() => new Float32Array(x.length));
        kernels.activation(y, d, x, code, false);
        kernels.activation(yr, dr, x, code, true);
        let wy = 0;
        let wd = 0;
        for (let i = 0; i < x.length; i++) {
          for (const [a, b, which] of [
            [y[i], yr[i], 'y'],
            [d[i], dr[i], 'd'],
          ] as const) {
            if (Object.is(a, b)) continue;
            const e = Math.abs(a - b) / Math.max(1, Math.abs(b));
            assert.ok(e <= 1e-5, `${name} on ${path}: ${which}(${x[i]}) = ${a}, reference ${b}`);
            if (which === 'y') wy = Math.max(wy, e);
            else wd = Math.max(wd, e);
          }
        }
        worst.push(`${name} ${wy.toExponential(0)}/${wd.toExponential(0)}`);
      }
      t.diagnostic(`${path}: largest differences (relative to max(|ref|, 1)) of act/act': ${worst.join(', ')}`);
    }
  } finally {
    addon.setSimd('');
  }
});

test('the optimizer update is tfjs optimizer for optimizer, bit for bit (3 updates from the same gradients)', async () => {
  await selectBackend('cpu', null);
  const kernels = fusedKernels();
  const n = 4099;
  const r = new Rng(7);
  const value0 = Float32Array.from({ length: n }, () => (r.next() - 0.5) * 0.4);
  // gradients of all sizes, zeros and denormals among them
  const grads = [0, 1, 2].map(() =>
    Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 0 : i % 89 === 0 ? 1e-40 : (r.next() - 0.5) * 10 ** -(1 + 6 * r.next()))),
  );
  for (const [name, kind] of Object.entries(addon.opCodes.engineOptimizer)) {
    for (const lr of [1e-4, 0.0123]) {
      const tfOptimizer = createOptimizer(name as OptimizerName, lr, 'cpu');
      const variable = tf.variable(tf.tensor1d(value0), true, `opt-test-${name}-${lr}`);
      const [value, s1, s2] = [Float32Array.from(value0), new Float32Array(n), new Float32Array(n)];
      const [rv, rs1, rs2] = [Float32Array.from(value0), new Float32Array(n), new Float32Array(n)];
      let [b1, b2] = [Math.fround(0.9), Math.fround(0.999)];
      for (const g of grads) {
        tfOptimizer.applyGradients({ [variable.name]: tf.tensor1d(g) });
        kernels.optimizerUpdate(value, s1, s2, g, { kind, lr, accBeta1: b1, accBeta2: b2 }, false);
        kernels.optimizerUpdate(rv, rs1, rs2, g, { kind, lr, accBeta1: b1, accBeta2: b2 }, true);
        [b1, b2] = [Math.fround(b1 * Math.fround(0.9)), Math.fround(b2 * Math.fround(0.999))];
      }
      const expected = variable.dataSync() as Float32Array;
      assert.ok(sameBytes([value], [expected]), `${name} lr ${lr}: the fused update differs from tfjs'`);
      assert.ok(sameBytes([value, s1, s2], [rv, rs1, rs2]), `${name} lr ${lr}: the fast update differs from its reference`);
      variable.dispose();
      tfOptimizer.dispose();
    }
  }
});

test('the engine resizes raw images bit for bit as src/data/resize.ts: 14 000 MNIST digits, bilinear and pad, odd sizes', (t) => {
  const { resize } = fusedKernels();
  const some = loadMnist({ resize: 'bilinear', size: SIZE, limit: 12000 });
  const cases: [number, ResizeMode][] = [
    [36, 'bilinear'],
    [36, 'pad'],
    [29, 'bilinear'],
    [17, 'bilinear'],
    [53, 'bilinear'],
    [31, 'pad'],
  ];
  for (const set of [some.train, some.test]) {
    const raw = set.raw!;
    for (const [size, mode] of cases) {
      const count = size === 36 ? set.count : 1000; // every image at 36x36, a slice at the odd sizes
      const pixels = raw.pixels.subarray(0, count * raw.rows * raw.cols);
      const expected = resizeImages(pixels, count, raw.rows, raw.cols, size, mode);
      assert.equal(createResizer(raw.rows, raw.cols, size, mode).size, size);
      const got = new Float32Array(count * size * size);
      resize(got, pixels, raw.rows, raw.cols, size, mode === 'pad' ? 1 : 0);
      assert.ok(sameBytes([got], [expected]), `${count} images to ${size}x${size} ${mode}: not the same bits as resize.ts`);
    }
  }
  t.diagnostic(`${some.train.count + some.test.count} images at 36x36 bilinear and pad, 2000 at 17, 29, 31 and 53: the same bits`);
});

test('the engine gathering and resizing a batch itself trains exactly as on the floats gather returns', () => {
  const c: Case = { ...CASES[0], batch: 25 };
  const d = data();
  const [a, b] = [fusedFor(c, 6), fusedFor(c, 6)];
  const order = new Rng(3).permutation(d.train.count);
  for (let s = 0; s < 4; s++) {
    const indices = order.subarray(s * c.batch, (s + 1) * c.batch);
    const labels = Uint8Array.from(indices, (i) => d.train.labels[i]);
    const pa = Float32Array.from(a.trainIndices(d.train, indices, labels));
    const pb = b.trainBatch(d.train.gather(indices), labels);
    assert.ok(sameBytes([pa], [pb]), `step ${s + 1}: probabilities differ`);
  }
  assert.ok(sameBytes(a.weights(), b.weights()));
  const pa = Float32Array.from(a.predictRange(d.test, 3, 90));
  assert.ok(sameBytes([pa], [b.predict(d.test.slice(3, 90), 87)]));
  a.model().dispose();
  b.model().dispose();
});
