import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TrainConfig } from '../options/types';
import { runtimeError } from '../errors';
import { loadMnist, MnistData, mnistOptionsOf } from '../data/mnist';
import { recogniseDataset, sameDataFile } from '../data/identity';
import { buildLenet } from '../model/lenet';
import { saveModel } from './model-files';
import { selectBackend, describeNative } from '../backend/index';
import { asWritten, EPOCHS_FILE, EpochRow, EpochsWriter, readEpochsCsv } from '../rundir/epochs';
import { buildSummary, divergedEpoch, epochDivergence, readCompleteSummary, RunSummary, writeSummary } from '../rundir/summary';
import { ALONE, readManifest, recordAttempt, RunManifest, RunSharing, writeManifest } from '../rundir/manifest';
import {
  checkOutDir,
  checkOutDirContents,
  CHECKPOINT_FILE,
  clearRunFiles,
  createOutDir,
  MODEL_DIR,
  removeStaleTemporaries,
} from '../rundir/layout';
import { lockFolder } from '../rundir/lock';
import type { RunEvent } from './events';
import { createOptimizer } from './optimizer';
import { saveCheckpoint, readCheckpoint } from './checkpoint';
import { EngineName, resolveEngine, TrainingEngine, tfjsEngine } from './engine';
import { fusedEngine } from './fused-engine';
import { Rng } from './rng';
import { trainWithEngine, TrainerState } from './trainer';

export interface RunOptions {
  outDir: string;
  force: boolean;
  /** Where the run's events go (progress: batches, epochs; the backend's note): a command's display; none by default. */
  onEvent?: (e: RunEvent) => void;
  /** Its name in the divergence warning, e.g. "tanh-relu seed 1" (the schedule by default). */
  label?: string;
  /** Continue this run from its checkpoint instead of starting fresh. */
  resume?: boolean;
  /** Polled at batch boundaries; true stops after saving the last finished epoch. */
  shouldStop?: () => boolean;
  /** What else its campaign trains at the same time (recorded in config.json's attempts); alone by default. */
  sharing?: RunSharing;
  /** Where the run's notes go (the backend chosen, a divergence): the command's printer; none by default (train/ never prints). */
  say?: Say;
}

/** A line for the user; each command passes its printer (src/errors.ts). */
export type Say = (line: string) => void;

export interface RunOutcome {
  summary: RunSummary;
  rows: EpochRow[];
  stopped: boolean;
}

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Where a run folder stands: the one decision of what training does next with it, asked by
 * `train --resume`, by a campaign for each of its cells and by the run itself. `complete`: its
 * summary says so (nothing to train); `resume`: a checkpoint holds its last finished epoch;
 * `start`: nothing to continue from (epoch 1).
 */
export type RunState = { kind: 'complete'; summary: RunSummary } | { kind: 'resume' } | { kind: 'start' };

export function runState(dir: string): RunState {
  const summary = readCompleteSummary(dir);
  if (summary) return { kind: 'complete', summary };
  return fs.existsSync(path.join(dir, CHECKPOINT_FILE)) ? { kind: 'resume' } : { kind: 'start' };
}

/** config.json: the resolved options plus everything needed to reproduce (and trust) the run. */
export function buildManifest(
  config: TrainConfig,
  backend: string,
  threads: number | null,
  data: MnistData,
  engine: EngineName = 'tfjs',
): RunManifest {
  const native = backend === 'native' || engine === 'fused' ? describeNative() : null;
  return {
    config,
    backend: { name: backend, threads, simd: native?.simd ?? null, cpuFeatures: native?.features ?? [] },
    engine:
      engine === 'fused'
        ? { name: engine, threads: native?.threads ?? null, simd: native?.simd ?? null }
        : { name: engine, threads, simd: native?.simd ?? null },
    data: {
      source: data.source,
      dataset: recogniseDataset(data.files),
      dir: path.dirname(data.files[0].path),
      files: data.files,
      trainCount: data.train.count,
      testCount: data.test.count,
      size: data.size,
    },
    versions: { lenet: packageVersion(), tfjs: tf.version.tfjs, node: process.version },
    machine: { platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' },
    created: new Date().toISOString(),
  };
}

/** Refuses to go on with other data than a run started with, naming the first file that changed. */
export function checkSameData(dir: string, manifest: RunManifest, data: MnistData): void {
  const now = new Map(data.files.map((f) => [f.name, f]));
  for (const f of manifest.data.files) {
    const cur = now.get(f.name);
    if (!cur || !sameDataFile(f, cur)) {
      throw runtimeError(
        `cannot continue ${dir}: data file ${f.name} differs from the one it was trained on (${f.path}, sha256 ${f.sha256.slice(0, 12)}…; now ${cur ? `${cur.path}, sha256 ${cur.sha256.slice(0, 12)}…` : 'absent'})`,
      );
    }
  }
}

/**
 * One training run, start to finish, into options.outDir: config.json, epochs.csv (row by row),
 * checkpoint.bin (each epoch), model/, summary.json and summary.csv. The folder is locked for the
 * whole run. `data` lets a campaign load MNIST once for many runs.
 */
export async function runTraining(config: TrainConfig, options: RunOptions, data?: MnistData): Promise<RunOutcome> {
  const dir = options.outDir;
  // Every check that can refuse the run comes before anything is written.
  if (!options.resume) checkOutDir(dir, options.force);
  const backend = await selectBackend(config.backend, config.threads);
  if (backend.note) options.onEvent?.({ type: 'backend', note: backend.note });
  const mnist = data ?? loadMnist(mnistOptionsOf(config));
  if (!options.resume) createOutDir(dir);
  const lock = lockFolder(dir, options.resume ? 'lenet train --resume' : 'lenet train');
  if (lock.tookOver) options.say?.(lock.tookOver);
  try {
    if (!options.resume) checkOutDirContents(dir, options.force);
    return await trainIntoLockedFolder(config, options, mnist, backend);
  } finally {
    lock.release();
  }
}

async function trainIntoLockedFolder(
  config: TrainConfig,
  options: RunOptions,
  mnist: MnistData,
  backend: { name: string; threads: number | null },
): Promise<RunOutcome> {
  const dir = options.outDir;
  const checkpointFile = path.join(dir, CHECKPOINT_FILE);
  // (runState's rule: a checkpoint is what a run resumes from)
  const resuming = options.resume && fs.existsSync(checkpointFile);
  if (options.resume) {
    removeStaleTemporaries(dir);
    if (resuming) checkSameData(dir, readManifest(dir), mnist);
  } else {
    clearRunFiles(dir);
  }

  // a run resumes on the engine that wrote its checkpoint
  const engineName = resuming ? recordedEngine(dir) : resolveEngine(config.engine, backend.name);
  const model = buildLenet(config.arch, config.schedule, config.imageSize, config.seed, config.init ?? 'glorot-uniform');
  const optimizer = engineName === 'tfjs' ? createOptimizer(config.optimizer, config.learningRate, backend.name) : null;
  let engine: TrainingEngine;
  try {
    engine = engineName === 'tfjs' ? tfjsEngine(model, optimizer, config.loss, config.imageSize) : createFused(model, config);
  } catch (err) {
    model.dispose();
    throw err;
  }
  let start: TrainerState = { epoch: 0, rngState: new Rng(config.seed).state };
  let previousRows: EpochRow[] = [];
  if (resuming) {
    const ckpt = readCheckpoint(checkpointFile, config);
    const csvRows = readEpochsCsv(path.join(dir, EPOCHS_FILE), ckpt.state.epoch);
    if (ckpt.state.epoch > config.epochs || csvRows.length < ckpt.state.epoch) {
      model.dispose();
      optimizer?.dispose();
      throw runtimeError(
        `cannot resume ${dir}: its checkpoint (epoch ${ckpt.state.epoch}) does not match epochs.csv (${csvRows.length} epochs) and config.json (${config.epochs} epochs)`,
      );
    }
    try {
      await engine.restore(ckpt);
    } catch (err) {
      model.dispose();
      optimizer?.dispose();
      throw runtimeError(
        `cannot resume ${dir}: ${checkpointFile} does not fit this run's model (${(err as Error).message.split('\n')[0]})`,
      );
    }
    start = ckpt.state;
    previousRows = csvRows.slice(0, start.epoch);
  }
  // Where and beside what this attempt's epochs are timed: the report's (d) needs to know.
  const attempt = {
    started: new Date().toISOString(),
    afterEpoch: start.epoch,
    host: os.hostname(),
    ...(options.sharing ?? ALONE),
  };
  if (resuming) recordAttempt(dir, attempt);
  else writeManifest(dir, { ...buildManifest(config, backend.name, backend.threads, mnist, engineName), attempts: [attempt] });
  const csv = new EpochsWriter(path.join(dir, EPOCHS_FILE), previousRows);

  const label = options.label ?? config.scheduleLabel;
  const emit = options.onEvent ?? (() => {});
  let warnedDiverged = divergedEpoch(previousRows, config.loss) !== null;
  let result;
  try {
    result = await trainWithEngine(
      engine,
      mnist.train,
      mnist.test,
      {
        epochs: config.epochs,
        batchSize: config.batchSize,
        loss: config.loss,
        imageSize: config.imageSize,
        shuffle: config.shuffle,
        // the last K epochs, whose means are the run's final values
        trainEvalFrom: config.epochs - Math.min(config.averageLast, config.epochs) + 1,
      },
      start,
      {
        onBatch: (p) => emit({ type: 'batch', progress: p }),
        onEpochEnd: async (row, state) => {
          csv.append(row);
          saveCheckpoint(checkpointFile, await engine.snapshot(), state);
          emit({ type: 'epoch', row, epochs: config.epochs });
          const diverged = warnedDiverged ? null : epochDivergence(row, config.loss);
          if (diverged !== null) {
            warnedDiverged = true;
            options.say?.(
              `warning: ${label} diverged at epoch ${row.epoch} (${diverged}); reports leave it out of every ranking, gap and verdict (try a lower --lr)`,
            );
          }
        },
        shouldStop: options.shouldStop,
      },
    );
  } finally {
    emit({ type: 'end' });
  }

  // As epochs.csv holds them, where a resumed run's earlier rows come from: one summary either way.
  const rows = [...previousRows, ...result.rows.map(asWritten)];
  const complete = !result.stopped && rows.length > 0 && rows[rows.length - 1].epoch === config.epochs;
  try {
    if (complete) await saveModel(engine.model(), path.join(dir, MODEL_DIR));
  } finally {
    engine.dispose();
    model.dispose();
    optimizer?.dispose();
  }
  if (rows.length === 0) return { summary: emptySummary(config, backend.name), rows, stopped: true };
  const summary = buildSummary(config, backend.name, recogniseDataset(mnist.files), rows, complete);
  writeSummary(dir, summary);
  return { summary, rows, stopped: result.stopped };
}

/** The engine a run's checkpoint was written by (config.json; runs from before engines ran tfjs). */
function recordedEngine(dir: string): EngineName {
  const name = readManifest(dir).engine?.name ?? 'tfjs';
  if (name !== 'fused' && name !== 'tfjs') throw runtimeError(`cannot resume ${dir}: its config.json names an unknown engine "${name}"`);
  return name;
}

/** The fused engine for a run, refused with one line where the addon lacks it. */
function createFused(model: tf.LayersModel, config: TrainConfig): TrainingEngine {
  resolveEngine('fused', 'native');
  return fusedEngine(model, {
    arch: config.arch,
    schedule: config.schedule,
    imageSize: config.imageSize,
    loss: config.loss,
    optimizer: config.optimizer,
    learningRate: config.learningRate,
  });
}

/** A run stopped before its first epoch has no means; its summary (never written) says so. */
function emptySummary(config: TrainConfig, backend: string): RunSummary {
  const nan = Number.NaN;
  return {
    schedule: config.scheduleLabel,
    activations: [...config.schedule],
    seed: config.seed,
    loss: config.loss,
    backend,
    dataset: 'unknown',
    epochs_planned: config.epochs,
    epochs_run: 0,
    average_last: 0,
    complete: false,
    diverged_epoch: null,
    final: {
      train_loss: nan,
      train_accuracy: nan,
      test_loss: nan,
      test_accuracy: nan,
      seconds: nan,
      train_paper_loss: nan,
      test_paper_loss: nan,
    },
    seconds_per_epoch: nan,
  };
}
