/**
 * `lenet merge` on what a hostile user or an older lenet left behind (issue 13's QA findings 2 and
 * 3): a label read from a file never becomes a path outside --out (nor a folder name holding a
 * separator, a newline or `..`), and a copy of a run written by an older lenet is the same run as
 * today's when its numbers are (real training, against the 6e7ff6f and 6f3864b fixtures).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mergeSweeps } from '../src/report/merge';
import { runGrid } from '../src/train/campaign';
import { gridCells, gridSchedules, shardCells } from '../src/train/grid';
import { optionValue } from '../src/options/parse';
import { ROOT, tempDir } from './helpers';
import { cellPath, FakeRun, writeComparisonDir } from './report-fixtures';

const work = tempDir('lenet-merge-hostile-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The cells of {tanh,relu}³ × seed 1 (8 cells), each finished after 2 epochs. */
function cells(): FakeRun[] {
  return gridCells(gridSchedules(optionValue('grid', 'tanh,relu')), [1]).map((c, i) => ({
    label: c.label,
    seed: c.seed,
    averageLast: 1,
    trainLoss: [1.5, 0.2 + i / 50],
  }));
}
const GRID = { schedules: [...new Set(cells().map((c) => c.label))], seeds: [1] };

/** Shard K of N as `lenet sweep --shard K/N` leaves it, written by hand. */
function shardDir(k: number, n: number): string {
  const dir = fs.mkdtempSync(path.join(work, `shard-${k}of${n}-`));
  const mine = shardCells(cells(), { k, n });
  writeComparisonDir(dir, mine, 'sweep');
  const file = path.join(dir, 'comparison.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8'));
  c.runs = mine.map((r) => ({ schedule: r.label, seed: r.seed, dir: cellPath(r.label, r.seed) }));
  c.grid = GRID;
  fs.writeFileSync(file, JSON.stringify(c));
  return dir;
}

/** Every path under dir, relative, recursively. */
function allUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

test('finding 2: a label read from summary.json never becomes a path outside --out, nor a folder name with a separator, a newline, `|` or `..`', async () => {
  const hostile = [
    '../escaped-by-label',
    '../../escaped-twice',
    '/abs/escaped',
    'a/b',
    'x\ny',
    'p|q',
    '..',
    '.',
    '.hidden',
    'C:\\evil',
    'Relu',
  ];
  for (const label of hostile) {
    const base = fs.mkdtempSync(path.join(work, 'case-'));
    const s1 = shardDir(1, 2);
    const s2 = shardDir(2, 2);
    const first = path.join(s2, cellPath(shardCells(cells(), { k: 2, n: 2 })[0].label, 1), 'summary.json');
    const s = JSON.parse(fs.readFileSync(first, 'utf8'));
    s.schedule = label;
    fs.writeFileSync(first, JSON.stringify(s));
    const out = path.join(base, 'deep', 'mz');
    let result: Awaited<ReturnType<typeof mergeSweeps>> | null = null;
    try {
      result = await mergeSweeps([s1, s2], out);
    } catch (err) {
      // Refusing the label is fine; writing outside OUT is not.
      assert.ok(!(err as Error).message.includes('\n'), String(err));
    }
    // Nothing was written beside OUT: only OUT (and the folders above it) exist under base.
    assert.deepEqual(fs.readdirSync(base), ['deep'], `${JSON.stringify(label)}: written beside OUT`);
    assert.deepEqual(fs.readdirSync(path.join(base, 'deep')), ['mz'], `${JSON.stringify(label)}: written beside OUT`);
    assert.ok(!fs.existsSync('/abs'), 'nothing at the root');
    if (result) {
      for (const p of allUnder(out)) {
        for (const part of p.split(path.sep)) {
          assert.ok(part !== '..' && part !== '.', `${JSON.stringify(label)}: ${p}`);
          assert.doesNotMatch(part, /[\n|\\:]/, `${JSON.stringify(label)}: a folder name from a label: ${JSON.stringify(p)}`);
        }
      }
      // Every run the merged folder holds is at most two levels down: label/seed-N.
      for (const rd of allUnder(out).filter((p) => p.endsWith('summary.json'))) {
        assert.equal(rd.split(path.sep).length, 3, `${JSON.stringify(label)}: ${rd}`);
      }
    }
  }
});

/** Today's lenet trains shard 1/4 of `sweep --grid relu,tanh --limit 300 --epochs 2` (the fixtures' protocol). */
async function trainShard1(out: string): Promise<void> {
  const all = gridCells(gridSchedules(optionValue('grid', 'relu,tanh')), [1]);
  const shard = { k: 1, n: 4 };
  const results = await runGrid({
    kind: 'sweep',
    cells: shardCells(all, shard),
    // The fixtures were trained before engines, on tfjs: the same numbers come from the same engine.
    base: { limit: 300, epochs: 2, threads: 1, engine: 'tfjs' },
    outDir: out,
    jobs: 1,
    shard,
    grid: { schedules: [...new Set(all.map((c) => c.label))], seeds: [1] },
  });
  assert.ok(!results.stopped && !results.failed);
}

test("finding 3: a copy of a run written by an older lenet (no dataset, no diverged_epoch, no format) is the same run as today's when its numbers are", async () => {
  const fresh = path.join(work, 'sh1');
  await trainShard1(fresh);
  for (const commit of ['6e7ff6f', '6f3864b', 'f89e2f7']) {
    const old = path.join(ROOT, 'test', 'fixtures', commit, 'sweep-shard-1-of-4');
    const oldSummary = JSON.parse(fs.readFileSync(path.join(old, 'tanh', 'seed-1', 'summary.json'), 'utf8'));
    const newSummary = JSON.parse(fs.readFileSync(path.join(fresh, 'tanh', 'seed-1', 'summary.json'), 'utf8'));
    // The premise: the numbers agree (today's final means are taken from the epochs as epochs.csv
    // holds them, 8 digits; older lenets took them from the unrounded epochs: the same to 7), the metadata does not.
    for (const [m, v] of Object.entries(oldSummary.final as Record<string, number>)) {
      if (m === 'seconds') continue;
      assert.ok(Math.abs(v - newSummary.final[m]) <= 1e-7 * Math.abs(v), `${commit}: the same ${m} (${v} vs ${newSummary.final[m]})`);
    }
    const out = path.join(work, `mm-${commit}`);
    const merged = await mergeSweeps([old, fresh], out);
    assert.equal(merged.runs, 2, commit);
    assert.deepEqual(merged.missing.length, 6, commit);
  }
  // Different numbers are still refused.
  const tampered = path.join(work, 'tampered');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', '6e7ff6f', 'sweep-shard-1-of-4'), tampered, { recursive: true });
  const csv = path.join(tampered, 'tanh', 'seed-1', 'epochs.csv');
  const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
  const last = lines[lines.length - 1].split(',');
  last[4] = String(Number(last[4]) + 0.01);
  lines[lines.length - 1] = last.join(',');
  fs.writeFileSync(csv, lines.join('\n') + '\n');
  await assert.rejects(mergeSweeps([tampered, fresh], path.join(work, 'mm-tampered')), /different results/);
});
