import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shardFromEnv } from '../../src/cluster/shard-env';
import { K8S_COUNT, K8S_INDEX } from '../../src/cluster/k8s';
import { shardFolder, SlurmCampaign, slurmScripts } from '../../src/cluster/slurm-submit';
import { shellQuote } from '../../src/cluster/quote';
import { BIN, isOneLineError, ROOT } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { assertSameCampaign, runDirs } from '../engines-compare';
import { lenetWithEnv } from '../harness/cli';

const slurmEnv = (id: number, min: number, count: number, extra: Record<string, string> = {}) => ({
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_COUNT: String(count),
  ...extra,
});

test('sweep and compare: --shard slurm|k8s|auto outside an array, and bad --submit flags, are one-line usage errors (exit 2)', () => {
  const out = path.join(tempDir('lenet-engines-'), 'never');
  const clean = {
    SLURM_ARRAY_TASK_ID: undefined,
    SLURM_ARRAY_TASK_MIN: undefined,
    SLURM_ARRAY_TASK_COUNT: undefined,
    SLURM_ARRAY_TASK_MAX: undefined,
    [K8S_INDEX]: undefined,
    [K8S_COUNT]: undefined,
  };
  const cases: Array<[string[], Record<string, string | undefined>, RegExp]> = [
    [['sweep', '--shard', 'slurm'], {}, /^lenet: --shard slurm: SLURM_ARRAY_TASK_ID is not set/],
    [['compare', '--shard', 'slurm'], slurmEnv(5, 1, 4), /^lenet: --shard slurm: SLURM_ARRAY_TASK_ID=5 is outside 1\.\.4/],
    [['compare', '--shard', 'k8s'], { [K8S_INDEX]: '0' }, /^lenet: --shard k8s: LENET_SHARD_COUNT is not set/],
    [['sweep', '--shard', 'auto'], {}, /^lenet: --shard auto: neither SLURM_ARRAY_TASK_ID/],
    [['compare', '--shard', 'x/2'], {}, /^lenet: --shard must look like K\/N \(e\.g\. 1\/4\), or be slurm, k8s or auto; got "x\/2"/],
    [['compare', '--shard', '5/5', '--activations', 'relu,tanh'], {}, /^lenet: --shard 5\/5 has no cells: the comparison has only 2/],
    [['compare', '--submit', 'slurm', '--out', out], {}, /^lenet: --submit slurm needs --shards N/],
    [
      ['sweep', '--submit', 'slurm', '--shards', '2'],
      {},
      /^lenet: --submit slurm needs --out DIR, on storage every node of the cluster sees/,
    ],
    [['sweep', '--submit', 'slurm', '--shards', '2', '--shard', '1/2', '--out', out], {}, /^lenet: --submit runs every shard/],
    [['sweep', '--shards', '2', '--out', out], {}, /^lenet: --shards goes with --submit slurm/],
    [['compare', '--sbatch-arg=--partition=x', '--out', out], {}, /^lenet: --sbatch-arg goes with --submit slurm/],
    [
      ['compare', '--submit', 'slurm', '--shards', '5', '--activations', 'relu,tanh', '--seeds', '2', '--out', out],
      {},
      /^lenet: --shards 5: the compare has only 4 cells/,
    ],
    [['sweep', '--submit', 'slurm', '--shards', 'two', '--out', out], {}, /^lenet: --shards must be a positive integer, got "two"/],
    [['sweep', '--submit', 'pbs', '--shards', '2', '--out', out], {}, /^lenet: --submit must be one of slurm, got "pbs"/],
  ];
  for (const [args, env, pattern] of cases) {
    const r = lenetWithEnv(args, { ...clean, ...env });
    assert.equal(r.code, 2, `lenet ${args.join(' ')}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), `one line: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
  assert.ok(!fs.existsSync(out), 'nothing written');
});

test('--submit slurm without sbatch on PATH is a one-line runtime error (exit 1) and writes nothing', () => {
  const out = path.join(tempDir('lenet-engines-'), 'campaign');
  const r = lenetWithEnv(['sweep', '--grid', 'relu,tanh', '--submit', 'slurm', '--shards', '2', '--out', out], {
    PATH: tempDir('lenet-empty-path-'),
  });
  assert.equal(r.code, 1, r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^lenet: --submit slurm needs sbatch, which is not on PATH/);
  assert.ok(!fs.existsSync(out), 'nothing written');
});

test('compare --submit slurm scripts, run by bash with the variables SLURM sets: the merged folder equals one unsharded compare', () => {
  const root = tempDir('lenet-engines-compare-');
  const out = path.join(root, 'sharded');
  const protocol = ['--activations=relu,tanh-relu', '--seeds=2', '--limit=150', '--epochs=2', '--average-last=1'];
  // No --threads: each task runs with --threads=1 (and asks SLURM for 1 CPU), as the reference's --threads 1.
  const c: SlurmCampaign = {
    command: 'compare',
    args: protocol,
    outDir: out,
    shards: 3,
    cells: 4,
    sbatchArgs: [],
    node: process.execPath,
    bin: BIN,
    cwd: ROOT,
  };
  const scripts = slurmScripts(c);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'array.sbatch'), scripts.array);
  fs.writeFileSync(path.join(root, 'merge.sbatch'), scripts.merge);
  const bash = (script: string, env: Record<string, string>) =>
    spawnSync('bash', [path.join(root, script)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, SLURM_CPUS_PER_TASK: '', ...env },
      timeout: 300_000,
    });
  for (const k of [1, 2, 3]) {
    const r = bash('array.sbatch', slurmEnv(k, 1, 3, { SLURM_ARRAY_TASK_MAX: '3' }));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`--shard slurm: shard ${k}/3 \\(SLURM_ARRAY_TASK_ID=${k} `));
    assert.equal(r.stderr.split('--shard slurm: shard').length, 2, `said once (QA, issue 14): ${r.stderr}`);
  }
  // Cells of activations × seeds in order: (relu,1) (relu,2) (tanh-relu,1) (tanh-relu,2); shard 1 gets cells 0 and 3.
  assert.deepEqual(runDirs(shardFolder(out, 1)), ['relu/seed-1', 'tanh-relu/seed-2']);
  assert.deepEqual(runDirs(shardFolder(out, 2)), ['relu/seed-2']);
  assert.deepEqual(runDirs(shardFolder(out, 3)), ['tanh-relu/seed-1']);
  const merge = bash('merge.sbatch', {});
  assert.equal(merge.status, 0, merge.stderr);
  assert.match(merge.stdout, /merge: 4 runs \(4 copied\) from 3 folders/);

  const ref = lenetWithEnv(['compare', ...protocol, '--threads=1', '--out', path.join(root, 'reference'), '--quiet'], {});
  assert.equal(ref.code, 0, ref.stderr);
  assertSameCampaign(out, path.join(root, 'reference'), ['comparison.csv']);
  for (const f of ['comparison.md', 'report.html', 'report.md', 'accuracy.png']) assert.ok(fs.existsSync(path.join(out, f)), f);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8')).kind, 'comparison');
});

/** The few values of a manifest the environment contract depends on, read with regexps (no YAML parser needed). */
function manifestValue(text: string, key: string): string {
  const m = new RegExp(`^\\s*${key}:\\s*"?([^"\\n]+?)"?\\s*(#.*)?$`, 'm').exec(text);
  assert.ok(m, `${key} in the manifest`);
  return m[1];
}

/** A `- >-` folded block or a `- ` line under `command:`'s `sh -c`, as the shell sees it. */
function shellCommand(text: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^\s*- -c$/.test(l));
  assert.ok(i >= 0, 'command: [sh, -c, ...]');
  const next = lines[i + 1];
  if (!/^\s*- >-$/.test(next)) return next.replace(/^\s*- /, '');
  const indent = (l: string) => l.length - l.trimStart().length;
  const body: string[] = [];
  for (let j = i + 2; j < lines.length && indent(lines[j]) > indent(next); j++) body.push(lines[j].trim());
  return body.join(' ');
}

test('experiments/k8s: the Indexed Job and the merge Job keep the --shard k8s contract; their commands run here as sh would', () => {
  const dir = path.join(ROOT, 'experiments', 'k8s');
  const shards = fs.readFileSync(path.join(dir, 'sweep-shards.yaml'), 'utf8');
  const merge = fs.readFileSync(path.join(dir, 'sweep-merge.yaml'), 'utf8');
  assert.equal(manifestValue(shards, 'completionMode'), 'Indexed');
  const completions = Number(manifestValue(shards, 'completions'));
  assert.equal(Number(manifestValue(shards, 'parallelism')) <= completions, true);
  const envBlock = /- name: LENET_SHARD_COUNT\n\s*value: "(\d+)"/.exec(shards);
  assert.ok(envBlock, 'the manifest sets LENET_SHARD_COUNT');
  assert.equal(Number(envBlock[1]), completions, 'LENET_SHARD_COUNT = spec.completions');
  const shardCmd = shellCommand(shards);
  assert.match(
    shardCmd,
    /^exec node \/opt\/lenet\/bin\/lenet\.js sweep .*--shard=k8s --out=\/runs\/sweep\/\.shards\/"\$JOB_COMPLETION_INDEX"$/,
  );
  const mergeCmd = shellCommand(merge);
  const folders = Array.from({ length: completions }, (_, i) => `/runs/sweep/.shards/${i}`);
  assert.equal(
    mergeCmd,
    `node /opt/lenet/bin/lenet.js merge ${folders.join(' ')} --out /runs/sweep && node /opt/lenet/bin/lenet.js report /runs/sweep`,
  );
  // Every pod index the Job controller hands out is a valid, distinct shard.
  const ks = Array.from({ length: completions }, (_, i) => shardFromEnv('k8s', { [K8S_INDEX]: String(i), [K8S_COUNT]: envBlock[1] }));
  assert.deepEqual(
    ks.map((s) => `${s.k}/${s.n}`),
    Array.from({ length: completions }, (_, i) => `${i + 1}/${completions}`),
  );

  // The containers' commands, run by sh on this machine with the variables a Job controller sets:
  // lenet instead of the image's path, a temp folder for the volume, and a smaller sweep appended
  // (later flags win) so the test stays short.
  const root = tempDir('lenet-engines-k8s-');
  const local = (cmd: string) =>
    cmd
      .replace(/node \/opt\/lenet\/bin\/lenet\.js/g, `${shellQuote(process.execPath)} ${shellQuote(BIN)}`)
      .replace(/\/runs\//g, `${shellQuote(root)}/`);
  const small = ' --grid=relu,tanh --seeds=1 --limit=100 --epochs=1 --average-last=1 --quiet';
  const sh = (cmd: string, env: Record<string, string>) =>
    spawnSync('sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  for (let i = 0; i < completions; i++) {
    const r = sh(local(shardCmd) + small, { [K8S_INDEX]: String(i), [K8S_COUNT]: envBlock[1] });
    assert.equal(r.status, 0, r.stderr);
  }
  const m = sh(local(mergeCmd), {});
  assert.equal(m.status, 0, m.stderr);
  const ref = lenetWithEnv(['sweep', '--seeds=3', '--threads=1', ...small.trim().split(' '), '--out', path.join(root, 'reference')], {});
  assert.equal(ref.code, 0, ref.stderr);
  assertSameCampaign(path.join(root, 'sweep'), path.join(root, 'reference'), ['sweep.csv']);
  assert.ok(fs.existsSync(path.join(root, 'sweep', 'report.html')));
});

test('the fused engine out of memory for its weights: one line, exit 1 (it aborted the process, exit 134)', () => {
  // 4096 filters twice and 4096 dense units: the tfjs model's weights fit in 6 GB of address
  // space, the engine's four copies (weights, gradients, Adam's two slots) do not.
  const out = path.join(tempDir('lenet-oom-'), 'run');
  const args = ['train', '--limit', '20', '--epochs', '1', '--conv1-filters', '4096', '--conv2-filters', '4096', '--dense-units', '4096'];
  const r = spawnSync('sh', ['-c', 'ulimit -v 6000000 && exec "$@"', 'sh', process.execPath, BIN, ...args, '--quiet', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, /^lenet: lenet_native: out of memory for the fused engine's weights and optimizer state/);
  assert.equal(fs.existsSync(path.join(out, 'summary.json')), false);
});
