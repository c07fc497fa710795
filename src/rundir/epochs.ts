/** epochs.csv: one row per finished epoch. Its row type, writer and reader live here and only here. */
import { runtimeError } from '../errors';
import { READ_LIMITS, readText, writeFileAtomic } from './atomic';
import { csvText } from './csv';

export const EPOCHS_FILE = 'epochs.csv';

/** One row of epochs.csv. Plain numbers only: writers never see tensors. */
export interface EpochRow {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  test_loss: number;
  test_accuracy: number;
  seconds: number;
  /** Cross-entropy taken on already-softmaxed outputs: the metric that matches Table 2 (see README, "The paper's loss"). */
  train_paper_loss: number;
  test_paper_loss: number;
  /** The epoch's last batch, on the weights before its step (what TensorFlow's MNIST tutorial printed as "training accuracy"). */
  last_batch_accuracy?: number;
  last_batch_paper_loss?: number;
  /** The model at the epoch's end on the whole training set; measured in the last K epochs only (the ones final values average). */
  train_eval_accuracy?: number;
  train_eval_paper_loss?: number;
}

/**
 * Columns after the protocol's: other ways a paper may have measured "training accuracy" (see
 * EpochRow). Optional: files from before them lack them, and a cell is empty where an epoch did
 * not measure it. Not metrics of the divergence rule or of summary.json.
 */
export const EXTRA_COLUMNS = ['last_batch_accuracy', 'last_batch_paper_loss', 'train_eval_accuracy', 'train_eval_paper_loss'] as const;
export type ExtraColumn = (typeof EXTRA_COLUMNS)[number];

/** Column order of epochs.csv: the six of the protocol, then the paper's loss. */
export const EPOCH_COLUMNS = [
  'epoch',
  'train_loss',
  'train_accuracy',
  'test_loss',
  'test_accuracy',
  'seconds',
  'train_paper_loss',
  'test_paper_loss',
] as const;

export type MetricName = Exclude<(typeof EPOCH_COLUMNS)[number], 'epoch'>;
export const METRIC_NAMES = EPOCH_COLUMNS.filter((c) => c !== 'epoch') as MetricName[];
export type MetricMeans = Record<MetricName, number>;

/** The floor of the paper_loss columns: one-hot probabilities softmaxed again, ln(1 + 9/e). */
export const PAPER_LOSS_MINIMUM = Math.log(1 + 9 / Math.E);

/** Values a diverged run writes: they read back as the same non-finite numbers. */
const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A value as epochs.csv holds it: 8 significant digits are beyond what a run's noise can tell apart. NaN and ±Infinity stay. */
function rounded(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(8)) : v;
}

/**
 * A row as epochs.csv holds it and gives it back: what a run's summary is computed from, so that a
 * run resumed from its file and one never interrupted have the same summary, bit for bit.
 */
export function asWritten(row: EpochRow): EpochRow {
  const out = { ...row };
  for (const c of [...METRIC_NAMES, ...EXTRA_COLUMNS]) if (out[c] !== undefined) out[c] = rounded(out[c]!);
  return out;
}

/** One CSV line's cells; not measured is empty. */
function formatRow(row: EpochRow, extras: readonly ExtraColumn[]): (number | string)[] {
  const r = asWritten(row);
  const cell = (v: number | undefined) => (v === undefined ? '' : v);
  return [...EPOCH_COLUMNS.map((c) => cell(r[c])), ...extras.map((c) => cell(r[c]))];
}

/** The whole text of an epochs.csv holding these rows (written through rundir/csv, as every CSV); extra columns when a row has them. */
export function epochsCsvText(rows: readonly EpochRow[]): string {
  const extras = EXTRA_COLUMNS.filter((c) => rows.some((r) => r[c] !== undefined));
  return csvText(
    [...EPOCH_COLUMNS, ...extras],
    rows.map((r) => formatRow(r, extras)),
  );
}

/**
 * epochs.csv as a run goes: the file is rewritten atomically with every row so far as each epoch
 * ends (it is a few kilobytes), so an interrupted run keeps every finished epoch, a full disk keeps
 * the previous good file, and a resumed run lists each epoch exactly once under one header.
 */
export class EpochsWriter {
  private readonly rows: EpochRow[];
  constructor(
    readonly file: string,
    previous: readonly EpochRow[] = [],
  ) {
    this.rows = [...previous];
    writeFileAtomic(file, epochsCsvText(this.rows));
  }

  append(row: EpochRow): void {
    const rows = [...this.rows, row];
    writeFileAtomic(this.file, epochsCsvText(rows));
    this.rows.push(row);
  }
}

/**
 * Parses one epochs.csv; any problem is one runtime-error line naming the file. `maxRows` reads
 * only the first rows (a resumed run trusts the rows its checkpoint covers, and nothing after).
 * NaN and ±Infinity (a diverged run) read back as numbers.
 */
export function readEpochsCsv(file: string, maxRows = Infinity): EpochRow[] {
  const text = readText(file, READ_LIMITS.csv);
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, 1 + maxRows);
  if (lines.length === 0) throw runtimeError(`${file} is empty (expected header ${EPOCH_COLUMNS.join(',')})`);
  const header = lines[0].split(',').map((h) => h.trim());
  const missing = EPOCH_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw runtimeError(
      `${file} has a bad header: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected ${EPOCH_COLUMNS.join(',')})`,
    );
  }
  const index = EPOCH_COLUMNS.map((c) => header.indexOf(c));
  const extras = EXTRA_COLUMNS.filter((c) => header.includes(c));
  const rows: EpochRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    if (cells.length !== header.length) {
      throw runtimeError(`${file} line ${i + 1}: ${cells.length} fields, header has ${header.length}`);
    }
    const row = {} as Record<string, number>;
    EPOCH_COLUMNS.forEach((c, j) => {
      const cell = cells[index[j]].trim();
      const v = Object.hasOwn(NON_FINITE, cell) ? NON_FINITE[cell] : Number(cell);
      if (cell === '' || (Number.isNaN(v) && cell !== 'NaN') || (c === 'epoch' && !Number.isFinite(v))) {
        throw runtimeError(`${file} line ${i + 1}: ${c} is not a number: "${cell}"`);
      }
      row[c] = v;
    });
    for (const c of extras) {
      const cell = cells[header.indexOf(c)].trim();
      if (cell === '') continue; // not measured at this epoch
      const v = Object.hasOwn(NON_FINITE, cell) ? NON_FINITE[cell] : Number(cell);
      if (Number.isNaN(v) && cell !== 'NaN') throw runtimeError(`${file} line ${i + 1}: ${c} is not a number: "${cell}"`);
      row[c] = v;
    }
    const prev = rows.length > 0 ? rows[rows.length - 1].epoch : 0;
    if (!Number.isInteger(row.epoch) || row.epoch !== prev + 1) {
      throw runtimeError(`${file} line ${i + 1}: epoch ${cells[index[0]].trim()} does not follow epoch ${prev}`);
    }
    rows.push(row as unknown as EpochRow);
  }
  return rows;
}
