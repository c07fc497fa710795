import * as path from 'node:path';
import { TrainConfig } from '../config';
import { averageLastEpochs, EpochRow, METRIC_NAMES } from '../train/metrics';
import { RunSummary } from '../train/summary-types';
import { writeFileAtomic, writeJsonAtomic } from './files';

export function buildSummary(config: TrainConfig, backend: string, rows: EpochRow[], complete: boolean): RunSummary {
  const final = averageLastEpochs(rows, config.averageLast);
  return {
    schedule: config.scheduleLabel,
    activations: [...config.schedule],
    seed: config.seed,
    loss: config.loss,
    backend,
    epochs_planned: config.epochs,
    epochs_run: rows.length === 0 ? 0 : rows[rows.length - 1].epoch,
    average_last: Math.min(config.averageLast, rows.length),
    complete,
    final,
    seconds_per_epoch: rows.reduce((s, r) => s + r.seconds, 0) / rows.length,
  };
}

const SUMMARY_CSV_COLUMNS = ['schedule', 'seed', 'epochs_run', 'average_last', 'complete', ...METRIC_NAMES.map((m) => `final_${m}`), 'seconds_per_epoch'];

/** summary.json and summary.csv, each written atomically. */
export function writeSummary(dir: string, summary: RunSummary): void {
  writeJsonAtomic(path.join(dir, 'summary.json'), summary);
  const values = [
    JSON.stringify(summary.schedule), summary.seed, summary.epochs_run, summary.average_last, summary.complete,
    ...METRIC_NAMES.map((m) => Number(summary.final[m].toPrecision(8))), Number(summary.seconds_per_epoch.toPrecision(6)),
  ];
  writeFileAtomic(path.join(dir, 'summary.csv'), SUMMARY_CSV_COLUMNS.join(',') + '\n' + values.join(',') + '\n');
}
