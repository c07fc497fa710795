import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  mean,
  std,
  variance,
  studentTCdf,
  studentTQuantile,
  welchInterval,
  excludesZero,
  pairedInterval,
  holmAdjust,
  normalQuantile,
  seedsForPower,
} from '../src/report/stats';
import { paperLossOf } from '../src/train/metrics';
import { PAPER_LOSS_MINIMUM } from '../src/rundir/epochs';

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);
}

/** Within a relative tolerance of expected. */
function closeRel(actual: number, expected: number, rel: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what} expected ${expected} (± ${rel} relative), got ${actual}`);
}

// Reference values below are from scipy 1.10.1 (scipy.stats.t, scipy.stats.norm, scipy.stats.ttest_*),
// each with the call that produced it. scipy 1.10's t.ppf is itself off by up to 5e-9 relative
// (e.g. t.ppf(0.05, 30) = -1.6972608943617384; the 50-digit mpmath root of the CDF is
// -1.6972608865939578), hence quantiles are checked to 1e-8; where scipy is further off, the
// value is mpmath's (mpmath.findroot on the regularized incomplete beta, 50 digits), and says so.

test('mean and sample std (n-1)', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  close(variance([2, 4, 4, 4, 5, 5, 7, 9]), 32 / 7, 1e-12);
  close(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
  assert.equal(std([0.97]), 0);
  assert.ok(Number.isNaN(mean([])));
});

test('Student-t CDF matches scipy.stats.t.cdf, non-integer df and far tails included', () => {
  const cases: [number, number, number][] = [
    [2.0, 3, 0.9303370157205785], // scipy.stats.t.cdf(2.0, 3)
    [-1.3, 4.9592, 0.1253699697634816], // scipy.stats.t.cdf(-1.3, 4.9592)
    [0.7, 30, 0.7553397782501642], // scipy.stats.t.cdf(0.7, 30)
    [-4.5, 2.5, 0.01494702950436699], // scipy.stats.t.cdf(-4.5, 2.5)
    [10, 7, 0.9999893028985546], // scipy.stats.t.cdf(10, 7)
    [-40, 5, 9.205981085886476e-8], // scipy.stats.t.cdf(-40, 5)
    [2.5, 1e6, 0.9937902552489184], // scipy.stats.t.cdf(2.5, 1e6)
  ];
  for (const [t, df, p] of cases) closeRel(studentTCdf(t, df), p, 1e-10, `t.cdf(${t}, ${df})`);
  assert.ok(Number.isNaN(studentTCdf(NaN, 3)));
  assert.equal(studentTCdf(Infinity, 3), 1);
  assert.equal(studentTCdf(-Infinity, 3), 0);
  assert.throws(() => studentTCdf(1, 0), /df must be positive and finite/);
  assert.throws(() => studentTCdf(1, Infinity), /df must be positive and finite/);
});

test('Student-t CDF: known values', () => {
  close(studentTCdf(0, 5), 0.5, 1e-12);
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π
  close(studentTCdf(1, 1), 0.75, 1e-12);
  close(studentTCdf(-3, 1), 0.5 + Math.atan(-3) / Math.PI, 1e-12);
  // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t²))
  close(studentTCdf(1.5, 2), 0.5 + 1.5 / (2 * Math.sqrt(2 + 2.25)), 1e-12);
});

test('Student-t quantiles match scipy.stats.t.ppf', () => {
  const cases: [number, number, number][] = [
    [0.975, 1, 12.706204736432095], // scipy.stats.t.ppf(0.975, 1)
    [0.975, 2, 4.302652729911275], // scipy.stats.t.ppf(0.975, 2)
    [0.975, 3, 3.182446305284263], // scipy.stats.t.ppf(0.975, 3)
    [0.975, 4, 2.7764451051977987], // scipy.stats.t.ppf(0.975, 4)
    [0.975, 4.5, 2.6589123472044034], // scipy.stats.t.ppf(0.975, 4.5)
    [0.975, 4.9592, 2.5769558722358985], // scipy.stats.t.ppf(0.975, 4.9592)
    [0.975, 5, 2.5705818366147395], // scipy.stats.t.ppf(0.975, 5)
    [0.975, 10, 2.2281388519649385], // scipy.stats.t.ppf(0.975, 10)
    [0.975, 30, 2.0422724563012373], // scipy.stats.t.ppf(0.975, 30)
    [0.975, 100, 1.9839715184496334], // scipy.stats.t.ppf(0.975, 100)
    [0.975, 1e6, 1.9599663568141066], // scipy.stats.t.ppf(0.975, 1e6)
    [0.95, 5, 2.015048372669157], // scipy.stats.t.ppf(0.95, 5)
    [0.025, 10, -2.2281388519649385], // scipy.stats.t.ppf(0.025, 10)
    [1e-9, 2.37, -5230.550512945461], // scipy.stats.t.ppf(1e-9, 2.37)
    // The quantiles the seeds-for-power estimate takes: power 0.8, and Holm's strictest α/2 over 3.
    [0.8, 1, 1.3763819204924512], // scipy.stats.t.ppf(0.8, 1)
    [0.8, 3, 0.9784723118282999], // scipy.stats.t.ppf(0.8, 3)
    [0.8, 9, 0.8834038596855205], // scipy.stats.t.ppf(0.8, 9)
    [0.8, 33, 0.8526494226368158], // scipy.stats.t.ppf(0.8, 33)
    [1 - 0.05 / 6, 13, 2.745938723063982], // scipy.stats.t.ppf(1 - 0.05/6, 13)
  ];
  for (const [p, df, t] of cases) closeRel(studentTQuantile(p, df), t, 1e-8, `t.ppf(${p}, ${df})`);
  assert.equal(studentTQuantile(0.5, 7), 0);
  assert.throws(() => studentTQuantile(1, 3), /p must be in \(0, 1\)/);
  assert.throws(() => studentTQuantile(0, 3), /p must be in \(0, 1\)/);
  assert.throws(() => studentTQuantile(0.9, -1), /df must be positive and finite/);
  assert.throws(() => studentTQuantile(0.9, NaN), /df must be positive and finite/);
});

test("Student-t quantiles near the centre and at huge df, where stdlib's inverse beta returns 0", () => {
  // stdlib 0.2.3 returns 0 for p within about 1e-8·√df of 0.5, and for any p from df ≈ 1e16 on.
  // scipy 1.10 is itself off here (t.ppf(0.5 + 1e-9, 1000) = 2.5072549130937748e-09, 1e-8 off), so
  // the references are mpmath's: mpmath.findroot(lambda t: cdf(t, df) - p, guess), mp.dps = 50,
  // cdf from mpmath.betainc(df/2, 1/2, 0, df/(df+t²), regularized=True), rounded to the nearest double.
  const cases: [number, number, number][] = [
    [0.5 + 1e-9, 1000, 2.507254939023837e-9], // the linear branch
    [0.5 + 1e-5, 1e8, 2.506628281148657e-5], // the linear branch
    [0.5 + 1e-3, 1e12, 0.002506630899572393], // the Newton branch
    [0.5 - 1e-3, 1e12, -0.002506630899572393],
    [0.8, 1e10, 0.8416212336088584],
    [0.6, 1e15, 0.25334710313579983], // the normal branch
    [0.975, 1e16, 1.959963984540054], // scipy.stats.t.ppf(0.975, 1e16) agrees: 1.959963984540054
  ];
  for (const [p, df, t] of cases) closeRel(studentTQuantile(p, df), t, 1e-9, `t.ppf(${p}, ${df})`);
});

test('Welch interval computed by hand', () => {
  const a = [0.98, 0.97, 0.99];
  const b = [0.95, 0.96, 0.94, 0.93];
  // By hand: mean a = 0.98, var a = 0.0001; mean b = 0.945, var b = 0.0001666…
  const va = 0.0001 / 3;
  const vb = 0.00016666666666666666 / 4;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 3);
  close(df, 4.9592, 1e-3, 'df');
  const ci = welchInterval(a, b);
  assert.ok(ci);
  close(ci.diff, 0.035, 1e-12, 'diff');
  close(ci.se, se, 1e-12, 'se');
  close(ci.df, df, 1e-9, 'df');
  // t(0.975, 4.9592) = 2.57696 (scipy.stats.t.ppf); t(0.975, 5) = 2.5706
  close(ci.t, 2.57696, 1e-4, 't');
  // scipy.stats.ttest_ind(a, b, equal_var=False): t = 4.041451884327387, p = 0.010076943347988808
  closeRel(ci.diff / ci.se, 4.041451884327387, 1e-12, 't statistic');
  closeRel(ci.p, 0.010076943347988808, 1e-9, 'p');
  close(ci.low, 0.035 - ci.t * se, 1e-12);
  close(ci.high, 0.035 + ci.t * se, 1e-12);
  close(ci.low, 0.012683, 1e-5, 'low');
  close(ci.high, 0.057317, 1e-5, 'high');
  assert.ok(excludesZero(ci));
});

test('Welch interval with equal two-sample sizes (textbook df)', () => {
  // Two samples, n = 2 each, same variance → df = 2 and t = 4.303.
  const ci = welchInterval([1, 3], [0, 2]);
  assert.ok(ci);
  close(ci.df, 2, 1e-12);
  close(ci.t, 4.303, 5e-4);
  close(ci.se, 1.4142135623730951, 1e-12);
  assert.ok(!excludesZero(ci));
});

test('Welch interval is null ("n/a") with fewer than 2 values on a side', () => {
  assert.equal(welchInterval([0.9], [0.8, 0.85]), null);
  assert.equal(welchInterval([0.9, 0.91], [0.8]), null);
  assert.equal(excludesZero(null), false);
});

test('Welch interval with zero spread collapses to the difference', () => {
  const ci = welchInterval([1, 1], [0.5, 0.5]);
  assert.ok(ci);
  assert.equal(ci.low, 0.5);
  assert.equal(ci.high, 0.5);
});

test('paired t interval computed by hand: the per-seed differences, n − 1 degrees of freedom', () => {
  // Differences 0.02, 0.03, 0.01, 0.02: mean 0.02, sd sqrt(0.0002/3), t(0.975, 3) = 3.18245.
  const a = [0.97, 0.95, 0.96, 0.99];
  const b = [0.95, 0.92, 0.95, 0.97];
  const ci = pairedInterval(a, b);
  assert.ok(ci);
  assert.equal(ci.method, 'paired');
  assert.equal(ci.n, 4);
  assert.equal(ci.df, 3);
  close(ci.diff, 0.02, 1e-12, 'diff');
  close(ci.sd, Math.sqrt(0.0002 / 3), 1e-12, 'sd');
  close(ci.se, Math.sqrt(0.0002 / 3) / 2, 1e-12, 'se');
  close(ci.t, 3.18245, 1e-4, 't');
  close(ci.low, 0.02 - 3.182446 * ci.se, 1e-6, 'low');
  // scipy.stats.ttest_rel(a, b): t = 4.898979, p = 0.0162766
  close(ci.diff / ci.se, 4.898979, 1e-6, 't statistic');
  close(ci.p, 0.0162766, 1e-7, 'p');
  assert.ok(excludesZero(ci));
  // Unpaired, the same numbers are within noise: the seeds' shared luck is not removed.
  const w = welchInterval(a, b);
  assert.ok(w && w.method === 'Welch' && !excludesZero(w));
  // scipy.stats.ttest_ind(a, b, equal_var=False): t = 1.494175, df = 5.799268, p = 0.1874251
  close(w.df, 5.799268, 1e-6, 'Welch df');
  close(w.p, 0.1874251, 1e-7, 'Welch p');
});

test('paired interval: null for one pair, an error for unequal lengths, and the sd floor', () => {
  assert.equal(pairedInterval([1], [0]), null);
  assert.throws(() => pairedInterval([1, 2], [1]), /pairs need equal lengths/);
  // Identical differences have sd 0: the interval collapses, unless a floor is given.
  const bare = pairedInterval([3, 3, 3], [1, 1, 1]);
  assert.ok(bare && bare.low === 2 && bare.high === 2 && bare.p === 0);
  const floored = pairedInterval([3, 3, 3], [1, 1, 1], 0.95, 1);
  assert.ok(floored);
  close(floored.se, 1 / Math.sqrt(3), 1e-12);
  close(floored.high - floored.low, (2 * 4.302653) / Math.sqrt(3), 1e-5);
  // A tie stays a tie: p = 1.
  assert.equal(pairedInterval([1, 2], [1, 2], 0.95, 1)!.p, 1);
});

test('p-values of a wide gap keep their digits (no 1 − CDF cancellation)', () => {
  // Per-seed differences around 0.08 with a spread of 0.002: the p-value is tiny.
  const a = [0.981, 0.979, 0.983, 0.98, 0.982];
  const b = [0.901, 0.899, 0.9, 0.902, 0.898];
  const paired = pairedInterval(a, b);
  assert.ok(paired);
  // scipy.stats.ttest_rel(a, b): t = 73.94254526319733, p = 2.0046765298558184e-07
  closeRel(paired.diff / paired.se, 73.94254526319733, 1e-9, 'paired t');
  closeRel(paired.p, 2.0046765298558184e-7, 1e-8, 'paired p');
  const welch = welchInterval(a, b);
  assert.ok(welch);
  // scipy.stats.ttest_ind(a, b, equal_var=False): t = 81.0, p = 6.017729270101856e-13
  closeRel(welch.diff / welch.se, 81.0, 1e-9, 'Welch t');
  closeRel(welch.p, 6.017729270101856e-13, 1e-8, 'Welch p');
});

test("Welch's interval for readings of any magnitude: the df does not underflow or overflow", () => {
  // The textbook case ([1, 3] against [0, 2]: df 2, t = scipy.stats.t.ppf(0.975, 2) = 4.302652729911275),
  // scaled: squaring a variance of 1e-300 underflows to 0 and one of 1e300 overflows.
  for (const scale of [1e-150, 1, 1e150]) {
    const ci = welchInterval([1 * scale, 3 * scale], [0, 2 * scale]);
    assert.ok(ci, `scale ${scale}`);
    closeRel(ci.df, 2, 1e-12, `df at scale ${scale}`);
    closeRel(ci.t, 4.302652729911275, 1e-9, `t at scale ${scale}`);
    closeRel(ci.high, scale * (1 + 4.302652729911275 * Math.SQRT2), 1e-9, `high at scale ${scale}`);
  }
});

test("Holm's adjusted p-values (step-down, monotone, in input order)", () => {
  // Sorted 0.01, 0.02, 0.03, 0.04 → ×4, ×3, ×2, ×1 → 0.04, 0.06, 0.06, 0.06 (made monotone).
  const adj = holmAdjust([0.03, 0.01, 0.04, 0.02]);
  const expected = [0.06, 0.04, 0.06, 0.06];
  adj.forEach((p, i) => close(p, expected[i], 1e-12, `p[${i}]`));
  close(holmAdjust([0.5, 0.001])[0], 0.5, 1e-12);
  close(holmAdjust([0.5, 0.001])[1], 0.002, 1e-12);
  assert.deepEqual(holmAdjust([0.9, 0.8]), [1, 1], 'capped at 1, and never below an earlier step');
  adj.forEach((p, i) => assert.ok(p >= [0.03, 0.01, 0.04, 0.02][i], 'never below the raw p'));
  assert.deepEqual(holmAdjust([0.6, 0.7, 0.8]), [1, 1, 1]);
  assert.deepEqual(holmAdjust([]), []);
});

test('normal quantiles match scipy.stats.norm.ppf', () => {
  const cases: [number, number][] = [
    [0.975, 1.959963984540054], // scipy.stats.norm.ppf(0.975)
    [0.8, 0.8416212335729143], // scipy.stats.norm.ppf(0.8)
    [0.001, -3.090232306167813], // scipy.stats.norm.ppf(0.001)
    [1 - 0.05 / 6, 2.3939797998185104], // scipy.stats.norm.ppf(1 - 0.05/6)
    [0.999999, 4.753424308817087], // scipy.stats.norm.ppf(0.999999)
  ];
  for (const [p, z] of cases) closeRel(normalQuantile(p), z, 1e-12, `norm.ppf(${p})`);
  assert.equal(normalQuantile(0.5), 0);
  assert.throws(() => normalQuantile(0), /p must be in \(0, 1\)/);
  assert.throws(() => normalQuantile(1), /p must be in \(0, 1\)/);
});

test('seeds for 80% power match G*Power and the exact noncentral t: paired d = 1 → 10; two samples d = 1 → 17 per group', () => {
  assert.deepEqual(seedsForPower(1, 1, 'paired'), { seeds: 10 });
  assert.deepEqual(seedsForPower(-1, 1, 'paired'), { seeds: 10 }, 'the sign of the gap does not matter');
  // Welch's sd is sqrt(sd_a² + sd_b²): d = 1 with sd 1 on each side.
  assert.deepEqual(seedsForPower(1, Math.SQRT2, 'Welch'), { seeds: 17 });
  // G*Power, paired, d = 0.5, α 0.05, power 0.8: n = 34.
  assert.deepEqual(seedsForPower(0.5, 1, 'paired'), { seeds: 34 });
  // A smaller α (Holm's strictest step over 3 comparisons) needs more.
  // Exact noncentral-t power (scipy.stats.nct) agrees: 14 pairs at α = 0.05/3, 4 at d = √6.
  assert.deepEqual(seedsForPower(1, 1, 'paired', 0.05 / 3), { seeds: 14 });
  assert.deepEqual(seedsForPower(1, 1 / Math.sqrt(6), 'paired'), { seeds: 4 });
  assert.deepEqual(seedsForPower(0, 1, 'paired'), { seeds: null, why: 'zero gap' });
  assert.deepEqual(seedsForPower(0.001, 1, 'paired'), { seeds: null, why: 'over limit' });
  assert.deepEqual(seedsForPower(1, 0, 'paired'), { seeds: null, why: 'no spread' });
});

test('paperLossOf a one-hot vector is ln(1 + 9/e) = 1.4612', () => {
  const oneHot = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  close(paperLossOf(oneHot, 3), 1.4612, 1e-4);
  close(PAPER_LOSS_MINIMUM, 1.4612, 1e-4);
});
