import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError } from '../src/errors';
import { sweepRows, writeSweepTable } from '../src/report/sweep-table';
import { gridCells, gridSchedules, shardCells } from '../src/train/grid';
import { parseOptionValue } from '../src/options/parse';
import { mergeSweeps } from '../src/report/merge';
import { collectRuns } from '../src/report/runs';
import { writeHeatmap } from '../src/report/plot';
import { tempDir, writeComparisonDir, FakeRun } from './report-fixtures';

const parseGrid = (value: string) => parseOptionValue('grid', value);
const parseShard = (value: string) => parseOptionValue('shard', value);

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof LenetError && err.exitCode === 2 && pattern.test(err.message));
}

test('grid: 27 schedules of {sigmoid,tanh,relu}^3 in a fixed order whatever the spelling', () => {
  const acts = parseGrid('relu,sigmoid,tanh');
  assert.deepEqual(acts, ['sigmoid', 'tanh', 'relu']);
  const s = gridSchedules(acts);
  assert.equal(s.length, 27);
  assert.equal(new Set(s.map((x) => x.join(','))).size, 27);
  assert.deepEqual(s[0], ['sigmoid', 'sigmoid', 'sigmoid']);
  assert.deepEqual(s[1], ['sigmoid', 'sigmoid', 'tanh']);
  assert.deepEqual(s[26], ['relu', 'relu', 'relu']);
  const cells = gridCells(s, [1, 2]);
  assert.equal(cells.length, 54);
  assert.equal(cells[0].label, 'sigmoid');
  assert.equal(cells[0].dir, 'sigmoid/seed-1');
  assert.equal(cells[1].dir, 'sigmoid/seed-2');
  const tr = cells.find((c) => c.schedule.join(',') === 'relu,tanh,relu');
  assert.equal(tr?.label, 'tanh-relu');
  assert.equal(cells.find((c) => c.schedule.join(',') === 'relu,sigmoid,tanh')?.dir, 'relu_sigmoid_tanh/seed-1');
  usage(() => parseGrid('relu,foo'), /unknown activation "foo" in --grid/);
  usage(() => parseGrid('relu,relu'), /names an activation twice/);
  usage(() => parseGrid(''), /at least one activation/);
});

test('shards partition the grid exactly (union = all, pairwise disjoint) for several N', () => {
  const cells = gridCells(gridSchedules(parseGrid('sigmoid,tanh,relu')), [1, 2, 3]);
  const all = cells.map((c) => c.dir);
  for (const n of [1, 2, 3, 4, 5, 7, 10, 81, 100]) {
    const seen = new Map<string, number>();
    for (let k = 1; k <= n; k++) {
      const part = shardCells(cells, { k, n });
      assert.ok(Math.abs(part.length - all.length / n) < 1, `N=${n}: shard sizes differ by at most one`);
      for (const c of part) {
        assert.ok(!seen.has(c.dir), `N=${n}: ${c.dir} in shards ${seen.get(c.dir)} and ${k}`);
        seen.set(c.dir, k);
      }
    }
    assert.deepEqual([...seen.keys()].sort(), [...all].sort(), `N=${n}: union is the grid`);
  }
});

test('--shard validation', () => {
  assert.deepEqual(parseShard('1/4'), { k: 1, n: 4 });
  assert.deepEqual(parseShard(' 4/4 '), { k: 4, n: 4 });
  usage(() => parseShard('0/4'), /K must be from 1 to 4/);
  usage(() => parseShard('5/4'), /K must be from 1 to 4/);
  usage(() => parseShard('1/0'), /N must be at least 1/);
  usage(() => parseShard('1'), /must look like K\/N/);
  usage(() => parseShard('a/b'), /must look like K\/N/);
  usage(() => parseShard('-1/2'), /must look like K\/N/);
  usage(() => parseShard('1.5/2'), /must look like K\/N/);
});

/** Fake results for every cell of the relu/tanh grid × 2 seeds. */
function fakeCells(): FakeRun[] {
  const cells = gridCells(gridSchedules(parseGrid('tanh,relu')), [1, 2]);
  return cells.map((c, i) => ({
    label: c.label,
    seed: c.seed,
    averageLast: 1,
    seconds: 5 + (i % 3),
    // Two schedules tie on purpose (i = 2,3 and 4,5 share losses by seed) to exercise the rank order.
    trainLoss: [1.5, 0.2 + ((Math.floor(i / 2) * 7) % 5) / 20 + c.seed / 100],
  }));
}

test('ranked table: best first, gaps with Welch CIs for 2 seeds', () => {
  const dir = tempDir();
  writeComparisonDir(dir, fakeCells(), 'sweep');
  const { rows } = writeSweepTable(dir, collectRuns(dir).groups);
  assert.equal(rows.length, 8);
  assert.deepEqual(
    rows.map((r) => r.rank),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i].testAccuracy.mean <= rows[i - 1].testAccuracy.mean);
  assert.equal(rows[0].gap, 0);
  assert.equal(rows[0].ci, null);
  assert.ok(rows[7].ci && rows[7].ci.high < 0);
  const md = fs.readFileSync(path.join(dir, 'sweep.md'), 'utf8');
  assert.match(md, /\| 1 \| [a-z,-]+ \| [a-z,]+ \| 2 \| 0\.\d{4} ± 0\.\d{4} \|.*\| best \|/);
  assert.match(md, /gap to best \[95% CI\]/);
  const csv = fs.readFileSync(path.join(dir, 'sweep.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 9);
  assert.match(csv[0], /^rank,schedule,conv1,conv2,dense,seeds,test_accuracy_mean/);
});

test('merge of shard folders equals the table and heatmap of the whole', async () => {
  const runs = fakeCells();
  const whole = tempDir();
  writeComparisonDir(whole, runs, 'sweep');
  const wc = collectRuns(whole);
  writeSweepTable(whole, wc.groups);
  await writeHeatmap(whole, wc.groups);

  for (const n of [2, 3]) {
    const shards: string[] = [];
    for (let k = 1; k <= n; k++) {
      const d = tempDir(`lenet-shard${k}of${n}-`);
      writeComparisonDir(d, shardCells(runs, { k, n }), 'sweep');
      shards.push(d);
    }
    const out = path.join(tempDir(), 'merged');
    const result = await mergeSweeps(shards, out);
    assert.equal(result.runs, 16);
    assert.equal(result.copied, 16);
    assert.deepEqual(result.missing, []);
    for (const f of ['sweep.md', 'sweep.csv', 'heatmap.svg']) {
      assert.equal(
        fs.readFileSync(path.join(out, f), 'utf8'),
        fs.readFileSync(path.join(whole, f), 'utf8'),
        `N=${n}: ${f} equals the unsharded one`,
      );
    }
    assert.deepEqual(fs.readFileSync(path.join(out, 'heatmap.png')), fs.readFileSync(path.join(whole, 'heatmap.png')));
    const cmp = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8'));
    const orig = JSON.parse(fs.readFileSync(path.join(whole, 'comparison.json'), 'utf8'));
    assert.deepEqual(cmp.schedules, orig.schedules, 'schedules in grid order');
    assert.equal(cmp.kind, 'sweep');
    assert.equal(cmp.runs.length, 16);
    // Merging again (idempotent): nothing copied, same table.
    const again = await mergeSweeps([...shards, out], out);
    assert.equal(again.copied, 0);
    assert.equal(fs.readFileSync(path.join(out, 'sweep.md'), 'utf8'), fs.readFileSync(path.join(whole, 'sweep.md'), 'utf8'));
    assert.deepEqual(sweepRows(collectRuns(out).groups), sweepRows(wc.groups));
  }
});

test('merge refuses shards of different protocols, and conflicting duplicates, with one line', async () => {
  const runs = fakeCells();
  const a = tempDir();
  const b = tempDir();
  writeComparisonDir(a, shardCells(runs, { k: 1, n: 2 }), 'sweep');
  writeComparisonDir(
    b,
    shardCells(runs, { k: 2, n: 2 }).map((r) => ({ ...r, config: { learningRate: 0.001 } })),
    'sweep',
  );
  await assert.rejects(mergeSweeps([a, b], path.join(tempDir(), 'm')), (err: unknown) => {
    assert.ok(err instanceof LenetError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /^cannot merge: .* and .* differ in protocol \(learningRate: 0\.0001 vs 0\.001\)$/);
    return true;
  });
  // dataDir and threads are machine-local: they may differ.
  const c = tempDir();
  writeComparisonDir(
    c,
    shardCells(runs, { k: 2, n: 2 }).map((r) => ({ ...r, config: { dataDir: '/elsewhere', threads: 8 } })),
    'sweep',
  );
  const ok = await mergeSweeps([a, c], path.join(tempDir(), 'm'));
  assert.equal(ok.runs, 16);
  // The same cell with different results in two inputs.
  const d = tempDir();
  writeComparisonDir(d, [{ ...shardCells(runs, { k: 1, n: 2 })[0], trainLoss: [1.5, 0.9] }], 'sweep');
  await assert.rejects(mergeSweeps([a, d], path.join(tempDir(), 'm')), /is in both .* with different results/);
  // Missing cells are reported, not fatal: shard 1/3 holds 6 cells of 6 schedules × 2 seeds.
  const third = tempDir();
  writeComparisonDir(third, shardCells(runs, { k: 1, n: 3 }), 'sweep');
  const partial = await mergeSweeps([third], path.join(tempDir(), 'm'));
  assert.equal(partial.runs, 6);
  assert.equal(partial.missing.length, 6);
  assert.match(partial.missing[0], /^[a-z,-]+ seed [12]$/);
});

test('a sweep folder is read in grid order even when its comparison.json lists only some cells (shared folder)', () => {
  const runs = fakeCells();
  const dir = tempDir();
  writeComparisonDir(dir, runs, 'sweep');
  const file = path.join(dir, 'comparison.json');
  const cmp = JSON.parse(fs.readFileSync(file, 'utf8'));
  const last = shardCells(runs, { k: 2, n: 3 }).reverse();
  fs.writeFileSync(
    file,
    JSON.stringify({
      ...cmp,
      schedules: [...new Set(last.map((r) => r.label))],
      runs: last.map((r) => ({ schedule: r.label, seed: r.seed, dir: '' })),
    }),
  );
  const labels = collectRuns(dir).groups.map((g) => g.label);
  assert.deepEqual(labels, [...new Set(gridCells(gridSchedules(parseGrid('tanh,relu')), [1]).map((c) => c.label))]);
  assert.deepEqual(labels.slice(0, 3), ['tanh', 'tanh,tanh,relu', 'tanh,relu,tanh']);
});
