import * as fs from 'node:fs';
import { createObjectCsvWriter } from 'csv-writer';
import { EPOCH_COLUMNS, EpochRow } from '../train/metrics';
import { writeFileAtomic } from './files';

const HEADER = EPOCH_COLUMNS.map((id) => ({ id, title: id }));

/** Rounds for the CSV: 6 significant digits are beyond what a run's noise can tell apart. */
function formatRow(row: EpochRow): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const c of EPOCH_COLUMNS) out[c] = c === 'epoch' ? row.epoch : Number(row[c].toPrecision(8));
  return out;
}

/**
 * epochs.csv, one row appended (and the file closed) as each epoch ends, so an interrupted run
 * keeps every finished epoch. Opening with `keepEpochs` keeps the first rows and drops any after
 * them, for a resumed run: each epoch appears exactly once, under one header.
 */
export class EpochCsv {
  private readonly writer;
  constructor(readonly file: string, keepEpochs = 0) {
    if (keepEpochs > 0 && fs.existsSync(file)) {
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
      writeFileAtomic(file, lines.slice(0, 1 + keepEpochs).join('\n') + '\n');
    } else {
      writeFileAtomic(file, EPOCH_COLUMNS.join(',') + '\n');
    }
    this.writer = createObjectCsvWriter({ path: file, header: HEADER, append: true });
  }

  async append(row: EpochRow): Promise<void> {
    await this.writer.writeRecords([formatRow(row)]);
  }
}

/** Reads an epochs.csv back into rows (used by resume and reports). */
export function readEpochCsv(file: string): EpochRow[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new Error(`${file} is empty`);
  const header = lines[0].split(',');
  for (const c of ['epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'seconds']) {
    if (!header.includes(c)) throw new Error(`${file} has no "${c}" column`);
  }
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new Error(`${file} line ${i + 2} has ${cells.length} fields, expected ${header.length}`);
    const row: Record<string, number> = {};
    header.forEach((h, k) => {
      const v = Number(cells[k]);
      if (cells[k] === '' || !Number.isFinite(v)) throw new Error(`${file} line ${i + 2}: "${h}" is not a number`);
      row[h] = v;
    });
    return row as unknown as EpochRow;
  });
}
