/**
 * Judging one claim from its comparisons, so that a verdict never says more than the data do.
 *
 * A claim (say "tanh-relu has the highest training accuracy") is a set of comparisons (tanh-relu
 * against each other schedule), each a gap with a 95% interval (paired by seed or Welch: gaps.ts).
 * Holm's correction over the claim's comparisons decides which gaps are significant; then:
 *  - held: every comparison is significant in the claimed direction;
 *  - did not hold: some comparison is significant against it (which needs an interval, so ≥ 2 seeds);
 *  - inconclusive: anything else (a gap not significant after Holm, a tie); "inconclusive with one seed" when a
 *    comparison has no interval because a schedule ran one seed, whichever way its single difference
 *    points: one seed shows no gap in either direction, so it never gives "held" nor "did not hold".
 * The verdict line, its paragraph and its table are all made here from the same readings.
 */
import { excludesZero, GapInterval, holmAdjust, seedsForPower, SeedsNeeded } from './stats';
import { GroupGap, methodText } from './gaps';
import { intervalText, pValueText, signed } from './format';

/** Significance level of every claim (family-wise, through Holm's correction). */
export const ALPHA = 0.05;
/** The power the seed-count estimate aims at. */
export const POWER = 0.8;

export type VerdictStatus = 'held' | 'did not hold' | 'inconclusive' | 'inconclusive with one seed' | 'not testable';

/** How one comparison reads, in the claim's terms. */
export type Reading =
  | 'for the claim'
  | 'against the claim'
  | 'not significant (for)'
  | 'not significant (against)'
  | 'tie'
  | 'one seed: for'
  | 'one seed: against'
  | 'one seed: tie';

/** One comparison of a claim, before judging. */
export interface ComparisonInput {
  /** The other schedule. */
  versus: string;
  /** What the difference is, e.g. "tanh-relu − relu". */
  label: string;
  gap: GroupGap;
  /** +1 when a positive difference supports the claim, −1 when a negative one does. */
  favours: 1 | -1;
  digits: number;
  /** Appended to numbers: '' (accuracy), ' epochs', ' s'. */
  unit: string;
  /** The claim's direction in words, for the paragraph: "tanh-relu trains to a higher accuracy than relu". */
  forText: string;
  againstText: string;
  /** What the difference is called in the paragraph (default "the gap"), e.g. "the time over the +10% line". */
  quantity?: string;
}

/** One judged comparison: a row of the claim's table. */
export interface ClaimComparison {
  versus: string;
  label: string;
  diff: number;
  /** The unadjusted 95% interval (null: a side ran one seed). */
  ci: GapInterval | null;
  /** "paired (3 seeds)", "Welch (3 seeds each)", "one seed". */
  method: string;
  /** Holm-adjusted p over the claim's comparisons; null without an interval. */
  pHolm: number | null;
  significant: boolean;
  reading: Reading;
  /** For a comparison that is not significant: seeds a gap of this size needs at 80% power (at α/m). */
  seedsNeeded: SeedsNeeded | null;
  favours: 1 | -1;
  digits: number;
  unit: string;
  forText: string;
  againstText: string;
  quantity: string;
}

/** Holm over the comparisons that have an interval, a reading for each, and the seeds a noisy gap needs. */
export function judgeComparisons(inputs: readonly ComparisonInput[]): ClaimComparison[] {
  const m = inputs.length;
  const withCi = inputs.filter((c) => c.gap.ci !== null);
  const adjusted = holmAdjust(withCi.map((c) => c.gap.ci!.p));
  return inputs.map((c) => {
    const ci = c.gap.ci;
    const diff = c.gap.diff;
    const side = Math.sign(diff) * c.favours;
    const pHolm = ci ? adjusted[withCi.indexOf(c)] : null;
    const significant = pHolm !== null && pHolm < ALPHA && diff !== 0;
    let reading: Reading;
    let seedsNeeded: SeedsNeeded | null = null;
    if (!ci) reading = side > 0 ? 'one seed: for' : side < 0 ? 'one seed: against' : 'one seed: tie';
    else if (significant) reading = side > 0 ? 'for the claim' : 'against the claim';
    else {
      reading = side > 0 ? 'not significant (for)' : side < 0 ? 'not significant (against)' : 'tie';
      // The strictest step of Holm's procedure tests at α/m: enough seeds for that resolve the gap whatever the others do.
      seedsNeeded = seedsForPower(diff, ci.sd, ci.method, ALPHA / m, POWER);
    }
    const { gap: _gap, ...rest } = c;
    return { ...rest, quantity: c.quantity ?? 'the gap', diff, ci, method: methodText(c.gap), pHolm, significant, reading, seedsNeeded };
  });
}

/**
 * The verdict the readings support. Only a significant gap decides: against the claim → did not
 * hold; every comparison for it → held. A comparison read from one seed has no interval, so it can
 * neither refute nor support the claim, whichever way it points: the claim is then inconclusive
 * with one seed (unless another comparison is significantly against it).
 */
export function statusOf(comparisons: readonly ClaimComparison[]): VerdictStatus {
  if (comparisons.length === 0) return 'not testable';
  if (comparisons.some((c) => c.reading === 'against the claim')) return 'did not hold';
  if (comparisons.some((c) => c.reading.startsWith('one seed'))) return 'inconclusive with one seed';
  if (comparisons.every((c) => c.reading === 'for the claim')) return 'held';
  return 'inconclusive';
}

/** "+0.0023, 95% CI [+0.0019, +0.0027]" or "+0.0023" without an interval. */
export function gapSummary(c: Pick<ClaimComparison, 'diff' | 'ci' | 'digits' | 'unit'>): string {
  const d = `${signed(c.diff, c.digits)}${c.unit}`;
  return c.ci ? `${d}, 95% CI ${intervalText(c.ci, c.digits)}` : d;
}

/** "about 12 seeds", "more than 1000 seeds", "none (a zero gap)". */
export function seedsNeededText(s: SeedsNeeded | null): string {
  if (s === null) return '';
  if (s.seeds !== null) return `about ${s.seeds} seeds`;
  if (s.why === 'over limit') return 'more than 1000 seeds';
  if (s.why === 'zero gap') return 'none (a zero gap)';
  return 'n/a (no spread)';
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function pHolmText(c: ClaimComparison): string {
  return c.pHolm === null ? '' : ` (Holm-adjusted p ${pValueText(c.pHolm)})`;
}

/**
 * The paragraph under the verdict, from the same readings as the status: what held, what went
 * against the claim, what is within noise and how many seeds would settle it.
 * `heldText` is the claim-specific sentence for a claim that held.
 */
export function reasonOf(comparisons: readonly ClaimComparison[], status: VerdictStatus, heldText: string): string {
  const m = comparisons.length;
  const sentences: string[] = [];
  const significantFor = comparisons.filter((c) => c.reading === 'for the claim');
  if (status === 'held') {
    const worst = Math.max(...comparisons.map((c) => c.pHolm ?? 1));
    return `${heldText} Every gap is significant after Holm's correction over the ${m} comparison${m > 1 ? 's' : ''} (largest adjusted p ${pValueText(worst)}).`;
  }
  for (const c of comparisons.filter((x) => x.reading === 'against the claim')) {
    sentences.push(`Against the claim, ${c.againstText}, significantly: ${c.quantity} ${gapSummary(c)}${pHolmText(c)}.`);
  }
  if (significantFor.length > 0) {
    sentences.push(`The claimed direction is significant against ${list(significantFor.map((c) => c.versus))}.`);
  }
  const noisy = comparisons.filter(
    (c) => c.reading === 'not significant (for)' || c.reading === 'not significant (against)' || c.reading === 'tie',
  );
  for (const c of noisy) {
    if (c.reading === 'tie') sentences.push(`Against ${c.versus} it is a tie: ${c.quantity} ${gapSummary(c)}.`);
    else {
      const which = c.reading === 'not significant (for)' ? 'goes the claimed way' : 'goes against the claim';
      // Holm's p is never below the raw p: a gap can clear 95% on its own and still not over the claim's m comparisons.
      if (excludesZero(c.ci)) {
        sentences.push(
          `Against ${c.versus} ${c.quantity} ${which} and its own 95% CI excludes 0 (${gapSummary(c)}), but it is not significant after Holm's correction over the ${m} comparisons${pHolmText(c)}.`,
        );
      } else {
        sentences.push(`Against ${c.versus} ${c.quantity} ${which} but is within noise: ${gapSummary(c)}${pHolmText(c)}.`);
      }
    }
  }
  const resolvable = noisy.filter((c) => typeof c.seedsNeeded?.seeds === 'number');
  if (resolvable.length > 0) {
    const parts = resolvable.map((c) => `${seedsNeededText(c.seedsNeeded)} against ${c.versus}`);
    sentences.push(
      `To resolve a gap of the observed size at ${POWER * 100}% power (α = ${ALPHA}/${m}) would take ${list(parts)}${resolvable.some((c) => c.ci?.method === 'Welch') ? ' (Welch: per schedule)' : ''}.`,
    );
  }
  const tooMany = noisy.filter((c) => c.seedsNeeded !== null && c.seedsNeeded.seeds === null && c.seedsNeeded.why === 'over limit');
  if (tooMany.length > 0)
    sentences.push(
      `A gap as small as the one against ${list(tooMany.map((c) => c.versus))} would take more than 1000 seeds to resolve: for practical purposes a tie.`,
    );
  const oneSeed = comparisons.filter((c) => c.reading.startsWith('one seed'));
  if (oneSeed.length > 0) {
    const ahead = oneSeed.filter((c) => c.reading === 'one seed: for');
    const behind = oneSeed.filter((c) => c.reading === 'one seed: against');
    const tied = oneSeed.filter((c) => c.reading === 'one seed: tie');
    const what = [
      ahead.length > 0
        ? `the single difference points the claimed way against ${list(ahead.map((c) => `${c.versus} (${gapSummary(c)})`))}`
        : '',
      behind.length > 0 ? `it points against the claim, ${list(behind.map((c) => `${c.againstText} (${gapSummary(c)})`))}` : '',
      tied.length > 0 ? `it ties with ${list(tied.map((c) => c.versus))}` : '',
    ]
      .filter((s) => s)
      .join('; ');
    sentences.push(
      `With one seed ${what}. One seed gives no spread between seeds to judge a gap by, so it can neither show the claim nor refute it, whichever way a difference points: run 3 or more seeds (--seeds 3) and the report will say how many a gap of that size needs.`,
    );
  }
  return sentences.join(' ');
}

/** The claim's table: one row per comparison, the same readings the verdict and its paragraph use. */
export function claimTableCells(comparisons: readonly ClaimComparison[]): { header: string[]; cells: string[][]; align: string } {
  const header = ['comparison', 'difference', '95% CI', 'method', 'Holm p', 'reading', `seeds for ${POWER * 100}% power`];
  const cells = comparisons.map((c) => [
    c.label,
    `${signed(c.diff, c.digits)}${c.unit}`,
    c.ci ? intervalText(c.ci, c.digits) : 'n/a',
    c.method,
    c.pHolm === null ? 'n/a' : pValueText(c.pHolm),
    c.reading,
    c.reading.startsWith('one seed') ? 'n/a (one seed)' : seedsNeededText(c.seedsNeeded),
  ]);
  return { header, cells, align: 'lrrllll' };
}
