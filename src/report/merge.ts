/**
 * `lenet merge`: combines shard outputs of a sweep (or any campaigns of one protocol) into one folder
 * whose table and heatmap equal those of an unsharded run. Runs are copied to OUT/<label>/seed-<n>/;
 * they must share one protocol (rundir/protocol's rule: configuration, backend that ran, data).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../errors';
import { collectRuns, RunData } from './runs';
import { compareActivations, parseScheduleSpec } from '../model/activations';
import { campaignFileOf, CampaignCell, CampaignKind, readCampaignFile, writeCampaignFile } from '../rundir/campaign-file';
import { METRIC_NAMES } from '../rundir/epochs';
import { cellDir } from '../rundir/layout';
import { lockFolder } from '../rundir/lock';
import { describeDifferences, Protocol, protocolDifferences, protocolOf, stableJson } from '../rundir/protocol';
import { readSummary, RunSummary, SUMMARY_FILE } from '../rundir/summary';
import { writeCharts, writeHeatmap } from './plot';
import { ComparisonRow, writeComparison } from './comparison';
import { SweepRow, writeSweepTable } from './sweep-table';

export interface MergeResult {
  outDir: string;
  /** A merge of comparison shards is a comparison (comparison.md, charts); anything else a sweep (sweep.md, heatmap). */
  kind: CampaignKind;
  /** The table written: comparison.md or sweep.md. */
  table: string;
  runs: number;
  copied: number;
  schedules: string[];
  seeds: number[];
  /** Cells of schedules × seeds that no input had. */
  missing: string[];
  warnings: string[];
  rows: SweepRow[] | ComparisonRow[];
  files: string[];
}

/** A summary's results, wall-clock time left out: two runs of one cell agree when these do. */
function resultsOf(s: RunSummary): string {
  const final = Object.fromEntries(METRIC_NAMES.filter((m) => m !== 'seconds').map((m) => [m, s.final[m]]));
  return stableJson({ ...s, final, seconds_per_epoch: null, backend: null });
}

/** Two copies of one cell hold the same results when every epoch's numbers (seconds aside) agree. */
function sameResults(a: RunData, b: RunData): boolean {
  const rows = (r: RunData) => stableJson(r.epochs.map((e) => ({ ...e, seconds: null })));
  return resultsOf(a.summary) === resultsOf(b.summary) && rows(a) === rows(b);
}

export async function mergeSweeps(inputs: readonly string[], outDir: string): Promise<MergeResult> {
  if (inputs.length === 0) throw usageError('merge needs at least one folder to merge');
  const outAbs = path.resolve(outDir);
  const cells = new Map<string, RunData>();
  const warnings: string[] = [];
  let reference: { run: RunData; protocol: Protocol } | null = null;
  // The whole grid the shards came from, where their comparison.json records it; a merge of
  // comparison shards stays a comparison (its table, its schedules in the order they were listed).
  const grid: MergeGrid = { kind: 'sweep', schedules: new Map(), seeds: new Set() };
  const campaigns = inputs.map((input) => readCampaignFile(input));
  if (campaigns.length > 0 && campaigns.every((c) => c?.kind === 'comparison')) grid.kind = 'comparison';
  for (const c of campaigns) {
    for (const label of c?.grid?.schedules ?? (grid.kind === 'comparison' ? (c?.schedules ?? []) : [])) {
      if (!grid.schedules.has(label)) grid.schedules.set(label, parseScheduleSpec(label));
    }
    for (const seed of c?.grid?.seeds ?? []) grid.seeds.add(seed);
  }
  for (const input of inputs) {
    const c = collectRuns(input);
    warnings.push(...c.warnings.filter((w) => !w.startsWith('runs differ in protocol')));
    for (const run of c.runs) {
      if (run.config === null) throw runtimeError(`cannot merge ${run.dir}: no config.json with its protocol`);
      const protocol = protocolOf(run.config);
      if (reference === null) reference = { run, protocol };
      const diff = protocolDifferences(reference.protocol, protocol);
      if (diff.length > 0) {
        throw runtimeError(`cannot merge: ${reference.run.dir} and ${run.dir} differ in protocol (${describeDifferences(diff)})`);
      }
      const key = cellDir(run.summary.schedule, run.summary.seed);
      const seen = cells.get(key);
      if (seen) {
        if (fs.realpathSync(seen.dir) === fs.realpathSync(run.dir) || sameResults(seen, run)) continue;
        throw runtimeError(
          `cannot merge: ${run.summary.schedule} seed ${run.summary.seed} is in both ${seen.dir} and ${run.dir}, with different results`,
        );
      }
      cells.set(key, run);
    }
  }

  // Copy every run to its place under OUT (in place when it is already there).
  let copied = 0;
  try {
    fs.mkdirSync(outAbs, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lock = lockFolder(outAbs, 'lenet merge');
  try {
    copied = copyCells(cells, outAbs, outDir);
    return await writeMerged(outAbs, outDir, cells, grid, warnings, copied);
  } finally {
    lock.release();
  }
}

/** Copies every run to its place under OUT (in place when it is already there); returns how many were copied. */
function copyCells(cells: Map<string, RunData>, outAbs: string, outDir: string): number {
  let copied = 0;
  try {
    for (const [key, run] of cells) {
      const dest = path.join(outAbs, key);
      if (fs.existsSync(dest) && fs.realpathSync(run.dir) === fs.realpathSync(dest)) continue;
      if (fs.existsSync(path.join(dest, SUMMARY_FILE))) {
        if (resultsOf(readSummary(path.join(dest, SUMMARY_FILE))) === resultsOf(run.summary)) continue;
        throw runtimeError(`cannot merge: ${dest} already holds a different run of ${run.summary.schedule} seed ${run.summary.seed}`);
      }
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      // Into a temporary beside the destination, then renamed: a merge killed mid-copy leaves no half run.
      const tmp = `${dest}.${process.pid}.partial`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.cpSync(run.dir, tmp, { recursive: true, dereference: true, filter: (src) => !path.basename(src).startsWith('.lenet') });
      fs.renameSync(tmp, dest);
      copied++;
    }
  } catch (err) {
    if (err instanceof Error && err.name === 'LenetError') throw err;
    throw runtimeError(`cannot copy runs into ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return copied;
}

/** The campaign the inputs belong to: its kind, every schedule (label → activations) and seed. */
interface MergeGrid {
  kind: CampaignKind;
  schedules: Map<string, string[]>;
  seeds: Set<number>;
}

async function writeMerged(
  outAbs: string,
  outDir: string,
  cells: Map<string, RunData>,
  grid: MergeGrid,
  warnings: string[],
  copied: number,
): Promise<MergeResult> {
  // comparison.json in the fixed order: a sweep's schedules by activation per layer, a comparison's
  // as listed; then seeds.
  const runs = [...cells.values()];
  const labels = new Map<string, string[]>(grid.schedules);
  for (const r of runs) if (!labels.has(r.summary.schedule)) labels.set(r.summary.schedule, r.summary.activations);
  const byGrid = [...labels.entries()].map(([label, activations]) => ({ label, activations }));
  const schedules = (grid.kind === 'sweep' ? byGrid.sort((a, b) => compareActivations(a, b)) : byGrid).map((x) => x.label);
  const seeds = [...new Set([...grid.seeds, ...runs.map((r) => r.summary.seed)])].sort((a, b) => a - b);
  const missing: string[] = [];
  const listed: CampaignCell[] = [];
  for (const s of schedules) {
    for (const seed of seeds) {
      const key = cellDir(s, seed);
      if (cells.has(key)) listed.push({ schedule: s, seed, dir: key });
      else missing.push(`${s} seed ${seed}`);
    }
  }
  writeCampaignFile(outAbs, { ...campaignFileOf(grid.kind, listed), schedules, seeds });

  const incomplete = runs.filter((r) => !r.summary.complete);
  if (incomplete.length > 0) {
    warnings.push(
      `${incomplete.length} run(s) did not finish all epochs (${incomplete
        .slice(0, 3)
        .map((r) => `${r.summary.schedule} seed ${r.summary.seed}`)
        .join(', ')}${incomplete.length > 3 ? ', ...' : ''}); rerun their shard's lenet sweep to finish them`,
    );
  }
  const merged = collectRuns(outAbs);
  const result = {
    outDir,
    kind: grid.kind,
    runs: runs.length,
    copied,
    schedules,
    seeds,
    missing,
    warnings: [...warnings, ...merged.warnings],
  };
  if (grid.kind === 'comparison') {
    const rows = writeComparison(outAbs, merged.groups);
    const { files } = await writeCharts(outAbs, merged.groups);
    return {
      ...result,
      table: path.join(outAbs, 'comparison.md'),
      rows,
      files: [path.join(outAbs, 'comparison.csv'), path.join(outAbs, 'comparison.md'), ...files],
    };
  }
  const { rows, files } = writeSweepTable(outAbs, merged.groups);
  files.push(...(await writeHeatmap(outAbs, merged.groups)).files);
  return { ...result, table: path.join(outAbs, 'sweep.md'), rows, files };
}
