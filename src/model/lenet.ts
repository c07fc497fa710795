import * as tf from '@tensorflow/tfjs';
import { Arch, InitScheme } from '../options/types';
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

/** One layer's kernel initializer of a scheme (options/types' INIT_SCHEMES), seeded. */
function kernelInitializer(scheme: InitScheme, seed: number): ReturnType<typeof tf.initializers.glorotUniform> {
  switch (scheme) {
    case 'glorot-uniform':
      return tf.initializers.glorotUniform({ seed });
    case 'glorot-normal':
      return tf.initializers.glorotNormal({ seed });
    case 'he-normal':
      return tf.initializers.heNormal({ seed });
    case 'lecun-normal':
      return tf.initializers.leCunNormal({ seed });
    case 'tutorial':
      return tf.initializers.truncatedNormal({ mean: 0, stddev: 0.1, seed });
  }
}

/**
 * The improved LeNet-5 as a pure function of its sizes, schedule, seed and initial-weight scheme:
 * conv1 → act1 → pool → conv2 → act2 → pool → flatten → dense → act3 → dense 10 softmax.
 * Activations are separate layers so that each can be inspected and swapped.
 */
export function buildLenet(
  arch: Arch,
  schedule: Schedule,
  imageSize: number,
  seed: number,
  scheme: InitScheme = 'glorot-uniform',
): tf.LayersModel {
  const weights = (layer: number) => kernelInitializer(scheme, layerSeed(seed, layer));
  // The tutorial's biases start at 0.1; every other scheme's at 0 (the layers' default).
  const bias = scheme === 'tutorial' ? { biasInitializer: tf.initializers.constant({ value: 0.1 }) } : {};
  const init = (layer: number) => weights(layer);
  const model = tf.sequential({ name: 'lenet' });
  model.add(
    tf.layers.conv2d({
      name: LAYER_NAMES.conv1,
      inputShape: [imageSize, imageSize, 1],
      filters: arch.conv1Filters,
      kernelSize: arch.kernelSize,
      padding: 'valid',
      kernelInitializer: init(1),
      ...bias,
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
      ...bias,
    }),
  );
  model.add(tf.layers.activation({ name: LAYER_NAMES.act2, activation: schedule[1] }));
  model.add(tf.layers.maxPooling2d({ name: LAYER_NAMES.pool2, poolSize: arch.poolSize }));
  model.add(tf.layers.flatten({ name: LAYER_NAMES.flatten }));
  model.add(tf.layers.dense({ name: LAYER_NAMES.dense, units: arch.denseUnits, kernelInitializer: init(3), ...bias }));
  model.add(tf.layers.activation({ name: LAYER_NAMES.act3, activation: schedule[2] }));
  model.add(tf.layers.dense({ name: LAYER_NAMES.output, units: 10, activation: 'softmax', kernelInitializer: init(4), ...bias }));
  return model;
}

/** One layer of the model as its saved topology (model.json) must describe it, with its weights' shapes. */
export interface LayerLayout {
  className: 'Conv2D' | 'Activation' | 'MaxPooling2D' | 'Flatten' | 'Dense';
  name: string;
  /** The topology's config entries that decide what the layer computes. */
  config: Record<string, unknown>;
  /** Its weights, named as model.json's manifest names them (`conv1/kernel`), with their shapes. */
  weights: Array<{ name: string; shape: number[] }>;
}

/**
 * What buildLenet builds, layer by layer, without building it (no tfjs): checked against a saved
 * model.json before tfjs reads it, so a model that does not belong to its config.json is refused in
 * one line instead of failing inside tfjs. A test keeps this in step with buildLenet.
 */
export function lenetLayout(arch: Arch, schedule: Schedule, imageSize: number): LayerLayout[] {
  const k = arch.kernelSize;
  const p = arch.poolSize;
  const side1 = Math.floor((imageSize - k + 1) / p);
  const side2 = Math.floor((side1 - k + 1) / p);
  const conv = (name: string, inChannels: number, filters: number, extra: Record<string, unknown> = {}): LayerLayout => ({
    className: 'Conv2D',
    name,
    config: {
      filters,
      kernel_size: [k, k],
      strides: [1, 1],
      padding: 'valid',
      dilation_rate: [1, 1],
      activation: 'linear',
      use_bias: true,
      ...extra,
    },
    weights: [
      { name: `${name}/kernel`, shape: [k, k, inChannels, filters] },
      { name: `${name}/bias`, shape: [filters] },
    ],
  });
  const act = (name: string, activation: string): LayerLayout => ({ className: 'Activation', name, config: { activation }, weights: [] });
  const pool = (name: string): LayerLayout => ({
    className: 'MaxPooling2D',
    name,
    config: { pool_size: [p, p], strides: [p, p], padding: 'valid' },
    weights: [],
  });
  const dense = (name: string, inputs: number, units: number, activation: string): LayerLayout => ({
    className: 'Dense',
    name,
    config: { units, activation, use_bias: true },
    weights: [
      { name: `${name}/kernel`, shape: [inputs, units] },
      { name: `${name}/bias`, shape: [units] },
    ],
  });
  return [
    conv(LAYER_NAMES.conv1, 1, arch.conv1Filters, { batch_input_shape: [null, imageSize, imageSize, 1] }),
    act(LAYER_NAMES.act1, schedule[0]),
    pool(LAYER_NAMES.pool1),
    conv(LAYER_NAMES.conv2, arch.conv1Filters, arch.conv2Filters),
    act(LAYER_NAMES.act2, schedule[1]),
    pool(LAYER_NAMES.pool2),
    { className: 'Flatten', name: LAYER_NAMES.flatten, config: {}, weights: [] },
    dense(LAYER_NAMES.dense, side2 * side2 * arch.conv2Filters, arch.denseUnits, 'linear'),
    act(LAYER_NAMES.act3, schedule[2]),
    dense(LAYER_NAMES.output, arch.denseUnits, 10, 'softmax'),
  ];
}
