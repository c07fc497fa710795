/**
 * Profiles one LeNet training step on a backend (default 'native'): batch 50, Adam 1e-4,
 * optimizer.minimize inside tf.tidy, the loss read with dataSync every step, as the trainer
 * does. Prints ms/step, images/s, and per-kernel time (every kernelFunc of the backend
 * wrapped with a timer); "outside kernels" is tfjs' own overhead (dispatch, tape, tidy).
 *
 *   node dist/bench/profile-step.js [--backend native|cpu] [--batch 50] [--steps 100]
 *                                   [--threads N] [--loss paper|softmax] [--optimizer tf|native]
 *                                   [--debug-checks]   (tfjs' PROD mode off)
 *                                   [--model cli|inline] [--schedule tanh-relu|sigmoid|tanh|relu]
 *                                   (cli: the CLI's model, src/model/lenet.ts, activations as
 *                                   separate layers; inline: activations inside conv/dense)
 *                                   [--data random|mnist]  (mnist: real images, a new batch each step;
 *                                   real data brings denormals in backprop, random data does not)
 *                                   [--trainer]  (the step is the CLI's trainBatch, src/train/trainer.ts:
 *                                   crossentropy loss, the optimizer of createOptimizer, probabilities read)
 */
import * as tf from '@tensorflow/tfjs';
import { getKernelsForBackend, KernelFunc } from '@tensorflow/tfjs-core';
import * as nativeBackend from '../src/backend/native';
import { DEFAULT_ARCH } from '../src/options/types';
import { loadMnist } from '../src/data/mnist';
import { parseNamedSchedule } from '../src/model/activations';
import { buildLenet as buildCliLenet } from '../src/model/lenet';
import { createOptimizer } from '../src/train/optimizer';
import { trainBatch } from '../src/train/trainer';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const backend = arg('backend', 'native');
const batch = Number(arg('batch', '50'));
const steps = Number(arg('steps', '100'));
const threads = Number(arg('threads', '0'));
const lossKind = arg('loss', 'paper');
const optimizerKind = arg('optimizer', 'tf');
const dataKind = arg('data', 'random');
const modelKind = arg('model', 'cli');
const scheduleName = arg('schedule', 'tanh-relu');

function buildLenet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [36, 36, 1], filters: 6, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'tanh' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

interface KernelStat {
  calls: number;
  ms: number;
}

/** Wraps every kernelFunc of the backend with a timer (the registry's configs are mutable). */
function instrument(backendName: string): Map<string, KernelStat> {
  const stats = new Map<string, KernelStat>();
  for (const config of getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    const stat: KernelStat = { calls: 0, ms: 0 };
    stats.set(config.kernelName, stat);
    (config as { kernelFunc: KernelFunc }).kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
      const t0 = performance.now();
      const out = inner(args);
      stat.ms += performance.now() - t0;
      stat.calls++;
      return out;
    }) as KernelFunc;
  }
  return stats;
}

async function main(): Promise<void> {
  if (backend === 'native' || optimizerKind === 'native') {
    if (!nativeBackend.registerNativeBackend(threads > 0 ? { threads } : {})) {
      throw new Error(nativeBackend.nativeLoadError() ?? 'no native addon');
    }
  }
  if (process.argv.includes('--debug-checks')) {
    tf.env().set('PROD', false);
  } else {
    tf.env().set('PROD', true); // as src/backend/index.ts does: no per-op debug checks
  }
  await tf.setBackend(backend);
  const model = modelKind === 'cli' ? buildCliLenet(DEFAULT_ARCH, parseNamedSchedule(scheduleName), 36, 1) : buildLenet();
  let xs = tf.randomUniform([batch, 36, 36, 1], 0, 1, 'float32', 1);
  let ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10).toFloat();
  let nextBatch = (): void => {};
  if (dataKind === 'mnist') {
    const data = loadMnist({ resize: 'bilinear', limit: 6000 });
    let at = 0;
    nextBatch = () => {
      tf.dispose([xs, ys]);
      if (at + batch > data.train.count) at = 0;
      xs = tf.tensor4d(data.train.slice(at, at + batch), [batch, 36, 36, 1]);
      ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(data.train.labels.subarray(at, at + batch)), 'int32'), 10).toFloat());
      at += batch;
    };
  }
  const optimizer =
    optimizerKind === 'native'
      ? new (nativeBackend as unknown as { NativeAdamOptimizer: new (lr: number) => tf.Optimizer }).NativeAdamOptimizer(1e-4)
      : tf.train.adam(1e-4);
  const useTrainer = process.argv.includes('--trainer');
  const trainerOptimizer = useTrainer ? createOptimizer('adam', 1e-4, backend) : null;
  const labels = Uint8Array.from(ys.argMax(1).dataSync());
  const step = (): number => {
    if (trainerOptimizer) {
      return trainBatch(model, trainerOptimizer, xs.dataSync() as Float32Array, labels, 'crossentropy', 36)[0];
    }
    nextBatch();
    const loss = tf.tidy(
      () =>
        optimizer.minimize(() => {
          const p = model.apply(xs, { training: true }) as tf.Tensor;
          if (lossKind === 'softmax') return tf.losses.softmaxCrossEntropy(ys, p) as tf.Scalar;
          return tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(tf.add(p, 1e-7))), 1))) as tf.Scalar;
        }, true) as tf.Scalar,
    );
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  for (let i = 0; i < 5; ++i) step();

  let t0 = performance.now();
  for (let i = 0; i < steps; ++i) step();
  const wall = (performance.now() - t0) / steps;

  const stats = instrument(backend);
  const addonStats = new Map<string, KernelStat>();
  const addon = nativeBackend.loadNativeAddon() as unknown as Record<string, unknown> | null;
  if (addon && backend === 'native') {
    for (const [name, fn] of Object.entries(addon)) {
      if (typeof fn !== 'function' || !/^(conv|max|batch|binary|unary|sum|adam)/.test(name)) continue;
      const stat: KernelStat = { calls: 0, ms: 0 };
      addonStats.set(name, stat);
      addon[name] = (...args: unknown[]) => {
        const t1 = performance.now();
        (fn as (...a: unknown[]) => void)(...args);
        const ms = performance.now() - t1;
        stat.ms += ms;
        stat.calls++;
        // conv and pool calls also per layer, keyed by their geometry's channels (in->out)
        const geom = args.find((a) => a != null && typeof a === 'object' && 'inHeight' in a) as
          { inHeight: number; inWidth: number; inChannels?: number; outChannels?: number; channels?: number } | undefined;
        if (geom && /^(conv|maxPool)/.test(name)) {
          const channels = geom.channels ?? `${geom.inChannels}->${geom.outChannels}`;
          const key = `  ${name} C${channels} ${geom.inHeight}x${geom.inWidth}`;
          const s = addonStats.get(key) ?? { calls: 0, ms: 0 };
          s.ms += ms;
          s.calls++;
          addonStats.set(key, s);
        }
      };
    }
  }
  t0 = performance.now();
  for (let i = 0; i < steps; ++i) step();
  const wallInstrumented = (performance.now() - t0) / steps;

  const info = backend === 'native' ? nativeBackend.nativeBackendInfo() : null;
  console.log(
    `backend ${backend}${info ? ` (simd ${info.simd}, ${info.threads} threads)` : ''}, batch ${batch}, ` +
      `model ${modelKind}${modelKind === 'cli' ? ` ${scheduleName}` : ''}, ${useTrainer ? 'trainer.trainBatch (crossentropy, createOptimizer), ' : ''}data ${dataKind}, loss ${lossKind}, optimizer ${optimizerKind}, ${steps} steps, tensors alive ${tf.memory().numTensors}`,
  );
  console.log(
    `ms/step ${wall.toFixed(2)}  images/s ${((batch * 1000) / wall).toFixed(0)}  ` +
      `epoch of 60000 ≈ ${((wall * 60000) / batch / 1000).toFixed(2)} s`,
  );
  const rows = [...stats.entries()].filter(([, s]) => s.calls > 0).sort((a, b) => b[1].ms - a[1].ms);
  let inKernels = 0;
  console.log('\nkernel                      calls/step   ms/step');
  for (const [name, s] of rows) {
    inKernels += s.ms;
    console.log(`${name.padEnd(28)}${(s.calls / steps).toFixed(1).padStart(10)}${(s.ms / steps).toFixed(3).padStart(10)}`);
  }
  console.log(`${'(all kernels)'.padEnd(38)}${(inKernels / steps).toFixed(3).padStart(10)}`);
  console.log(`${'(outside kernels)'.padEnd(38)}${(wallInstrumented - inKernels / steps).toFixed(3).padStart(10)}`);
  if (addonStats.size > 0) {
    console.log('\ninside the addon (C++ only)  calls/step   ms/step');
    let inAddon = 0;
    for (const [name, s] of [...addonStats.entries()].filter(([, s]) => s.calls > 0).sort((a, b) => b[1].ms - a[1].ms)) {
      if (!name.startsWith(' ')) inAddon += s.ms;
      console.log(`${name.padEnd(28)}${(s.calls / steps).toFixed(1).padStart(10)}${(s.ms / steps).toFixed(3).padStart(10)}`);
    }
    console.log(`${'(all addon calls)'.padEnd(38)}${(inAddon / steps).toFixed(3).padStart(10)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
