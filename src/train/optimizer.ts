import * as tf from '@tensorflow/tfjs';
import { OptimizerName } from '../config';

/** The optimizer of a run: Keras' defaults for Adam (β1 0.9, β2 0.999, ε 1e-7); momentum 0.9. */
export function createOptimizer(name: OptimizerName, learningRate: number, _backend = "cpu"): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
  }
}
