import * as tf from '@tensorflow/tfjs';
import { Arch } from '../options/types';
import { Schedule } from './activations';

/** Layer names, so tests and reports can find each layer. */
export const LAYER_NAMES = {
  conv1: 'conv1',
  act1: 'act1',
  pool1: 'pool1',
  conv2: 'conv2',
  act2: 'act2',
  pool2: 'pool2',
  flatten: 'flatten',
  dense: 'dense',
  act3: 'act3',
  output: 'output',
} as const;

/** A distinct, reproducible initializer seed per layer, derived from the run seed. */
function layerSeed(seed: number, layer: number): number {
  return (seed * 7919 + layer * 104729) % 2147483647;
}

/**
 * The improved LeNet-5 as a pure function of its sizes, schedule and seed:
 * conv1 → act1 → pool → conv2 → act2 → pool → flatten → dense → act3 → dense 10 softmax.
 * Activations are separate layers so that each can be inspected and swapped.
 */
export function buildLenet(arch: Arch, schedule: Schedule, imageSize: number, seed: number): tf.LayersModel {
  const init = (layer: number) => tf.initializers.glorotUniform({ seed: layerSeed(seed, layer) });
  const model = tf.sequential({ name: 'lenet' });
  model.add(
    tf.layers.conv2d({
      name: LAYER_NAMES.conv1,
      inputShape: [imageSize, imageSize, 1],
      filters: arch.conv1Filters,
      kernelSize: arch.kernelSize,
      padding: 'valid',
      kernelInitializer: init(1),
    }),
  );
  model.add(tf.layers.activation({ name: LAYER_NAMES.act1, activation: schedule[0] }));
  model.add(tf.layers.maxPooling2d({ name: LAYER_NAMES.pool1, poolSize: arch.poolSize }));
  model.add(
    tf.layers.conv2d({
      name: LAYER_NAMES.conv2,
      filters: arch.conv2Filters,
      kernelSize: arch.kernelSize,
      padding: 'valid',
      kernelInitializer: init(2),
    }),
  );
  model.add(tf.layers.activation({ name: LAYER_NAMES.act2, activation: schedule[1] }));
  model.add(tf.layers.maxPooling2d({ name: LAYER_NAMES.pool2, poolSize: arch.poolSize }));
  model.add(tf.layers.flatten({ name: LAYER_NAMES.flatten }));
  model.add(tf.layers.dense({ name: LAYER_NAMES.dense, units: arch.denseUnits, kernelInitializer: init(3) }));
  model.add(tf.layers.activation({ name: LAYER_NAMES.act3, activation: schedule[2] }));
  model.add(tf.layers.dense({ name: LAYER_NAMES.output, units: 10, activation: 'softmax', kernelInitializer: init(4) }));
  return model;
}
