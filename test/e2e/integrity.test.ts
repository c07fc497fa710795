/**
 * Run folders under hostile conditions, through the real CLI: a full disk, two writers, a run that
 * diverges, data changed under a run, links, and Ctrl-C at the end of a campaign.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isOneLineError, ROOT, runCli, startCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { mountTmpfs, needsRoot, resizeTmpfs } from '../harness/root';
import { readCheckpoint } from '../../src/train/checkpoint';
import { locateMnist } from '../../src/data/mnist';

const work = tempDir('lenet-integrity-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const SMALL = ['--limit', '600', '--epochs', '2', '--threads', '1'];

function csvWithoutSeconds(dir: string): string[] {
  const lines = fs.readFileSync(path.join(dir, 'epochs.csv'), 'utf8').trim().split('\n');
  const at = lines[0].split(',').indexOf('seconds');
  return lines.map((l) =>
    l
      .split(',')
      .filter((_, i) => i !== at)
      .join(','),
  );
}

/** Starts the real CLI; resolves when it exits. */
function start(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  return startCli(args, { env, cwd, waitFor: 'exit' });
}

async function waitFor(cond: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A copy of the MNIST files in a folder of the test's own, to change under a run. */
function copyOfMnist(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of Object.values(locateMnist().files)) fs.copyFileSync(f, path.join(dir, path.basename(f)));
  return dir;
}

test('a full disk keeps the last good checkpoint: one error line naming it, then resume finishes with the same numbers', async (t) => {
  if (!needsRoot(t, 'mounts a small tmpfs as a full disk')) return;
  const reference = path.join(work, 'full-ref');
  const args = ['train', '--limit', '2000', '--epochs', '3', '--threads', '1', '--seed', '5'];
  assert.equal(runCli([...args, '--out', reference, '--quiet']).code, 0);
  const size = fs.statSync(path.join(reference, 'checkpoint.bin')).size;
  // Room for one checkpoint and the small files, not for a second checkpoint beside it.
  const mnt = mountTmpfs(t, `${Math.ceil((size * 1.4) / 1024)}k`);
  const out = path.join(mnt, 'run');
  const r = runCli([...args, '--out', out, '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /cannot write .*checkpoint\.bin: no space left on device \(ENOSPC\)/);
  assert.equal(readCheckpoint(path.join(out, 'checkpoint.bin')).state.epoch, 1, 'the epoch-1 checkpoint is whole');
  assert.deepEqual(
    fs.readdirSync(out).filter((f) => f.endsWith('.tmp')),
    [],
    'no half-written temporary',
  );
  resizeTmpfs(mnt, '8m');
  const resumed = runCli(['train', '--resume', out, '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(csvWithoutSeconds(out), csvWithoutSeconds(reference));
  assert.ok(fs.readFileSync(path.join(out, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(reference, 'model', 'weights.bin'))));
});

test('the saved model on a full disk: exit 1 naming the file, never a truncated weights.bin with exit 0', async (t) => {
  if (!needsRoot(t, 'mounts a small tmpfs as a full disk')) return;
  const reference = path.join(work, 'model-ref');
  const args = ['train', '--limit', '300', '--epochs', '1', '--threads', '1'];
  assert.equal(runCli([...args, '--out', reference, '--quiet']).code, 0);
  const used = ['checkpoint.bin', 'epochs.csv', 'config.json'].reduce((s, f) => s + fs.statSync(path.join(reference, f)).size, 0);
  const weights = fs.statSync(path.join(reference, 'model', 'weights.bin')).size;
  // Room for what training writes, with half the model's weights to spare: the model cannot fit.
  const mnt = mountTmpfs(t, `${Math.ceil((used + weights / 2) / 4096) * 4}k`);
  const r = runCli([...args, '--out', path.join(mnt, 'run'), '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /cannot write .*weights\.bin: no space left on device \(ENOSPC\)/);
  assert.equal(fs.existsSync(path.join(mnt, 'run', 'model', 'weights.bin')), false, 'no truncated weights.bin');
});

test('two trains into one --out: one trains, the other is refused naming the pid; the folder holds one clean run', async () => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const out = path.join(work, `race-${attempt}`);
    const a = start(['train', ...SMALL, '--seed', '1', '--out', out, '--quiet']);
    const b = start(['train', ...SMALL, '--seed', '2', '--out', out, '--quiet']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const winner = ra.code === 0 ? ra : rb;
    const loser = ra.code === 0 ? rb : ra;
    assert.equal(winner.code, 0, winner.stderr);
    assert.notEqual(loser.code, 0, 'both trained into one folder');
    assert.ok(isOneLineError(loser.stderr), loser.stderr);
    assert.match(loser.stderr, /being written by pid \d+|exists and is not empty/);
    const rows = csvWithoutSeconds(out);
    assert.equal(rows.length, 3, rows.join('\n'));
    assert.deepEqual(
      rows.map((l) => l.split(',')[0]),
      ['epoch', '1', '2'],
    );
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).seed,
      JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).config.seed,
    );
  }
});

test("--resume of a run that is still training is refused with its pid; a dead writer's lock is taken over", async () => {
  const out = path.join(work, 'resume-live');
  const run = start(['train', '--limit', '3000', '--epochs', '3', '--threads', '1', '--out', out, '--quiet']);
  await waitFor(() => fs.existsSync(path.join(out, 'checkpoint.bin')));
  // frozen while it holds the folder: however fast training is, it cannot finish meanwhile
  run.child.kill('SIGSTOP');
  const r = runCli(['train', '--resume', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`being written by pid ${run.child.pid} \\(lenet train`));
  run.child.kill('SIGKILL');
  await run.done;
  assert.ok(fs.existsSync(path.join(out, '.lenet.lock')), 'kill -9 leaves the lock behind');
  const resumed = runCli(['train', '--resume', out, '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(
    csvWithoutSeconds(out).map((l) => l.split(',')[0]),
    ['epoch', '1', '2', '3'],
  );
  assert.equal(fs.existsSync(path.join(out, '.lenet.lock')), false);
});

test("two compares into one --out: the second is refused naming the first's pid; the first finishes clean", async () => {
  const out = path.join(work, 'two-compares');
  const args = ['compare', '--activations', 'relu,tanh', ...SMALL, '--out', out, '--quiet'];
  const first = start(args);
  await waitFor(() => fs.existsSync(path.join(out, '.lenet.lock')));
  // frozen while it holds the folder: however fast training is, it cannot finish meanwhile
  first.child.kill('SIGSTOP');
  const second = runCli(args);
  first.child.kill('SIGCONT');
  assert.equal(second.code, 1, second.stderr);
  assert.ok(isOneLineError(second.stderr), second.stderr);
  assert.match(second.stderr, new RegExp(`being written by pid ${first.child.pid} \\(lenet compare`));
  const r = await first.done;
  assert.equal(r.code, 0, r.stderr);
  for (const cell of ['relu/seed-1', 'tanh/seed-1']) {
    assert.deepEqual(
      csvWithoutSeconds(path.join(out, cell)).map((l) => l.split(',')[0]),
      ['epoch', '1', '2'],
    );
  }
});

test('a diverged run: a warning naming the epoch, n/a in the table, and report, plot and reruns all work', () => {
  const out = path.join(work, 'diverged');
  const args = [
    'compare',
    '--optimizer',
    'sgd',
    '--lr',
    '1e15',
    '--activations',
    'sigmoid,relu',
    '--limit',
    '300',
    '--epochs',
    '2',
    '--threads',
    '1',
    '--out',
    out,
  ];
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*relu seed 1 diverged at epoch 1 \(train_loss (NaN|Infinity)\)/);
  // sigmoid's loss blew up to a finite value: diverged too (the rule of rundir's epochDivergence).
  assert.match(r.stderr, /warning: .*sigmoid seed 1 diverged at epoch 1 \(train loss [0-9.]+ above 2·ln 10 = 4\.6052\)/);
  assert.match(r.stdout, /n\/a/);
  assert.ok(fs.existsSync(path.join(out, 'comparison.md')));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'relu', 'seed-1', 'summary.json'), 'utf8'));
  assert.equal(summary.complete, true);
  assert.equal(summary.diverged_epoch, 1);
  const report = runCli(['report', out]);
  assert.equal(report.code, 0, report.stderr);
  assert.ok(fs.existsSync(path.join(out, 'report.md')));
  assert.equal(runCli(['plot', out]).code, 0);
  const again = runCli(args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already done, skipped/);
  const sweep = runCli([
    'sweep',
    '--grid',
    'relu',
    '--optimizer',
    'sgd',
    '--lr',
    '1e15',
    '--limit',
    '300',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--out',
    path.join(work, 'diverged-sweep'),
  ]);
  assert.equal(sweep.code, 0, sweep.stderr);
  assert.match(sweep.stdout, /n\/a/);
});

test('changed data under a run: resume, a campaign rerun and a merge refuse it naming the file; a relative --data-dir is stored absolute', async () => {
  const data = copyOfMnist('data-a');
  const out = path.join(work, 'data-run');
  const run = start(
    ['train', '--data-dir', 'data-a', '--limit', '600', '--epochs', '3', '--threads', '1', '--out', out, '--quiet'],
    { LENET_TEST_KILL_IN_CHECKPOINT: '2' },
    work,
  );
  const killed = await run.done;
  assert.equal(killed.signal, 'SIGKILL');
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(manifest.config.dataDir, data, 'stored absolute');
  assert.equal(manifest.data.dataset, 'MNIST');
  // One label changes: still a valid IDX file, but not the data the run started on.
  const labels = path.join(data, 'train-labels-idx1-ubyte');
  const bytes = fs.readFileSync(labels);
  bytes[8] = (bytes[8] + 1) % 10;
  fs.writeFileSync(labels, bytes);
  const r = runCli(['train', '--resume', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /cannot continue .*: data file train-labels-idx1-ubyte differs from the one it was trained on/);

  const campaign = path.join(work, 'data-campaign');
  const base = ['compare', '--activations', 'relu', '--limit', '300', '--epochs', '1', '--threads', '1', '--out', campaign, '--quiet'];
  assert.equal(runCli(base).code, 0);
  const other = runCli([...base, '--data-dir', data]);
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /holds a run of another protocol \(data file train-labels-idx1-ubyte: sha256 \w+ there, sha256 \w+ now\)/);
  const cpu = runCli([...base, '--backend', 'cpu']);
  assert.equal(cpu.code, 2, cpu.stderr);
  // --backend cpu also means the tfjs engine (fused runs only beside the native backend)
  assert.match(cpu.stderr, /another protocol \(backend: "native" there, "cpu" now; engine: "fused" there, "tfjs" now\)/);
  const native = runCli([...base, '--backend', 'native']);
  assert.equal(native.code, 0, `--backend native after auto (both ran native) is the same protocol: ${native.stderr}`);

  const shard = path.join(work, 'data-shard');
  assert.equal(
    runCli([
      'compare',
      '--activations',
      'tanh',
      '--limit',
      '300',
      '--epochs',
      '1',
      '--threads',
      '1',
      '--data-dir',
      data,
      '--out',
      shard,
      '--quiet',
    ]).code,
    0,
  );
  const merged = runCli(['merge', campaign, shard, '--out', path.join(work, 'data-merged')]);
  assert.equal(merged.code, 2, merged.stderr);
  assert.match(merged.stderr, /differ in protocol \(data file train-labels-idx1-ubyte/);
});

test('merge: bit-identical cells whose wall-clock seconds differ are one cell; auto and native folders merge', () => {
  const args = ['compare', '--activations', 'relu', '--limit', '300', '--epochs', '1', '--threads', '1', '--quiet'];
  const a = path.join(work, 'merge-a');
  const b = path.join(work, 'merge-b');
  assert.equal(runCli([...args, '--out', a, '--backend', 'auto']).code, 0);
  assert.equal(runCli([...args, '--out', b, '--backend', 'native']).code, 0);
  assert.notDeepEqual(
    fs.readFileSync(path.join(a, 'relu/seed-1/epochs.csv'), 'utf8'),
    fs.readFileSync(path.join(b, 'relu/seed-1/epochs.csv'), 'utf8'),
    'seconds differ',
  );
  const r = runCli(['merge', a, b, '--out', path.join(work, 'merge-ab')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /merge: 1 run \(/);
  // Comparisons merge into a comparison: its table and charts, not a sweep's.
  assert.deepEqual(
    ['comparison.md', 'accuracy.png', 'sweep.md', 'heatmap.png'].map((f) => fs.existsSync(path.join(work, 'merge-ab', f))),
    [true, true, false, false],
  );
  assert.equal(JSON.parse(fs.readFileSync(path.join(work, 'merge-ab', 'comparison.json'), 'utf8')).kind, 'comparison');
});

test('report and plot follow links: a folder of links, and a real run beside a linked one', () => {
  const src = path.join(work, 'linked-src');
  assert.equal(
    runCli(['compare', '--activations', 'relu,tanh', '--limit', '300', '--epochs', '1', '--threads', '1', '--out', src, '--quiet']).code,
    0,
  );
  const links = path.join(work, 'links');
  fs.mkdirSync(links);
  fs.symlinkSync(path.join(src, 'relu'), path.join(links, 'relu'));
  fs.symlinkSync(path.join(src, 'tanh'), path.join(links, 'tanh'));
  const r = runCli(['report', links]);
  assert.equal(r.code, 0, r.stderr);
  const md = fs.readFileSync(path.join(links, 'report.md'), 'utf8');
  assert.match(md, /\| relu \|/);
  assert.match(md, /\| tanh \|/);
  const mixed = path.join(work, 'mixed');
  fs.mkdirSync(mixed);
  fs.cpSync(path.join(src, 'relu'), path.join(mixed, 'relu'), { recursive: true });
  fs.symlinkSync(path.join(src, 'tanh'), path.join(mixed, 'tanh'));
  const p = runCli(['plot', mixed, '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /tanh/);
});

test('compare --out an existing train run is a usage error, as is compare --out FILE (exit 2 like train)', () => {
  const run = path.join(work, 'single');
  assert.equal(runCli(['train', '--limit', '300', '--epochs', '1', '--threads', '1', '--out', run, '--quiet']).code, 0);
  const r = runCli(['compare', '--activations', 'relu', '--limit', '300', '--epochs', '1', '--out', run]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /holds a single run of lenet train, not a campaign/);
  const file = path.join(work, 'plain-file');
  fs.writeFileSync(file, 'x');
  for (const cmd of [['train'], ['compare', '--activations', 'relu'], ['sweep', '--grid', 'relu']]) {
    const f = runCli([...cmd, '--limit', '300', '--epochs', '1', '--out', file]);
    assert.equal(f.code, 2, `${cmd[0]}: ${f.stderr}`);
    assert.match(f.stderr, /exists and is not a directory/);
  }
});

test('Ctrl-C while compare writes its table and charts stops there with 130, not 0', async () => {
  const out = path.join(work, 'ctrl-c-outputs');
  const run = start(['compare', '--activations', 'relu,tanh', '--limit', '300', '--epochs', '1', '--threads', '1', '--out', out]);
  await waitFor(() => fs.existsSync(path.join(out, 'tanh', 'seed-1', 'summary.json')));
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /every run finished; stopped before the table and charts were all written; rerun the same command/);
  const again = runCli([
    'compare',
    '--activations',
    'relu,tanh',
    '--limit',
    '300',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--out',
    out,
    '--quiet',
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(fs.existsSync(path.join(out, 'accuracy.png')));
});

test('the printed resume command is shell-quoted: a folder with a space and a quote pastes back', async () => {
  const out = path.join(work, "it's a run");
  const run = start(['train', '--limit', '3000', '--epochs', '3', '--threads', '1', '--out', out]);
  await waitFor(() => fs.existsSync(path.join(out, 'checkpoint.bin')));
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130);
  const m = /resume with: (lenet train --resume .*)$/m.exec(r.stderr);
  assert.ok(m, r.stderr);
  const { spawnSync } = await import('node:child_process');
  const echoed = spawnSync('sh', ['-c', `printf '%s\\n' ${m[1].replace(/^lenet train --resume /, '')}`], { encoding: 'utf8' });
  assert.equal(echoed.stdout.trim(), out);
});
