/**
 * One cell of a campaign, trained into its folder: the same steps whether the campaign trains its
 * cells one by one in this process or side by side in worker processes (--jobs), so both give the
 * same files, bit for bit.
 */
import { TrainConfig } from '../options/types';
import { loadMnist, MnistData, mnistOptionsOf } from '../data/mnist';
import { ProgressMode } from '../progress';
import { RunSharing } from '../rundir/manifest';
import { runState, runTraining, RunOutcome, Say } from './run';

/**
 * MNIST loaded once for many cells. Cells of one campaign differ only in schedule and seed, so
 * they share one data configuration; another one replaces the data held (never two copies).
 */
export class MnistCache {
  private key = '';
  private data: MnistData | null = null;

  get(config: TrainConfig): MnistData {
    const options = mnistOptionsOf(config);
    const key = JSON.stringify(options);
    if (this.data === null || key !== this.key) {
      this.data = null;
      this.data = loadMnist(options);
      this.key = key;
    }
    return this.data;
  }
}

export interface CellRun {
  config: TrainConfig;
  /** The cell's own folder. */
  dir: string;
  /** Its name in progress lines, e.g. "[3/8] relu seed 2". */
  label: string;
  /** What else the campaign trains at the same time (config.json's attempts record it). */
  sharing: RunSharing;
}

/** Trains a cell into its folder, resuming from its checkpoint when an earlier attempt left one. */
export async function trainCell(
  cell: CellRun,
  data: MnistCache,
  progress: ProgressMode,
  shouldStop?: () => boolean,
  say?: Say,
): Promise<RunOutcome> {
  const resume = runState(cell.dir).kind === 'resume';
  return runTraining(
    cell.config,
    { outDir: cell.dir, force: true, resume, progress, label: cell.label, shouldStop, sharing: cell.sharing, say },
    data.get(cell.config),
  );
}
