import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writeComparisonDir, writeRun, FakeRun } from '../report-fixtures';
import { spawnSync } from 'node:child_process';
import { BIN, isOneLineError, runCli as lenet } from '../harness/cli';
import { installStandin } from '../slurm-standin';

/** Exit code and a single `lenet: ...` line on stderr, no stack trace. */
function fails(args: string[], code: number, pattern: RegExp): void {
  const r = lenet(args);
  assert.equal(r.code, code, `exit code of lenet ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.ok(isOneLineError(r.stderr), `one line on stderr, no stack trace; got: ${r.stderr}`);
  assert.match(r.stderr.trim(), pattern);
}

test('sweep: a real tiny shard, then a rerun that trains nothing', () => {
  const out = path.join(tempDir('lenet-sweep-cli-'), 'sweep');
  const args = [
    'sweep',
    '--grid',
    'relu,tanh',
    '--limit',
    '100',
    '--epochs',
    '1',
    '--average-last',
    '1',
    '--seeds',
    '1',
    '--out',
    out,
    '--shard',
    '1/2',
  ];
  const first = lenet([...args, '--quiet']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /sweep: 4 trained, 0 already done/);
  // Shard 1/2 of the 8 cells of {tanh,relu}^3: cells 0, 2, 4, 6 of the fixed order.
  const dirs = ['tanh/seed-1', 'tanh_relu_tanh/seed-1', 'relu_tanh_tanh/seed-1', 'relu_relu_tanh/seed-1'];
  const mtimes = dirs.map((d) => {
    const summary = JSON.parse(fs.readFileSync(path.join(out, d, 'summary.json'), 'utf8'));
    assert.equal(summary.complete, true, d);
    return fs.statSync(path.join(out, d, 'summary.json')).mtimeMs;
  });
  assert.ok(!fs.existsSync(path.join(out, 'tanh_tanh_relu')), 'cell 1 belongs to shard 2');
  for (const f of ['sweep.csv', 'sweep.md', 'heatmap.svg', 'heatmap.png', 'comparison.json'])
    assert.ok(fs.existsSync(path.join(out, f)), f);
  assert.equal(fs.readFileSync(path.join(out, 'sweep.csv'), 'utf8').trim().split('\n').length, 5);

  const second = lenet([...args, '--json']);
  assert.equal(second.code, 0, second.stderr);
  const result = JSON.parse(second.stdout);
  assert.equal(result.trained, 0);
  assert.equal(result.skipped, 4);
  assert.equal(result.rows.length, 4);
  dirs.forEach((d, i) => assert.equal(fs.statSync(path.join(out, d, 'summary.json')).mtimeMs, mtimes[i], `${d} untouched`));

  // The shard records its whole grid, so merging it alone names the other shard's cells as missing.
  const campaign = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8'));
  assert.equal(campaign.grid.schedules.length, 8);
  assert.deepEqual(campaign.grid.seeds, [1]);
  const merged = lenet(['merge', out, '--out', path.join(path.dirname(out), 'merged'), '--json']);
  // What there is is merged, and the merge fails naming the shard to run (exit 1).
  assert.equal(merged.code, 1, merged.stderr);
  assert.match(merged.stderr, /^lenet: .*merged is not whole: 4 cells missing; rerun shard 2\/2 \(no folder of it was merged\): /);
  const m = JSON.parse(merged.stdout);
  assert.equal(m.runs, 4);
  // Shard 2's cells: tanh,tanh,relu · tanh,relu,relu · relu,tanh,relu (= tanh-relu) · relu,relu,relu (= relu).
  assert.deepEqual([...m.missing].sort(), ['relu seed 1', 'tanh,relu,relu seed 1', 'tanh,tanh,relu seed 1', 'tanh-relu seed 1']);
});

test('sweep: bad --shard, --grid or --schedule is a usage error (exit 2), before any training', () => {
  const out = path.join(tempDir(), 'never');
  fails(['sweep', '--shard', '3/2', '--out', out], 2, /--shard 3\/2: K must be from 1 to 2/);
  fails(['sweep', '--shard', '0/2', '--out', out], 2, /K must be from 1 to 2/);
  fails(['sweep', '--shard', 'two', '--out', out], 2, /--shard must look like K\/N/);
  fails(['sweep', '--shard', '1/0', '--out', out], 2, /N must be at least 1/);
  fails(['sweep', '--shard', '28/30', '--seeds', '1', '--out', out], 2, /has no cells: the grid has only 27/);
  fails(['sweep', '--grid', 'relu,foo', '--out', out], 2, /unknown activation "foo" in --grid/);
  fails(['sweep', '--schedule', 'relu,relu,relu', '--out', out], 2, /unknown option '--schedule'/);
  fails(['sweep', '--epochs', '1.5', '--out', out], 2, /--epochs must be a positive integer/);
  fails(['sweep', '--backend', 'gpu', '--out', out], 2, /--backend must be one of auto, native, cpu, tensorflow, got "gpu"/);
  assert.ok(!fs.existsSync(out), 'nothing written');
});

const CURVE = [2, 1.2, 0.8, 0.6];
function comparison(): string {
  const dir = tempDir();
  const runs: FakeRun[] = [];
  for (const [label, f] of [
    ['sigmoid', 1.5],
    ['tanh', 0.8],
    ['relu', 0.7],
    ['tanh-relu', 0.5],
  ] as const) {
    for (const seed of [1, 2]) runs.push({ label, seed, trainLoss: CURVE.map((x) => x * f * (1 + seed / 30)) });
  }
  writeComparisonDir(dir, runs);
  return dir;
}

test('report and plot on a comparison folder', () => {
  const dir = comparison();
  const r = lenet(['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\(a\) held: tanh-relu has the highest training accuracy/m);
  assert.match(r.stdout, /^\(d\) held: /m);
  assert.ok(fs.existsSync(path.join(dir, 'report.html')));
  const out = path.join(dir, 'charts');
  const p = lenet(['plot', dir, '--out', out, '--json']);
  assert.equal(p.code, 0, p.stderr);
  const files = JSON.parse(p.stdout).files.map((f: string) => path.basename(f));
  assert.deepEqual(files, [
    'accuracy.svg',
    'accuracy.png',
    'loss.svg',
    'loss.png',
    'accuracy-zoom.svg',
    'accuracy-zoom.png',
    'loss-zoom.svg',
    'loss-zoom.png',
    'paper-loss.svg',
    'paper-loss.png',
  ]);
});

test('report/plot: missing folder (exit 2), no runs or a malformed run (exit 1), one line each', () => {
  const empty = tempDir();
  fails(['report', path.join(empty, 'nope')], 2, /no such directory: .*nope$/);
  fails(['plot', path.join(empty, 'nope')], 2, /no such directory/);
  fails(['report', empty], 1, new RegExp(`no runs found under ${empty}$`));
  const bad = tempDir();
  writeRun(path.join(bad, 'run'), { label: 'relu', seed: 1, trainLoss: [1, 0.5] });
  fs.writeFileSync(path.join(bad, 'run', 'epochs.csv'), 'epoch;loss\n1;0.5\n');
  fails(['plot', bad], 1, /run\/epochs\.csv has a bad header/);
  fs.writeFileSync(
    path.join(bad, 'run', 'epochs.csv'),
    'epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_paper_loss,test_paper_loss\n1,2.3,0.2,2,0.1,0.1,2,2\n',
  );
  fs.rmSync(path.join(bad, 'run', 'summary.json'));
  fails(['report', bad], 1, /no runs found under .* \(skipped run: interrupted after epoch 1 of 2 \(epochs\.csv without summary\.json\)/);
});

test('merge: needs --out (exit 2); refuses different protocols (exit 1); merges shards', () => {
  const a = tempDir();
  const b = tempDir();
  writeComparisonDir(a, [{ label: 'relu', seed: 1, trainLoss: [1, 0.5] }], 'sweep');
  writeComparisonDir(b, [{ label: 'tanh', seed: 1, trainLoss: [1, 0.6], config: { batchSize: 10 } }], 'sweep');
  fails(['merge', a, b], 2, /merge needs --out DIR/);
  fails(['merge', a, b, '--out', path.join(tempDir(), 'm')], 2, /cannot merge: .* differ in protocol \(batchSize: 50 vs 10\)/);
  const c = tempDir();
  writeComparisonDir(c, [{ label: 'tanh', seed: 1, trainLoss: [1, 0.6] }], 'sweep');
  const out = path.join(tempDir(), 'm');
  const r = lenet(['merge', a, c, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /merge: 2 runs \(2 copied\) from 2 folders/);
  assert.ok(fs.existsSync(path.join(out, 'relu', 'seed-1', 'summary.json')));
  assert.ok(fs.existsSync(path.join(out, 'heatmap.png')));
});

test('sweep --vary: a bad --vary, a varied option also given, --grid with --activations and --design ofat alone are one line and exit 2', () => {
  const out = path.join(tempDir('lenet-vary-cli-'), 'v');
  const base = ['sweep', '--activations', 'relu', '--limit', '100', '--epochs', '1', '--out', out];
  fails(
    [...base, '--vary', 'learning-rate=0.1,0.2'],
    2,
    /^lenet: --vary: "learning-rate" is not an option a sweep can vary; valid: .*\blr\b/,
  );
  fails([...base, '--vary', 'lr=0.1,abc'], 2, /^lenet: --vary lr must be a positive number, got "abc"$/);
  fails([...base, '--vary', 'optimizer'], 2, /^lenet: --vary must look like KEY=V1,V2/);
  fails([...base, '--vary', 'lr=0.1,0.2', '--lr', '0.3'], 2, /^lenet: --lr is varied by --vary; remove --lr/);
  fails([...base, '--grid', 'relu,tanh'], 2, /^lenet: give either --grid or --activations, not both$/);
  fails([...base, '--design', 'ofat'], 2, /^lenet: --design ofat needs --vary$/);
  fails([...base, '--vary', 'lr=0.1', '--design', 'diagonal'], 2, /^lenet: --design must be one of cross, ofat, got "diagonal"$/);
  const config = path.join(tempDir('lenet-vary-cli-'), 'c.json');
  fs.writeFileSync(config, JSON.stringify({ vary: { batchSize: [50, 'x'] } }));
  fails([...base, '--config', config], 2, /^lenet: config file .*c\.json: key "vary" batch-size must be a positive integer/);
  assert.ok(!fs.existsSync(out), 'nothing was written');
});

test('sweep --vary from a config file: the cells, sweep.md and factors.md; report writes the factor section', () => {
  const dir = tempDir('lenet-vary-cli-');
  const out = path.join(dir, 'v');
  const config = path.join(dir, 'c.json');
  fs.writeFileSync(config, JSON.stringify({ activations: ['relu', 'tanh'], vary: { batchSize: [50, 100] }, limit: 100, epochs: 1 }));
  const r = lenet(['sweep', '--config', config, '--seeds', '1', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sweep: 4 trained, 0 already done; table .*sweep\.md, factors .*factors\.md/);
  for (const d of ['base/relu/seed-1', 'base/tanh/seed-1', 'batch-size-100/relu/seed-1', 'batch-size-100/tanh/seed-1']) {
    assert.ok(fs.existsSync(path.join(out, d, 'summary.json')), d);
  }
  assert.ok(!fs.existsSync(path.join(out, 'heatmap.png')), 'no heatmap for a varied sweep');
  const md = fs.readFileSync(path.join(out, 'factors.md'), 'utf8');
  assert.match(md, /### batch-size \(base 50\)/);
  assert.match(md, /\| 100 \| train acc \| [+-]0\.\d{4} \(1 seed\) \| [+-]0\.\d{4} \(1 seed\) \|/);
  const rep = lenet(['report', out, '--quiet']);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /## Factors/);
  // Rerun: nothing trains.
  const again = lenet(['sweep', '--config', config, '--seeds', '1', '--out', out, '--quiet']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /sweep: 0 trained, 4 already done/);
});

test('sweep --vary with --submit slurm: each --vary reaches the array tasks as given, and the jobs train and merge the varied grid', () => {
  const root = tempDir('lenet-vary-slurm-');
  const standin = installStandin(path.join(root, 'standin'));
  const out = path.join(root, 'campaign');
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'sweep',
      '--activations=relu',
      '--vary=batch-size=50,25',
      '--vary',
      'shuffle=epoch,off',
      '--limit=100',
      '--epochs=1',
      '--threads=1',
      '--submit=slurm',
      '--shards=2',
      `--out=${out}`,
    ],
    { encoding: 'utf8', cwd: root, env: { ...process.env, PATH: `${standin.bin}:${process.env.PATH}` } },
  );
  assert.equal(r.status, 0, r.stderr);
  const script = fs.readFileSync(path.join(out, 'slurm', 'sweep-shards.sbatch'), 'utf8');
  assert.match(script, / --vary=batch-size=50,25 --vary=shuffle=epoch,off /);
  const jobs = standin.jobs();
  assert.equal(jobs.length, 2);
  for (const job of jobs) for (const t of job.tasks) assert.equal(t.status, 0, `job ${job.id} task ${t.task}: ${t.log}`);
  for (const d of ['base/relu/seed-1', 'shuffle-off/relu/seed-1', 'batch-size-25/relu/seed-1', 'batch-size-25_shuffle-off/relu/seed-1']) {
    assert.ok(fs.existsSync(path.join(out, d, 'summary.json')), `${d} merged into the campaign`);
  }
  assert.ok(fs.existsSync(path.join(out, 'factors.md')));
});
