import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectRuns } from '../src/report/runs';
import { evaluateClaims, claimFastestConvergence, claimSigmoidWorst, claimSmallTimeCost, epochsToThreshold, Verdict } from '../src/report/verdicts';
import { writeReport } from '../src/report/report';
import { tempDir, writeComparisonDir, FakeRun } from './report-fixtures';

const CURVE = [2, 1.2, 0.8, 0.6, 0.5, 0.45];

/** Four schedules × seeds; loss factors and seconds per schedule. */
function scenario(factors: Record<string, number>, seconds: Record<string, number>, seeds = [1, 2, 3], jitter = 30): FakeRun[] {
  const runs: FakeRun[] = [];
  for (const label of Object.keys(factors)) {
    for (const seed of seeds) {
      runs.push({ label, seed, trainLoss: CURVE.map((x) => x * factors[label] * (1 + seed / jitter)), seconds: seconds[label] + seed / 100 });
    }
  }
  return runs;
}

function verdictsFor(runs: FakeRun[]): Verdict[] {
  const dir = tempDir();
  writeComparisonDir(dir, runs);
  return evaluateClaims(collectRuns(dir).groups);
}

test('the paper holds: tanh-relu best and fastest, sigmoid clearly worst, small time cost', () => {
  const v = verdictsFor(scenario({ sigmoid: 1.5, tanh: 0.8, relu: 0.7, 'tanh-relu': 0.5 }, { sigmoid: 10, tanh: 10, relu: 10.1, 'tanh-relu': 10.4 }));
  assert.deepEqual(v.map((x) => x.id), ['a', 'b', 'c', 'd']);
  assert.deepEqual(v.map((x) => x.status), ['held', 'held', 'held', 'held']);
  // (a): final train accuracy = 1 - loss/3 averaged over the last 2 epochs: tanh-relu seed 1 = 1 - 0.5*(0.5+0.45)/2*(31/30)/3
  const a = v[0];
  assert.match(a.evidence[0], /^tanh-relu final train accuracy 0\.91\d\d ± 0\.00\d\d \(paper 0\.981\)$/);
  assert.match(a.evidence[1], /^vs sigmoid .*: tanh-relu \+0\.16\d\d, 95% CI \[\+0\.1\d\d\d, \+0\.1\d\d\d\]$/);
  // (c): all gaps' CIs exclude 0
  assert.match(v[2].reason, /every gap's 95% CI excludes 0/);
  // (d): +0.4 s over sigmoid = +4.0%, paper +2.48 s
  assert.match(v[3].evidence.join('\n'), /vs sigmoid 10\.02 ± 0\.01 s: \+0\.40 s \(\+4\.0%\), 95% CI \[\+0\.\d\d, \+0\.\d\d\]; paper \+2\.48 s/);
  assert.match(v[3].reason, /slower than each other schedule, by at most 10%/);
});

test('the paper fails: relu beats tanh-relu, sigmoid not worst, tanh-relu much slower', () => {
  const v = verdictsFor(scenario({ sigmoid: 0.9, tanh: 1.0, relu: 0.5, 'tanh-relu': 0.7 }, { sigmoid: 10, tanh: 10, relu: 10, 'tanh-relu': 15 }));
  assert.deepEqual(v.map((x) => x.status), ['did not hold', 'did not hold', 'did not hold', 'did not hold']);
  assert.match(v[0].reason, /not above relu's/);
  assert.match(v[1].reason, /relu reached the common threshold before tanh-relu/);
  assert.match(v[2].reason, /tanh trained to no higher accuracy than sigmoid/);
  assert.match(v[3].reason, /more than 10% longer per epoch than sigmoid and tanh and relu/);
  assert.match(v[3].evidence.join('\n'), /vs sigmoid 10\.02 ± 0\.01 s: \+5\.00 s \(\+49\.9%\), 95% CI \[\+4\.98, \+5\.02\]; paper \+2\.48 s/);
});

test('sigmoid lowest but within noise: "clearly" fails on the CI', () => {
  // Seeds spread widely (jitter 2 → factors 1.5x..2.5x) so the intervals are wide.
  const runs = scenario({ sigmoid: 0.55, tanh: 0.5, relu: 0.45, 'tanh-relu': 0.4 }, { sigmoid: 10, tanh: 10, relu: 10, 'tanh-relu': 10 }, [1, 2, 3], 2);
  const dir = tempDir();
  writeComparisonDir(dir, runs);
  const c = claimSigmoidWorst(collectRuns(dir).groups);
  assert.equal(c.status, 'did not hold');
  assert.match(c.reason, /lowest mean, but not clearly: the 95% CI of its gap to .*includes 0/);
});

test('one seed: verdicts on means, intervals n/a', () => {
  const v = verdictsFor(scenario({ sigmoid: 1.5, tanh: 0.8, relu: 0.7, 'tanh-relu': 0.5 }, { sigmoid: 10, tanh: 10, relu: 10, 'tanh-relu': 10.2 }, [1]));
  assert.deepEqual(v.map((x) => x.status), ['held', 'held', 'held', 'held']);
  assert.match(v[2].reason, /one seed: no CI/);
  assert.match(v[0].evidence[1], /95% CI n\/a/);
});

test('not testable when the schedules are missing or timed on different machines', () => {
  const v = verdictsFor(scenario({ tanh: 0.8, relu: 0.7 }, { tanh: 10, relu: 10 }));
  assert.deepEqual(v.map((x) => x.status), ['not testable', 'not testable', 'not testable', 'not testable']);
  assert.equal(v[0].reason, 'tanh-relu was not run');
  assert.equal(v[2].reason, 'sigmoid was not run');
  const only = verdictsFor(scenario({ 'tanh-relu': 0.5 }, { 'tanh-relu': 10 }));
  assert.match(only[0].reason, /none of sigmoid, tanh, relu was run/);

  const runs = scenario({ relu: 0.7, 'tanh-relu': 0.5 }, { relu: 10, 'tanh-relu': 10 });
  runs[0].machine = { cpuModel: 'Other CPU' };
  const dir = tempDir();
  writeComparisonDir(dir, runs);
  const d = claimSmallTimeCost(collectRuns(dir).groups);
  assert.equal(d.status, 'not testable');
  assert.match(d.reason, /timed on different setups/);
});

test('(b) threshold = final loss of the slower; same epoch → lower loss is ahead', () => {
  assert.deepEqual(epochsToThreshold([{ epoch: 1, loss: 1 }, { epoch: 2, loss: 0.5 }], 0.6), { epoch: 2, loss: 0.5 });
  assert.equal(epochsToThreshold([{ epoch: 1, loss: 1 }], 0.6), null);
  const mk = (relu: number[]) => {
    const dir = tempDir();
    writeComparisonDir(dir, [
      { label: 'tanh-relu', seed: 1, trainLoss: [1.0, 0.5, 0.3, 0.2], averageLast: 1 },
      { label: 'relu', seed: 1, trainLoss: relu, averageLast: 1 },
    ]);
    return claimFastestConvergence(collectRuns(dir).groups);
  };
  const tie = mk([0.9, 0.6, 0.35, 0.25]);
  assert.equal(tie.status, 'held');
  assert.equal(tie.evidence[0], "vs relu: threshold 0.2500 (relu's final loss); tanh-relu reaches it at epoch 4 (loss 0.2000), relu at epoch 4 (loss 0.2500)");
  const lost = mk([0.9, 0.4, 0.25, 0.25]);
  assert.equal(lost.status, 'did not hold');
  assert.match(lost.evidence[0], /tanh-relu reaches it at epoch 4 \(loss 0\.2000\), relu at epoch 3 \(loss 0\.2500\)/);
  const exactTie = mk([1.0, 0.5, 0.3, 0.2]);
  assert.equal(exactTie.status, 'did not hold');
  assert.match(exactTie.reason, /tied with relu/);
});

test('report.md and self-contained report.html: table, charts, one verdict per claim, protocol, machine', async () => {
  const dir = tempDir();
  writeComparisonDir(dir, scenario({ sigmoid: 1.5, tanh: 0.8, relu: 0.7, 'tanh-relu': 0.5 }, { sigmoid: 10, tanh: 10, relu: 10, 'tanh-relu': 15 }));
  const out = path.join(dir, 'out');
  const result = await writeReport(dir, out);
  assert.deepEqual(result.verdicts.map((v) => v.status), ['held', 'held', 'held', 'did not hold']);
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /\| schedule \| conv1,conv2,dense \| seeds \| train loss \|/);
  for (const label of ['sigmoid', 'tanh', 'relu', 'tanh-relu']) assert.match(md, new RegExp(`^\\| ${label} \\| `, 'm'));
  assert.match(md, /\| tanh-relu \| relu,tanh,relu \| 3 \|.*\| 1\.4936 \|.*\| 0\.981 \|/);
  for (const id of ['a', 'b', 'c', 'd']) assert.equal(md.split(`\n### (${id}) `).length, 2, `one section for claim (${id})`);
  assert.equal((md.match(/\*\*Verdict: held\.\*\*/g) ?? []).length, 3);
  assert.equal((md.match(/\*\*Verdict: did not hold\.\*\*/g) ?? []).length, 1);
  assert.match(md, /!\[Accuracy vs epoch\]\(accuracy\.png\)/);
  assert.match(md, /\| learning rate \| 0\.0001 \| 0\.0001 \|/);
  assert.match(md, /\| epochs \(rounds\) \| 6 \| 20 \|/);
  assert.match(md, /cpuModel: Test CPU/);
  for (const f of ['accuracy.png', 'loss.svg', 'paper-loss.png', 'comparison.csv', 'comparison.md', 'report.html']) {
    assert.ok(fs.existsSync(path.join(out, f)), f);
  }
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.equal((html.match(/<svg /g) ?? []).length, 5, 'five charts inlined (three, and the zoomed accuracy and loss)');
  assert.match(html, /<table>/);
  assert.equal((html.match(/<div class="verdict /g) ?? []).length, 4);
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no external resources');
  assert.doesNotMatch(html, /<(script|link|img)\b/i);
});

test('report of a sweep folder adds the ranking and the heatmap', async () => {
  const dir = tempDir();
  const runs: FakeRun[] = [];
  let k = 0;
  for (const a of ['tanh', 'relu']) for (const b of ['tanh', 'relu']) for (const c of ['tanh', 'relu']) runs.push({ label: `${a},${b},${c}`, seed: 1, trainLoss: [1, 0.5 + (k++) / 50], averageLast: 1 });
  writeComparisonDir(dir, runs.map((r) => ({ ...r, label: r.label === 'relu,tanh,relu' ? 'tanh-relu' : r.label === 'tanh,tanh,tanh' ? 'tanh' : r.label === 'relu,relu,relu' ? 'relu' : r.label })), 'sweep');
  const result = await writeReport(dir);
  assert.ok(result.files.some((f) => f.endsWith('heatmap.svg')));
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /## Ranking \(sweep\)/);
  assert.match(md, /\| 1 \| tanh \| tanh,tanh,tanh \| 1 \|/);
  assert.ok(fs.existsSync(path.join(dir, 'sweep.csv')));
});
