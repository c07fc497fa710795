/**
 * What a campaign trains: the cells (schedule × seed, each in its own folder) of a comparison or a
 * sweep, in a fixed order, and the shards that split them between processes or machines.
 */
import { usageError } from '../errors';
import { ACTIVATIONS, ActivationName, Schedule, scheduleLabel } from '../model/activations';
import { cellDir } from '../rundir/layout';

/** One run of a comparison or sweep: a schedule and a seed, in its own folder. */
export interface GridCell {
  schedule: Schedule;
  label: string;
  seed: number;
  /** Relative to the campaign folder. */
  dir: string;
}

export const DEFAULT_GRID: ActivationName[] = ['sigmoid', 'tanh', 'relu'];

/** `--grid a,b,c` → the set of activations, in ACTIVATIONS order (so the grid order does not depend on spelling). */
export function parseGrid(value: unknown): ActivationName[] {
  const items = String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw usageError('--grid needs at least one activation, e.g. sigmoid,tanh,relu');
  for (const a of items) {
    if (!(ACTIVATIONS as readonly string[]).includes(a))
      throw usageError(`unknown activation "${a}" in --grid; valid: ${ACTIVATIONS.join(', ')}`);
  }
  if (new Set(items).size !== items.length) throw usageError(`--grid names an activation twice: "${String(value)}"`);
  return (ACTIVATIONS as readonly ActivationName[]).filter((a) => items.includes(a));
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

export interface Shard {
  /** 1-based index. */
  k: number;
  n: number;
}

/** `--shard K/N` with 1 ≤ K ≤ N; anything else is a usage error. */
export function parseShard(value: unknown): Shard {
  const s = String(value ?? '').trim();
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(s);
  if (!m) throw usageError(`--shard must look like K/N (e.g. 1/4), got "${s}"`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`--shard ${s}: N must be at least 1`);
  if (!Number.isSafeInteger(k) || k < 1 || k > n) throw usageError(`--shard ${s}: K must be from 1 to ${n}`);
  return { k, n };
}

/** The cells of shard K of N: cell i belongs to shard (i mod N) + 1, so the N shards partition the grid. */
export function shardCells<T>(cells: readonly T[], shard: Shard): T[] {
  return cells.filter((_, i) => i % shard.n === shard.k - 1);
}
