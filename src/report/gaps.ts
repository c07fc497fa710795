/**
 * The gap between two schedules' runs, and its interval: paired by seed on the seeds both schedules
 * ran from the same starting point (at least 2 of them; runs that diverged are already out), Welch's
 * otherwise. The one place that decides which, and the smallest spread a gap is granted (the
 * resolution of what it measures), so the comparison table, the sweep table and the verdicts agree.
 *
 * Why pairing is sound: a run's initial weights come from buildLenet(arch, schedule, imageSize, seed),
 * whose initializer seeds depend on the seed and the layer only (not on the activations), and its
 * batch order from the trainer's generator seeded by the seed alone (test/pairing.test.ts checks
 * both). Two schedules with the same seed and the same sizes therefore start from the same weights
 * and see the same batches: their per-seed difference removes the luck of the draw they share.
 */
import { MetricName } from '../rundir/epochs';
import { stableJson } from '../rundir/protocol';
import { allRunsOf, RunData, RunGroup } from './runs';
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
 * The seeds a and b can be compared on one by one, ascending: those both schedules ran (and did not
 * diverge: a group's runs are those that did not), each seed's two runs recording the same
 * architecture (config.json's config.arch) and the other PAIRING_KEYS. Runs without a config.json
 * cannot show that, so they are not paired.
 */
export function sharedSeeds(a: RunGroup, b: RunGroup): number[] {
  const bySeed = new Map(b.runs.map((r) => [r.summary.seed, r]));
  const seeds: number[] = [];
  for (const ra of a.runs) {
    const rb = bySeed.get(ra.summary.seed);
    const sa = rb ? startingPoint(ra) : null;
    if (rb && sa !== null && sa === startingPoint(rb)) seeds.push(ra.summary.seed);
  }
  return seeds.sort((x, y) => x - y);
}

/** True when a and b are compared seed by seed: they share at least 2 seeds (sharedSeeds); Welch's otherwise. */
export function pairedBySeed(a: RunGroup, b: RunGroup): boolean {
  return sharedSeeds(a, b).length >= 2;
}

/**
 * Seconds per epoch are timed with process.hrtime (nanoseconds), but an epoch's time moves by more
 * than a millisecond from scheduling alone: a millisecond is the resolution claimed for a time, the
 * least sd granted to per-seed differences of seconds.
 */
export const SECONDS_RESOLUTION = 0.001;

/** Images an accuracy was counted on, when config.json does not say (the whole MNIST split: the finest step it can have). */
const FULL_SPLIT = { train: 60000, test: 10000 } as const;

/**
 * The least sd a gap's per-seed differences of a metric of these groups' runs are granted (so that
 * two seeds with identical differences never make p = 0): the rounding of a difference of two
 * readings, each rounded to the metric's step — step/√6, as whole epochs get 1/√6. An accuracy
 * moves in steps of one image, 1/N for the fewest images N it was counted on (config.json's
 * data.trainCount / testCount); seconds, SECONDS_RESOLUTION; other metrics, none.
 */
export function resolutionOf(groups: readonly RunGroup[], metric: MetricName): number {
  if (metric === 'seconds') return SECONDS_RESOLUTION / Math.sqrt(6);
  if (metric !== 'train_accuracy' && metric !== 'test_accuracy') return 0;
  const split = metric === 'train_accuracy' ? 'train' : 'test';
  const counts = allRunsOf(groups).map((r) => {
    const n = split === 'train' ? r.config?.data.trainCount : r.config?.data.testCount;
    return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : FULL_SPLIT[split];
  });
  return 1 / Math.min(FULL_SPLIT[split], ...counts) / Math.sqrt(6);
}

export interface GroupGap {
  /** mean over a's runs − mean over b's runs. */
  diff: number;
  /** The 95% interval (paired or Welch); null when a side has a single run. */
  ci: GapInterval | null;
  /** Per-run values, in seed order; paired values line up seed by seed (the shared seeds only). */
  a: number[];
  b: number[];
  seedsA: number[];
  seedsB: number[];
  /** The runs each schedule has (the paired gap may rest on fewer: the seeds both ran). */
  runsA: number;
  runsB: number;
}

/**
 * How a gap is measured. Every gap is granted the smallest sd of a difference of two readings — so
 * that two seeds with identical differences never make the interval a point and p = 0: either
 * `metric`, whose resolution (resolutionOf: one image of an accuracy, a millisecond of a time) is
 * the floor, or an explicit `sdFloor` (the rounding of whole epochs, 1/√6). Paired: applied to the
 * per-seed differences; Welch: each sample gets sdFloor/√2, so both methods grant the difference
 * the same floor. One of the two is required: no caller can forget the floor.
 */
export type GapOptions = { level?: number } & ({ metric: MetricName; sdFloor?: undefined } | { sdFloor: number; metric?: undefined });

/**
 * mean(value over a's runs) − mean(valueB over b's runs) (valueB defaults to value), with a paired
 * t interval on the seeds both ran when they share at least 2 (sharedSeeds; the gap is then the mean
 * of those per-seed differences), else Welch's over all their runs. Runs are taken in seed order.
 */
export function groupGap(
  a: RunGroup,
  b: RunGroup,
  value: (run: RunData) => number,
  options: GapOptions,
  valueB: (run: RunData) => number = value,
): GroupGap {
  const level = options.level ?? 0.95;
  const sdFloor = options.metric !== undefined ? resolutionOf([a, b], options.metric) : options.sdFloor;
  const shared = sharedSeeds(a, b);
  const paired = shared.length >= 2;
  const order = (g: RunGroup) =>
    [...g.runs].filter((r) => !paired || shared.includes(r.summary.seed)).sort((x, y) => x.summary.seed - y.summary.seed);
  const ra = order(a);
  const rb = order(b);
  const va = ra.map(value);
  const vb = rb.map(valueB);
  const ci = paired ? pairedInterval(va, vb, level, sdFloor) : welchInterval(va, vb, level, sdFloor / Math.SQRT2);
  return {
    diff: ci ? ci.diff : mean(va) - mean(vb),
    ci,
    a: va,
    b: vb,
    seedsA: ra.map((r) => r.summary.seed),
    seedsB: rb.map((r) => r.summary.seed),
    runsA: a.runs.length,
    runsB: b.runs.length,
  };
}

/** True when a paired gap rests on fewer seeds than one of the schedules ran (the others were not shared). */
export function pairedOnFewer(gap: Pick<GroupGap, 'ci' | 'runsA' | 'runsB'>): boolean {
  return gap.ci?.method === 'paired' && gap.ci.n < Math.max(gap.runsA, gap.runsB);
}

/** "paired (3 seeds)", "paired on 2 shared seeds (of 3 and 2)", "Welch (2 and 3 seeds)", or "one seed" when there is no interval. */
export function methodText(gap: Pick<GroupGap, 'ci' | 'seedsA' | 'seedsB'> & Partial<Pick<GroupGap, 'runsA' | 'runsB'>>): string {
  if (!gap.ci) return gap.seedsA.length <= 1 && gap.seedsB.length <= 1 ? 'one seed' : 'one seed on a side';
  if (gap.ci.method === 'paired') {
    const runsA = gap.runsA ?? gap.ci.n;
    const runsB = gap.runsB ?? gap.ci.n;
    return pairedOnFewer({ ci: gap.ci, runsA, runsB })
      ? `paired on ${gap.ci.n} shared seeds (of ${runsA} and ${runsB})`
      : `paired (${gap.ci.n} seeds)`;
  }
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
