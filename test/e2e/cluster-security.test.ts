/**
 * Nothing a user names can run as code in what lenet writes for a cluster or prints to paste:
 * the batch scripts of `--submit slurm` (tried on their text and by running them through a
 * stand-in sbatch that executes them with bash, test/slurm-standin.ts), the sbatch options lenet
 * sets (no `--sbatch-arg` spelling changes them), the commands derived from the Kubernetes
 * manifests, and every printed command (one quoting function, shellQuote).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shellQuote } from '../../src/commands/options';
import { checkSlurmCampaign, SlurmCampaign } from '../../src/cluster/slurm-submit';
import { throwsLenet } from '../helpers';
import { BIN, isOneLineError } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { runDirs } from '../engines-compare';
import { lenetWithEnv } from '../harness/cli';
import { installStandin } from '../slurm-standin';
import { bashWords, pwned } from '../shell-payloads';

test('--submit slurm refuses, with one line and before writing anything, a folder Node cannot name faithfully', () => {
  const root = tempDir('lenet-badbytes-');
  const standin = installStandin(path.join(root, 'standin'));
  // A folder whose name is not valid UTF-8: Node reads it as U+FFFD, which names another folder.
  fs.mkdirSync(Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0x77, 0xff, 0xfe, 0x6b])]));
  const r = spawnSync(
    'bash',
    [
      '-c',
      `cd -- ${shellQuote(root)}/$'w\\xff\\xfek' && exec "$@"`,
      'bash',
      process.execPath,
      BIN,
      'sweep',
      '--grid=relu',
      '--limit=100',
      '--epochs=1',
      '--submit=slurm',
      '--shards=1',
      '--out=out',
    ],
    { encoding: 'utf8', env: { ...process.env, PATH: `${standin.bin}:${process.env.PATH}` } },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(
    r.stderr,
    /^lenet: .*holds bytes that are not valid UTF-8 \(read as U\+FFFD\): lenet cannot write it into a batch script faithfully\n$/,
  );
  assert.deepEqual(standin.jobs(), [], 'nothing submitted');
  assert.deepEqual(fs.readdirSync(root).filter((f) => f !== 'standin').length, 1, 'no folder written (not even one named with U+FFFD)');
  // A name that holds U+FFFD itself cannot be told from one that does not: refused the same way.
  const c: SlurmCampaign = {
    command: 'sweep',
    args: [],
    outDir: path.join(root, 'o'),
    shards: 1,
    cells: 1,
    sbatchArgs: [],
    node: '/n',
    bin: '/b',
    cwd: path.join(root, 'w\ufffdk'),
  };
  throwsLenet(() => checkSlurmCampaign(c), 2, /^the folder you submit from ".*" holds bytes that are not valid UTF-8/);
  throwsLenet(
    () => checkSlurmCampaign({ ...c, cwd: '/w', args: ['--data-dir=\ufffd'] }),
    2,
    /^the flag --data-dir "--data-dir=\ufffd" holds/,
  );
});

test('the issue\u2019s folder: sweep --submit slurm from a folder named with a newline, $( ), backquotes and quotes trains every cell there, runs nothing from the name, and prints a guide that pastes back', () => {
  const root = tempDir('lenet-hostile-e2e-');
  const standin = installStandin(path.join(root, 'standin'));
  const name = `-work\ntouch PWNED1\n$(touch PWNED2)\`touch PWNED3\`'$(touch PWNED4)'"$(touch PWNED5)"\\;touch PWNED6&touch PWNED7|touch PWNED8 #%A%%*?~!é\t\u202e`;
  const cwd = path.join(root, name);
  fs.mkdirSync(cwd);
  // A relative config: the jobs find it only in the folder the campaign was submitted from.
  fs.writeFileSync(path.join(cwd, 'cfg.json'), JSON.stringify({ seeds: [1, 2], limit: 100, epochs: 1, averageLast: 1 }));
  const args = ['sweep', '--grid', 'relu', '--config', 'cfg.json', '--submit', 'slurm', '--shards', '2', '--out', '../s'];
  const r = lenetWithEnv(args, { PATH: `${standin.bin}:${process.env.PATH}` }, cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(pwned(root), [], 'no payload ran');
  const out = path.join(root, 's');
  const [array, merge] = standin.jobs();
  assert.equal(array.cwd, cwd);
  assert.deepEqual(
    [...array.tasks, ...merge.tasks].map((t) => t.status),
    [0, 0, 0],
    [...array.tasks, ...merge.tasks].map((t) => fs.readFileSync(t.log, 'utf8')).join('\n'),
  );
  assert.match(fs.readFileSync(array.tasks[1].log, 'utf8'), /--shard slurm: shard 2\/2 \(SLURM_ARRAY_TASK_ID=2 /);
  // The config the jobs read (seeds 1 and 2 of relu): they ran in the folder the campaign came from.
  assert.deepEqual(runDirs(out), ['relu/seed-1', 'relu/seed-2']);
  for (const f of ['sweep.csv', 'sweep.md', 'report.html']) assert.ok(fs.existsSync(path.join(out, f)), f);
  // The guide: its resume line, pasted into bash, is the same command.
  const lines = r.stdout.split('\n');
  assert.equal(lines.length, 8, r.stdout);
  const resume = lines[lines.findIndex((l) => l.startsWith('resume:')) + 1].trim();
  assert.deepEqual(bashWords(resume, cwd), ['sweep', '--grid=relu', '--config=cfg.json', '--submit=slurm', '--shards=2', `--out=${out}`]);
  assert.deepEqual(pwned(root), [], 'no payload ran');
});

test('sweep --submit slurm --sbatch-arg in an abbreviated or short spelling of an option lenet sets: exit 2, one line, nothing written or submitted', () => {
  const root = tempDir('lenet-sbatch-arg-');
  const standin = installStandin(path.join(root, 'standin'));
  const out = path.join(root, 'campaign');
  for (const [arg, option] of [
    ['--sbatch-arg=--arr=1-3', 'array'],
    ['--sbatch-arg=-a1-3', 'array'],
    ['--sbatch-arg=--outp=/tmp/elsewhere', 'output'],
    ['--sbatch-arg=--depend=afterok:1', 'dependency'],
    ['--sbatch-arg=-Jname', 'job-name'],
  ]) {
    const r = lenetWithEnv(
      [
        'sweep',
        '--grid',
        'relu',
        '--seeds',
        '2',
        '--limit',
        '100',
        '--epochs',
        '1',
        '--submit',
        'slurm',
        '--shards',
        '2',
        arg,
        '--out',
        out,
      ],
      { PATH: `${standin.bin}:${process.env.PATH}`, STANDIN_REFUSE_DEPENDENT: '1' },
    );
    assert.equal(r.code, 2, `${arg}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(r.stderr, new RegExp(`^lenet: --sbatch-arg .*: lenet sets --${option} itself`));
  }
  assert.ok(!fs.existsSync(out), 'nothing written');
  assert.deepEqual(standin.jobs(), [], 'nothing submitted');
});
