/**
 * Diverged runs are out of every ranking, best, gap, interval and verdict, and every table and the
 * report say which runs diverged and at which epoch. Tested on real diverging training runs
 * (--lr 1e30 diverges every schedule in its first epoch: relu and tanh-relu to NaN, sigmoid and tanh
 * to a finite blown-up loss; --lr 0.05 blows up relu seed 1 alone of relu,tanh × 3 seeds) and on
 * hand-made folders for the cases training does not produce on demand.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawOptions } from '../src/options/resolve';
import { NAMED_SCHEDULES, Schedule } from '../src/model/activations';
import { runGrid } from '../src/train/campaign';
import { gridCells } from '../src/train/grid';
import { collectRuns, divergence, RunGroup } from '../src/report/runs';
import { bestGroupIndex, comparisonRows, writeComparison } from '../src/report/comparison';
import { sweepRows, writeSweepTable } from '../src/report/sweep-table';
import { writeReport } from '../src/report/report';
import { claimFastestConvergence, claimHighestTrainAccuracy, evaluateClaims } from '../src/report/verdicts';
import { heatmapRows } from '../src/report/plot';
import { FakeRun, tempDir, writeComparisonDir } from './report-fixtures';

/** A real campaign, trained in this process: the schedules × seeds, one thread, one cell at a time. */
async function train(out: string, labels: string[], seeds: number[], base: RawOptions, kind: 'comparison' | 'sweep' = 'comparison') {
  const schedules = labels.map((l) => [...(NAMED_SCHEDULES[l] ?? l.split(','))] as Schedule);
  const results = await runGrid({
    kind,
    cells: gridCells(schedules, seeds),
    base: { limit: 300, epochs: 2, threads: 1, ...base },
    outDir: out,
    jobs: 1,
  });
  assert.ok(!results.stopped && !results.failed);
  return results;
}

/** A CSV file's rows as objects by header (no cell of these tables holds a comma but the quoted labels). */
function csvRecords(file: string): Array<Record<string, string>> {
  const split = (line: string) =>
    line
      .match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
      .slice(0, -1)
      .map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n').map(split);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

const PAPER = ['sigmoid', 'tanh', 'relu', 'tanh-relu'];

/** Which runs under dir diverged, by their summary.json: "schedule@epoch". */
function divergedBySummary(dir: string, cells: string[]): string[] {
  return cells
    .map((cell) => [cell, JSON.parse(fs.readFileSync(path.join(dir, cell, 'seed-1', 'summary.json'), 'utf8'))] as const)
    .filter(([, s]) => s.diverged_epoch !== null)
    .map(([, s]) => `${s.schedule}@${s.diverged_epoch}`)
    .sort();
}

test("the issue's compare at --lr 1e30 (really trained): relu and tanh-relu diverge to NaN, sigmoid and tanh to a finite blown-up loss; none is best, and no claim is testable", async () => {
  const out = path.join(tempDir(), 'cmp');
  await train(out, PAPER, [1], { lr: '1e30' });
  assert.deepEqual(
    divergedBySummary(out, PAPER),
    ['relu@1', 'sigmoid@1', 'tanh-relu@1', 'tanh@1'],
    'the premise: every schedule diverges in epoch 1',
  );
  // Their accuracies are finite (0.1 and so on): that is what made them "best" before.
  const reluSummary = JSON.parse(fs.readFileSync(path.join(out, 'relu', 'seed-1', 'summary.json'), 'utf8'));
  assert.ok(typeof reluSummary.final.test_accuracy === 'number' && reluSummary.final.train_loss === null);

  // What the user sees: the files of lenet report.
  const report = await writeReport(out);
  const csv = csvRecords(path.join(out, 'comparison.csv'));
  for (const r of csv) {
    assert.ok(!PAPER.includes(r.test_accuracy_best), `comparison.csv names ${r.test_accuracy_best} best`);
    assert.ok(!PAPER.includes(r.train_accuracy_best), `comparison.csv names ${r.train_accuracy_best} best`);
  }
  assert.deepEqual(
    report.verdicts.map((v) => v.status),
    ['not testable', 'not testable', 'not testable', 'not testable'],
    'no claim is held, refuted or called a tie from runs that diverged',
  );
  for (const v of report.verdicts) {
    assert.match(v.reason, /relu diverged on every seed: seed 1 at epoch 1 \(train_loss NaN\)/);
    assert.match(v.reason, /tanh-relu diverged on every seed: seed 1 at epoch 1/);
  }
  const csvRelu = csv.find((r) => r.schedule === 'relu')!;
  assert.equal(csvRelu.seeds, '0');
  assert.equal(csvRelu.test_accuracy_mean, '', 'no number for a schedule with no run left');
  assert.equal(csvRelu.diverged_runs, '1');
  assert.equal(csvRelu.diverged_at, 'seed 1 epoch 1 (train_loss NaN)');
  const md = fs.readFileSync(path.join(out, 'comparison.md'), 'utf8');
  assert.match(md, /^\| relu \| relu,relu,relu \| 0 of 1 \| n\/a \|.*\| n\/a \| seed 1 at epoch 1 \(train_loss NaN\) \|$/m);
  assert.match(
    md,
    /Diverged runs .* are left out of every mean, ranking, gap, interval and verdict: .*relu on every seed: seed 1 at epoch 1/,
  );
  const rmd = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(rmd, /- relu\/seed-1 diverged at epoch 1 \(train_loss NaN\): it is left out of every mean, ranking, gap and verdict/);
  assert.match(rmd, /- tanh-relu\/seed-1 diverged at epoch 1/);

  // And the rows behind them.
  const c = collectRuns(out);
  assert.deepEqual(c.diverged.map((d) => `${d.run.summary.schedule}@${d.epoch}`).sort(), ['relu@1', 'sigmoid@1', 'tanh-relu@1', 'tanh@1']);
  for (const r of comparisonRows(c.groups)) {
    assert.deepEqual(r.seeds, []);
    assert.equal(r.testGap, null);
    assert.equal(r.trainGap, null);
    assert.equal(r.diverged.length, 1);
    assert.equal(r.diverged[0].epoch, 1);
    if (r.label === 'relu' || r.label === 'tanh-relu') assert.equal(r.diverged[0].what, 'train_loss NaN');
    else assert.match(r.diverged[0].what, /^train loss \d+\.\d{4} above 2·ln 10 = 4\.6052$/, r.label);
  }
});

test("the issue's sweep --grid relu,tanh at --lr 1e30 (really trained): every schedule diverges, to NaN or to a finite blown-up loss; none is ranked, none has a gap", async () => {
  const out = path.join(tempDir(), 'sweep');
  await train(
    out,
    ['tanh', 'tanh,tanh,relu', 'tanh,relu,tanh', 'tanh,relu,relu', 'relu,tanh,tanh', 'tanh-relu', 'relu,relu,tanh', 'relu'],
    [1],
    { lr: '1e30' },
    'sweep',
  );
  const cells = fs.readdirSync(out).filter((d) => fs.existsSync(path.join(out, d, 'seed-1', 'summary.json')));
  assert.equal(cells.length, 8);
  const diverged = divergedBySummary(out, cells);
  assert.equal(diverged.length, 8, `training records every one as diverged: ${diverged.join(' ')}`);
  assert.ok(diverged.every((x) => x.endsWith('@1')));
  const c = collectRuns(out);
  const { rows, files } = writeSweepTable(out, c.groups);
  // Before, the schedules whose loss blew up to a finite value (13.5-13.9, chance accuracy) ranked 1-3.
  const nan = rows.filter((r) => r.diverged[0]?.what === 'train_loss NaN').map((r) => r.label);
  const finite = rows.filter((r) => /^train loss \d+\.\d{4} above 2·ln 10 = 4\.6052$/.test(r.diverged[0]?.what ?? '')).map((r) => r.label);
  assert.ok(nan.length >= 1 && finite.length >= 1, `both kinds: NaN ${nan.join(' ')}; finite ${finite.join(' ')}`);
  assert.equal(nan.length + finite.length, 8);
  for (const r of rows) {
    assert.equal(r.rank, null, r.label);
    assert.equal(r.gap, null, r.label);
    assert.equal(r.diverged[0].epoch, 1, r.label);
  }
  for (const r of csvRecords(files[0])) {
    assert.equal(r.rank, '', r.schedule);
    assert.equal(r.test_accuracy_mean, '', r.schedule);
    assert.match(r.diverged_at, /^seed 1 epoch 1 \(/, r.schedule);
  }
  const md = fs.readFileSync(files[1], 'utf8');
  for (const r of rows) assert.match(md, new RegExp(`^\\| – \\| ${r.label} \\|.*\\| seed 1 at epoch 1 \\(.*\\) \\|$`, 'm'));
  // The heatmap says "diverged" everywhere: there is nothing to colour.
  for (const h of heatmapRows(c.groups)) assert.equal(h.text, 'diverged', h.schedule);
});

test('one seed of three diverges (really trained, --lr 0.05: relu seed 1 blows up in epoch 1): the schedule keeps its other seeds, and the tables say which one left', async () => {
  const out = path.join(tempDir(), 'partial');
  await train(out, ['relu', 'tanh'], [1, 2, 3], { lr: '0.05' });
  const c = collectRuns(out);
  assert.deepEqual(
    c.diverged.map((d) => [d.run.summary.schedule, d.seed, d.epoch]),
    [['relu', 1, 1]],
    'the premise: relu seed 1 diverges in epoch 1, nothing else does',
  );
  assert.match(c.diverged[0].what, /^train loss \d+\.\d{4} above 2·ln 10 = 4\.6052$/);
  const relu = c.groups.find((g) => g.label === 'relu')!;
  assert.deepEqual(relu.seeds, [2, 3]);
  assert.ok(
    relu.epochs.every((e) => e.n === 2),
    'the curves are drawn from the two seeds left',
  );
  const rows = comparisonRows(c.groups);
  const row = rows.find((r) => r.label === 'relu')!;
  const finals = relu.runs.map((r) => r.summary.final.test_accuracy);
  assert.equal(row.testAccuracy.mean, (finals[0] + finals[1]) / 2);
  assert.equal(row.testAccuracy.n, 2);
  const gap = row.testGap!.best === 'relu' ? rows.find((r) => r.label === 'tanh')!.testGap! : row.testGap!;
  assert.equal(gap.ci?.method, 'paired', 'seeds 2,3 against 1,2,3: paired on the two both kept');
  assert.equal(gap.ci?.n, 2);
  writeComparison(out, c.groups);
  const md = fs.readFileSync(path.join(out, 'comparison.md'), 'utf8');
  assert.match(md, /^\| relu \| relu,relu,relu \| 2 of 3 \|.*\| seed 1 at epoch 1 \(train loss \d+\.\d{4} above 2·ln 10 = 4\.6052\) \|$/m);
  const csvRelu = csvRecords(path.join(out, 'comparison.csv')).find((r) => r.schedule === 'relu')!;
  assert.equal(csvRelu.seeds, '2');
  assert.match(csvRelu.diverged_at, /^seed 1 epoch 1 \(train loss \d+\.\d{4} above 2·ln 10 = 4\.6052\)$/);
  assert.ok(Number.isFinite(Number(csvRelu.train_loss_mean)) && csvRelu.train_loss_mean !== '', 'the mean of the seeds left');
});

// ---------------------------------------------------------------- hand-made folders

function groupsOf(runs: FakeRun[], kind: 'comparison' | 'sweep' = 'comparison'): RunGroup[] {
  const dir = tempDir();
  writeComparisonDir(dir, runs, kind);
  return collectRuns(dir).groups;
}

test('divergence: any NaN or infinite loss, accuracy or time counts, in epochs.csv or the summary, whatever diverged_epoch says', () => {
  const dir = tempDir();
  writeComparisonDir(dir, [
    { label: 'relu', seed: 1, trainLoss: [1, 0.5, 0.4] },
    { label: 'relu', seed: 2, trainLoss: [1, 0.5, 0.4], epochOverrides: { 2: { test_loss: NaN } } },
    { label: 'relu', seed: 3, trainLoss: [1, 0.5, 0.4], epochOverrides: { 3: { train_paper_loss: Infinity } } },
    { label: 'relu', seed: 4, trainLoss: [1, 0.5, 0.4], epochOverrides: { 1: { test_accuracy: -Infinity } } },
    { label: 'relu', seed: 5, trainLoss: [1, NaN, NaN], divergedEpoch: 2 },
    { label: 'relu', seed: 6, trainLoss: [1, 0.5, 0.4], epochOverrides: { 2: { seconds: NaN } } },
  ]);
  const c = collectRuns(dir);
  const byseed = new Map(c.runs.map((r) => [r.summary.seed, divergence(r)]));
  assert.equal(byseed.get(1), null);
  assert.deepEqual(byseed.get(2), { epoch: 2, what: 'test_loss NaN' });
  assert.deepEqual(byseed.get(3), { epoch: 3, what: 'train_paper_loss Infinity' });
  assert.deepEqual(byseed.get(4), { epoch: 1, what: 'test_accuracy -Infinity' });
  assert.deepEqual(byseed.get(5), { epoch: 2, what: 'train_loss NaN' });
  assert.deepEqual(byseed.get(6), { epoch: 2, what: 'seconds NaN' });
  const relu = c.groups[0];
  assert.deepEqual(relu.seeds, [1]);
  assert.deepEqual(
    relu.diverged.map((d) => d.seed),
    [2, 3, 4, 5, 6],
  );
  // A summary.json whose final metric is null (n/a) while epochs.csv is finite: tampered or cut short — out too.
  const file = path.join(dir, 'relu', 'seed-1', 'summary.json');
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  s.final.train_accuracy = null;
  fs.writeFileSync(file, JSON.stringify(s));
  const again = collectRuns(dir);
  assert.deepEqual(divergence(again.runs.find((r) => r.summary.seed === 1)!), {
    epoch: null,
    what: 'final train_accuracy n/a in summary.json',
  });
  assert.equal(again.groups[0].runs.length, 0);
  assert.match(again.warnings.join('\n'), /relu\/seed-1 diverged \(final train_accuracy n\/a in summary\.json\): it is left out/);
});

test('a diverged run with the highest accuracy is never best: not in bestGroupIndex, the sweep, the comparison, nor claim (a)', () => {
  const runs: FakeRun[] = ['sigmoid', 'tanh', 'relu', 'tanh-relu'].flatMap((label, i) =>
    [1, 2, 3].map((seed) => ({
      label,
      seed,
      averageLast: 1,
      trainLoss: [1, 0.6 - i / 20 - seed / 1000],
      // relu "trains" to the best accuracy of all, but its loss went NaN: a broken run, not a winner.
      ...(label === 'relu'
        ? { trainAccuracy: [0.5, 0.999], testAccuracy: [0.5, 0.999], epochOverrides: { 2: { train_loss: NaN } }, divergedEpoch: 2 }
        : {}),
    })),
  );
  const groups = groupsOf(runs, 'sweep');
  const relu = groups.findIndex((g) => g.label === 'relu');
  assert.notEqual(bestGroupIndex(groups, 'test_accuracy'), relu);
  assert.notEqual(bestGroupIndex(groups, 'train_accuracy'), relu);
  const sweep = sweepRows(groups);
  assert.equal(sweep[sweep.length - 1].label, 'relu');
  assert.equal(sweep[sweep.length - 1].rank, null);
  assert.equal(sweep[0].label, 'tanh-relu');
  for (const r of comparisonRows(groups)) {
    if (r.label !== 'relu') assert.equal(r.testGap?.best, 'tanh-relu');
  }
  const a = claimHighestTrainAccuracy(groups);
  assert.equal(a.status, 'not testable');
  assert.match(
    a.reason,
    /^relu diverged on every seed: seed 1 at epoch 2 \(train_loss NaN\), seed 2 at epoch 2 \(train_loss NaN\), seed 3 at epoch 2/,
  );
  assert.deepEqual(a.comparisons, []);
  const b = claimFastestConvergence(groups);
  assert.equal(b.status, 'not testable', '(b) is no tie when one side has no loss curve');
});

test('a schedule that diverged on some seeds: the claims use the seeds left, and say which were left out', () => {
  const runs: FakeRun[] = ['sigmoid', 'tanh', 'relu', 'tanh-relu'].flatMap((label, i) =>
    [1, 2, 3].map((seed) => ({
      label,
      seed,
      averageLast: 1,
      trainLoss: [1, 0.6 - i / 10 - seed / 1000],
      ...(label === 'tanh-relu' && seed === 2 ? { trainLoss: [1, Infinity], divergedEpoch: 2 } : {}),
    })),
  );
  const verdicts = evaluateClaims(groupsOf(runs));
  for (const v of verdicts.slice(0, 3)) {
    assert.notEqual(v.status, 'not testable', `(${v.id}): ${v.reason}`);
    assert.ok(
      v.evidence.includes('Left out as diverged: tanh-relu seed 2 at epoch 2 (train_loss Infinity).'),
      `(${v.id}) ${v.evidence.join(' | ')}`,
    );
  }
  const a = verdicts[0];
  const vsRelu = a.comparisons.find((c) => c.versus === 'relu')!;
  // Paired on the seeds both kept (1 and 3), not Welch's over all runs.
  assert.equal(vsRelu.method, 'paired on 2 shared seeds (of 2 and 3)');
  assert.ok(vsRelu.diff > 0 && Number.isFinite(vsRelu.diff));
});

test('every schedule diverged: tables, charts, heatmap and report are written, nothing is ranked and nothing is best', async () => {
  const dir = tempDir();
  writeComparisonDir(
    dir,
    ['tanh', 'relu', 'tanh-relu'].map((label) => ({ label, seed: 1, trainLoss: [NaN, NaN], divergedEpoch: 1 })),
    'sweep',
  );
  const result = await writeReport(dir);
  assert.ok(result.rows.every((r) => r.testGap === null && r.trainGap === null));
  const sweep = sweepRows(collectRuns(dir).groups);
  assert.ok(sweep.every((r) => r.rank === null && r.gap === null));
  assert.ok(
    result.verdicts.filter((v) => v.id !== 'c').every((v) => v.status === 'not testable' && /diverged on every seed/.test(v.reason)),
  );
  for (const f of ['comparison.csv', 'sweep.csv', 'heatmap.svg', 'accuracy.svg', 'report.html'])
    assert.ok(fs.existsSync(path.join(dir, f)), f);
  const csv = csvRecords(path.join(dir, 'sweep.csv'));
  assert.ok(csv.every((r) => r.rank === '' && r.gap_to_best === '' && r.diverged_runs === '1'));
});
