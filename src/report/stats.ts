/**
 * Small statistics for comparing schedules over seeds: mean, sample standard deviation, the Student-t
 * distribution (CDF and inverse CDF through the regularized incomplete beta function), the normal
 * quantile, confidence intervals for a difference of means (paired by seed, or Welch's for unpaired
 * samples) with their p-values, Holm's correction, and the seeds a gap needs at a given power.
 */

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

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7; relative error about 1e-15). */
export function lnGamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1-x) = π / sin(πx)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  x -= 1;
  let a = 0.99999999999980993;
  const t = x + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i] / (x + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const EPS = 1e-15;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b), for 0 ≤ x ≤ 1 and a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incompleteBeta: a and b must be positive (a=${a}, b=${b})`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with df degrees of freedom (df > 0, need not be an integer). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be positive, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5); // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with df degrees of freedom: the t with P(T ≤ t) = p.
 * Bracketing then bisection on the CDF, to about 1e-12.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be positive, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
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
  return Math.min(1, 2 * (1 - studentTCdf(Math.abs(diff / se), df)));
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
  let df: number;
  if (se === 0) df = na + nb - 2;
  else df = (va + vb) ** 2 / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
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

/**
 * The p-quantile of the standard normal distribution (Acklam's rational approximation, relative
 * error below 1.2e-9: ample for a count of seeds).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
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
