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
import { runCli, isOneLineError } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { copyOf as copyFixture, FixtureKind, lastTestAccuracy, LAYOUTS, PACKAGE_DATA } from '../harness/fixtures';
import { collectRuns, datasetOf } from '../../src/report/runs';
import { FORMAT } from '../../src/rundir/format';
import { readManifest } from '../../src/rundir/manifest';

const work = tempDir('lenet-fixtures-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const copyOf = (commit: string, kind: FixtureKind) => copyFixture(work, commit, kind);

for (const commit of ['6e7ff6f', '6f3864b', 'f89e2f7']) {
  test(`${commit} comparison: evaluate reproduces the saved model's last test accuracy on a copy; the recorded folder gone is one line`, () => {
    const run = path.join(copyOf(commit, 'compare'), 'relu', 'seed-1');
    const r = runCli(['evaluate', run, '--data-dir', PACKAGE_DATA, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const ev = JSON.parse(r.stdout);
    assert.equal(ev.test_images, 50);
    assert.deepEqual(ev.data_differs, []);
    assert.ok(Math.abs(ev.test_accuracy - lastTestAccuracy(run)) < 1e-9, `${ev.test_accuracy} vs ${lastTestAccuracy(run)}`);
    if (commit !== 'f89e2f7') return;
    const gone = runCli(['evaluate', run]);
    assert.equal(gone.code, 1);
    assert.ok(isOneLineError(gone.stderr), gone.stderr);
    assert.match(gone.stderr, /data dir \/data\/mnist does not exist.*--data-dir DIR evaluates on a copy/);
  });

  test(`${commit} comparison: a compare rerun into it skips its runs, adds a seed, and names MNIST with Table 2`, () => {
    const dir = copyOf(commit, 'compare');
    const before = fs.readFileSync(path.join(dir, 'relu', 'seed-1', 'summary.json'), 'utf8');
    const r = runCli(['compare', '--activations', 'relu', '--seeds', '1,2,3', '--limit', '300', '--epochs', '2', '--out', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /relu seed 1 already done, skipped/);
    assert.match(r.stderr, /relu seed 2 already done, skipped/);
    assert.match(r.stdout, /^# Comparison of activation schedules on MNIST$/m);
    assert.match(r.stdout, /Table 2 accu_t/);
    assert.equal(fs.readFileSync(path.join(dir, 'relu', 'seed-1', 'summary.json'), 'utf8'), before, 'an old run is read, not rewritten');
    const campaign = JSON.parse(fs.readFileSync(path.join(dir, 'comparison.json'), 'utf8'));
    assert.equal(campaign.format, FORMAT);
    assert.deepEqual(campaign.runs.map((x: { dir: string }) => x.dir).sort(), [
      'relu/seed-1',
      'relu/seed-2',
      'relu/seed-3',
      'tanh-relu/seed-1',
      'tanh-relu/seed-2',
    ]);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'relu', 'seed-3', 'summary.json'), 'utf8')).format, FORMAT);
    // Its runs ran tfjs (before engines): --engine auto goes on with tfjs, so the new seed is one protocol with them.
    assert.equal(readManifest(path.join(dir, 'relu', 'seed-3')).engine?.name, 'tfjs');
    // The fused engine asked for by name is another protocol: refused, naming the engine, nothing trained.
    const fused = runCli([
      'compare',
      '--activations',
      'relu',
      '--seeds',
      '4',
      '--limit',
      '300',
      '--epochs',
      '2',
      '--engine',
      'fused',
      '--out',
      dir,
    ]);
    assert.equal(fused.code, 2, fused.stderr);
    assert.ok(isOneLineError(fused.stderr), fused.stderr);
    assert.match(fused.stderr, /holds a run of another protocol \(engine: "tfjs" there, "fused" now\)/);
    // Old and new runs side by side: one protocol, one data set.
    const c = collectRuns(dir);
    assert.equal(datasetOf(c.runs), 'MNIST');
    assert.deepEqual(
      c.warnings.filter((w) => /protocol/.test(w)),
      [],
    );
  });
}

for (const commit of ['1674f06', '6e7ff6f', '6f3864b', 'f89e2f7']) {
  test(`${commit} sweep shard (${LAYOUTS[commit]}): a sweep rerun into it skips its cells`, () => {
    const dir = copyOf(commit, 'sweep-shard-1-of-4');
    const r = runCli(['sweep', '--grid', 'relu,tanh', '--shard', '1/4', '--limit', '300', '--epochs', '2', '--out', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sweep: 0 trained, 2 already done;/m);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'comparison.json'), 'utf8')).format, FORMAT);
  });
}

test('lenet report on a folder of a newer format than this lenet reads: one line naming the file, exit 1, nothing written', () => {
  const newer = (file: string) => {
    const dir = copyOf('f89e2f7', 'compare');
    const j = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    fs.writeFileSync(path.join(dir, file), JSON.stringify({ format: FORMAT + 1, ...j }));
    return dir;
  };
  const message = (file: string) => new RegExp(`${file.replace(/[.]/g, '\\.')} is format ${FORMAT + 1}, written by a newer lenet`);
  const dir = newer('comparison.json');
  const r = runCli(['report', dir, '--data-dir', PACKAGE_DATA]);
  assert.equal(r.code, 1);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, message('comparison.json'));
  assert.ok(!fs.existsSync(path.join(dir, 'report.md')));
});
