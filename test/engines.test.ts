import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { shardFromEnv } from '../src/cluster/shard-env';
import { slurmShardFromEnv } from '../src/cluster/slurm';
import { K8S_COUNT, K8S_INDEX, k8sShardFromEnv } from '../src/cluster/k8s';
import { checkSlurmCampaign, sbatchOptions, shardFolder, SlurmCampaign, slurmScripts } from '../src/cluster/slurm-submit';
import { shardCells } from '../src/train/grid';
import { throwsLenet } from './helpers';

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
  throwsLenet(() => checkSlurmCampaign(campaign({ shards: 9 })), 2, /--shards 9: the sweep has only 8 cells/);
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
