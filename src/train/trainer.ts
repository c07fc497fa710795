import * as tf from '@tensorflow/tfjs';
import { LossName } from '../options/types';
import { ImageSet } from '../data/image-set';
import { EpochRow } from '../rundir/epochs';
import { BatchTally, emptyTally, lossTensor, tallyProbabilities } from './loss';
import { Rng } from './rng';

/**
 * Images per forward pass when evaluating. Each image's probabilities are the same whatever the
 * batch (checked on native with 1 and 2 threads and on cpu), so this only trades speed for
 * memory: a 1000-image pass holds ~80 MB of activations and leaves as much garbage until V8
 * collects it, which made the test pass the peak of a training process (~305 MB of RSS on the
 * full data once the training images were bytes; ~230 MB at 100). The pass's speed does not
 * change measurably between 100 and 1000.
 */
export const EVAL_BATCH_SIZE = 100;

export interface TrainerOptions {
  epochs: number;
  batchSize: number;
  loss: LossName;
  imageSize: number;
  /** Batch size for the test pass; larger is faster and does not change the numbers. */
  evalBatchSize?: number;
}

/** Where training stands between two epochs: enough to continue exactly. */
export interface TrainerState {
  /** Epochs completed. */
  epoch: number;
  /** The shuffle generator's state after those epochs. */
  rngState: number;
}

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

export interface TrainerHooks {
  onBatch?(progress: BatchProgress): void;
  /** Called after each epoch with its row and the state to resume from; awaited before training goes on. */
  onEpochEnd?(row: EpochRow, state: TrainerState): Promise<void> | void;
  /** Polled at every batch boundary; true stops training without finishing the epoch. */
  shouldStop?(): boolean;
}

export interface TrainResult {
  rows: EpochRow[];
  stopped: boolean;
  state: TrainerState;
}

function oneHot(labels: Uint8Array, classes = 10): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
  return out;
}

function gatherLabels(set: ImageSet, indices: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = set.labels[indices[i]];
  return out;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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

/** A set resized to another side than the model's input would be silently misread as a batch. */
function checkSetSize(set: ImageSet, imageSize: number): void {
  if (set.size !== imageSize) throw new Error(`images are ${set.size}x${set.size} but the model takes ${imageSize}x${imageSize}`);
}

/** Loss, paper loss and accuracy of the model on a whole set, in evaluation mode. */
export function evaluateSet(model: tf.LayersModel, set: ImageSet, imageSize: number, batchSize = EVAL_BATCH_SIZE): BatchTally {
  checkSetSize(set, imageSize);
  const tally = emptyTally();
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(start + batchSize, set.count);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(set.slice(start, end), [end - start, imageSize, imageSize, 1]);
      return (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
    });
    tallyProbabilities(tally, probs, set.labels.subarray(start, end));
  }
  return tally;
}

function lossOf(kind: LossName, t: BatchTally): number {
  return (kind === 'paper' ? t.paperLoss : t.loss) / t.count;
}

/**
 * Trains `model` with `optimizer` from `start` (epoch 0 and the seed's generator, or a checkpoint)
 * to `options.epochs`. Each epoch reshuffles the training set with the generator, takes one step
 * per batch (the last batch may be smaller), then evaluates the test set. Knows nothing of files.
 */
export async function trainModel(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  train: ImageSet,
  test: ImageSet,
  options: TrainerOptions,
  start: TrainerState,
  hooks: TrainerHooks = {},
): Promise<TrainResult> {
  const { batchSize, imageSize } = options;
  checkSetSize(train, imageSize);
  checkSetSize(test, imageSize);
  const rng = new Rng(0);
  rng.state = start.rngState;
  const batches = Math.ceil(train.count / batchSize);
  const rows: EpochRow[] = [];
  let state: TrainerState = { ...start };

  for (let epoch = start.epoch + 1; epoch <= options.epochs; epoch++) {
    const began = process.hrtime.bigint();
    const order = rng.permutation(train.count);
    const tally = emptyTally();
    for (let b = 0; b < batches; b++) {
      if (hooks.shouldStop?.()) return { rows, stopped: true, state };
      const indices = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, train.count));
      const labels = gatherLabels(train, indices);
      const probs = trainBatch(model, optimizer, train.gather(indices), labels, options.loss, imageSize);
      tallyProbabilities(tally, probs, labels);
      hooks.onBatch?.({ epoch, batch: b + 1, batches, loss: lossOf(options.loss, tally), accuracy: tally.correct / tally.count });
      await yieldToEventLoop();
    }
    const testTally = evaluateSet(model, test, imageSize, options.evalBatchSize);
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    const row: EpochRow = {
      epoch,
      train_loss: lossOf(options.loss, tally),
      train_accuracy: tally.correct / tally.count,
      test_loss: lossOf(options.loss, testTally),
      test_accuracy: testTally.correct / testTally.count,
      seconds,
      train_paper_loss: tally.paperLoss / tally.count,
      test_paper_loss: testTally.paperLoss / testTally.count,
    };
    rows.push(row);
    state = { epoch, rngState: rng.state };
    await hooks.onEpochEnd?.(row, state);
  }
  return { rows, stopped: false, state };
}
