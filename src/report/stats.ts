/**
 * Small statistics for comparing schedules over seeds: mean, sample standard deviation, the Student-t
 * distribution (CDF and inverse CDF through the regularized incomplete beta function) and Welch's
 * confidence interval for a difference of two means.
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
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
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

/** Welch's interval for mean(a) - mean(b). */
export interface WelchInterval {
  /** mean(a) - mean(b) */
  diff: number;
  low: number;
  high: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** The t quantile used. */
  t: number;
  /** Standard error of the difference. */
  se: number;
  level: number;
}

/**
 * Welch's t confidence interval for the difference of means mean(a) - mean(b), with the
 * Welch–Satterthwaite degrees of freedom. null when either side has fewer than 2 values ("n/a").
 * When both samples have zero spread the interval collapses to the difference itself.
 */
export function welchInterval(a: readonly number[], b: readonly number[], level = 0.95): WelchInterval | null {
  if (a.length < 2 || b.length < 2) return null;
  if (!(level > 0 && level < 1)) throw new RangeError(`welchInterval: level must be in (0, 1), got ${level}`);
  const na = a.length;
  const nb = b.length;
  const va = variance(a) / na;
  const vb = variance(b) / nb;
  const diff = mean(a) - mean(b);
  const se = Math.sqrt(va + vb);
  if (!Number.isFinite(se) || !Number.isFinite(diff)) return null;
  let df: number;
  if (se === 0) df = na + nb - 2;
  else df = (va + vb) ** 2 / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return { diff, low: diff - t * se, high: diff + t * se, df, t, se, level };
}

/** True when the interval lies wholly on one side of 0. */
export function excludesZero(ci: WelchInterval | null): boolean {
  return ci !== null && (ci.low > 0 || ci.high < 0);
}
