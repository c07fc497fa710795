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
