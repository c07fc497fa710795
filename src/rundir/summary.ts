/**
 * summary.json and summary.csv: what a finished (or interrupted) run reports — the mean of each
 * metric over the last K epochs. One type, one writer, one reader.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError } from '../errors';
import { readJson, writeFileAtomic, writeJsonAtomic } from './atomic';
import { csvText } from './csv';
import { EpochRow, METRIC_NAMES, MetricMeans } from './epochs';
import { NewerFormatError, readFormat, stamped, withoutFormat } from './format';

export const SUMMARY_FILE = 'summary.json';
export const SUMMARY_CSV_FILE = 'summary.csv';

/** Contents of summary.json. */
export interface RunSummary {
  schedule: string;
  activations: string[];
  seed: number;
  loss: string;
  backend: string;
  /** The data set trained on: 'MNIST', 'Fashion-MNIST' or 'custom' (see config.json's data). */
  dataset: string;
  epochs_planned: number;
  epochs_run: number;
  average_last: number;
  /** false when the run was interrupted before its last epoch. */
  complete: boolean;
  /** The first epoch whose training loss was NaN or infinite (the run diverged), or null. */
  diverged_epoch: number | null;
  /** Mean of each metric over the last `average_last` epochs run (NaN where the run diverged; null in the JSON). */
  final: MetricMeans;
  seconds_per_epoch: number;
}

/** What a summary is built from: the run's identity and protocol, not its tensors. */
export interface SummarySource {
  scheduleLabel: string;
  schedule: readonly string[];
  seed: number;
  loss: string;
  epochs: number;
  averageLast: number;
}

/** Mean of each metric over the last k rows (the paper's equations 18-19 with k = 3). */
export function averageLastEpochs(rows: readonly EpochRow[], k: number): MetricMeans {
  if (rows.length === 0) throw new Error('averageLastEpochs: no epochs');
  const tail = rows.slice(-Math.min(k, rows.length));
  const means = {} as MetricMeans;
  for (const name of METRIC_NAMES) means[name] = tail.reduce((s, r) => s + r[name], 0) / tail.length;
  return means;
}

/** The first epoch whose training loss is not a finite number, or null. */
export function divergedEpoch(rows: readonly EpochRow[]): number | null {
  return rows.find((r) => !Number.isFinite(r.train_loss))?.epoch ?? null;
}

export function buildSummary(
  config: SummarySource,
  backend: string,
  dataset: string,
  rows: readonly EpochRow[],
  complete: boolean,
): RunSummary {
  return {
    schedule: config.scheduleLabel,
    activations: [...config.schedule],
    seed: config.seed,
    loss: config.loss,
    backend,
    dataset,
    epochs_planned: config.epochs,
    epochs_run: rows.length === 0 ? 0 : rows[rows.length - 1].epoch,
    average_last: Math.min(config.averageLast, rows.length),
    complete,
    diverged_epoch: divergedEpoch(rows),
    final: averageLastEpochs(rows, config.averageLast),
    seconds_per_epoch: rows.reduce((s, r) => s + r.seconds, 0) / rows.length,
  };
}

const SUMMARY_CSV_COLUMNS = [
  'schedule',
  'seed',
  'epochs_run',
  'average_last',
  'complete',
  'diverged_epoch',
  ...METRIC_NAMES.map((m) => `final_${m}`),
  'seconds_per_epoch',
];

const csvNumber = (v: number, digits: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v));

/** summary.json's contents, as written (and as `train --json` prints them): this version's format first. */
export function summaryJson(summary: RunSummary): Record<string, unknown> {
  return stamped(summary);
}

/**
 * summary.json (stamped with this version's format) and summary.csv, each written atomically. JSON
 * has no NaN: a diverged metric is null.
 */
export function writeSummary(dir: string, summary: RunSummary): void {
  writeJsonAtomic(path.join(dir, SUMMARY_FILE), summaryJson(summary));
  const values = [
    summary.schedule,
    summary.seed,
    summary.epochs_run,
    summary.average_last,
    summary.complete,
    summary.diverged_epoch ?? '',
    ...METRIC_NAMES.map((m) => csvNumber(summary.final[m], 8)),
    csvNumber(summary.seconds_per_epoch, 6),
  ];
  writeFileAtomic(path.join(dir, SUMMARY_CSV_FILE), csvText(SUMMARY_CSV_COLUMNS, [values]));
}

/** A number, or null standing for the NaN JSON cannot hold. */
const numberOrNull = (v: unknown) => typeof v === 'number' || v === null;

/**
 * Parses and checks one summary.json of any format up to this lenet's (read as this format);
 * problems, a newer format included, are one runtime-error line naming the file.
 */
export function readSummary(file: string): RunSummary {
  const data = readJson(file);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw runtimeError(`${file} must hold a JSON object`);
  const s = data as Record<string, unknown>;
  readFormat(file, s);
  const need = (key: string, type: string) => {
    if (typeof s[key] !== type) throw runtimeError(`${file}: "${key}" must be a ${type}, got ${JSON.stringify(s[key]) ?? 'nothing'}`);
  };
  need('schedule', 'string');
  need('seed', 'number');
  need('complete', 'boolean');
  if (!numberOrNull(s.seconds_per_epoch)) throw runtimeError(`${file}: "seconds_per_epoch" must be a number`);
  if (!Array.isArray(s.activations) || s.activations.length !== 3 || !s.activations.every((a) => typeof a === 'string')) {
    throw runtimeError(`${file}: "activations" must be a list of 3 activation names`);
  }
  const final = s.final as Record<string, unknown> | undefined;
  if (typeof final !== 'object' || final === null) throw runtimeError(`${file}: "final" must be an object of metric means`);
  const means = {} as MetricMeans;
  for (const m of METRIC_NAMES) {
    if (!numberOrNull(final[m])) throw runtimeError(`${file}: "final.${m}" must be a number (or null for a diverged run)`);
    means[m] = final[m] === null ? Number.NaN : (final[m] as number);
  }
  return {
    ...(withoutFormat(s) as unknown as RunSummary),
    // Summaries written before diverged_epoch existed: readRun takes it from the epochs.
    diverged_epoch: typeof s.diverged_epoch === 'number' ? s.diverged_epoch : null,
    // Summaries written before the data set was recorded name none; the run's config.json does (readers prefer it).
    dataset: typeof s.dataset === 'string' ? s.dataset : 'unknown',
    final: means,
    seconds_per_epoch: s.seconds_per_epoch === null ? Number.NaN : (s.seconds_per_epoch as number),
  };
}

/**
 * The summary of a run folder whose training finished, or null (absent, unreadable or incomplete).
 * One written by a newer lenet is an error, not "unfinished": it must not be trained over.
 */
export function readCompleteSummary(dir: string): RunSummary | null {
  const file = path.join(dir, SUMMARY_FILE);
  if (!fs.existsSync(file)) return null;
  try {
    const s = readSummary(file);
    return s.complete ? s : null;
  } catch (err) {
    if (err instanceof NewerFormatError) throw err;
    return null;
  }
}
