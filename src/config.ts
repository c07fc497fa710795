import * as fs from 'node:fs';
import * as path from 'node:path';
import { usageError } from './errors';
import { Schedule, parseNamedSchedule, parseScheduleList, scheduleLabel } from './model/activations';
import { RESIZE_MODES, ResizeMode } from './data/resize';

export { RESIZE_MODES, ResizeMode };

/** Layer sizes. Figure 1 of the paper is lost: these defaults are our reading of it. */
export interface Arch {
  conv1Filters: number;
  conv2Filters: number;
  kernelSize: number;
  poolSize: number;
  denseUnits: number;
}

export const DEFAULT_ARCH: Arch = { conv1Filters: 6, conv2Filters: 16, kernelSize: 5, poolSize: 2, denseUnits: 120 };

export const OPTIMIZERS = ['adam', 'sgd', 'momentum'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const LOSSES = ['crossentropy', 'paper'] as const;
export type LossName = (typeof LOSSES)[number];
/** Backends a user can ask for. `auto` = native when its addon loaded, else cpu. */
export const BACKEND_CHOICES = ['auto', 'native', 'cpu', 'tensorflow'] as const;
/** Engines a user can ask for. `auto` = fused where the addon is built and the backend is auto or native, else tfjs. */
export const ENGINE_CHOICES = ['auto', 'fused', 'tfjs'] as const;

/** Everything that decides what a training run computes. Written to config.json. */
export interface TrainConfig {
  schedule: Schedule;
  scheduleLabel: string;
  arch: Arch;
  imageSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  epochs: number;
  batchSize: number;
  seed: number;
  limit: number | null;
  resize: ResizeMode;
  dataDir: string | null;
  averageLast: number;
  loss: LossName;
  backend: string;
  /** The engine asked for (ENGINE_CHOICES); the one that ran is in config.json's `engine`. */
  engine: string;
  threads: number | null;
}

/** Table 1 of the paper: Adam (TensorFlow's usual), lr 0.0001, 20 rounds, batch 50; 36x36 images. */
export const PAPER_DEFAULTS = {
  optimizer: 'adam' as OptimizerName,
  learningRate: 0.0001,
  epochs: 20,
  batchSize: 50,
  imageSize: 36,
  averageLast: 3,
  seed: 1,
};

/** Raw option values as commander hands them over (strings) or as a JSON config holds them. */
export type RawOptions = Record<string, unknown>;

function positiveInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n <= 0 || n > max || (typeof value === 'string' && !/^\+?\d+$/.test(value.trim()))) {
    throw usageError(`${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got "${value}"`);
  }
  return n;
}

function nonNegativeInt(name: string, value: unknown): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1 || (typeof value === 'string' && !/^\+?\d+$/.test(value.trim()))) {
    throw usageError(`${name} must be an integer from 0 to 2147483647, got "${value}"`);
  }
  return n;
}

function positiveNumber(name: string, value: unknown): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n) || n <= 0 || String(value).trim() === '') {
    throw usageError(`${name} must be a positive number, got "${value}"`);
  }
  return n;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  const s = String(value);
  if (!(allowed as readonly string[]).includes(s)) {
    throw usageError(`${name} must be one of ${allowed.join(', ')}, got "${s}"`);
  }
  return s as T;
}

/** `--arch FILE.json` or inline overrides: any subset of Arch keys; unknown keys are refused. */
export function resolveArch(raw: unknown, source: string): Arch {
  if (raw === undefined || raw === null) return { ...DEFAULT_ARCH };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw usageError(`${source}: arch must be a JSON object`);
  const arch = { ...DEFAULT_ARCH };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!Object.hasOwn(DEFAULT_ARCH, key)) {
      throw usageError(`${source}: unknown arch key "${key}"; valid: ${Object.keys(DEFAULT_ARCH).join(', ')}`);
    }
    if (typeof value !== 'number') throw usageError(`${source}: arch key "${key}" must be a number`);
    arch[key as keyof Arch] = positiveInt(`${source}: arch key "${key}"`, value, 4096);
  }
  return arch;
}

/** Reads a JSON file the user named; any problem is one usage-error line naming the file. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw usageError(`${what} ${file} is a directory, not a JSON file`);
    // A UTF-8 byte-order mark (Notepad adds one) is not part of the JSON.
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    if (err instanceof Error && err.name === 'LenetError') throw err;
    throw usageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Size of the feature map after the two conv+pool stages; must stay positive. */
export function featureMapSize(arch: Arch, imageSize: number): number {
  const afterConv1 = imageSize - arch.kernelSize + 1;
  const afterPool1 = Math.floor(afterConv1 / arch.poolSize);
  const afterConv2 = afterPool1 - arch.kernelSize + 1;
  return Math.floor(afterConv2 / arch.poolSize);
}

/**
 * One resolved training config from raw options (flags win over file values, file values over defaults).
 * `activation` (a named schedule) and `schedule` (a list) are exclusive.
 */
export function resolveTrainConfig(raw: RawOptions): TrainConfig {
  let schedule: Schedule;
  if (raw.schedule !== undefined && raw.activation !== undefined) {
    throw usageError('give either --activation or --schedule, not both');
  }
  if (raw.schedule !== undefined) schedule = parseScheduleList(String(raw.schedule));
  else schedule = parseNamedSchedule(String(raw.activation ?? 'tanh-relu'));

  let arch: Arch;
  if (typeof raw.arch === 'string') arch = resolveArch(readJsonFile(raw.arch, 'arch file'), raw.arch);
  else arch = resolveArch(raw.arch, 'arch');
  for (const key of ['conv1Filters', 'conv2Filters', 'kernelSize', 'poolSize', 'denseUnits'] as const) {
    if (raw[key] !== undefined) arch[key] = positiveInt(`--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`, raw[key], 4096);
  }
  const imageSize = PAPER_DEFAULTS.imageSize;
  if (featureMapSize(arch, imageSize) < 1) {
    throw usageError(
      `architecture too large for ${imageSize}x${imageSize} images: kernel ${arch.kernelSize} and pool ${arch.poolSize} leave no feature map`,
    );
  }

  const limit = raw.limit === undefined || raw.limit === null ? null : positiveInt('--limit', raw.limit, 60000);
  const threads = raw.threads === undefined || raw.threads === null ? null : positiveInt('--threads', raw.threads, 256);
  const averageLast = positiveInt('--average-last', raw.averageLast ?? PAPER_DEFAULTS.averageLast);
  const epochs = positiveInt('--epochs', raw.epochs ?? PAPER_DEFAULTS.epochs, 100000);

  return {
    schedule,
    scheduleLabel: scheduleLabel(schedule),
    arch,
    imageSize,
    optimizer: oneOf('--optimizer', raw.optimizer ?? PAPER_DEFAULTS.optimizer, OPTIMIZERS),
    learningRate: positiveNumber('--lr', raw.lr ?? PAPER_DEFAULTS.learningRate),
    epochs,
    batchSize: positiveInt('--batch-size', raw.batchSize ?? PAPER_DEFAULTS.batchSize, 60000),
    seed: nonNegativeInt('--seed', raw.seed ?? PAPER_DEFAULTS.seed),
    limit,
    resize: oneOf('--resize', raw.resize ?? 'bilinear', RESIZE_MODES),
    // Absolute, so a resume or rerun from another folder finds the same files (their hashes are checked too).
    dataDir: raw.dataDir === undefined || raw.dataDir === null ? null : path.resolve(String(raw.dataDir)),
    averageLast,
    loss: oneOf('--loss', raw.loss ?? 'crossentropy', LOSSES),
    backend: oneOf('--backend', raw.backend ?? 'auto', BACKEND_CHOICES),
    engine: resolveEngineChoice(raw),
    threads,
  };
}

/** --engine: fused runs its own kernels, so it cannot honour a tfjs backend asked for by name. */
function resolveEngineChoice(raw: RawOptions): string {
  const engine = oneOf('--engine', raw.engine ?? 'auto', ENGINE_CHOICES);
  const backend = String(raw.backend ?? 'auto');
  if (engine === 'fused' && (backend === 'cpu' || backend === 'tensorflow')) {
    throw usageError(`--engine fused runs its own kernels; --backend ${backend} chooses the tfjs engine's: give one or the other`);
  }
  return engine;
}

/** Keys a JSON experiment file may hold (camelCase, as the flags after commander's parsing). */
export const CONFIG_FILE_KEYS = [
  'activation',
  'activations',
  'schedule',
  'seeds',
  'arch',
  'optimizer',
  'lr',
  'epochs',
  'batchSize',
  'seed',
  'limit',
  'resize',
  'dataDir',
  'averageLast',
  'loss',
  'backend',
  'engine',
  'threads',
  'description',
  'paper',
  'conv1Filters',
  'conv2Filters',
  'kernelSize',
  'poolSize',
  'denseUnits',
] as const;

const CONFIG_KEY_TYPES: Record<string, string[]> = {
  activation: ['string'],
  activations: ['string', 'array'],
  schedule: ['string'],
  seeds: ['string', 'number', 'array'],
  arch: ['object'],
  optimizer: ['string'],
  lr: ['number'],
  epochs: ['number'],
  batchSize: ['number'],
  seed: ['number'],
  limit: ['number', 'null'],
  resize: ['string'],
  dataDir: ['string', 'null'],
  averageLast: ['number'],
  loss: ['string'],
  backend: ['string'],
  engine: ['string'],
  threads: ['number', 'null'],
  description: ['string'],
  paper: ['object'],
  conv1Filters: ['number'],
  conv2Filters: ['number'],
  kernelSize: ['number'],
  poolSize: ['number'],
  denseUnits: ['number'],
};

/** Keys of a single run that a compare/sweep protocol would silently ignore. */
const SINGLE_RUN_KEYS: Record<string, string> = {
  activation: '"activations" (a list)',
  schedule: '"activations" with per-layer lists written a/b/c',
  seed: '"seeds"',
};

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Reads `--config FILE.json`; unknown keys and wrong types are refused, naming the key. */
export function readConfigFile(file: string): RawOptions {
  const data = readJsonFile(file, 'config file');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw usageError(`config file ${file} must hold a JSON object`);
  }
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (Object.hasOwn(SINGLE_RUN_KEYS, key))
      throw usageError(`config file ${file}: key "${key}" does not apply to a campaign; use ${SINGLE_RUN_KEYS[key]}`);
    const types = Object.hasOwn(CONFIG_KEY_TYPES, key) ? CONFIG_KEY_TYPES[key] : undefined;
    if (!types) throw usageError(`config file ${file}: unknown key "${key}"; valid: ${CONFIG_FILE_KEYS.join(', ')}`);
    if (!types.includes(jsonType(value))) {
      throw usageError(`config file ${file}: key "${key}" must be ${types.join(' or ')}, got ${jsonType(value)}`);
    }
    if (Array.isArray(value)) {
      const itemType = key === 'seeds' ? 'number' : 'string';
      const bad = value.find((v) => typeof v !== itemType);
      if (bad !== undefined || value.length === 0) {
        throw usageError(
          `config file ${file}: key "${key}" must be a non-empty list of ${itemType}s${bad !== undefined ? `, got ${JSON.stringify(bad)}` : ''}`,
        );
      }
    }
  }
  return data as RawOptions;
}

/** `--seeds 3` → [1,2,3]; `--seeds 1,7,42` → [1,7,42]. */
export function parseSeeds(value: unknown): number[] {
  const s = Array.isArray(value) ? value.join(',') : String(value).trim();
  if (Array.isArray(value) || s.includes(',')) {
    const items = Array.isArray(value) ? value : s.split(',');
    if (items.length === 0) throw usageError('--seeds is an empty list');
    const seeds = items.map((p) => {
      if (typeof p === 'string' && p.trim() === '') throw usageError(`--seeds has an empty item: "${s}"`);
      if (typeof p !== 'number' && typeof p !== 'string') throw usageError(`--seeds items must be integers, got ${JSON.stringify(p)}`);
      return nonNegativeInt('--seeds', p);
    });
    if (new Set(seeds).size !== seeds.length) throw usageError(`--seeds has a repeated seed: "${s}"`);
    return seeds;
  }
  const n = positiveInt('--seeds', s, 1000);
  return Array.from({ length: n }, (_, i) => i + 1);
}
