/**
 * `npm run test:slurm`: `lenet sweep|compare --submit slurm` against a real SLURM cluster, the
 * single-node one of scripts/slurm-local.sh (started here unless it already runs, and then
 * stopped again). Not part of `npm test`: it needs root (or the cluster already up) and ~3 minutes.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli as lenet } from '../test/harness/cli';
import { tempDir } from '../test/harness/tmp';
import { assertSameCampaign, runDirs } from '../test/engines-compare';

const SCRIPT = path.join(ROOT, 'scripts', 'slurm-local.sh');
let startedHere = false;

function cluster(action: 'start' | 'stop'): string {
  const r = spawnSync('bash', [SCRIPT, action], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(r.status, 0, `scripts/slurm-local.sh ${action}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

before(() => {
  const out = cluster('start');
  startedHere = !/already running/.test(out);
  const conf = /^export SLURM_CONF=(.+)$/m.exec(out);
  assert.ok(conf, `slurm-local.sh start names its SLURM_CONF: ${out}`);
  process.env.SLURM_CONF = conf[1]; // sbatch, squeue, scancel and lenet's subprocesses find the cluster by it
});

after(() => {
  if (startedHere) cluster('stop');
});

function slurm(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until SLURM has none of these jobs queued or running any more. */
async function waitForJobs(ids: string[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (slurm('squeue', ['-h', '-o', '%i', '-j', ids.join(',')]).trim() === '') return;
    await sleep(500);
  }
  assert.fail(`jobs ${ids.join(',')} still queued after ${timeoutMs / 1000} s:\n${slurm('squeue', [])}`);
}

/** JobState of a job, or of every task of an array job (`<array>_<task>` → state). */
function jobStates(id: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of slurm('scontrol', ['show', 'job', '-o', id]).split('\n')) {
    const jobId = /\bJobId=(\d+)/.exec(line);
    const state = /\bJobState=(\S+)/.exec(line);
    if (!jobId || !state) continue;
    const task = /\bArrayTaskId=(\d+)/.exec(line);
    states.set(task ? `${id}_${task[1]}` : jobId[1], state[1]);
  }
  return states;
}

/** Files or folders under dir whose name starts with PWNED (a payload that ran). */
function pwned(dir: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('PWNED')) found.push(path.join(dir, e.name));
    if (e.isDirectory()) found.push(...pwned(path.join(dir, e.name)));
  }
  return found;
}

/** Submits and returns the job ids the guide printed, after checking it says how to watch and resume. */
function submit(args: string[]): { array: string; merge: string; stdout: string } {
  return submitFrom(ROOT, args);
}

/** submit, from the folder cwd. */
function submitFrom(cwd: string, args: string[]): { array: string; merge: string; stdout: string } {
  const r = lenet(args, { cwd });
  assert.equal(r.code, 0, r.stderr);
  const array = /array job (\d+): /.exec(r.stdout);
  const merge = /merge job (\d+): /.exec(r.stdout);
  assert.ok(array && merge, r.stdout);
  assert.match(r.stdout, new RegExp(`watch: +squeue -j ${array[1]},${merge[1]}`));
  assert.match(r.stdout, /resume: .*rerun the same command/);
  assert.match(r.stdout, /must be on storage every node of the cluster sees/);
  return { array: array[1], merge: merge[1], stdout: r.stdout };
}

function assertAllCompleted(ids: string[]): void {
  for (const id of ids) for (const [job, state] of jobStates(id)) assert.equal(state, 'COMPLETED', `job ${job}`);
}

test('sweep --submit slurm --shards 3: the merged folder equals an unsharded local sweep', async () => {
  const root = tempDir('lenet-slurm-sweep-');
  const out = path.join(root, 'sharded');
  const protocol = ['sweep', '--grid', 'relu,tanh', '--limit', '300', '--epochs', '1', '--threads', '1'];
  const jobs = submit([...protocol, '--submit', 'slurm', '--shards', '3', '--out', out]);
  await waitForJobs([jobs.array, jobs.merge]);
  const states = jobStates(jobs.array);
  assert.deepEqual(
    [...states.keys()].sort(),
    [1, 2, 3].map((k) => `${jobs.array}_${k}`),
  );
  assertAllCompleted([jobs.array, jobs.merge]);

  const ref = lenet([...protocol, '--out', path.join(root, 'reference'), '--quiet']);
  assert.equal(ref.code, 0, ref.stderr);
  assertSameCampaign(out, path.join(root, 'reference'), ['sweep.csv']);
  for (const f of ['sweep.md', 'heatmap.png', 'report.html', 'report.md']) assert.ok(fs.existsSync(path.join(out, f)), f);
  // Shard K of the task with SLURM_ARRAY_TASK_ID K: cells i with i mod 3 = K-1 (3, 3 and 2 of the 8).
  assert.deepEqual(
    [1, 2, 3].map((k) => runDirs(path.join(out, '.shards', String(k))).length),
    [3, 3, 2],
  );
  const log = fs.readFileSync(path.join(out, 'slurm', `shard-${jobs.array}_2.log`), 'utf8');
  assert.match(log, /--shard slurm: shard 2\/3 \(SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3\)/);
  const mergeLog = fs.readFileSync(path.join(out, 'slurm', `merge-${jobs.merge}.log`), 'utf8');
  assert.match(mergeLog, /merge: 8 runs \(8 copied\) from 3 folders/);
  assert.match(mergeLog, /no confusion matrices or gallery for a sweep \(8 schedules\): drawn for comparisons of up to 12 schedules/);
});

interface CellState {
  dir: string;
  label: string;
  epochs: number;
  complete: boolean;
  checkpoint: boolean;
}

/** The cells of one shard folder and how far each got. */
function shardState(shard: string): CellState[] {
  const cells: CellState[] = [];
  if (!fs.existsSync(shard)) return cells;
  for (const label of fs.readdirSync(shard)) {
    const dir = path.join(shard, label, 'seed-1');
    const csv = path.join(dir, 'epochs.csv');
    if (!fs.existsSync(csv)) continue;
    let complete = false;
    try {
      complete = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).complete === true;
    } catch {
      // no summary yet: the cell is training
    }
    const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').length - 1;
    cells.push({
      dir,
      label: label.replace(/_/g, ','),
      epochs: rows,
      complete,
      checkpoint: fs.existsSync(path.join(dir, 'checkpoint.bin')),
    });
  }
  return cells;
}

test('a cancelled array task resumes when the same command is resubmitted; the merge still equals the unsharded sweep', async () => {
  const root = tempDir('lenet-slurm-resume-');
  const out = path.join(root, 'sharded');
  // Cells long enough (2 epochs of 2400 images, a second or more each) to be caught between two
  // epochs, with a checkpoint; the tiny sweep of the first test ends its only epoch before a cancel lands.
  const protocol = ['sweep', '--grid', 'relu,tanh', '--limit', '2400', '--epochs', '2', '--threads', '1'];
  const command = [...protocol, '--submit', 'slurm', '--shards', '3', '--out', out];
  const first = submit(command);
  const shard1 = path.join(out, '.shards', '1');
  // While those jobs are queued or running, the same submission is refused: two tasks would share a shard folder.
  const twice = lenet(command);
  assert.equal(twice.code, 2, twice.stderr);
  assert.match(
    twice.stderr,
    new RegExp(
      `^lenet: jobs ${first.array}, ${first.merge} of an earlier submission into .* are still queued or running \\(squeue -j ${first.array},${first.merge}\\); wait for them or scancel them, then resubmit\n$`,
    ),
  );

  // Cancel task 1 as soon as one of its cells has a checkpoint but has not finished.
  const deadline = Date.now() + 180_000;
  let caught: CellState | undefined;
  while (!caught && Date.now() < deadline) {
    caught = shardState(shard1).find((c) => c.checkpoint && c.epochs >= 1 && !c.complete);
    if (!caught) await sleep(20);
  }
  assert.ok(caught, `task 1 never had a cell between two epochs: ${JSON.stringify(shardState(shard1))}`);
  slurm('scancel', [`${first.array}_1`]);
  await waitForJobs([first.array, first.merge]);
  const states = jobStates(first.array);
  assert.equal(states.get(`${first.array}_1`), 'CANCELLED');
  assert.equal(states.get(`${first.array}_2`), 'COMPLETED');
  assert.equal(states.get(`${first.array}_3`), 'COMPLETED');
  assert.notEqual(jobStates(first.merge).get(first.merge), 'COMPLETED', 'the merge job never runs after a failed task');
  assert.ok(!fs.existsSync(path.join(out, 'sweep.csv')), 'nothing merged');

  // What task 1 left: the cells it finished, and the cell it was stopped in (between epochs, with a checkpoint).
  const left = shardState(shard1);
  const finished = left.filter((c) => c.complete).map((c) => c.label);
  const interrupted = left.filter((c) => !c.complete);
  assert.equal(interrupted.length, 1, JSON.stringify(left));
  const stoppedAt = interrupted[0].epochs;
  assert.ok(stoppedAt === 1 && interrupted[0].checkpoint, JSON.stringify(interrupted[0]));

  const second = submit(command);
  await waitForJobs([second.array, second.merge]);
  assertAllCompleted([second.array, second.merge]);
  const log = fs.readFileSync(path.join(out, 'slurm', `shard-${second.array}_1.log`), 'utf8');
  for (const label of finished)
    assert.match(log, new RegExp(`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} seed 1 already done, skipped`));
  // The interrupted cell went on from its checkpoint: only its remaining epochs were trained.
  const label = interrupted[0].label;
  const trained = [...log.matchAll(/\] (\S+) seed 1 epoch (\d+)\/2/g)].filter((m) => m[1] === label).map((m) => Number(m[2]));
  assert.deepEqual(trained, [2], `${label} resumed after epoch ${stoppedAt}:\n${log}`);
  for (const k of [2, 3]) {
    assert.match(fs.readFileSync(path.join(out, 'slurm', `shard-${second.array}_${k}.log`), 'utf8'), /sweep: 0 trained, \d already done/);
  }

  const ref = lenet([...protocol, '--out', path.join(root, 'reference'), '--quiet']);
  assert.equal(ref.code, 0, ref.stderr);
  assertSameCampaign(out, path.join(root, 'reference'), ['sweep.csv']);
  assert.ok(fs.existsSync(path.join(out, 'report.html')));
});

test('compare --submit slurm --shards 2: the merged folder holds the same comparison as an unsharded compare', async () => {
  const root = tempDir('lenet-slurm-compare-');
  const out = path.join(root, 'sharded');
  const protocol = ['compare', '--activations', 'relu,tanh-relu', '--seeds', '2', '--limit', '300', '--epochs', '1', '--threads', '1'];
  const jobs = submit([...protocol, '--submit', 'slurm', '--shards', '2', '--sbatch-arg=--time=10', '--out', out]);
  await waitForJobs([jobs.array, jobs.merge]);
  assertAllCompleted([jobs.array, jobs.merge]);
  const ref = lenet([...protocol, '--out', path.join(root, 'reference'), '--quiet']);
  assert.equal(ref.code, 0, ref.stderr);
  assertSameCampaign(out, path.join(root, 'reference'), ['comparison.csv']);
  for (const f of ['comparison.md', 'accuracy.png', 'report.html']) assert.ok(fs.existsSync(path.join(out, f)), f);
  // The pass-through option reached SLURM: 10 minutes.
  assert.match(slurm('scontrol', ['show', 'job', '-o', jobs.merge]), /TimeLimit=00:10:00/);
});

test('sweep --submit slurm from a folder named with a newline, $( ), backquotes and quotes, into one with quotes, $( ) and %: nothing from the names runs and the campaign completes', async () => {
  const root = tempDir('lenet-slurm-hostile-');
  const cwd = path.join(root, `work\ntouch PWNED1\n$(touch PWNED2)\`touch PWNED3\`'$(touch PWNED4)'"$(touch PWNED5)";touch PWNED6&`);
  const outParent = path.join(root, `o u t$(touch PWNED7)'q'"d"%A%%x;touch PWNED8`);
  fs.mkdirSync(cwd);
  fs.mkdirSync(outParent);
  const out = path.join(outParent, 'sharded');
  // A relative config: the jobs find it only in the folder the campaign was submitted from.
  fs.writeFileSync(path.join(cwd, 'cfg.json'), JSON.stringify({ seeds: [1, 2], limit: 300, epochs: 1, threads: 1 }));
  const jobs = submitFrom(cwd, ['sweep', '--grid', 'relu', '--config', 'cfg.json', '--submit', 'slurm', '--shards', '2', '--out', out]);
  await waitForJobs([jobs.array, jobs.merge]);
  assertAllCompleted([jobs.array, jobs.merge]);
  assert.deepEqual(pwned(root), [], 'no payload ran');
  assert.deepEqual(runDirs(out), ['relu/seed-1', 'relu/seed-2']);
  for (const f of ['sweep.csv', 'sweep.md', 'report.html']) assert.ok(fs.existsSync(path.join(out, f)), f);
  // The logs are where the guide says: the % of the folder's name reached SLURM as itself.
  const log = fs.readFileSync(path.join(out, 'slurm', `shard-${jobs.array}_2.log`), 'utf8');
  assert.match(log, /--shard slurm: shard 2\/2 \(SLURM_ARRAY_TASK_ID=2 /);
  assert.match(fs.readFileSync(path.join(out, 'slurm', `merge-${jobs.merge}.log`), 'utf8'), /merge: 2 runs \(2 copied\) from 2 folders/);
  assert.match(slurm('scontrol', ['show', 'job', '-o', jobs.merge]), /WorkDir=.*work/);
});
