import * as cliProgress from 'cli-progress';
import { BatchProgress } from './train/trainer';
import { EpochRow } from './rundir/epochs';

export type ProgressMode = 'bar' | 'lines' | 'none';

/** A bar on a terminal, one line per epoch in pipes and CI, nothing with --quiet. */
export function progressMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (quiet) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

export interface Progress {
  onBatch(p: BatchProgress): void;
  onEpochEnd(row: EpochRow, epochs: number): void;
  stop(): void;
}

const fmt = (x: number, d = 4) => x.toFixed(d);

/** Progress goes to stderr so that stdout carries only results (e.g. --json). */
export function createProgress(mode: ProgressMode, label: string): Progress {
  let bar: cliProgress.SingleBar | null = null;
  let barEpoch = 0;
  const line = (s: string) => process.stderr.write(s + '\n');
  return {
    onBatch(p) {
      if (mode !== 'bar') return;
      if (!bar || barEpoch !== p.epoch) {
        bar?.stop();
        bar = new cliProgress.SingleBar({
          format: `${label} epoch ${p.epoch} [{bar}] {value}/{total} loss {loss} acc {acc} eta {eta_formatted}`,
          stream: process.stderr, hideCursor: true, clearOnComplete: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(p.batches, 0, { loss: '-', acc: '-' });
        barEpoch = p.epoch;
      }
      bar.update(p.batch, { loss: fmt(p.loss), acc: fmt(p.accuracy) });
    },
    onEpochEnd(row, epochs) {
      if (mode === 'none') return;
      bar?.stop();
      bar = null;
      line(`${label} epoch ${row.epoch}/${epochs}  train loss ${fmt(row.train_loss)} acc ${fmt(row.train_accuracy)}  ` +
        `test loss ${fmt(row.test_loss)} acc ${fmt(row.test_accuracy)}  ${row.seconds.toFixed(row.seconds < 10 ? 2 : 1)}s`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
