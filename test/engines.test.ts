import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shardFromEnv } from '../src/train/engines/shard-env';
import { slurmShardFromEnv } from '../src/train/engines/slurm';
import { K8S_COUNT, K8S_INDEX, k8sShardFromEnv } from '../src/train/engines/k8s';
import { checkSlurmCampaign, sbatchOptions, shardFolder, SlurmCampaign, slurmScripts } from '../src/train/engines/slurm-submit';
import { shellQuote } from '../src/train/engines/quote';
import { shardCells } from '../src/train/grid';
import { BIN, isOneLineError, ROOT, tempDir, throwsLenet } from './helpers';
import { assertSameCampaign, lenetWithEnv, runDirs } from './engines-compare';

const slurmEnv = (id: number, min: number, count: number, extra: Record<string, string> = {}) => ({
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_COUNT: String(count),
  ...extra,
});

test('--shard slurm: K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1, N = SLURM_ARRAY_TASK_COUNT', () => {
  assert.deepEqual(slurmShardFromEnv(slurmEnv(1, 1, 3)), {
    k: 1,
    n: 3,
    engine: 'slurm',
    from: 'SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3',
  });
  assert.equal(slurmShardFromEnv(slurmEnv(3, 1, 3)).k, 3);
  // --array=5-8: task 7 is shard 3 of 4; a 0-based --array=0-3 works the same.
  assert.deepEqual(
    [5, 6, 7, 8].map((id) => slurmShardFromEnv(slurmEnv(id, 5, 4, { SLURM_ARRAY_TASK_MAX: '8', SLURM_ARRAY_TASK_STEP: '1' })).k),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((id) => slurmShardFromEnv(slurmEnv(id, 0, 4)).k),
    [1, 2, 3, 4],
  );
  assert.equal(slurmShardFromEnv(slurmEnv(2, 1, 2)).n, 2);
});

test('--shard slurm: a missing or inconsistent environment is a usage error naming the variable', () => {
  throwsLenet(() => slurmShardFromEnv({}), 2, /--shard slurm: SLURM_ARRAY_TASK_ID is not set/);
  throwsLenet(() => slurmShardFromEnv({ SLURM_ARRAY_TASK_ID: '2' }), 2, /SLURM_ARRAY_TASK_COUNT is not set/);
  throwsLenet(() => slurmShardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3' }), 2, /SLURM_ARRAY_TASK_MIN is not set/);
  throwsLenet(() => slurmShardFromEnv({ ...slurmEnv(1, 1, 3), SLURM_ARRAY_TASK_ID: '' }), 2, /SLURM_ARRAY_TASK_ID is not set/);
  throwsLenet(
    () => slurmShardFromEnv({ ...slurmEnv(1, 1, 3), SLURM_ARRAY_TASK_COUNT: 'three' }),
    2,
    /SLURM_ARRAY_TASK_COUNT="three" is not a whole number/,
  );
  throwsLenet(
    () => slurmShardFromEnv({ ...slurmEnv(1, 1, 3), SLURM_ARRAY_TASK_ID: '-1' }),
    2,
    /SLURM_ARRAY_TASK_ID="-1" is not a whole number/,
  );
  throwsLenet(() => slurmShardFromEnv(slurmEnv(1, 1, 0)), 2, /SLURM_ARRAY_TASK_COUNT=0/);
  throwsLenet(() => slurmShardFromEnv(slurmEnv(4, 1, 3)), 2, /SLURM_ARRAY_TASK_ID=4 is outside 1\.\.3/);
  throwsLenet(() => slurmShardFromEnv(slurmEnv(0, 1, 3)), 2, /SLURM_ARRAY_TASK_ID=0 is outside 1\.\.3/);
  // --array=1-5:2 (tasks 1, 3, 5): COUNT 3 but MAX 5; shard 2 would never run.
  throwsLenet(
    () => slurmShardFromEnv(slurmEnv(3, 1, 3, { SLURM_ARRAY_TASK_MAX: '5' })),
    2,
    /SLURM_ARRAY_TASK_MAX=5 .*not a contiguous array/,
  );
  throwsLenet(() => slurmShardFromEnv(slurmEnv(3, 1, 3, { SLURM_ARRAY_TASK_STEP: '2' })), 2, /SLURM_ARRAY_TASK_STEP=2/);
});

test('--shard k8s: K = JOB_COMPLETION_INDEX + 1, N = LENET_SHARD_COUNT; missing or inconsistent is a usage error', () => {
  assert.deepEqual(
    [0, 1, 2].map((i) => k8sShardFromEnv({ [K8S_INDEX]: String(i), [K8S_COUNT]: '3' })),
    [
      { k: 1, n: 3, engine: 'k8s', from: 'JOB_COMPLETION_INDEX=0 LENET_SHARD_COUNT=3' },
      { k: 2, n: 3, engine: 'k8s', from: 'JOB_COMPLETION_INDEX=1 LENET_SHARD_COUNT=3' },
      { k: 3, n: 3, engine: 'k8s', from: 'JOB_COMPLETION_INDEX=2 LENET_SHARD_COUNT=3' },
    ],
  );
  throwsLenet(() => k8sShardFromEnv({ [K8S_COUNT]: '3' }), 2, /--shard k8s: JOB_COMPLETION_INDEX is not set .*completionMode: Indexed/);
  throwsLenet(() => k8sShardFromEnv({ [K8S_INDEX]: '0' }), 2, /--shard k8s: LENET_SHARD_COUNT is not set .*spec\.completions/);
  throwsLenet(() => k8sShardFromEnv({ [K8S_INDEX]: '3', [K8S_COUNT]: '3' }), 2, /JOB_COMPLETION_INDEX=3 is not below LENET_SHARD_COUNT=3/);
  throwsLenet(() => k8sShardFromEnv({ [K8S_INDEX]: '0', [K8S_COUNT]: '0' }), 2, /LENET_SHARD_COUNT=0/);
  throwsLenet(() => k8sShardFromEnv({ [K8S_INDEX]: '1.5', [K8S_COUNT]: '3' }), 2, /JOB_COMPLETION_INDEX="1.5" is not a whole number/);
});

test('--shard auto: whichever engine is present; neither or both is a usage error', () => {
  assert.equal(shardFromEnv('auto', slurmEnv(2, 1, 3)).engine, 'slurm');
  assert.deepEqual(shardFromEnv('auto', { [K8S_INDEX]: '4', [K8S_COUNT]: '5' }), k8sShardFromEnv({ [K8S_INDEX]: '4', [K8S_COUNT]: '5' }));
  assert.equal(shardFromEnv('slurm', slurmEnv(2, 1, 3)).k, 2);
  throwsLenet(() => shardFromEnv('auto', {}), 2, /--shard auto: neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/);
  throwsLenet(
    () => shardFromEnv('auto', { ...slurmEnv(1, 1, 2), [K8S_INDEX]: '0', [K8S_COUNT]: '2' }),
    2,
    /both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX/,
  );
  // auto with a half-set SLURM environment still names what is missing.
  throwsLenet(() => shardFromEnv('auto', { SLURM_ARRAY_TASK_ID: '1' }), 2, /SLURM_ARRAY_TASK_COUNT is not set/);
});

test('the N shards an array job gets from its environment partition the cells: cell i in shard (i mod N) + 1', () => {
  const cells = Array.from({ length: 27 }, (_, i) => i);
  for (const n of [1, 2, 4, 27]) {
    const fromSlurm = Array.from({ length: n }, (_, t) => shardCells(cells, shardFromEnv('slurm', slurmEnv(t + 10, 10, n))));
    const fromK8s = Array.from({ length: n }, (_, t) =>
      shardCells(cells, shardFromEnv('k8s', { [K8S_INDEX]: String(t), [K8S_COUNT]: String(n) })),
    );
    assert.deepEqual(fromK8s, fromSlurm, `N=${n}`);
    assert.deepEqual(
      fromSlurm.flat().sort((a, b) => a - b),
      cells,
      `N=${n}: every cell exactly once`,
    );
    fromSlurm.forEach((shard, t) => shard.forEach((i) => assert.equal(i % n, t, `N=${n}: cell ${i} in shard ${t + 1}`)));
  }
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
      /^lenet: --shards 5: the compare has only 4 cell\(s\)/,
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

const campaign = (over: Partial<SlurmCampaign> = {}): SlurmCampaign => ({
  command: 'sweep',
  args: ['--grid=relu,tanh', '--epochs=1'],
  outDir: '/shared/runs/s1',
  shards: 3,
  cells: 8,
  sbatchArgs: [],
  node: '/opt/node/bin/node',
  bin: '/opt/lenet/bin/lenet.js',
  cwd: '/home/me',
  ...over,
});

test('slurm scripts: an array of N tasks, each one shard into OUT/.shards/K, and a merge job over exactly those folders', () => {
  const s = slurmScripts(campaign());
  assert.match(s.array, /^#!\/bin\/bash\n/);
  assert.match(s.array, /^#SBATCH --array=1-3$/m);
  // No --threads or --jobs: one cell at a time with one thread, and the task asks for that one CPU.
  assert.match(s.array, /^#SBATCH --cpus-per-task=1$/m);
  assert.match(s.array, /^set -euo pipefail\ncd -- \/home\/me\nexec /m);
  const exec = s.array.split('\n').filter((l) => l.startsWith('exec '));
  assert.deepEqual(exec, [
    'exec /opt/node/bin/node /opt/lenet/bin/lenet.js sweep --grid=relu,tanh --epochs=1 --shard=slurm --out=/shared/runs/s1/.shards/"${SLURM_ARRAY_TASK_ID}" --threads=1',
  ]);
  const mergeLines = s.merge.split('\n').filter((l) => l.startsWith('/opt/node'));
  assert.deepEqual(mergeLines, [
    `/opt/node/bin/node /opt/lenet/bin/lenet.js merge ${[1, 2, 3].map((k) => shardFolder('/shared/runs/s1', k)).join(' ')} --out=/shared/runs/s1`,
    '/opt/node/bin/node /opt/lenet/bin/lenet.js report /shared/runs/s1',
  ]);
  assert.match(s.merge, /^set -euo pipefail\ncd -- \/home\/me\n/m);
  // The options that name files go on sbatch's command line, not into the script.
  assert.deepEqual(sbatchOptions(campaign(), 'array'), [
    '--parsable',
    '--job-name=lenet-sweep',
    '--array=1-3',
    '--cpus-per-task=1',
    '--output=/shared/runs/s1/slurm/shard-%A_%a.log',
  ]);
  assert.deepEqual(sbatchOptions(campaign({ outDir: '/shared/100% runs' }), 'merge', '42'), [
    '--parsable',
    '--job-name=lenet-sweep-merge',
    '--output=/shared/100%% runs/slurm/merge-%j.log',
    '--dependency=afterok:42',
    '--kill-on-invalid-dep=yes',
  ]);

  // --threads given: the task asks SLURM for that many CPUs; a compare's merge job also writes its table; odd words are quoted.
  const c = slurmScripts(
    campaign({ command: 'compare', args: ["--activations=relu/tanh/relu,it's", '--threads=2'], threads: 2, shards: 2 }),
  );
  assert.match(c.array, /^#SBATCH --cpus-per-task=2$/m);
  assert.match(
    c.array,
    /^exec \/opt\/node\/bin\/node \/opt\/lenet\/bin\/lenet\.js compare '--activations=relu\/tanh\/relu,it'\\''s' --threads=2 --shard=slurm --out=\/shared\/runs\/s1\/\.shards\/"\$\{SLURM_ARRAY_TASK_ID\}"$/m,
  );
  assert.match(
    c.merge,
    /lenet\.js compare '--activations=relu\/tanh\/relu,it'\\''s' --threads=2 --out=\/shared\/runs\/s1 --quiet\n.*lenet\.js report \/shared\/runs\/s1\n$/,
  );
});

test('slurm submission: bad --shards, --out or --sbatch-arg are usage errors before anything is submitted', () => {
  throwsLenet(() => checkSlurmCampaign(campaign({ shards: 9 })), 2, /--shards 9: the sweep has only 8 cell\(s\)/);
  throwsLenet(() => checkSlurmCampaign(campaign({ shards: 0 })), 2, /--shards must be a whole number of at least 1/);
  // Spaces, quotes and % are fine (quoted, and %% for sbatch); a backslash or a newline SLURM cannot take in --output.
  checkSlurmCampaign(campaign({ outDir: `/shared/my "100%" runs'` }));
  throwsLenet(() => checkSlurmCampaign(campaign({ outDir: '/shared/a\\b' })), 2, /--out '\/shared\/a\\b' holds a backslash/);
  throwsLenet(() => checkSlurmCampaign(campaign({ outDir: '/shared/a\nb' })), 2, /--out \$'\/shared\/a\\nb' holds a newline/);
  throwsLenet(() => checkSlurmCampaign(campaign({ outDir: 'runs/s1' })), 2, /--out runs\/s1 is not an absolute path/);
  throwsLenet(
    () => checkSlurmCampaign(campaign({ sbatchArgs: ['--array=1-9'] })),
    2,
    /--sbatch-arg --array=1-9: lenet sets --array itself/,
  );
  throwsLenet(
    () => checkSlurmCampaign(campaign({ sbatchArgs: ['-d', 'afterok:1'] })),
    2,
    /--sbatch-arg -d: lenet sets --dependency itself/,
  );
  throwsLenet(() => checkSlurmCampaign(campaign({ sbatchArgs: ['partition=x'] })), 2, /--sbatch-arg partition=x: not an sbatch option/);
  checkSlurmCampaign(campaign({ sbatchArgs: ['--partition=cpu', '--time=01:00:00'] }));
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
  }
  // Cells of activations × seeds in order: (relu,1) (relu,2) (tanh-relu,1) (tanh-relu,2); shard 1 gets cells 0 and 3.
  assert.deepEqual(runDirs(shardFolder(out, 1)), ['relu/seed-1', 'tanh-relu/seed-2']);
  assert.deepEqual(runDirs(shardFolder(out, 2)), ['relu/seed-2']);
  assert.deepEqual(runDirs(shardFolder(out, 3)), ['tanh-relu/seed-1']);
  const merge = bash('merge.sbatch', {});
  assert.equal(merge.status, 0, merge.stderr);
  assert.match(merge.stdout, /merge: 4 runs \(4 copied\) from 3 folder\(s\)/);

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
