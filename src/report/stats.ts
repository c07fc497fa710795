/**
 * Small statistics for comparing schedules over seeds: mean, sample standard deviation, confidence
 * intervals for a difference of means (paired by seed, or Welch's for unpaired samples) with their
 * p-values, Holm's correction, and the seeds a gap needs at a given power. The distributions (the
 * Student-t CDF, density and quantile, the normal quantile) are stdlib-js's. stdlib's own t-tests
 * (@stdlib/stats-ttest, -ttest2) are not used: the intervals here grant each sample a floor on its
 * spread (sdFloor) and collapse to the difference when there is no spread (where those return an
 * infinite statistic and a NaN interval), and they return neither the standard error nor the
 * spread the seeds-for-power estimate needs.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tPdf from '@stdlib/stats-base-dists-t-pdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import normalQuantileOf from '@stdlib/stats-base-dists-normal-quantile';

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample variance (divisor n-1); 0 for a single value, NaN for none. */
export function variance(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  if (xs.length === 1) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / (xs.length - 1);
}

/** Sample standard deviation (divisor n-1); 0 for a single value, NaN for none. */
export function std(xs: readonly number[]): number {
  return Math.sqrt(variance(xs));
}

/** Rejects a df the distributions are not defined for (a caller's error, never a reading's). */
function checkDf(df: number, who: string): void {
  if (!(df > 0 && df < Infinity)) throw new RangeError(`${who}: df must be positive and finite, got ${df}`);
}

/** P(T ≤ t) for Student's t with df degrees of freedom (0 < df < ∞, need not be an integer). */
export function studentTCdf(t: number, df: number): number {
  checkDf(df, 'studentTCdf');
  return tCdf(t, df);
}

/**
 * The p-quantile of Student's t with df degrees of freedom: the t with P(T ≤ t) = p (stdlib's,
 * Boost's inverse incomplete beta). Two regions where that returns 0 for a p ≠ 0.5 are patched:
 * from df = 1e15 on (there t equals the normal to double precision) the normal quantile is used;
 * below it, when t²/df falls under the double epsilon (p within about 1e-8·√df of 0.5), t is
 * (p − 1/2)/f(0), exact there to t²/6, refined by Newton steps on the CDF once t exceeds 1e-4.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  checkDf(df, 'studentTQuantile');
  if (df >= 1e15) return normalQuantile(p);
  const t = tQuantile(p, df);
  if (t !== 0 || p === 0.5) return t;
  let x = (p - 0.5) / tPdf(0, df);
  if (Math.abs(x) < 1e-4) return x;
  for (let i = 0; i < 4; i++) x -= (tCdf(x, df) - p) / tPdf(x, df);
  return x;
}

/** How a gap's interval was computed: per-seed differences (paired t) or two independent samples (Welch's t). */
export type GapMethod = 'paired' | 'Welch';

/** A confidence interval for mean(a) - mean(b), with the test of "the difference is 0" behind it. */
export interface GapInterval {
  method: GapMethod;
  /** Paired: the number of pairs. Welch: the smaller sample's size. */
  n: number;
  /** mean(a) - mean(b) (paired: the mean of the per-pair differences, the same number). */
  diff: number;
  low: number;
  high: number;
  /** Degrees of freedom: n - 1 when paired, Welch–Satterthwaite otherwise. */
  df: number;
  /** The t quantile used. */
  t: number;
  /** Standard error of the difference. */
  se: number;
  /**
   * The spread the power estimate needs. Paired: the sd of the per-pair differences. Welch:
   * sqrt(sd_a² + sd_b²), so that se = sd / sqrt(n) with equal sample sizes n.
   */
  sd: number;
  /** Two-sided p-value of diff = 0 (0 when the interval has zero width and diff ≠ 0). */
  p: number;
  level: number;
}

function checkLevel(level: number, who: string): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`${who}: level must be in (0, 1), got ${level}`);
}

/** Two-sided p-value of a t statistic diff/se with df degrees of freedom. */
function twoSidedP(diff: number, se: number, df: number): number {
  if (se === 0) return diff === 0 ? 1 : 0;
  return Math.min(1, 2 * tCdf(-Math.abs(diff / se), df));
}

/**
 * Welch's t confidence interval for the difference of means mean(a) - mean(b), with the
 * Welch–Satterthwaite degrees of freedom. null when either side has fewer than 2 values ("n/a").
 * When both samples have zero spread the interval collapses to the difference itself.
 * `sdFloor` is the smallest standard deviation a sample is granted (the rounding error of coarse
 * readings such as whole epochs), so identical readings do not pass for infinite precision.
 */
export function welchInterval(a: readonly number[], b: readonly number[], level = 0.95, sdFloor = 0): GapInterval | null {
  if (a.length < 2 || b.length < 2) return null;
  checkLevel(level, 'welchInterval');
  const na = a.length;
  const nb = b.length;
  const sa2 = Math.max(variance(a), sdFloor * sdFloor);
  const sb2 = Math.max(variance(b), sdFloor * sdFloor);
  const va = sa2 / na;
  const vb = sb2 / nb;
  const diff = mean(a) - mean(b);
  const se = Math.sqrt(va + vb);
  if (!Number.isFinite(se) || !Number.isFinite(diff)) return null;
  let df = na + nb - 2;
  if (se > 0) {
    // Welch–Satterthwaite, (va + vb)² / (va²/(na−1) + vb²/(nb−1)), written with the share r of va in
    // va + vb so that the squares of tiny or huge variances neither underflow nor overflow.
    const r = va / (va + vb);
    df = 1 / ((r * r) / (na - 1) + ((1 - r) * (1 - r)) / (nb - 1));
  }
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return {
    method: 'Welch',
    n: Math.min(na, nb),
    diff,
    low: diff - t * se,
    high: diff + t * se,
    df,
    t,
    se,
    sd: Math.sqrt(sa2 + sb2),
    p: twoSidedP(diff, se, df),
    level,
  };
}

/**
 * The paired t confidence interval for mean(a - b), where a[i] and b[i] are one pair (here: two
 * schedules trained from the same seed). null with fewer than 2 pairs; a RangeError when the
 * lists differ in length. `sdFloor` as for welchInterval, applied to the sd of the differences.
 */
export function pairedInterval(a: readonly number[], b: readonly number[], level = 0.95, sdFloor = 0): GapInterval | null {
  if (a.length !== b.length) throw new RangeError(`pairedInterval: ${a.length} values against ${b.length}: pairs need equal lengths`);
  if (a.length < 2) return null;
  checkLevel(level, 'pairedInterval');
  const d = a.map((x, i) => x - b[i]);
  const n = d.length;
  const diff = mean(d);
  const sd = Math.max(std(d), sdFloor);
  const se = sd / Math.sqrt(n);
  if (!Number.isFinite(se) || !Number.isFinite(diff)) return null;
  const df = n - 1;
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return { method: 'paired', n, diff, low: diff - t * se, high: diff + t * se, df, t, se, sd, p: twoSidedP(diff, se, df), level };
}

/** True when the interval lies wholly on one side of 0. */
export function excludesZero(ci: GapInterval | null): boolean {
  return ci !== null && (ci.low > 0 || ci.high < 0);
}

/**
 * Holm's step-down adjusted p-values: with the m p-values sorted ascending, the k-th (1-based)
 * becomes max over j ≤ k of min(1, (m - j + 1)·p_(j)). Rejecting where the adjusted p < α keeps
 * the chance of any false rejection among the m at most α. Returned in the input order.
 */
export function holmAdjust(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/** The p-quantile of the standard normal distribution (stdlib's). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  return normalQuantileOf(p, 0, 1);
}

/** What the seeds-for-power estimate returns: a count, or why there is none. */
export type SeedsNeeded = { seeds: number } | { seeds: null; why: 'zero gap' | 'no spread' | 'over limit' };

/**
 * About how many seeds a gap of size `gap` needs to come out significant at two-sided level α with
 * the given power, when the spread is `sd` (paired: the sd of per-seed differences, the answer is
 * the number of pairs; Welch: sqrt(sd_a² + sd_b²), the answer is seeds per schedule). The normal
 * approximation n = ((z_{1−α/2} + z_{power})·sd/gap)² is refined with t quantiles: the answer is the
 * smallest n ≥ 2 with ((t_{1−α/2, df} + t_{power, df})·sd/gap)² ≤ n, df = n − 1 paired, 2n − 2 Welch
 * (the left side falls and the right side grows with n, so a search finds it). Capped at `limit`.
 */
export function seedsForPower(gap: number, sd: number, method: GapMethod, alpha = 0.05, power = 0.8, limit = 1000): SeedsNeeded {
  if (!Number.isFinite(gap) || gap === 0) return { seeds: null, why: 'zero gap' };
  if (!(sd > 0)) return { seeds: null, why: 'no spread' };
  const ratio = (sd / Math.abs(gap)) ** 2;
  const enough = (n: number) => {
    const df = method === 'paired' ? n - 1 : 2 * n - 2;
    return (studentTQuantile(1 - alpha / 2, df) + studentTQuantile(power, df)) ** 2 * ratio <= n;
  };
  // t quantiles exceed z quantiles, so the normal answer is a lower bound.
  let lo = Math.max(2, Math.ceil((normalQuantile(1 - alpha / 2) + normalQuantile(power)) ** 2 * ratio));
  if (lo > limit) return { seeds: null, why: 'over limit' };
  if (enough(lo)) return { seeds: lo };
  let hi = lo;
  while (!enough(hi)) {
    lo = hi;
    if (hi >= limit) return { seeds: null, why: 'over limit' };
    hi = Math.min(limit, hi * 2);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid;
  }
  return { seeds: hi };
}

/** Mean, sample standard deviation and count of one metric over seeds. */
export interface MeanStd {
  mean: number;
  std: number;
  n: number;
}

export function meanStdOf(values: readonly number[]): MeanStd {
  return { mean: mean(values), std: std(values), n: values.length };
}
