/**
 * What a campaign trains: the cells (schedule × seed, each in its own folder) of a comparison or a
 * sweep, in a fixed order, and the shards that split them between processes or machines.
 */
import { ActivationName, Schedule, Shard } from '../options/types';
import { scheduleLabel } from '../model/activations';
import { cellDir } from '../rundir/layout';

export { Shard };

/** One run of a comparison or sweep: a schedule and a seed, in its own folder. */
export interface GridCell {
  schedule: Schedule;
  label: string;
  seed: number;
  /** Relative to the campaign folder. */
  dir: string;
}

/** All |acts|³ schedules, conv1 slowest-varying, dense fastest. */
export function gridSchedules(acts: readonly ActivationName[]): Schedule[] {
  const out: Schedule[] = [];
  for (const a of acts) for (const b of acts) for (const c of acts) out.push([a, b, c]);
  return out;
}

/** Cells in the fixed order: schedules in the order given, then seeds in the order given. */
export function gridCells(schedules: readonly Schedule[], seeds: readonly number[]): GridCell[] {
  const cells: GridCell[] = [];
  for (const s of schedules) {
    const label = scheduleLabel(s);
    for (const seed of seeds) cells.push({ schedule: [...s] as Schedule, label, seed, dir: cellDir(label, seed) });
  }
  return cells;
}

/** The cells of shard K of N: cell i belongs to shard (i mod N) + 1, so the N shards partition the grid. */
export function shardCells<T>(cells: readonly T[], shard: Shard): T[] {
  return cells.filter((_, i) => i % shard.n === shard.k - 1);
}
