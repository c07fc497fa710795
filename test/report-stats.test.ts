import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  mean,
  std,
  variance,
  lnGamma,
  incompleteBeta,
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

test('mean and sample std (n-1)', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  close(variance([2, 4, 4, 4, 5, 5, 7, 9]), 32 / 7, 1e-12);
  close(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
  assert.equal(std([0.97]), 0);
  assert.ok(Number.isNaN(mean([])));
});

test('lnGamma and the incomplete beta function', () => {
  close(lnGamma(1), 0, 1e-12);
  close(lnGamma(5), Math.log(24), 1e-12);
  close(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
  close(incompleteBeta(0.5, 2, 2), 0.5, 1e-12);
  close(incompleteBeta(0.3, 1, 1), 0.3, 1e-12);
  // I_x(a,1) = x^a
  close(incompleteBeta(0.4, 3, 1), 0.064, 1e-12);
});

test('Student-t CDF: known values', () => {
  close(studentTCdf(0, 5), 0.5, 1e-12);
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π
  close(studentTCdf(1, 1), 0.75, 1e-12);
  close(studentTCdf(-3, 1), 0.5 + Math.atan(-3) / Math.PI, 1e-12);
  // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t²))
  close(studentTCdf(1.5, 2), 0.5 + 1.5 / (2 * Math.sqrt(2 + 2.25)), 1e-12);
});

test('Student-t quantiles match the tables', () => {
  close(studentTQuantile(0.975, 1), 12.706, 5e-4, 'df=1');
  close(studentTQuantile(0.975, 2), 4.303, 5e-4, 'df=2');
  close(studentTQuantile(0.975, 10), 2.228, 5e-4, 'df=10');
  close(studentTQuantile(0.975, 30), 2.042, 5e-4, 'df=30');
  close(studentTQuantile(0.975, 1e6), 1.95996, 1e-4, 'df→∞');
  close(studentTQuantile(0.95, 5), 2.015, 5e-4, 'one-sided 95% df=5');
  close(studentTQuantile(0.025, 10), -2.228, 5e-4, 'lower tail');
  // Non-integer df (Welch): between the neighbouring integers.
  const q = studentTQuantile(0.975, 4.5);
  assert.ok(q < studentTQuantile(0.975, 4) && q > studentTQuantile(0.975, 5));
  assert.throws(() => studentTQuantile(1, 3));
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

test('normal quantiles match the tables', () => {
  close(normalQuantile(0.975), 1.959964, 1e-6);
  close(normalQuantile(0.8), 0.841621, 1e-6);
  close(normalQuantile(0.5), 0, 1e-12);
  close(normalQuantile(0.001), -3.090232, 1e-6);
  close(normalQuantile(1 - 0.05 / 6), 2.39398, 1e-6);
  assert.throws(() => normalQuantile(0));
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
