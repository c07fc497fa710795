/**
 * The campaign as one object (rundir/campaign-manifest.ts): what may be written into a run or
 * campaign folder, asked by every command that writes one, and report on a folder above several
 * campaigns. Each case is one a user met on an earlier lenet; the commands run in this process
 * (cli.main) on real MNIST, 300 images, 1 epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../src/cli';
import { tempDir } from './helpers';

interface Outcome {
  code: number;
  stderr: string;
}

/**
 * `lenet ARGS` in this process: its exit code and what it wrote on stderr. (stdout is left alone:
 * the test runner reports on it; the commands run with --quiet.)
 */
async function lenet(...args: string[]): Promise<Outcome> {
  const err: string[] = [];
  const stderr = process.stderr.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  // Cells train in this process (--jobs 1): worker processes are for test/e2e.
  const inProcess = ['compare', 'sweep'].includes(args[0]) && !args.includes('--jobs') ? [...args, '--jobs', '1'] : args;
  try {
    await main(['node', 'lenet', ...inProcess]);
  } finally {
    process.stderr.write = stderr;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { code, stderr: err.join('') };
}

const SMALL = ['--limit', '300', '--epochs', '1', '--quiet'];

/** Asserts a refusal: exit 2, one `lenet: ` line matching every pattern. */
function refused(r: Outcome, ...patterns: RegExp[]): void {
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^lenet: /);
  for (const p of patterns) assert.match(lines[0], p);
}

async function ok(...args: string[]): Promise<Outcome> {
  const r = await lenet(...args);
  assert.equal(r.code, 0, `lenet ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const read = (f: string) => fs.readFileSync(f, 'utf8');
const work = tempDir('lenet-campaign-folders-');
/** A finished comparison of relu and tanh, seed 1 (the folder merge and nesting cases start from). */
const S = path.join(work, 'S');
let made: Promise<Outcome> | undefined;
const campaignReady = () => (made ??= ok('compare', '--activations', 'relu,tanh', '--seeds', '1', ...SMALL, '--out', S));

test('a comparison folder holds one protocol: another one is refused before anything trains, naming the keys', async () => {
  const c = path.join(work, 'C');
  await ok('compare', '--activations', 'relu', ...SMALL, '--out', c);
  const before = read(path.join(c, 'comparison.json'));

  // Other schedules, other limit and epochs: no cell folder is shared, the folder still is.
  const r = await lenet('compare', '--activations', 'tanh', '--limit', '350', '--epochs', '2', '--quiet', '--out', c);
  refused(r, /holds a comparison of another protocol/, /epochs/, /limit/, /300 there, 350 now/);
  assert.ok(!fs.existsSync(path.join(c, 'tanh')), 'nothing trained');
  assert.equal(read(path.join(c, 'comparison.json')), before, 'the manifest is untouched');
  // The manifest, written before the first cell trained, names the kind and the protocol.
  const manifest = JSON.parse(before);
  assert.equal(manifest.kind, 'comparison');
  assert.equal(manifest.protocol.limit, 300);
  assert.equal(manifest.protocol.epochs, 1);
  assert.equal(manifest.protocol.backend, JSON.parse(read(path.join(c, 'relu/seed-1/config.json'))).backend.name);

  // The same protocol adds to it.
  await ok('compare', '--activations', 'tanh', ...SMALL, '--out', c);
  assert.deepEqual(JSON.parse(read(path.join(c, 'comparison.json'))).schedules, ['relu', 'tanh']);

  // Shards of one sweep share a folder; a shard of another protocol is refused the same way.
  const w = path.join(work, 'shards');
  await ok('sweep', '--grid', 'relu', '--seeds', '1,2', '--shard', '1/2', ...SMALL, '--out', w);
  const other = await lenet(
    'sweep',
    '--grid',
    'relu',
    '--seeds',
    '1,2',
    '--shard',
    '2/2',
    '--limit',
    '320',
    '--epochs',
    '1',
    '--quiet',
    '--out',
    w,
  );
  refused(other, /holds a sweep of another protocol \(limit: 300 there, 320 now\)/);
  assert.ok(!fs.existsSync(path.join(w, 'relu/seed-2')));
  // A sweep is not added to a comparison's folder: its manifest would lose the comparison's cells.
  refused(await lenet('sweep', '--grid', 'relu', ...SMALL, '--out', c), /holds a comparison, not a sweep/);
  assert.deepEqual(JSON.parse(read(path.join(c, 'comparison.json'))).schedules, ['relu', 'tanh']);
  // A folder written before the manifest recorded its protocol: its runs tell it.
  const old = JSON.parse(read(path.join(c, 'comparison.json')));
  delete old.protocol;
  fs.writeFileSync(path.join(c, 'comparison.json'), JSON.stringify(old));
  refused(await lenet('compare', '--activations', 'sigmoid', '--limit', '350', '--epochs', '1', '--quiet', '--out', c), /limit/);
});

test('a run is not written into a campaign, nor a campaign into a run, --force or not', async () => {
  await campaignReady();
  const t = path.join(work, 'T');
  await ok('train', ...SMALL, '--out', t);
  const runFiles = fs.readdirSync(t).sort();

  refused(await lenet('merge', S, '--out', t, '--quiet'), /holds a single run of lenet train, not a campaign/);
  refused(await lenet('compare', '--activations', 'relu', ...SMALL, '--out', t), /holds a single run/);
  refused(await lenet('sweep', '--grid', 'relu', ...SMALL, '--out', path.join(t, 'sub')), /lies inside the run folder/);
  assert.deepEqual(fs.readdirSync(t).sort(), runFiles, 'the run folder is untouched');

  const manifest = read(path.join(S, 'comparison.json'));
  refused(await lenet('train', ...SMALL, '--force', '--out', S), /is a campaign folder/);
  refused(await lenet('train', ...SMALL, '--out', path.join(S, 'extra')), /lies inside the campaign folder/);
  // Nor above runs: a run folder stops the walk, and would hide them.
  const above = path.join(work, 'above');
  fs.cpSync(t, path.join(above, 'T'), { recursive: true });
  refused(await lenet('train', ...SMALL, '--force', '--out', above), /holds other runs or campaigns/);
  assert.deepEqual(fs.readdirSync(above), ['T']);
  assert.equal(read(path.join(S, 'comparison.json')), manifest);
  assert.ok(!fs.existsSync(path.join(S, 'extra')) && !fs.existsSync(path.join(S, 'epochs.csv')));
  // The campaign reports as before: its 2 runs.
  await ok('report', S, '--quiet');
  assert.match(read(path.join(S, 'comparison.md')), /relu[\s\S]*tanh/);
});

test("a merge's output is not inside one of its inputs, nor above one; a hidden shard folder is fine", async () => {
  await campaignReady();
  refused(await lenet('merge', S, '--out', path.join(S, 'sub'), '--quiet'), /lies inside .*S, one of the folders to merge/);
  assert.ok(!fs.existsSync(path.join(S, 'sub')));
  const o = path.join(work, 'O');
  await ok('compare', '--activations', 'sigmoid', ...SMALL, '--out', path.join(o, 'part'));
  refused(await lenet('merge', path.join(o, 'part'), '--out', o, '--quiet'), /one of the folders to merge, lies inside --out/);
  // The input folder still reports, merges and takes shards as before.
  await ok('report', S, '--quiet');
  // SLURM's layout: shards in DIR/.shards/K merge into DIR (a dot-folder is not walked).
  const d = path.join(work, 'slurm');
  fs.mkdirSync(path.join(d, '.shards'), { recursive: true });
  fs.cpSync(S, path.join(d, '.shards', '1'), { recursive: true });
  await ok('merge', path.join(d, '.shards', '1'), '--out', d, '--quiet');
  const m = JSON.parse(read(path.join(d, 'comparison.json')));
  assert.deepEqual(
    m.runs.map((r: { dir: string }) => r.dir),
    ['relu/seed-1', 'tanh/seed-1'],
  );
  assert.ok(fs.existsSync(path.join(d, 'tanh/seed-1/epochs.csv')));
  assert.equal(m.merged, true);
  assert.equal(m.kind, 'comparison');
  assert.equal(m.protocol.limit, 300);
});

test('merge into a folder that holds a campaign of another protocol is refused, and leaves it as it was', async () => {
  const input = path.join(work, 'one-epoch');
  await ok('compare', '--activations', 'relu', ...SMALL, '--out', input);
  const w = path.join(work, 'W');
  await ok('sweep', '--grid', 'sigmoid', '--seeds', '1', '--limit', '300', '--epochs', '2', '--quiet', '--out', w);
  const before = read(path.join(w, 'comparison.json'));
  const table = read(path.join(w, 'sweep.md'));
  refused(await lenet('merge', input, '--out', w, '--quiet'), /W holds a sweep of another protocol \(epochs: 2 there, 1 now\)/);
  assert.equal(read(path.join(w, 'comparison.json')), before);
  assert.equal(read(path.join(w, 'sweep.md')), table);
  assert.ok(!fs.existsSync(path.join(w, 'relu')), 'nothing copied');
});

test('report and plot on a folder above two comparisons of the same cells report and draw each one', async () => {
  const p = path.join(work, 'P');
  await ok('compare', '--activations', 'relu', ...SMALL, '--out', path.join(p, 'A'));
  await ok('compare', '--activations', 'relu', ...SMALL, '--out', path.join(p, 'B'));
  const r = await ok('report', p);
  assert.match(r.stderr, /holds 2 campaigns; each is reported on its own/);
  for (const side of ['A', 'B']) {
    const md = read(path.join(p, side, 'report.md'));
    assert.match(md, /relu/);
    assert.match(read(path.join(p, side, 'comparison.csv')), /^schedule|relu/m);
  }
  assert.ok(!fs.existsSync(path.join(p, 'report.md')), 'no report mixes the two');
  // With --out, each campaign's report goes below it, by the campaign's place.
  const out = path.join(work, 'reports');
  await ok('report', p, '--out', out, '--quiet');
  assert.ok(fs.existsSync(path.join(out, 'A', 'report.html')) && fs.existsSync(path.join(out, 'B', 'report.html')));
  // plot the same way (it failed: "two runs of relu with seed 1").
  const drawn = await ok('plot', p);
  assert.match(drawn.stderr, /holds 2 campaigns; each is drawn on its own/);
  for (const side of ['A', 'B']) assert.ok(fs.existsSync(path.join(p, side, 'accuracy.png')), side);
  assert.ok(!fs.existsSync(path.join(p, 'accuracy.png')), 'no chart mixes the two');
});

// A second hostile pass found the rules leaking upwards and across kinds (each case failed before).
test('a campaign is not written above another campaign, nor above a run that is not one of its cells; nothing trains', async () => {
  await campaignReady();
  const a = path.join(work, 'above-campaign');
  fs.cpSync(S, path.join(a, 'C'), { recursive: true });
  for (const kind of [
    ['compare', '--activations', 'relu'],
    ['sweep', '--grid', 'relu', '--seeds', '1'],
  ]) {
    refused(await lenet(...kind, ...SMALL, '--out', a), /above-campaign holds another campaign \(.*above-campaign[\\/]C\)/);
  }
  assert.deepEqual(fs.readdirSync(a), ['C'], 'nothing trained above it');
  const p = path.join(work, 'above-run');
  fs.cpSync(path.join(S, 'relu', 'seed-1'), path.join(p, 'myrun'), { recursive: true });
  refused(
    await lenet('compare', '--activations', 'relu,tanh', ...SMALL, '--out', p),
    /above-run holds a run that is not a cell of a campaign \(.*myrun\)/,
  );
  assert.deepEqual(fs.readdirSync(p), ['myrun']);
});

test('merge keeps a folder of one kind: a sweep is not merged into a comparison, nor a comparison with a sweep', async () => {
  await campaignReady();
  const cmp = path.join(work, 'kind-cmp');
  fs.cpSync(S, cmp, { recursive: true });
  const before = read(path.join(cmp, 'comparison.json'));
  const shard = (k: number) => path.join(work, `kind-shard-${k}`);
  for (const k of [1, 2]) await ok('sweep', '--grid', 'relu,tanh', '--seeds', '1', '--shard', `${k}/2`, ...SMALL, '--out', shard(k));
  refused(await lenet('merge', shard(1), shard(2), '--out', cmp, '--quiet'), /kind-cmp holds a comparison, not a sweep/);
  assert.equal(read(path.join(cmp, 'comparison.json')), before, 'the comparison is left as it was');
  refused(
    await lenet('merge', cmp, shard(2), '--out', path.join(work, 'kind-mixed'), '--quiet'),
    /cannot merge a comparison \(.*kind-cmp\) with a sweep \(.*kind-shard-2\)/,
  );
  assert.ok(!fs.existsSync(path.join(work, 'kind-mixed')));
  // A merge input reached through a link inside --out lies inside it, as a walk of --out sees it.
  const m = path.join(work, 'linked');
  fs.mkdirSync(m);
  fs.symlinkSync(shard(1), path.join(m, 's1'));
  refused(await lenet('merge', path.join(m, 's1'), shard(2), '--out', m, '--quiet'), /s1, one of the folders to merge, lies inside --out/);
  assert.deepEqual(fs.readdirSync(m), ['s1']);
});
