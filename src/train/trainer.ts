import * as tf from '@tensorflow/tfjs';
import { LossName, ShuffleMode } from '../options/types';
import { ImageSet } from '../data/image-set';
import { EpochRow } from '../rundir/epochs';
import { TrainerState } from './checkpoint';
import { tfjsEngine, TrainingEngine } from './engine';
import { BatchTally, emptyTally, tallyProbabilities } from '../inference/predictions';
import { Rng } from './rng';
import type { BatchProgress } from './events';

export type { TrainerState };
export { trainBatch } from './engine';

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
  /** The training images' order (default: reshuffled every epoch). */
  shuffle?: ShuffleMode;
  /**
   * From this epoch on, the model at each epoch's end is also evaluated on the whole training set
   * (train_eval_*; not in `seconds`). Default: never. Runs use the last K epochs (--average-last).
   */
  trainEvalFrom?: number;
}

/**
 * The order of the training images in one epoch: `epoch` draws a new permutation from the run's
 * generator (every run before --shuffle); `once` draws the same one every epoch without advancing
 * the generator (so a resumed run draws it again); `off` keeps the files' order.
 */
export function epochOrder(rng: Rng, count: number, mode: ShuffleMode = 'epoch'): Uint32Array {
  if (mode === 'off') return Uint32Array.from({ length: count }, (_, i) => i);
  if (mode === 'once') {
    const saved = rng.state;
    const order = rng.permutation(count);
    rng.state = saved;
    return order;
  }
  return rng.permutation(count);
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

function gatherLabels(set: ImageSet, indices: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = set.labels[indices[i]];
  return out;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A set resized to another side than the model's input would be silently misread as a batch. */
function checkSetSize(set: ImageSet, imageSize: number): void {
  if (set.size !== imageSize) throw new Error(`images are ${set.size}x${set.size} but the model takes ${imageSize}x${imageSize}`);
}

/** Loss, paper loss and accuracy of the model on a whole set, in evaluation mode. */
export function evaluateSet(model: tf.LayersModel, set: ImageSet, imageSize: number, batchSize = EVAL_BATCH_SIZE): BatchTally {
  return evaluateWithEngine(tfjsEngine(model, null, 'crossentropy', imageSize), set, imageSize, batchSize);
}

/** evaluateSet on any engine. */
export function evaluateWithEngine(engine: TrainingEngine, set: ImageSet, imageSize: number, batchSize = EVAL_BATCH_SIZE): BatchTally {
  checkSetSize(set, imageSize);
  const tally = emptyTally();
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(start + batchSize, set.count);
    const probs = engine.predictRange(set, start, end);
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
  return trainWithEngine(tfjsEngine(model, optimizer, options.loss, options.imageSize), train, test, options, start, hooks);
}

/** trainModel on any engine (engine.ts). */
export async function trainWithEngine(
  engine: TrainingEngine,
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
    const order = epochOrder(rng, train.count, options.shuffle);
    const tally = emptyTally();
    const lastBatch = emptyTally();
    for (let b = 0; b < batches; b++) {
      if (hooks.shouldStop?.()) return { rows, stopped: true, state };
      const indices = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, train.count));
      const labels = gatherLabels(train, indices);
      const probs = engine.trainIndices(train, indices, labels);
      tallyProbabilities(tally, probs, labels);
      if (b === batches - 1) tallyProbabilities(lastBatch, probs, labels);
      hooks.onBatch?.({ epoch, batch: b + 1, batches, loss: lossOf(options.loss, tally), accuracy: tally.correct / tally.count });
      await yieldToEventLoop();
    }
    const testTally = evaluateWithEngine(engine, test, imageSize, options.evalBatchSize);
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    const trainEval =
      options.trainEvalFrom !== undefined && epoch >= options.trainEvalFrom
        ? evaluateWithEngine(engine, train, imageSize, options.evalBatchSize)
        : null;
    const row: EpochRow = {
      epoch,
      train_loss: lossOf(options.loss, tally),
      train_accuracy: tally.correct / tally.count,
      test_loss: lossOf(options.loss, testTally),
      test_accuracy: testTally.correct / testTally.count,
      seconds,
      train_paper_loss: tally.paperLoss / tally.count,
      test_paper_loss: testTally.paperLoss / testTally.count,
      last_batch_accuracy: lastBatch.correct / lastBatch.count,
      last_batch_paper_loss: lastBatch.paperLoss / lastBatch.count,
      ...(trainEval
        ? { train_eval_accuracy: trainEval.correct / trainEval.count, train_eval_paper_loss: trainEval.paperLoss / trainEval.count }
        : {}),
    };
    rows.push(row);
    state = { epoch, rngState: rng.state };
    await hooks.onEpochEnd?.(row, state);
  }
  return { rows, stopped: false, state };
}
