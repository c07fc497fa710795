import * as tf from '@tensorflow/tfjs';
import { OptimizerName } from '../options/types';
import { NativeAdamOptimizer } from '../backend/native';

/**
 * The optimizer of a run: Keras' defaults for Adam (β1 0.9, β2 0.999, ε 1e-7); momentum 0.9.
 * On the native backend Adam is the fused native update, bit-identical to tf.train.adam and with
 * the same saved state.
 */
export function createOptimizer(name: OptimizerName, learningRate: number, backend: string): tf.Optimizer {
  switch (name) {
    case 'adam':
      return backend === 'native' ? new NativeAdamOptimizer(learningRate, 0.9, 0.999, 1e-7) : tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
  }
}
