/**
 * The gap between two schedules' runs, and its interval: paired by seed when the two schedules ran
 * the same seeds from the same starting point, Welch's otherwise. The one place that decides which,
 * so the comparison table, the sweep table and the verdicts agree.
 *
 * Why pairing is sound: a run's initial weights come from buildLenet(arch, schedule, imageSize, seed),
 * whose initializer seeds depend on the seed and the layer only (not on the activations), and its
 * batch order from the trainer's generator seeded by the seed alone (test/pairing.test.ts checks
 * both). Two schedules with the same seed and the same sizes therefore start from the same weights
 * and see the same batches: their per-seed difference removes the luck of the draw they share.
 */
import { stableJson } from '../rundir/protocol';
import { RunData, RunGroup } from './runs';
import { GapInterval, mean, pairedInterval, welchInterval } from './stats';

/**
 * The config.json keys (under `config`) that decide initial weights and batch order besides the
 * seed: the layer sizes, the input size (the dense layer's fan-in), the training images (their
 * count is what the shuffle permutes) and the batch size (how the permutation is cut).
 */
export const PAIRING_KEYS = ['arch', 'imageSize', 'limit', 'batchSize'] as const;

function startingPoint(run: RunData): string | null {
  const config = run.config?.config;
  if (typeof config !== 'object' || config === null) return null;
  const c = config as unknown as Record<string, unknown>;
  if (c.arch === undefined) return null;
  return stableJson(PAIRING_KEYS.map((k) => c[k] ?? null));
}

/**
 * True when a and b can be compared seed by seed: both ran the same ≥ 2 seeds, and each seed's two
 * runs recorded the same architecture (config.json's config.arch) and the other PAIRING_KEYS.
 * Runs without a config.json cannot show that, so they are not paired.
 */
export function pairedBySeed(a: RunGroup, b: RunGroup): boolean {
  if (a.runs.length < 2 || a.runs.length !== b.runs.length) return false;
  const bySeed = new Map(b.runs.map((r) => [r.summary.seed, r]));
  for (const ra of a.runs) {
    const rb = bySeed.get(ra.summary.seed);
    if (!rb) return false;
    const sa = startingPoint(ra);
    if (sa === null || sa !== startingPoint(rb)) return false;
  }
  return true;
}

export interface GroupGap {
  /** mean over a's runs − mean over b's runs. */
  diff: number;
  /** The 95% interval (paired or Welch); null when a side has a single run. */
  ci: GapInterval | null;
  /** Per-run values, in seed order; paired values line up seed by seed. */
  a: number[];
  b: number[];
  seedsA: number[];
  seedsB: number[];
}

export interface GapOptions {
  level?: number;
  /**
   * The smallest sd granted to the spread of a difference of two readings, e.g. the rounding of
   * whole epochs (1/√6). Paired: applied to the per-seed differences; Welch: each sample gets
   * sdFloor/√2, the rounding of one reading, so both methods grant the difference the same floor.
   */
  sdFloor?: number;
}

/**
 * mean(value over a's runs) − mean(valueB over b's runs) (valueB defaults to value), with a paired
 * t interval when pairedBySeed(a, b), else Welch's. Runs are taken in seed order.
 */
export function groupGap(
  a: RunGroup,
  b: RunGroup,
  value: (run: RunData) => number,
  options: GapOptions = {},
  valueB: (run: RunData) => number = value,
): GroupGap {
  const level = options.level ?? 0.95;
  const sdFloor = options.sdFloor ?? 0;
  const order = (g: RunGroup) => [...g.runs].sort((x, y) => x.summary.seed - y.summary.seed);
  const ra = order(a);
  const rb = order(b);
  const va = ra.map(value);
  const vb = rb.map(valueB);
  const paired = pairedBySeed(a, b);
  const ci = paired ? pairedInterval(va, vb, level, sdFloor) : welchInterval(va, vb, level, sdFloor / Math.SQRT2);
  return {
    diff: ci ? ci.diff : mean(va) - mean(vb),
    ci,
    a: va,
    b: vb,
    seedsA: ra.map((r) => r.summary.seed),
    seedsB: rb.map((r) => r.summary.seed),
  };
}

/** "paired (3 seeds)", "Welch (2 and 3 seeds)", or "one seed" when there is no interval. */
export function methodText(gap: Pick<GroupGap, 'ci' | 'seedsA' | 'seedsB'>): string {
  if (!gap.ci) return gap.seedsA.length <= 1 && gap.seedsB.length <= 1 ? 'one seed' : 'one seed on a side';
  if (gap.ci.method === 'paired') return `paired (${gap.ci.n} seeds)`;
  const na = gap.seedsA.length;
  const nb = gap.seedsB.length;
  return na === nb ? `Welch (${na} seeds each)` : `Welch (${na} and ${nb} seeds)`;
}

/** True when a table holds both paired and Welch intervals (its cells then say which is which). */
export function mixedMethods(cis: ReadonlyArray<GapInterval | null>): boolean {
  return new Set(cis.filter((c): c is GapInterval => c !== null).map((c) => c.method)).size > 1;
}

/** The tag a gap cell carries in a table that mixes methods: " (Welch)" or " (paired)"; '' otherwise. */
export function gapTag(ci: GapInterval | null, mixed: boolean): string {
  return mixed && ci ? ` (${ci.method})` : '';
}

/**
 * The footnote that says how a table's gap intervals were made: paired by seed (and over how many
 * seeds), Welch's, or both (cells tagged); '' when the table has no interval at all.
 */
export function gapMethodNote(cis: ReadonlyArray<GapInterval | null>): string {
  const present = cis.filter((c): c is GapInterval => c !== null);
  if (present.length === 0) return '';
  const paired = present.filter((c) => c.method === 'paired');
  const counts = [...new Set(paired.map((c) => c.n))].sort((x, y) => x - y);
  const pairedText = `paired by seed (${counts.join(' or ')} seeds; the same seed gives the same initial weights and batch order): the mean of the per-seed differences with a 95% paired t interval`;
  const welchText =
    'Welch: the difference of the means with a 95% Welch t interval (these schedules did not run the same seeds with the same architecture)';
  if (paired.length === present.length) return `Gaps are ${pairedText}.`;
  if (paired.length === 0) return `Gaps: ${welchText}.`;
  return `Gaps tagged (paired) are ${pairedText}; gaps tagged (Welch) are ${welchText}.`;
}
