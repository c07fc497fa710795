import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawOptions, resolveTrainConfig, TrainConfig } from '../config';
import { usageError } from '../errors';
import { loadMnist, MnistData } from '../data/mnist';
import { hashDataFiles } from '../data/identity';
import { selectBackend } from '../backend/index';
import { progressMode } from '../progress';
import { addToCampaignFile, CampaignKind } from '../rundir/campaign-file';
import { checkOutDir, CHECKPOINT_FILE, createOutDir } from '../rundir/layout';
import { lockFolder } from '../rundir/lock';
import { MANIFEST_FILE, readManifest } from '../rundir/manifest';
import { describeDifferences, protocolDifferences, protocolOf } from '../rundir/protocol';
import { readCompleteSummary, RunSummary } from '../rundir/summary';
import { GridCell, Shard } from './grid';
import { runTraining } from './run';

export interface GridOptions {
  kind: CampaignKind;
  cells: GridCell[];
  /** Training options shared by every cell (schedule and seed are set per cell). */
  base: RawOptions;
  outDir: string;
  quiet: boolean;
  json: boolean;
  /** For a shard: which one (its lock is its own, so shards may share a folder) and the whole grid it belongs to. */
  shard?: Shard;
  grid?: { schedules: string[]; seeds: number[] };
  /** Polled between batches; true stops the campaign after saving the current run's last epoch. */
  shouldStop?: () => boolean;
}

export interface GridResult {
  cell: GridCell;
  summary: RunSummary;
  skipped: boolean;
}

/**
 * Refuses to mix runs of another protocol into a campaign folder (rundir/protocol's one rule): the
 * configuration, the backend that will run, and the data by SHA-256.
 */
function checkSameProtocol(cellFolder: string, config: TrainConfig, backend: string, data: ReturnType<typeof hashDataFiles>): void {
  if (!fs.existsSync(path.join(cellFolder, MANIFEST_FILE))) return; // nothing was trained there
  const saved = protocolOf(readManifest(cellFolder));
  const now = protocolOf({ config, backend: { name: backend }, data: { files: data } });
  const diff = protocolDifferences(saved, now);
  if (diff.length > 0) {
    throw usageError(`${cellFolder} holds a run of another protocol (${describeDifferences(diff, ['there', 'now'])}); choose another --out`);
  }
}

/**
 * Trains every cell in order, loading MNIST once. A cell whose summary says complete is skipped;
 * one that was interrupted resumes from its checkpoint; a stop request ends the campaign early
 * (the results so far are returned, `stopped` tells). The campaign folder is locked throughout
 * (a shard's lock is its own), and each cell's folder while it trains.
 */
export async function runGrid(opts: GridOptions): Promise<GridResult[] & { stopped?: boolean }> {
  // Every check that can refuse the campaign comes before anything is written.
  const configs = opts.cells.map((cell) => resolveTrainConfig({ ...opts.base, activation: undefined, schedule: cell.schedule.join(','), seed: cell.seed }));
  checkOutDir(opts.outDir, false, 'campaign');
  if (configs.length > 0) {
    const backend = await selectBackend(configs[0].backend, configs[0].threads);
    const data = hashDataFiles(configs[0].dataDir ?? undefined);
    opts.cells.forEach((cell, i) => checkSameProtocol(path.join(opts.outDir, cell.dir), configs[i], backend.name, data));
  }
  createOutDir(opts.outDir);
  const lockName = opts.shard && opts.shard.n > 1 ? `.lenet-shard-${opts.shard.k}-of-${opts.shard.n}.lock` : undefined;
  const lock = lockFolder(opts.outDir, `lenet ${opts.kind === 'sweep' ? 'sweep' : 'compare'}`, lockName);
  try {
    await addToCampaignFile(opts.outDir, opts.kind, opts.cells.map((c) => ({ schedule: c.label, seed: c.seed, dir: c.dir })), opts.grid);
    return await trainCells(opts, configs);
  } finally {
    lock.release();
  }
}

async function trainCells(opts: GridOptions, configs: TrainConfig[]): Promise<GridResult[] & { stopped?: boolean }> {
  const results: GridResult[] & { stopped?: boolean } = [];
  // Cells differ only in schedule and seed, so one load serves them all.
  let data: MnistData | null = null;
  for (let i = 0; i < opts.cells.length; i++) {
    const cell = opts.cells[i];
    const dir = path.join(opts.outDir, cell.dir);
    const done = readCompleteSummary(dir);
    if (done) {
      results.push({ cell, summary: done, skipped: true });
      if (!opts.quiet && !opts.json) process.stderr.write(`lenet: ${cell.label} seed ${cell.seed} already done, skipped\n`);
      continue;
    }
    const config = configs[i];
    data ??= loadMnist({ dataDir: config.dataDir ?? undefined, resize: config.resize, size: config.imageSize, limit: config.limit ?? undefined });
    const resume = fs.existsSync(path.join(dir, CHECKPOINT_FILE));
    const outcome = await runTraining(config, {
      outDir: dir, force: true, resume, progress: progressMode(opts.quiet || opts.json),
      label: `[${i + 1}/${opts.cells.length}] ${cell.label} seed ${cell.seed}`, shouldStop: opts.shouldStop,
    }, data);
    if (outcome.stopped) {
      results.stopped = true;
      return results;
    }
    results.push({ cell, summary: outcome.summary, skipped: false });
  }
  return results;
}
