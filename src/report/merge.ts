/**
 * `lenet merge`: combines shard outputs of a sweep (or any campaigns of one protocol) into one folder
 * whose table and heatmap equal those of an unsharded run. Runs are copied to OUT/<label>/seed-<n>/;
 * their protocols (config.json minus seed and schedule, and the machine-local dataDir and threads)
 * must agree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../errors';
import { collectRuns, compareActivations, protocolDifferences, protocolOf, readComparisonFile, RunData, stableJson } from './runs';
import { parseScheduleSpec } from '../model/activations';
import { writeHeatmap } from './plot';
import { SweepRow, sweepCellDir, writeSweepTable } from './sweep-table';

/** Config keys that may differ between shards: what varies per cell, and what is local to a machine. */
export const MERGE_IGNORED_KEYS = ['seed', 'schedule', 'scheduleLabel', 'dataDir', 'threads'];

export interface MergeResult {
  outDir: string;
  runs: number;
  copied: number;
  schedules: string[];
  seeds: number[];
  /** Cells of schedules × seeds that no input had. */
  missing: string[];
  warnings: string[];
  rows: SweepRow[];
  files: string[];
}

function describe(v: unknown): string {
  const s = stableJson(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function sameSummary(a: RunData, b: RunData): boolean {
  return stableJson(a.summary) === stableJson(b.summary);
}

export async function mergeSweeps(inputs: readonly string[], outDir: string): Promise<MergeResult> {
  if (inputs.length === 0) throw usageError('merge needs at least one folder to merge');
  const outAbs = path.resolve(outDir);
  const cells = new Map<string, RunData>();
  const warnings: string[] = [];
  let reference: { run: RunData; protocol: Record<string, unknown> } | null = null;
  // The whole grid the shards came from, where their comparison.json records it.
  const gridSchedules = new Map<string, string[]>();
  const gridSeeds = new Set<number>();
  for (const input of inputs) {
    const grid = readComparisonFile(input)?.grid;
    if (!grid) continue;
    for (const label of grid.schedules) gridSchedules.set(label, parseScheduleSpec(label));
    for (const seed of grid.seeds) gridSeeds.add(seed);
  }
  for (const input of inputs) {
    const c = collectRuns(input);
    warnings.push(...c.warnings.filter((w) => !w.startsWith('runs differ in protocol')));
    for (const run of c.runs) {
      const protocol = protocolOf(run, MERGE_IGNORED_KEYS);
      if (protocol === null) throw runtimeError(`cannot merge ${run.dir}: no config.json with its protocol`);
      if (reference === null) reference = { run, protocol };
      const diff = protocolDifferences(reference.protocol, protocol);
      if (diff.length > 0) {
        const k = diff[0];
        throw runtimeError(`cannot merge: ${reference.run.dir} and ${run.dir} differ in protocol (${k}: ${describe(reference.protocol[k])} vs ${describe(protocol[k])}${diff.length > 1 ? `, and ${diff.length - 1} more` : ''})`);
      }
      const key = sweepCellDir(run.summary.schedule, run.summary.seed);
      const seen = cells.get(key);
      if (seen) {
        if (path.resolve(seen.dir) === path.resolve(run.dir) || sameSummary(seen, run)) continue;
        throw runtimeError(`cannot merge: ${run.summary.schedule} seed ${run.summary.seed} is in both ${seen.dir} and ${run.dir}, with different results`);
      }
      cells.set(key, run);
    }
  }

  // Copy every run to its place under OUT (in place when it is already there).
  let copied = 0;
  try {
    fs.mkdirSync(outAbs, { recursive: true });
    for (const [key, run] of cells) {
      const dest = path.join(outAbs, key);
      if (path.resolve(run.dir) === dest) continue;
      if (fs.existsSync(path.join(dest, 'summary.json'))) {
        const existing = JSON.parse(fs.readFileSync(path.join(dest, 'summary.json'), 'utf8'));
        if (stableJson(existing) === stableJson(run.summary)) continue;
        throw runtimeError(`cannot merge: ${dest} already holds a different run of ${run.summary.schedule} seed ${run.summary.seed}`);
      }
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.cpSync(run.dir, dest, { recursive: true });
      copied++;
    }
  } catch (err) {
    if (err instanceof Error && err.name === 'LenetError') throw err;
    throw runtimeError(`cannot copy runs into ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }

  // comparison.json in the fixed grid order: schedules by activation per layer, then seeds.
  const runs = [...cells.values()];
  const labels = new Map<string, string[]>(gridSchedules);
  for (const r of runs) labels.set(r.summary.schedule, r.summary.activations);
  const schedules = [...labels.entries()]
    .map(([label, activations]) => ({ label, activations }))
    .sort((a, b) => compareActivations(a, b))
    .map((x) => x.label);
  const seeds = [...new Set([...gridSeeds, ...runs.map((r) => r.summary.seed)])].sort((a, b) => a - b);
  const missing: string[] = [];
  const listed: Array<{ schedule: string; seed: number; dir: string }> = [];
  for (const s of schedules) {
    for (const seed of seeds) {
      const key = sweepCellDir(s, seed);
      if (cells.has(key)) listed.push({ schedule: s, seed, dir: key });
      else missing.push(`${s} seed ${seed}`);
    }
  }
  fs.writeFileSync(path.join(outAbs, 'comparison.json'), JSON.stringify({ kind: 'sweep', schedules, seeds, runs: listed }, null, 2) + '\n');

  const incomplete = runs.filter((r) => !r.summary.complete);
  if (incomplete.length > 0) {
    warnings.push(`${incomplete.length} run(s) did not finish all epochs (${incomplete.slice(0, 3).map((r) => `${r.summary.schedule} seed ${r.summary.seed}`).join(', ')}${incomplete.length > 3 ? ', ...' : ''}); rerun their shard's lenet sweep to finish them`);
  }
  const merged = collectRuns(outAbs);
  const { rows, files } = writeSweepTable(outAbs, merged.groups);
  files.push(...(await writeHeatmap(outAbs, merged.groups)).files);
  return { outDir, runs: runs.length, copied, schedules, seeds, missing, warnings: [...warnings, ...merged.warnings], rows, files };
}
