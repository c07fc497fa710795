import * as tf from '@tensorflow/tfjs';
import { LossName } from '../options/types';

/** Keras clips probabilities by this before the log; we follow it so losses compare with Keras/TF. */
export const PROB_EPSILON = 1e-7;

/** The training objective on the model's probabilities, averaged over the batch. */
export function lossTensor(kind: LossName, probs: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  if (kind === 'paper') {
    // The paper's objective: softmax cross-entropy applied to outputs that are already probabilities.
    return tf.losses.softmaxCrossEntropy(oneHot, probs) as tf.Scalar;
  }
  const clipped = tf.clipByValue(probs, PROB_EPSILON, 1 - PROB_EPSILON);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1))) as tf.Scalar;
}

/** Sums over a batch of probability rows, in plain numbers: loss, paper loss, correct count. */
export interface BatchTally {
  loss: number;
  paperLoss: number;
  correct: number;
  count: number;
}

export function emptyTally(): BatchTally {
  return { loss: 0, paperLoss: 0, correct: 0, count: 0 };
}

/** Adds one batch of probabilities (row-major, 10 per row) to a tally. */
export function tallyProbabilities(tally: BatchTally, probs: Float32Array | Float64Array, labels: ArrayLike<number>, classes = 10): void {
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    const base = i * classes;
    const label = labels[i];
    let best = 0;
    let expSum = 0;
    for (let k = 0; k < classes; k++) {
      const p = probs[base + k];
      if (p > probs[base + best]) best = k;
      expSum += Math.exp(p);
    }
    const py = probs[base + label];
    tally.loss += -Math.log(Math.min(Math.max(py, PROB_EPSILON), 1 - PROB_EPSILON));
    tally.paperLoss += Math.log(expSum) - py;
    if (best === label) tally.correct++;
  }
  tally.count += n;
}
