import * as tf from '@tensorflow/tfjs';
import { LossName } from '../options/types';

import { PROB_EPSILON } from '../inference/predictions';

export { PROB_EPSILON };

/** The training objective on the model's probabilities, averaged over the batch. */
export function lossTensor(kind: LossName, probs: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  if (kind === 'paper') {
    // The paper's objective: softmax cross-entropy applied to outputs that are already probabilities.
    return tf.losses.softmaxCrossEntropy(oneHot, probs) as tf.Scalar;
  }
  const clipped = tf.clipByValue(probs, PROB_EPSILON, 1 - PROB_EPSILON);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1))) as tf.Scalar;
}

export { emptyTally, tallyProbabilities } from '../inference/predictions';
export type { BatchTally } from '../inference/predictions';
