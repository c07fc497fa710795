/**
 * Shard folders as `lenet sweep --shard K/N` leaves them, written without training: the merge tests
 * (in-process and e2e) start from these.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gridCells, gridSchedules, shardCells } from '../src/train/grid';
import { optionValue } from '../src/options/parse';
import { tempDir } from './harness/tmp';
import { cellPath, FakeRun, writeComparisonDir } from './report-fixtures';

/** The cells of {tanh,relu}³ × seed 1 (8 cells), each finished after 2 epochs. */
export function cells(): FakeRun[] {
  return gridCells(gridSchedules(optionValue('grid', 'tanh,relu')), [1]).map((c, i) => ({
    label: c.label,
    seed: c.seed,
    averageLast: 1,
    trainLoss: [1.5, 0.2 + i / 50],
  }));
}
export const GRID = { schedules: [...new Set(cells().map((c) => c.label))], seeds: [1] };

/** An unfinished run of a cell: 1 of its 2 epochs. */
export const unfinished = (r: FakeRun, epochs = 1): FakeRun => ({
  ...r,
  trainLoss: r.trainLoss.slice(0, epochs),
  complete: false,
  config: { epochs: 2 },
});

/** Shard K of N as `lenet sweep --shard K/N` leaves it: its cells, and its comparison.json listing them and the whole grid. */
export function shardDir(k: number, n: number, change: (r: FakeRun, i: number) => FakeRun | null = (r) => r): string {
  const dir = tempDir(`lenet-shard-${k}of${n}-`);
  const mine = shardCells(cells(), { k, n });
  const runs = mine.map(change).filter((r): r is FakeRun => r !== null);
  writeComparisonDir(dir, runs, 'sweep');
  const file = path.join(dir, 'comparison.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8'));
  c.runs = mine.map((r) => ({ schedule: r.label, seed: r.seed, dir: cellPath(r.label, r.seed) }));
  c.grid = GRID;
  fs.writeFileSync(file, JSON.stringify(c));
  return dir;
}

export const summaryOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
