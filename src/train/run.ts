import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TrainConfig } from '../config';
import { runtimeError, usageError } from '../errors';
import { loadMnist, MnistData } from '../data/mnist';
import { buildLenet } from '../model/lenet';
import { saveModel } from '../model/io';
import { selectBackend, describeNative } from '../backend/index';
import { EpochCsv } from '../report/csv';
import { readEpochsCsv } from '../report/runs';
import { buildSummary, writeSummary } from '../report/summary';
import { writeJsonAtomic } from '../report/files';
import { createProgress, ProgressMode } from '../progress';
import { createOptimizer } from './optimizer';
import { saveCheckpoint, readCheckpoint, restoreCheckpoint } from './checkpoint';
import { EpochRow } from './metrics';
import { Rng } from './rng';
import { trainModel, TrainerState } from './trainer';
import { RunSummary } from './summary-types';

export const CHECKPOINT_FILE = 'checkpoint.bin';

export interface RunOptions {
  outDir: string;
  force: boolean;
  progress: ProgressMode;
  /** Label in progress lines, e.g. "tanh-relu seed 1". */
  label?: string;
  /** Continue this run from its checkpoint instead of starting fresh. */
  resume?: boolean;
  /** Rows already in epochs.csv that the checkpoint covers (resume only). */
  shouldStop?: () => boolean;
}

export interface RunOutcome {
  summary: RunSummary;
  rows: EpochRow[];
  stopped: boolean;
}

/** The files a run writes; --force removes an earlier run's before a new one starts. */
const RUN_FILES = ['epochs.csv', 'summary.json', 'summary.csv', 'config.json', CHECKPOINT_FILE, 'model'];

function clearRunFiles(dir: string): void {
  for (const f of RUN_FILES) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  removeStaleTemporaries(dir);
}

/** Half-written files of a process that was killed mid-write (see writeFileAtomic). */
function removeStaleTemporaries(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (f.startsWith('.') && f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
}

/** The summary of a run folder whose training finished, or null (absent, unreadable or incomplete). */
export function readCompleteSummary(dir: string): RunSummary | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
    return s.complete ? s : null;
  } catch {
    return null;
  }
}

/** UTC timestamp for default output folders: 20261128T174832Z. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Refuses an existing non-empty output folder unless --force; checks it can be written. */
export function checkOutDir(dir: string, force: boolean): void {
  if (fs.existsSync(dir)) {
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) throw usageError(`--out ${dir} exists and is not a directory`);
    if (fs.readdirSync(dir).length > 0 && !force) {
      throw usageError(`output directory ${dir} exists and is not empty (use --force to overwrite, or --resume ${dir} to continue)`);
    }
  }
}

/** Creates the output folder and checks it can be written. */
export function createOutDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw runtimeError(`cannot write to output directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** config.json: the resolved options plus everything needed to reproduce the run. */
export function runManifest(config: TrainConfig, backend: string, threads: number | null, data: MnistData) {
  const native = backend === 'native' ? describeNative() : null;
  return {
    config,
    backend: { name: backend, threads, simd: native?.simd ?? null, cpuFeatures: native?.features ?? [] },
    data: { source: data.source, files: data.files, trainCount: data.train.count, testCount: data.test.count, size: data.size },
    versions: { lenet: packageVersion(), tfjs: tf.version.tfjs, node: process.version },
    machine: { platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' },
    created: new Date().toISOString(),
  };
}

/**
 * One training run, start to finish, into options.outDir: config.json, epochs.csv (row by row),
 * checkpoint.bin (each epoch), model/, summary.json and summary.csv. `data` lets a campaign
 * load MNIST once for many runs.
 */
export async function runTraining(config: TrainConfig, options: RunOptions, data?: MnistData): Promise<RunOutcome> {
  const dir = options.outDir;
  // Every check that can refuse the run comes before anything is written.
  if (!options.resume) checkOutDir(dir, options.force);
  const backend = await selectBackend(config.backend, config.threads);
  if (backend.note && options.progress !== 'none') process.stderr.write(`lenet: ${backend.note}\n`);
  const mnist = data ?? loadMnist({ dataDir: config.dataDir ?? undefined, resize: config.resize, size: config.imageSize, limit: config.limit ?? undefined });
  if (!options.resume) {
    createOutDir(dir);
    clearRunFiles(dir);
  }

  const model = buildLenet(config.arch, config.schedule, config.imageSize, config.seed);
  const optimizer = createOptimizer(config.optimizer, config.learningRate, backend.name);
  let start: TrainerState = { epoch: 0, rngState: new Rng(config.seed).state };
  const checkpointFile = path.join(dir, CHECKPOINT_FILE);
  let previousRows: EpochRow[] = [];
  if (options.resume) removeStaleTemporaries(dir);
  if (options.resume && fs.existsSync(checkpointFile)) {
    const ckpt = readCheckpoint(checkpointFile);
    const csvRows = readEpochsCsv(path.join(dir, 'epochs.csv'), ckpt.state.epoch);
    if (ckpt.state.epoch > config.epochs || csvRows.length < ckpt.state.epoch) {
      tf.dispose([...ckpt.model, ...ckpt.optimizer.map((e) => e.tensor), ...ckpt.extra.map((e) => e.tensor)]);
      throw runtimeError(`cannot resume ${dir}: its checkpoint (epoch ${ckpt.state.epoch}) does not match epochs.csv (${csvRows.length} epochs) and config.json (${config.epochs} epochs)`);
    }
    await restoreCheckpoint(ckpt, model, optimizer);
    start = ckpt.state;
    previousRows = csvRows.slice(0, start.epoch);
  } else {
    writeJsonAtomic(path.join(dir, 'config.json'), runManifest(config, backend.name, backend.threads, mnist));
  }
  const csv = new EpochCsv(path.join(dir, 'epochs.csv'), start.epoch);

  const label = options.label ?? config.scheduleLabel;
  const progress = createProgress(options.progress, label);
  let result;
  try {
    result = await trainModel(model, optimizer, mnist.train, mnist.test, {
      epochs: config.epochs, batchSize: config.batchSize, loss: config.loss, imageSize: config.imageSize,
    }, start, {
      onBatch: (p) => progress.onBatch(p),
      onEpochEnd: async (row, state) => {
        await csv.append(row);
        await saveCheckpoint(checkpointFile, model, optimizer, state);
        progress.onEpochEnd(row, config.epochs);
      },
      shouldStop: options.shouldStop,
    });
  } finally {
    progress.stop();
  }

  const rows = [...previousRows, ...result.rows];
  const complete = !result.stopped && rows.length > 0 && rows[rows.length - 1].epoch === config.epochs;
  if (complete) await saveModel(model, path.join(dir, 'model'));
  const summary = rows.length > 0 ? buildSummary(config, backend.name, rows, complete) : null;
  if (summary) writeSummary(dir, summary);

  model.dispose();
  optimizer.dispose();
  if (!summary) return { summary: buildSummaryPlaceholder(config, backend.name), rows, stopped: true };
  return { summary, rows, stopped: result.stopped };
}

/** A run stopped before its first epoch has no means; its summary says so. */
function buildSummaryPlaceholder(config: TrainConfig, backend: string): RunSummary {
  const nan = Number.NaN;
  return {
    schedule: config.scheduleLabel, activations: [...config.schedule], seed: config.seed, loss: config.loss, backend,
    epochs_planned: config.epochs, epochs_run: 0, average_last: 0, complete: false,
    final: { train_loss: nan, train_accuracy: nan, test_loss: nan, test_accuracy: nan, seconds: nan, train_paper_loss: nan, test_paper_loss: nan },
    seconds_per_epoch: nan,
  };
}
