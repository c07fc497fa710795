import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawOptions, resolveTrainConfig, TrainConfig } from '../config';
import { runtimeError, usageError } from '../errors';
import { loadMnist, MnistData } from '../data/mnist';
import { Schedule } from '../model/activations';
import { progressMode } from '../progress';
import { writeJsonAtomic } from '../report/files';
import { readCompleteSummary, runTraining, CHECKPOINT_FILE } from './run';
import { RunSummary } from './summary-types';

/** One run of a comparison or sweep: a schedule and a seed, in its own folder. */
export interface GridCell {
  schedule: Schedule;
  label: string;
  seed: number;
  /** Relative to the campaign folder. */
  dir: string;
}

export function cellDir(label: string, seed: number): string {
  return `${label.replace(/,/g, '_')}/seed-${seed}`;
}

export interface GridOptions {
  kind: 'comparison' | 'sweep';
  cells: GridCell[];
  /** Training options shared by every cell (schedule and seed are set per cell). */
  base: RawOptions;
  outDir: string;
  quiet: boolean;
  json: boolean;
  /** For a sweep shard: every schedule label and seed of the whole sweep, so a merge can tell what is missing. */
  grid?: { schedules: string[]; seeds: number[] };
  /** Polled between batches; true stops the campaign after saving the current run's last epoch. */
  shouldStop?: () => boolean;
}

export interface GridResult {
  cell: GridCell;
  summary: RunSummary;
  skipped: boolean;
}

/** Options that decide what a run computes; a rerun into the same folder must keep them. */
const PROTOCOL_KEYS = ['schedule', 'seed', 'arch', 'imageSize', 'optimizer', 'learningRate', 'epochs', 'batchSize', 'limit', 'resize', 'averageLast', 'loss'] as const;

/** Refuses to mix runs of another protocol into a campaign folder. */
function checkSameProtocol(dir: string, config: TrainConfig): void {
  let saved: Partial<TrainConfig> | undefined;
  try {
    saved = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).config;
  } catch {
    return; // no config yet: nothing was trained there
  }
  if (!saved) return;
  const differ = PROTOCOL_KEYS.filter((k) => JSON.stringify(saved![k]) !== JSON.stringify(config[k]));
  if (differ.length > 0) {
    const what = differ.map((k) => `${k} ${JSON.stringify(saved![k])} there, ${JSON.stringify(config[k])} now`).join('; ');
    throw usageError(`${dir} holds a run with another protocol (${what}); choose another --out`);
  }
}

/**
 * comparison.json: the cells of this folder — those listed before (a rerun with other schedules
 * adds to them) and those of this call — and, for a sweep shard, the whole grid it belongs to.
 */
function writeCampaignFile(opts: GridOptions): void {
  const file = path.join(opts.outDir, 'comparison.json');
  type Listed = { schedule: string; seed: number; dir: string };
  let previous: Listed[] = [];
  try {
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (old.kind === opts.kind && Array.isArray(old.runs)) previous = old.runs;
  } catch {
    // absent or unreadable: this call's cells are the list
  }
  const runs = new Map<string, Listed>(previous.map((r) => [r.dir, r]));
  for (const c of opts.cells) runs.set(c.dir, { schedule: c.label, seed: c.seed, dir: c.dir });
  const listed = [...runs.values()];
  writeJsonAtomic(file, {
    kind: opts.kind,
    schedules: [...new Set(listed.map((c) => c.schedule))],
    seeds: [...new Set(listed.map((c) => c.seed))],
    runs: listed,
    ...(opts.grid ? { grid: opts.grid } : {}),
  });
}

/**
 * Trains every cell in order, loading MNIST once. A cell whose summary says complete is skipped;
 * one that was interrupted resumes from its checkpoint; a stop request ends the campaign early
 * (the results so far are returned, `stopped` tells).
 */
export async function runGrid(opts: GridOptions): Promise<GridResult[] & { stopped?: boolean }> {
  // Every check that can refuse the campaign comes before anything is written.
  const configs = opts.cells.map((cell) => resolveTrainConfig({ ...opts.base, activation: undefined, schedule: cell.schedule.join(','), seed: cell.seed }));
  opts.cells.forEach((cell, i) => checkSameProtocol(path.join(opts.outDir, cell.dir), configs[i]));
  const pending = opts.cells.some((cell) => !readCompleteSummary(path.join(opts.outDir, cell.dir)));
  // Cells differ only in schedule and seed, so one load serves them all.
  let data: MnistData | null = pending && configs.length > 0
    ? loadMnist({ dataDir: configs[0].dataDir ?? undefined, resize: configs[0].resize, size: configs[0].imageSize, limit: configs[0].limit ?? undefined })
    : null;
  try {
    fs.mkdirSync(opts.outDir, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create output directory ${opts.outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  writeCampaignFile(opts);
  const results: GridResult[] & { stopped?: boolean } = [];
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
