import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  mean, std, variance, lnGamma, incompleteBeta, studentTCdf, studentTQuantile, welchInterval, excludesZero,
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

test('paperLossOf a one-hot vector is ln(1 + 9/e) = 1.4612', () => {
  const oneHot = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  close(paperLossOf(oneHot, 3), 1.4612, 1e-4);
  close(PAPER_LOSS_MINIMUM, 1.4612, 1e-4);
});
