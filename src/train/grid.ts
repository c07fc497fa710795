/**
 * What a campaign trains: the cells (variant × schedule × seed, each in its own folder) of a
 * comparison or a sweep, in a fixed order, and the shards that split them between processes or
 * machines. A variant is one combination of the levels of `sweep --vary`; a campaign without
 * --vary has one, empty, and its cells lie at SCHEDULE/seed-N as they always did.
 */
import { ActivationName, Schedule, Shard } from '../options/types';
import { scheduleLabel } from '../model/activations';
import { cellDir, variantDirOf, variantName } from '../rundir/layout';
import type { VaryFactor } from '../options/parse';
import type { CampaignVary, CellRecord } from '../rundir/campaign-file';

export { Shard };

/** One level of one varied option in a cell. */
export interface VariantLevel {
  key: VaryFactor['key'];
  lands: VaryFactor['lands'];
  value: unknown;
  text: string;
}

/** One combination of the varied options' levels, in the order the factors were given. */
export type Variant = VariantLevel[];

/**
 * One run of a comparison or sweep: a variant, a schedule and a seed, in its own folder. The one
 * cell type: comparison.json records it as a CellRecord (rundir/campaign-file, cellRecord below),
 * and a cell to train is a CellJob holding it (train/cell.ts).
 */
export interface Cell {
  schedule: Schedule;
  label: string;
  seed: number;
  /** Relative to the campaign folder. */
  dir: string;
  /** The levels of the varied options ([] without --vary). */
  variant: Variant;
  /**
   * How progress and messages name it: "relu seed 2", and in a varied sweep with its variant as
   * merge names it, "relu [lr=0.001 optimizer=sgd] seed 2" (two variants' cells never share a name).
   */
  name: string;
}

/** How --vary's factors combine: every combination, or one factor at a time from the first levels. */
export const DESIGNS = ['cross', 'ofat'] as const;
export type Design = (typeof DESIGNS)[number];

/** All |acts|³ schedules, conv1 slowest-varying, dense fastest. */
export function gridSchedules(acts: readonly ActivationName[]): Schedule[] {
  const out: Schedule[] = [];
  for (const a of acts) for (const b of acts) for (const c of acts) out.push([a, b, c]);
  return out;
}

/**
 * The variants of some factors: `cross`, every combination (the first factor slowest-varying);
 * `ofat`, the first level of every factor (the base), then each other level of each factor with
 * the rest at their first. No factors: one empty variant.
 */
export function variantsOf(factors: readonly VaryFactor[], design: Design = 'cross'): Variant[] {
  const level = (f: VaryFactor, i: number): VariantLevel => ({ key: f.key, lands: f.lands, value: f.values[i], text: f.texts[i] });
  if (design === 'ofat') {
    const base = factors.map((f) => level(f, 0));
    const out: Variant[] = [base];
    factors.forEach((f, fi) => {
      for (let i = 1; i < f.values.length; i++) out.push(base.map((b, j) => (j === fi ? level(f, i) : b)));
    });
    return out;
  }
  let out: Variant[] = [[]];
  for (const f of factors) out = out.flatMap((v) => f.values.map((_, i) => [...v, level(f, i)]));
  return out;
}

/** The campaign file's record of the factors: option key, where it lands, its levels as text. */
export function campaignVary(factors: readonly VaryFactor[], design: Design, flagOf: FlagOf): CampaignVary {
  return { design, factors: factors.map((f) => ({ key: f.key, flag: flagOf(f.key), lands: f.lands, levels: [...f.texts] })) };
}

/** The flag of a varied option without its dashes (`lr`, `batch-size`). */
export type FlagOf = (key: VaryFactor['key']) => string;

/** A variant's name (rundir/layout's variantName): its levels that are not their factor's first, or `base`. */
export function variantNameOf(variant: Variant, bases: readonly string[], flagOf?: FlagOf): string {
  return variantName(variant.map((l, i) => ({ flag: flagOf ? flagOf(l.key) : l.key, text: l.text, first: l.text === bases[i] })));
}

/** Cells in the fixed order: variants, then schedules in the order given, then seeds in the order given. */
export function gridCells(
  schedules: readonly Schedule[],
  seeds: readonly number[],
  variants: readonly Variant[] = [[]],
  flagOf?: FlagOf,
  /** Each factor's base level, which variant names leave out (basesOf). */
  bases: readonly string[] = [],
): Cell[] {
  const cells: Cell[] = [];
  for (const variant of variants) {
    const name = variant.length === 0 ? '' : variantNameOf(variant, bases, flagOf);
    const prefix = variant.length === 0 ? '' : `${variantDirOf(name)}/`;
    for (const s of schedules) {
      const label = scheduleLabel(s);
      for (const seed of seeds) {
        const cellName = `${label}${variant.length === 0 ? '' : ` [${name}]`} seed ${seed}`;
        cells.push({ schedule: [...s] as Schedule, label, seed, dir: prefix + cellDir(label, seed), variant, name: cellName });
      }
    }
  }
  return cells;
}

/**
 * The factors as a campaign folder already holding a varied sweep has them: in its order, and each
 * factor's base its recorded first level (moved first where given again), so a rerun that lists the
 * levels in another order, or only some of them, names and places every cell as the first writer
 * did. Without such a folder: as given, each factor's first level its base.
 */
export function alignToFolder(factors: readonly VaryFactor[], held: CampaignVary | undefined): { factors: VaryFactor[]; bases: string[] } {
  if (!held || held.factors.length !== factors.length || !held.factors.every((h) => factors.some((f) => f.lands === h.lands))) {
    return { factors: [...factors], bases: factors.map((f) => f.texts[0]) };
  }
  const ordered = held.factors.map((h) => {
    const f = factors.find((x) => x.lands === h.lands)!;
    const at = f.texts.indexOf(h.levels[0]);
    if (at <= 0) return f;
    const order = [at, ...f.texts.map((_, i) => i).filter((i) => i !== at)];
    return { ...f, values: order.map((i) => f.values[i]), texts: order.map((i) => f.texts[i]) };
  });
  return { factors: ordered, bases: held.factors.map((h) => h.levels[0]) };
}

/** A cell as comparison.json records it: the schedule by its label, a variant's levels as text. */
export function cellRecord(cell: Cell): CellRecord {
  return {
    schedule: cell.label,
    seed: cell.seed,
    dir: cell.dir,
    ...(cell.variant.length > 0 ? { variant: Object.fromEntries(cell.variant.map((l) => [l.key, l.text])) } : {}),
  };
}

/** The cells of shard K of N: cell i belongs to shard (i mod N) + 1, so the N shards partition the grid. */
export function shardCells<T>(cells: readonly T[], shard: Shard): T[] {
  return cells.filter((_, i) => i % shard.n === shard.k - 1);
}
