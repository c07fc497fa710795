import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrainConfig } from '../options/types';
import { RawOptions, resolveTrainConfig } from '../options/resolve';
import { usageError } from '../errors';
import { hashDataFiles } from '../data/identity';
import { selectBackend } from '../backend/index';
import { addToCampaignFile, CampaignKind, CampaignVary, readCampaignFile } from '../rundir/campaign-file';
import { checkCampaignOut, checkCampaignProtocol, checkSameGrid } from '../rundir/campaign-manifest';
import { checkOutDir, createOutDir } from '../rundir/layout';
import { lockFolder } from '../rundir/lock';
import { MANIFEST_FILE, readManifest, RunSharing } from '../rundir/manifest';
import { describeDifferences, Protocol, protocolDifferences, protocolOf } from '../rundir/protocol';
import { RunSummary } from '../rundir/summary';
import { Cell, cellRecord, Shard } from './grid';
import type { StopSignal } from '../signals';
import type { CampaignEvent, EventDetail } from './events';
import { CellJob, MnistCache, trainCell } from './cell';
import { runState, type Say } from './run';
import { resolveEngine } from './engine';
import { JobsPlan, machineShare, planJobs, runCellsInWorkers, WorkerUsage } from './workers';

export interface GridOptions {
  kind: CampaignKind;
  cells: Cell[];
  /** Training options shared by every cell (schedule and seed are set per cell). */
  base: RawOptions;
  outDir: string;
  /** Where the campaign's events go (the cells' progress, cells skipped, the workers' plan): the command's display. */
  onEvent?: (e: CampaignEvent) => void;
  /** Which progress events the display draws (default none): workers send per-batch messages only when it wants them. */
  detail?: EventDetail;
  /** For a shard: which one (its lock is its own, so shards may share a folder) and the whole grid it belongs to. */
  shard?: Shard;
  grid?: { schedules: string[]; seeds: number[]; variants?: string[] };
  /** sweep --vary: the options varied, their levels and design (each cell's levels are its variant). */
  vary?: CampaignVary;
  /** Polled between batches; true stops the campaign after saving the current run's last epoch. */
  shouldStop?: () => boolean;
  /** Called once every check passed and the campaign file is written, before any cell trains (the command's first line). */
  onReady?: () => void;
  /** Where a run's warnings go (a divergence): the command's printer. */
  say?: Say;
  /** --jobs: cells trained at once in worker processes; null = auto (see planJobs); 1 or absent = one by one in this process. */
  jobs?: number | null;
}

/** How a campaign ended, beside its results. */
export interface GridOutcome {
  /** A stop was requested: the cells not finished resume on a rerun. */
  stopped?: boolean;
  /** The signal a --jobs worker stopped on by itself (the campaign's exit code follows it). */
  signal?: StopSignal;
  /** Cells whose worker died or whose training failed (--jobs), while the others went on. */
  failed?: { cell: Cell; reason: string }[];
  /** The worker processes of --jobs, with the peak memory each reported. */
  workers?: WorkerUsage[];
}

export interface GridResult {
  cell: Cell;
  summary: RunSummary;
  skipped: boolean;
}

/**
 * Refuses to mix runs of another protocol into a campaign folder (rundir/protocol's one rule): the
 * configuration, the backend and engine that will run, and the data by SHA-256.
 */
function checkSameProtocol(cellFolder: string, config: TrainConfig, backend: string, data: ReturnType<typeof hashDataFiles>): void {
  if (!fs.existsSync(path.join(cellFolder, MANIFEST_FILE))) return; // nothing was trained there
  const saved = protocolOf(readManifest(cellFolder));
  const now = protocolOf({
    config,
    backend: { name: backend },
    engine: { name: resolveEngine(config.engine, backend) },
    data: { files: data },
  });
  const diff = protocolDifferences(saved, now);
  if (diff.length > 0) {
    throw usageError(
      `${cellFolder} holds a run of another protocol (${describeDifferences(diff, ['there', 'now'])}); choose another --out`,
    );
  }
}

/**
 * The engine the runs already in a campaign folder ran (a run from before engines ran tfjs), or null
 * when none was trained there. `--engine auto` goes on with it, so a rerun into a folder begun
 * before engines, or on another machine, stays one protocol (an engine asked for by name is checked
 * against the folder's runs instead).
 */
function engineInFolder(opts: GridOptions): 'fused' | 'tfjs' | null {
  for (const cell of opts.cells) {
    const dir = path.join(opts.outDir, cell.dir);
    if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) continue;
    const name = protocolOf(readManifest(dir)).engine;
    if (name === 'fused' || name === 'tfjs') return name;
  }
  return null;
}

/**
 * Trains every cell in order, loading MNIST once. A cell whose summary says complete is skipped;
 * one that was interrupted resumes from its checkpoint; a stop request ends the campaign early
 * (the results so far are returned, `stopped` tells). The campaign folder is locked throughout
 * (a shard's lock is its own), and each cell's folder while it trains. With --jobs the cells to
 * train go to worker processes side by side (train/workers.ts); a cell whose worker died or failed
 * is in `failed`, and the others go on.
 */
export async function runGrid(opts: GridOptions): Promise<GridResult[] & GridOutcome> {
  // Every check that can refuse the campaign comes before anything is written.
  let configs = opts.cells.map((cell) => resolveTrainConfig(cellOptions(opts.base, cell)));
  checkOutDir(opts.outDir, false, 'campaign');
  checkCampaignOut(opts.outDir);
  let protocol: Protocol | undefined;
  if (configs.length > 0) {
    const backend = await selectBackend(configs[0].backend, configs[0].threads);
    const ran = engineInFolder(opts);
    if (configs[0].engine === 'auto' && ran !== null && (ran === 'tfjs' || backend.name === 'native')) {
      configs = configs.map((c) => ({ ...c, engine: ran }));
    }
    const data = hashDataFiles(configs[0].dataDir ?? undefined);
    protocol = protocolOf({
      config: configs[0],
      backend: { name: backend.name },
      engine: { name: resolveEngine(configs[0].engine, backend.name) },
      data: { files: data },
    });
    // The grid's options first (a cell's folder names its variant by them), then a cell's own folder
    // (the message names it), then the campaign's manifest and other cells.
    const held = fs.existsSync(opts.outDir) ? readCampaignFile(opts.outDir) : null;
    if (held !== null) checkSameGrid(opts.outDir, held.vary, opts.vary);
    opts.cells.forEach((cell, i) => checkSameProtocol(path.join(opts.outDir, cell.dir), configs[i], backend.name, data));
    checkCampaignProtocol(opts.outDir, protocol, opts.kind, undefined, opts.vary);
  }
  createOutDir(opts.outDir);
  const lockName = opts.shard && opts.shard.n > 1 ? `.lenet-shard-${opts.shard.k}-of-${opts.shard.n}.lock` : undefined;
  const lock = lockFolder(opts.outDir, `lenet ${opts.kind === 'sweep' ? 'sweep' : 'compare'}`, lockName);
  if (lock.tookOver) opts.say?.(lock.tookOver);
  try {
    const tookOver = await addToCampaignFile(
      opts.outDir,
      opts.kind,
      opts.cells.map(cellRecord),
      opts.grid,
      undefined,
      protocol,
      // Again under the manifest's lock: a shard of another protocol may have started beside this one.
      (old) => protocol && checkCampaignProtocol(opts.outDir, protocol, opts.kind, old, opts.vary),
      opts.vary,
    );
    if (tookOver) opts.say?.(tookOver);
    opts.onReady?.();
    return await trainCells(opts, configs);
  } finally {
    lock.release();
  }
}

/** The options one cell is trained with: the campaign's, its variant's levels, its schedule and seed. */
export function cellOptions(base: RawOptions, cell: Cell): RawOptions {
  const levels = Object.fromEntries(cell.variant.map((l) => [l.key, l.value]));
  return { ...base, ...levels, activation: undefined, schedule: cell.schedule.join(','), seed: cell.seed };
}

/** What a cell's run records of its neighbours: the cells trained at once, and the shard (shards may run at once on one host). */
function sharingOf(opts: GridOptions, cellsAtOnce: number): RunSharing {
  return { cellsAtOnce, shard: opts.shard && opts.shard.n > 1 ? `${opts.shard.k}/${opts.shard.n}` : null };
}

/** Cells already complete are skipped (said once each); the rest are returned in campaign order. */
function pendingCells(opts: GridOptions, results: GridResult[]): number[] {
  const pending: number[] = [];
  opts.cells.forEach((cell, i) => {
    const state = runState(path.join(opts.outDir, cell.dir));
    if (state.kind !== 'complete') return void pending.push(i);
    results.push({ cell, summary: state.summary, skipped: true });
    opts.onEvent?.({ type: 'skipped', cell: i, of: opts.cells.length, name: cell.name });
  });
  return pending;
}

async function trainCells(opts: GridOptions, configs: TrainConfig[]): Promise<GridResult[] & GridOutcome> {
  const results: GridResult[] & GridOutcome = [];
  const pending = pendingCells(opts, results);
  const plan = planJobs({
    jobs: opts.jobs === undefined ? 1 : opts.jobs,
    threads: configs[0]?.threads ?? null,
    cells: pending.length,
    machine: machineShare(),
  });
  if (plan.jobs > 1)
    return trainInWorkers(
      opts,
      configs.map((c) => ({ ...c, threads: plan.threads })),
      pending,
      plan,
      results,
    );
  // One at a time in this process; cells differ only in schedule and seed, so one load serves them all.
  const data = new MnistCache();
  const emit = opts.onEvent ?? (() => {});
  for (const i of pending) {
    const job = jobOf(opts, i, configs[i], 1);
    emit({ type: 'cell-started', cell: i, of: opts.cells.length, name: job.cell.name, epochs: job.config.epochs });
    let finished = false;
    try {
      const outcome = await trainCell(job, data, (event) => emit({ type: 'cell', cell: i, event }), opts.shouldStop, opts.say);
      if (outcome.stopped) {
        results.stopped = true;
        break;
      }
      finished = true;
      results.push({ cell: job.cell, summary: outcome.summary, skipped: false });
    } finally {
      emit({ type: 'cell-ended', cell: i, finished });
    }
  }
  return inCampaignOrder(opts, results);
}

async function trainInWorkers(
  opts: GridOptions,
  configs: TrainConfig[],
  pending: number[],
  plan: JobsPlan,
  results: GridResult[] & GridOutcome,
): Promise<GridResult[] & GridOutcome> {
  opts.onEvent?.({ type: 'workers', cells: pending.length, jobs: plan.jobs, threads: plan.threads, reason: plan.reason });
  const pool = await runCellsInWorkers({
    jobs: plan.jobs,
    onEvent: opts.onEvent,
    detail: opts.detail ?? 'none',
    shouldStop: opts.shouldStop,
    jobsToTrain: pending.map((i) => jobOf(opts, i, configs[i], plan.jobs)),
  });
  for (const [i, summary] of pool.summaries) results.push({ cell: opts.cells[i], summary, skipped: false });
  if (pool.stopped) results.stopped = true;
  if (pool.signal) results.signal = pool.signal;
  if (pool.failed.length > 0) results.failed = pool.failed.map((f) => ({ cell: opts.cells[f.cell], reason: f.reason }));
  results.workers = pool.workers;
  return inCampaignOrder(opts, results);
}

/** Cell i as a job: its resolved options, its folder, and what trains beside it. */
function jobOf(opts: GridOptions, i: number, config: TrainConfig, cellsAtOnce: number): CellJob {
  const cell = opts.cells[i];
  return { cell, index: i, of: opts.cells.length, config, dir: path.join(opts.outDir, cell.dir), sharing: sharingOf(opts, cellsAtOnce) };
}

/** Results in the order of the campaign's cells, whatever order they finished in. */
function inCampaignOrder(opts: GridOptions, results: GridResult[] & GridOutcome): GridResult[] & GridOutcome {
  const at = new Map(opts.cells.map((c, i) => [c, i]));
  const sorted: GridResult[] & GridOutcome = [...results].sort((a, b) => at.get(a.cell)! - at.get(b.cell)!);
  for (const k of ['stopped', 'signal', 'failed', 'workers'] as const)
    if (results[k] !== undefined) Object.assign(sorted, { [k]: results[k] });
  return sorted;
}
