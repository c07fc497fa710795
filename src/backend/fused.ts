/**
 * The addon's fused training engine (native/fused_engine.h): the improved LeNet-5 trained one
 * whole step per call — forward, loss, backward, optimizer update — on weights and optimizer
 * state it holds itself, parallel over the batch and bit-identical for any thread count. This
 * file only types the binding and turns names into the addon's codes; the trainer's side is
 * src/train/fused-engine.ts.
 */
import { loadNativeAddon, nativeLoadError } from './native-addon';
import { ENGINE_ACTIVATIONS, ENGINE_LOSSES, ENGINE_OPTIMIZERS } from './native-opcodes';

export type EngineActivation = (typeof ENGINE_ACTIVATIONS)[number];
export type EngineLoss = (typeof ENGINE_LOSSES)[number];
export type EngineOptimizer = (typeof ENGINE_OPTIMIZERS)[number];

/** What the engine trains: sizes as the CLI's --arch, activations as its schedules. */
export interface FusedEngineConfig {
  /** Input side (one channel). */
  image: number;
  conv1: number;
  conv2: number;
  kernel: number;
  pool: number;
  dense: number;
  classes: number;
  activations: readonly [EngineActivation, EngineActivation, EngineActivation];
  loss: EngineLoss;
  optimizer: EngineOptimizer;
  learningRate: number;
  /** Every layer on its naive reference loop, one micro-batch at a time (tests). */
  reference?: boolean;
}

/** Which tensors readTensor/writeTensor address. */
export const TENSOR_KIND = { weights: 0, gradients: 1, slot0: 2, slot1: 3 } as const;

/** The optimizer's scalars: tfjs' iteration count and Adam's running β powers (float32 values). */
export interface FusedEngineState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
}

/** The native object. Tensors are in tfjs' order (conv1 kernel, bias, conv2 kernel, bias, dense, output) and layouts. */
export interface FusedEngineNative {
  tensorSizes(): number[];
  /** Frees the engine's memory now (else when the object is collected); later calls throw. */
  dispose(): void;
  /** Optimizer slots per tensor: adam 2 (m, v), momentum 1, sgd 0. */
  slotCount(): number;
  readTensor(kind: number, index: number, out: Float32Array): void;
  writeTensor(kind: number, index: number, values: Float32Array): void;
  getState(): FusedEngineState;
  setState(state: FusedEngineState): void;
  /** One optimizer step; probs [n*classes] receives the probabilities before the update. n = labels.length. */
  step(probs: Float32Array, images: Float32Array, labels: Uint8Array): void;
  /** probs [n*classes] of n = probs.length / classes images. */
  forward(probs: Float32Array, images: Float32Array): void;
  /** Raw images of rows x cols bytes for the indexed calls, resized as src/data/resize.ts does (mode 0 bilinear, 1 pad). */
  configureResize(rows: number, cols: number, mode: number): void;
  /** step on the raw images pixels[indices[i]] with labels[indices[i]]; n = indices.length. */
  stepIndexed(probs: Float32Array, pixels: Uint8Array, labels: Uint8Array, indices: Uint32Array): void;
  /** forward on the raw images pixels[indices[i]]. */
  forwardIndexed(probs: Float32Array, pixels: Uint8Array, indices: Uint32Array): void;
}

interface FusedEngineClass {
  new (config: Record<string, unknown>): FusedEngineNative;
  /** How many micro-batches a batch of n is cut into (a function of n only). */
  microBatches(n: number): number;
  /** y = act(x), d = act'(x): the vector path in use, or (reference) activations.h's scalar definitions. */
  activation(y: Float32Array, d: Float32Array, x: Float32Array, code: number, reference: boolean): void;
  /** One optimizer update in place, as the engine applies it (reference: the naive loop). */
  optimizerUpdate(
    value: Float32Array,
    s1: Float32Array,
    s2: Float32Array,
    g: Float32Array,
    scalars: { kind: number; lr: number; accBeta1: number; accBeta2: number },
    reference: boolean,
  ): void;
  /** What the indexed calls do to each raw image: out [n*size*size] from pixels [n*rows*cols] (mode 0 bilinear, 1 pad). */
  resize(out: Float32Array, pixels: Uint8Array, rows: number, cols: number, size: number, mode: number): void;
}

/** True when the addon is built and has the engine. */
export function fusedEngineAvailable(): boolean {
  const addon = loadNativeAddon() as unknown as { FusedEngine?: FusedEngineClass } | null;
  return typeof addon?.FusedEngine === 'function';
}

/** Why the engine is not available (null when it is). */
export function fusedEngineUnavailableReason(): string | null {
  if (fusedEngineAvailable()) return null;
  return nativeLoadError() ?? 'the native addon has no fused engine (rebuild it with npm rebuild)';
}

function engineClass(): FusedEngineClass {
  const addon = loadNativeAddon() as unknown as ({ FusedEngine?: FusedEngineClass } & ReturnType<typeof loadNativeAddon>) | null;
  if (addon == null || typeof addon.FusedEngine !== 'function') throw new Error(fusedEngineUnavailableReason() ?? 'no fused engine');
  return addon.FusedEngine;
}

/** A new engine with zero weights and a fresh optimizer state. */
export function createFusedEngine(config: FusedEngineConfig): FusedEngineNative {
  const addon = loadNativeAddon()!;
  const Engine = engineClass();
  const codes = addon.opCodes;
  return new Engine({
    image: config.image,
    conv1: config.conv1,
    conv2: config.conv2,
    kernel: config.kernel,
    pool: config.pool,
    dense: config.dense,
    classes: config.classes,
    activations: config.activations.map((a) => codes.engineActivation[a]),
    loss: codes.engineLoss[config.loss],
    optimizer: codes.engineOptimizer[config.optimizer],
    learningRate: config.learningRate,
    reference: config.reference === true,
  });
}

/** The engine's layer kernels that tests check one by one (activations, the optimizer update). */
export function fusedKernels(): Pick<FusedEngineClass, 'activation' | 'optimizerUpdate' | 'resize'> {
  return engineClass();
}

/** How many micro-batches the engine cuts a batch of n into. */
export function fusedMicroBatches(n: number): number {
  return engineClass().microBatches(n);
}
