/**
 * One seed refutes nothing, and a timing claim is judged only from runs timed alone: config.json
 * records each attempt's start, host, the cells its campaign trained at once (--jobs) and its shard;
 * claim (d) is "not testable", with the reason, when the runs shared their machine.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RawOptions, resolveTrainConfig } from '../src/options/resolve';
import { NAMED_SCHEDULES, Schedule } from '../src/model/activations';
import { RunAttempt } from '../src/rundir/manifest';
import { runGrid } from '../src/train/campaign';
import { gridCells, Shard, shardCells } from '../src/train/grid';
import { runTraining } from '../src/train/run';
import { collectRuns, RunGroup } from '../src/report/runs';
import { claimSmallTimeCost, evaluateClaims, Verdict } from '../src/report/verdicts';
import { writeReport } from '../src/report/report';
import { FakeRun, runsFromSpecs, SeedSpec, SPEC_EPOCHS, tempDir, writeComparisonDir } from './report-fixtures';

// ---------------------------------------------------------------- hand-made folders

const SEEDS = [1, 2, 3];
const X = [10, 10.5, 9.8];
/** The paper holds on every claim: clear accuracy gaps, tanh-relu converging first and 2% slower per epoch. */
const SPECS: Record<string, SeedSpec> = {
  sigmoid: { acc: [0.85, 0.852, 0.836], reach: [6, 6, 6], seconds: X },
  tanh: { acc: [0.92, 0.93, 0.912], reach: [4, 4, 4], seconds: X },
  relu: { acc: [0.93, 0.941, 0.922], reach: [4, 4, 4], seconds: X },
  'tanh-relu': { acc: [0.95, 0.962, 0.941], reach: [2, 2, 2], seconds: X.map((x, i) => x * 1.02 + [0.01, -0.01, 0][i]) },
};
const T0 = Date.parse('2025-01-01T00:00:00Z');

/**
 * The runs with config.json attempts: run i of the campaign starts at T0 + i × gap seconds (each
 * trains SPEC_EPOCHS epochs of about 10 s: with gap 100 they never overlap), on `host`, as `sharing` says.
 */
function timedRuns(gap: number, each: (run: FakeRun, i: number) => Partial<RunAttempt> = () => ({})): FakeRun[] {
  return runsFromSpecs(SPECS, SEEDS).map((run, i) => ({
    ...run,
    attempts: [
      { started: new Date(T0 + i * gap * 1000).toISOString(), afterEpoch: 0, host: 'node-a', cellsAtOnce: 1, shard: null, ...each(run, i) },
    ],
  }));
}

function groupsOf(runs: FakeRun[]): RunGroup[] {
  const dir = tempDir();
  writeComparisonDir(dir, runs);
  return collectRuns(dir).groups;
}

test('(d) from runs timed one after another on one host is judged; the same runs trained two at a time (--jobs 2) are not', () => {
  const alone = claimSmallTimeCost(groupsOf(timedRuns(100)));
  assert.equal(alone.status, 'held');
  assert.ok(!alone.evidence.some((e) => /do not record/.test(e)));

  const jobs = evaluateClaims(groupsOf(timedRuns(100, () => ({ cellsAtOnce: 2 }))));
  assert.deepEqual(
    jobs.map((v) => v.status),
    ['held', 'held', 'held', 'not testable'],
    'only the timing claim depends on what else ran',
  );
  const d = jobs[3];
  assert.match(
    d.reason,
    /^the seconds per epoch were not timed alone: 12 runs were timed while their campaign trained up to 2 cells at once \(--jobs 2\): sigmoid\/seed-1, sigmoid\/seed-2, sigmoid\/seed-3 and 9 more\./,
  );
  assert.match(d.reason, /time \(d\) with --jobs 1 and one shard$/);
  assert.match(d.evidence.join('\n'), /vs relu 10\.10 ± 0\.36 s: tanh-relu \+0\.20 s \(\+2\.0%\)/, 'the report still shows the times');
});

test('(d) is not testable when two runs trained at the same time on one host, whatever --jobs said (two campaigns at once, merged)', () => {
  // Runs start 30 s apart but each takes 60 s: every run overlaps its neighbours.
  const v = claimSmallTimeCost(groupsOf(timedRuns(30)));
  assert.equal(v.status, 'not testable');
  assert.match(v.reason, /runs trained at the same time on one machine: sigmoid\/seed-1 and sigmoid\/seed-2 \(host node-a\)/);
  // One overlap is enough: only tanh-relu seed 2 starts before relu seed 3 has finished.
  const one = claimSmallTimeCost(
    groupsOf(
      timedRuns(100, (r, i) =>
        r.label === 'tanh-relu' && r.seed === 2 ? { started: new Date(T0 + (i - 2) * 100_000 + 30_000).toISOString() } : {},
      ),
    ),
  );
  assert.equal(one.status, 'not testable');
  assert.match(
    one.reason,
    /runs trained at the same time on one machine: relu\/seed-3 and tanh-relu\/seed-2 \(host node-a\)$|relu\/seed-3 and tanh-relu\/seed-2 \(host node-a\)\./,
  );
  // The same overlapping times on different hosts: two machines, and so two setups.
  const hosts = claimSmallTimeCost(groupsOf(timedRuns(30, (_r, i) => ({ host: `node-${i}` }))));
  assert.equal(hosts.status, 'not testable');
  assert.match(hosts.reason, /^the runs were timed on different setups \(host node-0, Test CPU ×4/);
});

test('(d) and shards: all shards present and one after another → judged; a shard whose siblings are missing, or shards at once → not testable', () => {
  const shard = (i: number) => ({ shard: `${(i % 2) + 1}/2` });
  assert.equal(claimSmallTimeCost(groupsOf(timedRuns(100, (_r, i) => shard(i)))).status, 'held');
  const overlapping = claimSmallTimeCost(groupsOf(timedRuns(30, (_r, i) => shard(i))));
  assert.equal(overlapping.status, 'not testable');
  assert.match(overlapping.reason, /trained at the same time on one machine/);
  // Shard 2 of 3 is not in the folder: whether it ran beside these cannot be checked.
  const orphan = claimSmallTimeCost(groupsOf(timedRuns(100, (_r, i) => ({ shard: i % 2 === 0 ? '1/3' : '3/3' }))));
  assert.equal(orphan.status, 'not testable');
  assert.match(orphan.reason, /12 runs come from shards of a campaign whose shard 2\/3 is not here/);
});

test('(d) from runs written before attempts were recorded: judged, saying so — unless their recorded start times overlap', () => {
  const old = claimSmallTimeCost(groupsOf(runsFromSpecs(SPECS, SEEDS)));
  assert.equal(old.status, 'held');
  assert.ok(old.evidence.some((e) => /^12 runs do not record what else ran on their machine/.test(e)));
  const created = (gap: number) =>
    runsFromSpecs(SPECS, SEEDS).map((r, i) => ({ ...r, created: new Date(T0 + i * gap * 1000).toISOString() }));
  assert.equal(claimSmallTimeCost(groupsOf(created(100))).status, 'held');
  const atOnce = claimSmallTimeCost(groupsOf(created(30)));
  assert.equal(atOnce.status, 'not testable');
  assert.match(atOnce.reason, /sigmoid\/seed-1 and sigmoid\/seed-2 \(host not recorded\)/);
});

test('(d): a diverged run still used the machine — overlapping it makes the times not comparable', () => {
  const runs = timedRuns(100);
  runs.push({
    label: 'elu',
    seed: 1,
    trainLoss: Array.from({ length: SPEC_EPOCHS }, () => NaN),
    divergedEpoch: 1,
    attempts: [{ started: new Date(T0 + 5_000).toISOString(), afterEpoch: 0, host: 'node-a', cellsAtOnce: 1, shard: null }],
  });
  const v = claimSmallTimeCost(groupsOf(runs));
  assert.equal(v.status, 'not testable');
  assert.match(v.reason, /sigmoid\/seed-1 and elu\/seed-1 \(host node-a\)/);
});

test('a malformed attempts list is no record at all: judged as an old run, never trusted for a host or a count', () => {
  const bad: Array<Record<string, unknown>> = [
    { cellsAtOnce: 0 },
    { cellsAtOnce: 1.5 },
    { shard: '3/2' },
    { shard: '0/2' },
    { shard: '1/2; rm -rf' },
    { started: 'yesterday' },
    { host: 7 },
    { afterEpoch: null },
  ];
  for (const change of bad) {
    const runs = timedRuns(100).map((r) => ({ ...r, attempts: [{ ...r.attempts![0], ...change } as unknown as RunAttempt] }));
    const v = claimSmallTimeCost(groupsOf(runs));
    assert.equal(v.status, 'held', JSON.stringify(change));
    assert.ok(
      v.evidence.some((e) => /^12 runs do not record what else ran/.test(e)),
      JSON.stringify(change),
    );
  }
});

// ---------------------------------------------------------------- real runs

async function train(out: string, labels: string[], seeds: number[], base: RawOptions, o: { jobs?: number; shard?: Shard } = {}) {
  const schedules = labels.map((l) => [...(NAMED_SCHEDULES[l] ?? l.split(','))] as Schedule);
  const all = gridCells(schedules, seeds);
  const results = await runGrid({
    kind: 'comparison',
    cells: o.shard ? shardCells(all, o.shard) : all,
    base: { limit: 300, epochs: 1, threads: 1, ...base },
    outDir: out,
    jobs: o.jobs ?? 1,
    ...(o.shard ? { shard: o.shard, grid: { schedules: all.map((c) => c.label).filter((l, i, a) => a.indexOf(l) === i), seeds } } : {}),
  });
  assert.ok(!results.stopped && !results.failed);
}

function attemptsIn(dir: string): RunAttempt[] {
  return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).attempts;
}

test('really trained as two shards, one after the other: (d) is judged; with one shard in the folder it is not testable', async () => {
  const out = path.join(tempDir(), 'shards');
  const labels = ['tanh', 'tanh-relu'];
  await train(out, labels, [1, 2], {}, { shard: { k: 1, n: 2 } });
  assert.equal(attemptsIn(path.join(out, 'tanh', 'seed-1'))[0].shard, '1/2');
  const half = evaluateClaims(collectRuns(out).groups)[3];
  assert.equal(half.status, 'not testable');
  assert.match(half.reason, /come from shards of a campaign whose shard 2\/2 is not here/);
  await train(out, labels, [1, 2], {}, { shard: { k: 2, n: 2 } });
  assert.equal(attemptsIn(path.join(out, 'tanh', 'seed-2'))[0].shard, '2/2');
  const whole = evaluateClaims(collectRuns(out).groups)[3];
  assert.notEqual(whole.status, 'not testable', whole.reason);
  assert.equal(whole.comparisons.length, 1);
});

test('a resumed run records a second attempt, with the epoch it resumed after and its own neighbours', async () => {
  const dir = path.join(tempDir(), 'run');
  const config = resolveTrainConfig({ activation: 'relu', limit: 300, epochs: 2, threads: 1 });
  const first = await runTraining(config, {
    outDir: dir,
    force: false,
    shouldStop: () => fs.existsSync(path.join(dir, 'checkpoint.bin')),
  });
  assert.ok(first.stopped);
  assert.equal(first.rows.length, 1);
  const before = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  await runTraining(config, { outDir: dir, force: false, resume: true, sharing: { cellsAtOnce: 3, shard: '2/5' } });
  const after = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(after.attempts.length, 2);
  assert.deepEqual(after.attempts[0], before.attempts[0]);
  assert.deepEqual({ ...after.attempts[0], started: 0 }, { started: 0, afterEpoch: 0, host: os.hostname(), cellsAtOnce: 1, shard: null });
  assert.deepEqual({ ...after.attempts[1], started: 0 }, { started: 0, afterEpoch: 1, host: os.hostname(), cellsAtOnce: 3, shard: '2/5' });
  assert.ok(Date.parse(after.attempts[1].started) >= Date.parse(after.attempts[0].started));
  // Everything else in config.json is as the first attempt wrote it.
  assert.deepEqual({ ...after, attempts: null }, { ...before, attempts: null });
});

test('really trained, one seed: every claim is "inconclusive with one seed" or not testable, never held or did not hold', async () => {
  const out = path.join(tempDir(), 'one-seed');
  await train(out, ['sigmoid', 'tanh', 'relu', 'tanh-relu'], [1], { epochs: 2 });
  const result = await writeReport(out);
  const statuses = result.verdicts.map((v: Verdict) => v.status);
  for (const s of statuses) assert.ok(s === 'inconclusive with one seed' || s === 'not testable', statuses.join(', '));
  // Trained one cell at a time in one process on one host: the timing claim is judged too (from one seed).
  assert.equal(statuses[3], 'inconclusive with one seed', result.verdicts[3].reason);
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.doesNotMatch(md, /^- \([a-d]\) .*: \*\*(held|did not hold)\*\*|Verdict: (held|did not hold)\./m);
  assert.equal((md.match(/\*\*Verdict: inconclusive with one seed\.\*\* With one seed /g) ?? []).length, 4);
});
