import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectRuns, RunGroup } from '../src/report/runs';
import { gapMethodNote, groupGap, pairedBySeed, sharedSeeds } from '../src/report/gaps';
import { pairedInterval, welchInterval } from '../src/report/stats';
import { comparisonRows, comparisonTableCells, writeComparison } from '../src/report/comparison';
import { sweepRows, sweepTableCells, writeSweepTable } from '../src/report/sweep-table';
import { gapText, meanStd } from '../src/report/format';
import { BASE_CONFIG, FakeRun, tempDir, writeComparisonDir } from './report-fixtures';

/** One run per (label, seed) ending at the given train accuracy (averageLast 1). */
function runs(spec: Record<string, Record<number, number>>, extra: Record<string, Partial<FakeRun>> = {}): FakeRun[] {
  const out: FakeRun[] = [];
  for (const [label, bySeed] of Object.entries(spec)) {
    for (const [seed, acc] of Object.entries(bySeed)) {
      out.push({
        label,
        seed: Number(seed),
        trainLoss: [1, 0.5],
        trainAccuracy: [0.5, acc],
        testAccuracy: [0.5, acc - 0.01],
        averageLast: 1,
        ...extra[label],
      });
    }
  }
  return out;
}

function groups(list: FakeRun[]): RunGroup[] {
  const dir = tempDir();
  writeComparisonDir(dir, list);
  return collectRuns(dir).groups;
}

const byLabel = (gs: RunGroup[], label: string) => gs.find((g) => g.label === label)!;

test('paired by seed only with the same seeds, the same architecture and sizes, and a config.json to show it', () => {
  const base = { relu: { 1: 0.9, 2: 0.91, 3: 0.92 }, tanh: { 1: 0.89, 2: 0.9, 3: 0.9 } };
  let g = groups(runs(base));
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), true);

  // Paired on the seeds both ran, when they share at least 2 (a seed that diverged is out of its group).
  g = groups(runs({ relu: base.relu, tanh: { 1: 0.89, 2: 0.9, 4: 0.9 } }));
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), true, 'seeds 1,2,3 against 1,2,4: paired on 1,2');
  g = groups(runs({ relu: base.relu, tanh: { 1: 0.89, 2: 0.9 } }));
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), true, 'seeds 1,2,3 against 1,2: paired on 1,2');
  g = groups(runs({ relu: base.relu, tanh: { 1: 0.89, 4: 0.9, 5: 0.9 } }));
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), false, 'seeds 1,2,3 against 1,4,5: one shared seed');
  g = groups(runs({ relu: { 1: 0.9 }, tanh: { 1: 0.89 } }));
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), false, 'one seed: nothing to pair');

  const list = runs(base);
  list.find((r) => r.label === 'tanh' && r.seed === 2)!.config = { arch: { ...BASE_CONFIG.arch, conv2Filters: 8 } };
  g = groups(list);
  assert.deepEqual(sharedSeeds(byLabel(g, 'relu'), byLabel(g, 'tanh')), [1, 3], 'seed 2 trained another architecture: paired on 1 and 3');
  list.find((r) => r.label === 'tanh' && r.seed === 3)!.config = { arch: { ...BASE_CONFIG.arch, conv2Filters: 8 } };
  g = groups(list);
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), false, 'two seeds trained another architecture');
  g = groups(runs(base, { tanh: { config: { batchSize: 25 } } }));
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), false, 'another batch size cuts the shuffle differently');
  g = groups(runs(base, { tanh: { config: { limit: 2000 } } }));
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), false, 'other training images');

  const dir = tempDir();
  writeComparisonDir(dir, runs(base));
  fs.rmSync(path.join(dir, 'tanh', 'seed-1', 'config.json'));
  g = collectRuns(dir).groups;
  assert.deepEqual(sharedSeeds(byLabel(g, 'relu'), byLabel(g, 'tanh')), [2, 3], 'no config.json for seed 1: its architecture is unknown');
  fs.rmSync(path.join(dir, 'tanh', 'seed-2', 'config.json'));
  g = collectRuns(dir).groups;
  assert.equal(pairedBySeed(byLabel(g, 'relu'), byLabel(g, 'tanh')), false, 'no config.json for seeds 1 and 2');
});

test('groupGap lines the seeds up, and falls back to Welch when unpaired', () => {
  const g = groups(runs({ relu: { 3: 0.95, 1: 0.9, 2: 0.97 }, tanh: { 2: 0.96, 3: 0.93, 1: 0.89 } }));
  const gap = groupGap(byLabel(g, 'relu'), byLabel(g, 'tanh'), (r) => r.summary.final.train_accuracy, { sdFloor: 0 });
  assert.deepEqual(gap.seedsA, [1, 2, 3]);
  assert.deepEqual(gap.a, [0.9, 0.97, 0.95]);
  assert.deepEqual(gap.b, [0.89, 0.96, 0.93]);
  const byHand = pairedInterval([0.9, 0.97, 0.95], [0.89, 0.96, 0.93]);
  assert.deepEqual(gap.ci, byHand);
  const unpaired = groups(runs({ relu: { 1: 0.9, 2: 0.97, 3: 0.95 }, tanh: { 4: 0.89, 5: 0.96, 6: 0.93 } }));
  const w = groupGap(byLabel(unpaired, 'relu'), byLabel(unpaired, 'tanh'), (r) => r.summary.final.train_accuracy, { sdFloor: 0 });
  assert.deepEqual(w.ci, welchInterval([0.9, 0.97, 0.95], [0.89, 0.96, 0.93]));
  const one = groups(runs({ relu: { 1: 0.9 }, tanh: { 1: 0.89, 2: 0.9 } }));
  const g1 = groupGap(byLabel(one, 'relu'), byLabel(one, 'tanh'), (r) => r.summary.final.train_accuracy, { sdFloor: 0 });
  assert.equal(g1.ci, null);
  assert.ok(Math.abs(g1.diff - (0.9 - 0.895)) < 1e-12);
});

test('a floor on the spread of whole-epoch readings: the same for paired and Welch gaps', () => {
  const paired = groups(runs({ relu: { 1: 0.9, 2: 0.9, 3: 0.9 }, tanh: { 1: 0.8, 2: 0.8, 3: 0.8 } }));
  const unpaired = groups(runs({ relu: { 1: 0.9, 2: 0.9, 3: 0.9 }, tanh: { 4: 0.8, 5: 0.8, 6: 0.8 } }));
  const floor = 1 / Math.sqrt(6);
  const value = (r: { summary: { final: { train_accuracy: number } } }) => Math.round(r.summary.final.train_accuracy * 10);
  const p = groupGap(byLabel(paired, 'relu'), byLabel(paired, 'tanh'), value, { sdFloor: floor });
  const w = groupGap(byLabel(unpaired, 'relu'), byLabel(unpaired, 'tanh'), value, { sdFloor: floor });
  assert.equal(p.ci?.method, 'paired');
  assert.equal(w.ci?.method, 'Welch');
  // Constant readings 9 vs 8: no observed spread, so both rest on the floor: se = (1/√6)/√3 = √(1/18).
  assert.ok(p.ci && Math.abs(p.ci.se - Math.sqrt(1 / 18)) < 1e-12);
  assert.ok(w.ci && Math.abs(w.ci.se - Math.sqrt(1 / 18)) < 1e-12);
  assert.ok(p.ci.diff === 1 && w.ci.diff === 1);
});

test('the comparison table says how its gaps were made: a footnote, and tags when methods mix', () => {
  const dir = tempDir();
  // relu and tanh-relu share seeds 1-3; sigmoid ran seeds 4-6 (Welch against the best).
  writeComparisonDir(
    dir,
    runs({ 'tanh-relu': { 1: 0.95, 2: 0.96, 3: 0.94 }, relu: { 1: 0.94, 2: 0.952, 3: 0.931 }, sigmoid: { 4: 0.85, 5: 0.86, 6: 0.84 } }),
  );
  const rows = writeComparison(dir, collectRuns(dir).groups);
  const byName = Object.fromEntries(rows.map((r) => [r.label, r]));
  assert.equal(byName.relu.trainGap?.ci?.method, 'paired');
  assert.equal(byName.sigmoid.trainGap?.ci?.method, 'Welch');
  const md = fs.readFileSync(path.join(dir, 'comparison.md'), 'utf8');
  assert.match(
    md,
    /Gaps tagged \(paired\) are paired by seed \(3 seeds; the same seed gives the same initial weights and batch order\).*gaps tagged \(Welch\) are Welch/,
  );
  assert.match(md, /^\| relu \|.*\| -0\.0090 \[-0\.\d{4}, -0\.\d{4}\] \(paired\) \|$/m);
  assert.match(md, /^\| sigmoid \|.*\| -0\.1000 \[-0\.\d{4}, -0\.\d{4}\] \(Welch\) \|$/m);
  const csv = fs
    .readFileSync(path.join(dir, 'comparison.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const col = csv[0].indexOf('train_accuracy_gap_method');
  assert.deepEqual(
    csv.slice(1).map((c) => c[0] + ':' + c[col]),
    ['tanh-relu:', 'relu:paired', 'sigmoid:Welch'],
  );

  const paired = tempDir();
  writeComparisonDir(paired, runs({ 'tanh-relu': { 1: 0.95, 2: 0.96 }, relu: { 1: 0.94, 2: 0.952 } }));
  const pmd = writeComparison(paired, collectRuns(paired).groups) && fs.readFileSync(path.join(paired, 'comparison.md'), 'utf8');
  assert.match(pmd, /Gaps are paired by seed \(2 seeds;/);
  assert.doesNotMatch(pmd, /\((paired|Welch)\) \|/, 'one method: no tags');
  assert.doesNotMatch(pmd, /CI n\/a/, 'every gap has an interval: no note about missing ones');
  assert.equal(gapMethodNote([null, null]), '');
});

test('one formatter: the comparison and sweep tables print the same gap and mean ± std for the same runs', () => {
  const dir = tempDir();
  writeComparisonDir(
    dir,
    runs({
      'tanh-relu': { 1: 0.95, 2: 0.96, 3: 0.94 },
      relu: { 1: 0.94, 2: 0.952, 3: 0.931 },
      tanh: { 1: 0.93, 2: 0.95, 3: 0.94 },
      'relu,sigmoid,tanh': { 1: 0.9 },
    }),
    'sweep',
  );
  const g = collectRuns(dir).groups;
  const cmp = comparisonTableCells(comparisonRows(g));
  const swp = sweepTableCells(sweepRows(g));
  const cmpCell = (label: string, column: string) => cmp.cells.find((c) => c[0] === label)![cmp.header.indexOf(column)];
  const swpCell = (label: string, column: string) => swp.cells.find((c) => c[1] === label)![swp.header.indexOf(column)];
  for (const label of ['tanh-relu', 'relu', 'tanh', 'relu,sigmoid,tanh']) {
    assert.equal(swpCell(label, 'gap to best [95% CI]'), cmpCell(label, 'test acc − best [95% CI]'), label);
    assert.equal(swpCell(label, 'test acc'), cmpCell(label, 'test acc'), label);
  }
  assert.equal(swpCell('tanh-relu', 'gap to best [95% CI]'), 'best');
  assert.match(swpCell('relu', 'gap to best [95% CI]'), /^-0\.0090 \[-0\.\d{4}, -0\.\d{4}\]$/);
  assert.equal(swpCell('relu,sigmoid,tanh', 'gap to best [95% CI]'), '-0.0500 (CI n/a)');
  const { files } = writeSweepTable(dir, g);
  const md = fs.readFileSync(files[1], 'utf8');
  assert.match(md, /Gap: mean test accuracy minus the best schedule's\. Gaps are paired by seed \(3 seeds;/);
  const csv = fs.readFileSync(files[0], 'utf8').trim().split('\n');
  assert.match(csv[0], /,gap_method,diverged_runs,diverged_at$/);
  assert.match(csv[2], /,paired,0,$/);
});

test('format: mean ± std and gaps', () => {
  assert.equal(meanStd({ mean: 0.91234, std: 0.00456, n: 3 }, 4), '0.9123 ± 0.0046');
  assert.equal(meanStd({ mean: 0.91234, std: 0, n: 1 }, 4), '0.9123');
  assert.equal(gapText(null, 4), 'best');
  assert.equal(gapText({ diff: -0.01234, ci: { low: -0.02, high: -0.0047 } }, 4), '-0.0123 [-0.0200, -0.0047]');
  assert.equal(gapText({ diff: 0.01234, ci: null }, 4), '+0.0123 (CI n/a)');
  assert.equal(gapText({ diff: 0.01234, ci: null }, 4, '', ''), '+0.0123');
  assert.equal(gapText({ diff: -0.5, ci: { low: -0.7, high: -0.3 } }, 2, ' (Welch)'), '-0.50 [-0.70, -0.30] (Welch)');
});
