/**
 * One cell of a campaign, trained into its folder: the same steps whether the campaign trains its
 * cells one by one in this process or side by side in worker processes (--jobs), so both give the
 * same files, bit for bit.
 */
import { TrainConfig } from '../options/types';
import { loadMnist, MnistData, mnistOptionsOf } from '../data/mnist';
import { RunSharing } from '../rundir/manifest';
import type { RunEvent } from './events';
import { Cell } from './grid';
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

/**
 * A cell to train: the campaign's Cell with what training it needs. The same object whether the
 * cell trains in this process or is handed to a --jobs worker (it crosses the IPC channel as is).
 */
export interface CellJob {
  cell: Cell;
  /** Its place in the campaign (0-based), of `of` cells. */
  index: number;
  of: number;
  /** Its resolved options: the campaign's, its variant's levels, its schedule and seed. */
  config: TrainConfig;
  /** The cell's own folder (the campaign folder joined with cell.dir). */
  dir: string;
  /** What else the campaign trains at the same time (config.json's attempts record it). */
  sharing: RunSharing;
}

/** Trains a cell into its folder, resuming from its checkpoint when an earlier attempt left one. */
export async function trainCell(
  job: CellJob,
  data: MnistCache,
  onEvent?: (e: RunEvent) => void,
  shouldStop?: () => boolean,
  say?: Say,
): Promise<RunOutcome> {
  const resume = runState(job.dir).kind === 'resume';
  return runTraining(
    job.config,
    {
      outDir: job.dir,
      force: true,
      resume,
      onEvent,
      label: `[${job.index + 1}/${job.of}] ${job.cell.name}`,
      shouldStop,
      sharing: job.sharing,
      say,
    },
    data.get(job.config),
  );
}
