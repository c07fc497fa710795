/**
 * A training engine: what the trainer's loop calls, whoever computes. Two exist: `tfjs` (the
 * layers model and a tfjs optimizer, on the selected tfjs backend; the reference) and `fused`
 * (the addon's whole-step engine, fused-engine.ts). Both hold the same weights in the same
 * layouts and write and read the same checkpoint contents, so either resumes the other's run.
 */
import * as tf from '@tensorflow/tfjs';
import { LossName } from '../options/types';
import { ImageSet } from '../data/image-set';
import { runtimeError } from '../errors';
import { fusedEngineAvailable, fusedEngineUnavailableReason } from '../backend/fused';
import { lossTensor } from './loss';
import { Checkpoint, PlainTensor } from './checkpoint';

export const ENGINES = ['fused', 'tfjs'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface TrainingEngine {
  readonly name: EngineName;
  /**
   * One optimizer step on a batch of images ([n, size, size, 1] floats) with their labels; returns
   * the batch's probabilities as computed before the update (valid until the next call).
   */
  trainBatch(images: Float32Array, labels: Uint8Array): Float32Array;
  /** The probabilities of `count` images (valid until the next call). */
  predict(images: Float32Array, count: number): Float32Array;
  /** trainBatch on the images of `set` at `indices` (labels: theirs), gathered as set.gather does. */
  trainIndices(set: ImageSet, indices: Uint32Array, labels: Uint8Array): Float32Array;
  /** predict on the images start..end-1 of `set`. */
  predictRange(set: ImageSet, start: number, end: number): Float32Array;
  /** Weights and optimizer state in the checkpoint layout (checkpoint.ts). */
  snapshot(): Promise<Omit<Checkpoint, 'state'>>;
  /** Continues from a checkpoint's weights and optimizer state (either engine's). */
  restore(contents: Omit<Checkpoint, 'state'>): Promise<void>;
  /** The layers model holding the engine's current weights, to save in the tfjs layers format. */
  model(): tf.LayersModel;
  dispose(): void;
}

function oneHot(labels: Uint8Array, classes = 10): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
  return out;
}

/**
 * One optimizer step on one batch; returns the batch's probabilities (as computed before the
 * update) so the caller can tally loss and accuracy without more tensor ops.
 */
export function trainBatch(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  images: Float32Array,
  labels: Uint8Array,
  loss: LossName,
  imageSize: number,
): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(images, [labels.length, imageSize, imageSize, 1]);
    const y = tf.tensor2d(oneHot(labels), [labels.length, 10]);
    let kept: tf.Tensor | null = null;
    optimizer.minimize(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor2D;
      kept = tf.keep(p);
      return lossTensor(loss, p, y);
    }, false);
    const values = kept!.dataSync() as Float32Array;
    kept!.dispose();
    return values;
  });
}

/** The probabilities of `count` images, in evaluation mode. */
export function predictBatch(model: tf.LayersModel, images: Float32Array, count: number, imageSize: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(images, [count, imageSize, imageSize, 1]);
    return (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
  });
}

function plain(name: string, t: tf.Tensor): PlainTensor {
  const values = t.dataSync();
  return {
    name,
    shape: t.shape,
    dtype: t.dtype === 'int32' ? 'int32' : 'float32',
    values: t.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
  };
}

function tensorOf(p: PlainTensor): tf.Tensor {
  return tf.tensor(p.values, p.shape, p.dtype);
}

/**
 * The tfjs engine: `model` trained by `optimizer` (null: prediction only) on the current tfjs
 * backend. Owns neither; dispose() does nothing.
 */
export function tfjsEngine(model: tf.LayersModel, optimizer: tf.Optimizer | null, loss: LossName, imageSize: number): TrainingEngine {
  return {
    name: 'tfjs',
    trainBatch(images, labels) {
      if (optimizer == null) throw new Error('this engine has no optimizer');
      return trainBatch(model, optimizer, images, labels, loss, imageSize);
    },
    predict: (images, count) => predictBatch(model, images, count, imageSize),
    trainIndices(set, indices, labels) {
      return this.trainBatch(set.gather(indices), labels);
    },
    predictRange: (set, start, end) => predictBatch(model, set.slice(start, end), end - start, imageSize),
    async snapshot() {
      if (optimizer == null) throw new Error('this engine has no optimizer');
      // Adam keeps β1^t and β2^t in variables that getWeights() leaves out.
      const o = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
      const extra: PlainTensor[] = [];
      if (o.accBeta1) extra.push(plain('accBeta1', o.accBeta1));
      if (o.accBeta2) extra.push(plain('accBeta2', o.accBeta2));
      return {
        model: model.getWeights().map((w, i) => plain(`w${i}`, w)),
        optimizer: (await optimizer.getWeights()).map((w) => plain(w.name, w.tensor)),
        extra,
      };
    },
    async restore(contents) {
      if (optimizer == null) throw new Error('this engine has no optimizer');
      const weights = contents.model.map(tensorOf);
      model.setWeights(weights);
      tf.dispose(weights);
      // setWeights turns the moment tensors into variables: they are not disposed here.
      if (contents.optimizer.length > 0) await optimizer.setWeights(contents.optimizer.map((p) => ({ name: p.name, tensor: tensorOf(p) })));
      const o = optimizer as unknown as Record<string, tf.Variable | undefined>;
      for (const e of contents.extra) {
        const t = tensorOf(e);
        o[e.name]?.assign(t);
        t.dispose();
      }
    },
    model: () => model,
    dispose() {},
  };
}

/**
 * The engine a run uses: `tfjs` or `fused` as asked (fused refused with a reason where the addon
 * lacks it), and for `auto` the fused engine wherever the tfjs backend in use is the addon's
 * native one (asked for as auto or native), else tfjs.
 */
export function resolveEngine(requested: string, backend: string): EngineName {
  if (requested === 'tfjs') return 'tfjs';
  if (requested === 'fused') {
    if (!fusedEngineAvailable()) {
      throw runtimeError(
        `the fused engine is not available: ${fusedEngineUnavailableReason()} (rebuild it with npm rebuild, or use --engine tfjs)`,
      );
    }
    return 'fused';
  }
  return backend === 'native' && fusedEngineAvailable() ? 'fused' : 'tfjs';
}
