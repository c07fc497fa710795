/**
 * What lenet tells about an interrupted campaign can be acted on: the resume line of a SLURM array
 * task works outside SLURM (it names the shard the task resolved, not `--shard slurm`), and a run
 * cut off in its first epoch is reported as interrupted — or as still training, when its lock has a
 * live holder — not as "still starting".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rerunCommand } from '../../src/commands/options';
import { lockFolder } from '../../src/rundir/lock';
import { readRunTree } from '../../src/rundir/run-folder';
import { BIN, ROOT } from '../harness/cli';
import { tempDir } from '../helpers';

const SLURM_TASK_2_OF_2 = {
  SLURM_ARRAY_TASK_ID: '2',
  SLURM_ARRAY_TASK_MIN: '1',
  SLURM_ARRAY_TASK_MAX: '2',
  SLURM_ARRAY_TASK_COUNT: '2',
};

function withoutSlurm(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SLURM_')) delete env[k];
  return env;
}

test('rerunCommand names the shard resolved from an engine, in either spelling of --shard', () => {
  for (const argv of [
    ['sweep', '--grid=relu,tanh', '--shard=slurm', '--out=x'],
    ['sweep', '--grid=relu,tanh', '--shard', 'slurm', '--out', 'x'],
    ['sweep', '--grid=relu,tanh', '--shard', 'k8s', '--out', 'x'],
  ]) {
    assert.equal(rerunCommand('sw/.shards/2', argv, { k: 2, n: 2 }), 'lenet sweep --grid=relu,tanh --shard 2/2 --out sw/.shards/2');
  }
  assert.equal(
    rerunCommand('o', ['compare', '--seeds', '2'], { k: 1, n: 1 }),
    'lenet compare --seeds 2 --out o',
    'no --shard given, none added',
  );
});

test('a SLURM array task stopped by SIGTERM prints a resume line that works outside SLURM', async () => {
  const out = tempDir('lenet-slurmresume-');
  const args = [
    'sweep',
    '--grid',
    'relu',
    '--seeds',
    '2',
    '--limit',
    '300',
    '--epochs',
    '2',
    '--threads',
    '1',
    '--shard',
    'slurm',
    '--quiet',
  ];
  const task = spawn(process.execPath, [BIN, ...args, '--out', out], { cwd: ROOT, env: { ...withoutSlurm(), ...SLURM_TASK_2_OF_2 } });
  let stderr = '';
  task.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => task.on('exit', (code) => resolve(code)));
  // Cancelled (scancel sends SIGTERM) once its cell has started training.
  const end = Date.now() + 120_000;
  const started = () => fs.existsSync(out) && fs.readdirSync(out, { recursive: true }).some((f) => String(f).endsWith('epochs.csv'));
  while (!started() && Date.now() < end && task.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  task.kill('SIGTERM');
  await exited;
  const line = /Resume with: (.*)$/m.exec(stderr)?.[1];
  assert.ok(line, `no resume line in: ${stderr}`);
  assert.match(line, /--shard 2\/2 --out /, line);
  assert.doesNotMatch(line, /--shard[= ]slurm/, line);
  // Pasted into a shell with no SLURM variables, as told: it finishes the shard.
  const r = spawnSync('sh', ['-c', `lenet() { "$LENET_NODE" "$LENET_BIN" "$@"; }; ${line}`], {
    cwd: ROOT,
    env: { ...withoutSlurm(), LENET_NODE: process.execPath, LENET_BIN: BIN },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const summaries = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('summary.json'));
  assert.equal(summaries.length, 1, 'shard 2/2 of two cells is one cell, finished');
});

test('a run cut off in its first epoch is "interrupted", or "in its first epoch" while its lock has a live holder', () => {
  const root = tempDir('lenet-firstepoch-');
  // A finished run beside it, so that the tree has runs.
  const done = path.join(root, 'done');
  const r = spawnSync(process.execPath, [BIN, 'train', '--limit', '200', '--epochs', '1', '--threads', '1', '--quiet', '--out', done], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const cut = path.join(root, 'cut');
  fs.mkdirSync(cut);
  fs.copyFileSync(path.join(done, 'config.json'), path.join(cut, 'config.json'));
  fs.writeFileSync(path.join(cut, 'epochs.csv'), fs.readFileSync(path.join(done, 'epochs.csv'), 'utf8').split('\n')[0] + '\n');
  assert.deepEqual(readRunTree(root).warnings, [
    'skipped cut: interrupted before its first epoch ended (epochs.csv without summary.json); rerun its campaign, or lenet train --resume, to resume it',
  ]);
  const lock = lockFolder(cut, 'lenet train');
  try {
    const [warning] = readRunTree(root).warnings;
    assert.match(warning, new RegExp(`^skipped cut: in its first epoch: it is being written by pid ${process.pid} \\(lenet train, since `));
  } finally {
    lock.release();
  }
});
