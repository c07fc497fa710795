/**
 * summary.json and summary.csv: what a finished (or interrupted) run reports — the mean of each
 * metric over the last K epochs. One type, one writer, one reader.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError } from '../errors';
import { readJson, shownValue, writeFileAtomic, writeJsonAtomic } from './atomic';
import { csvText } from './csv';
import { EpochRow, METRIC_NAMES, MetricMeans } from './epochs';
import { FormatError, readFormat, stamped, withoutFormat } from './format';

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
  /** The first epoch at which the run diverged (divergedEpoch: a metric not finite, or the loss blew up), or null. */
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

/**
 * A uniform guess's cross-entropy is ln 10 ≈ 2.3026. An epoch's mean training cross-entropy above
 * twice that (p of the true class below 0.01, as a geometric mean) means the weights blew up into a
 * confidently wrong model; a model that merely failed to learn stays near ln 10.
 */
export const DIVERGED_CROSS_ENTROPY = 2 * Math.LN10;

/** The paper loss's largest value, ln(e + 9) ≈ 2.4612: all of every image's probability on a wrong class. */
export const PAPER_LOSS_MAXIMUM = Math.log(Math.E + 9);

/**
 * The same rule for `--loss paper`, whose objective lies between ln(1 + 9/e) and ln(e + 9) and is
 * ln 10 for a uniform guess. Cross-entropy (clipped at 1e-7, as Keras does) runs from ln 10 for a
 * uniform guess to 7·ln 10 for a confident error, and 2·ln 10 is a sixth of the way: the paper loss
 * diverged when it is a sixth of the way from ln 10 to its largest value, ≈ 2.3290 (a model
 * predicting one-hot is there below 13 % accuracy; a uniform guess stays at 2.3026).
 */
export const DIVERGED_PAPER_LOSS = Math.LN10 + (PAPER_LOSS_MAXIMUM - Math.LN10) / 6;

/** The training objective a run's files name ('crossentropy' when they name none: every run before --loss existed). */
export function lossOfRun(...named: unknown[]): string {
  const found = named.find((l) => typeof l === 'string');
  return typeof found === 'string' ? found : 'crossentropy';
}

/**
 * Why an epoch shows the run diverged, or null: any metric that is not a finite number (NaN,
 * ±Infinity), or a training loss that blew up — mean training cross-entropy above 2·ln 10
 * (DIVERGED_CROSS_ENTROPY), or with `--loss paper` a training paper loss above DIVERGED_PAPER_LOSS.
 * The one rule: new runs record its first epoch as diverged_epoch, and older runs are read with it.
 */
export function epochDivergence(row: EpochRow, loss: string): string | null {
  for (const m of METRIC_NAMES) if (!Number.isFinite(row[m])) return `${m} ${row[m]}`;
  if (loss === 'paper') {
    if (row.train_paper_loss > DIVERGED_PAPER_LOSS)
      return `train paper loss ${row.train_paper_loss.toFixed(4)} above ${DIVERGED_PAPER_LOSS.toFixed(4)}`;
  } else if (row.train_loss > DIVERGED_CROSS_ENTROPY) {
    return `train loss ${row.train_loss.toFixed(4)} above 2·ln 10 = ${DIVERGED_CROSS_ENTROPY.toFixed(4)}`;
  }
  return null;
}

/** The first epoch at which the run diverged (epochDivergence), or null. */
export function divergedEpoch(rows: readonly EpochRow[], loss: string = 'crossentropy'): number | null {
  return rows.find((r) => epochDivergence(r, loss) !== null)?.epoch ?? null;
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
    diverged_epoch: divergedEpoch(rows, config.loss),
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
    if (typeof s[key] !== type) throw runtimeError(`${file}: "${key}" must be a ${type}, got ${shownValue(s[key], s, key)}`);
  };
  need('schedule', 'string');
  need('seed', 'number');
  if (!Number.isSafeInteger(s.seed)) throw runtimeError(`${file}: "seed" must be a whole number, got ${shownValue(s.seed, s, 'seed')}`);
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
 * One of a format this lenet does not read (a newer lenet's, or a "format" that is not one) is an
 * error, not "unfinished": it must not be trained over and rewritten as this format.
 */
export function readCompleteSummary(dir: string): RunSummary | null {
  const file = path.join(dir, SUMMARY_FILE);
  if (!fs.existsSync(file)) return null;
  try {
    const s = readSummary(file);
    return s.complete ? s : null;
  } catch (err) {
    if (err instanceof FormatError) throw err;
    return null;
  }
}
