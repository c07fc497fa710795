/**
 * train/ reports events and never draws (issue 14: "train/ and report/ return rows and events"): a
 * run's events are its batches and epochs in order, the epochs exactly the rows of epochs.csv; a
 * campaign's are its cells started, their events, ended and skipped; the command's display
 * (commands/progress.ts) turns them into the lines users saw before the events existed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { resolveTrainConfig } from '../src/options/resolve';
import { runTraining } from '../src/train/run';
import { runGrid } from '../src/train/campaign';
import { gridCells } from '../src/train/grid';
import type { CampaignEvent, RunEvent } from '../src/train/events';
import { EpochRow, readEpochsCsv } from '../src/rundir/epochs';
import { campaignDisplay, runDisplay } from '../src/commands/progress';
import { tempDir } from './harness/tmp';

const work = tempDir('lenet-events-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

/** An epoch's row with fixed measures: the display's lines are known to the character. */
function epochRow(epoch: number, seconds: number): EpochRow {
  return {
    epoch,
    train_loss: 0.5,
    train_accuracy: 0.875,
    test_loss: 0.25,
    test_accuracy: 0.9375,
    train_paper_loss: 1.6,
    test_paper_loss: 1.55,
    seconds,
  };
}

function sink(): Writable & { text(): string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { text(): string };
  w.text = () => chunks.join('');
  return w;
}

test("a run's events: every batch of each epoch in order, then the epoch's row as epochs.csv holds it, and `end` last", async () => {
  const dir = path.join(work, 'run');
  const config = resolveTrainConfig({ activation: 'relu', limit: 200, epochs: 2, batchSize: 50, threads: 1 });
  const events: RunEvent[] = [];
  const outcome = await runTraining(config, { outDir: dir, force: false, onEvent: (e) => events.push(e) });
  assert.equal(outcome.stopped, false);
  assert.deepEqual(
    events.map((e) => (e.type === 'batch' ? `b${e.progress.epoch}.${e.progress.batch}/${e.progress.batches}` : e.type)),
    ['b1.1/4', 'b1.2/4', 'b1.3/4', 'b1.4/4', 'epoch', 'b2.1/4', 'b2.2/4', 'b2.3/4', 'b2.4/4', 'epoch', 'end'],
  );
  const rows = events.flatMap((e) => (e.type === 'epoch' ? [e] : []));
  assert.deepEqual(
    rows.map((e) => e.epochs),
    [2, 2],
  );
  const written = readEpochsCsv(path.join(dir, 'epochs.csv'), 2);
  assert.deepEqual(
    rows.map((e) => [e.row.epoch, e.row.train_loss.toFixed(6), e.row.test_accuracy.toFixed(6)]),
    written.map((r) => [r.epoch, r.train_loss.toFixed(6), r.test_accuracy.toFixed(6)]),
  );
  const last = events.filter((e) => e.type === 'batch').pop();
  assert.ok(last?.type === 'batch' && last.progress.loss > 0 && last.progress.accuracy >= 0 && last.progress.accuracy <= 1);
});

test("a campaign's events: each cell started, its run's events, ended; a rerun's finished cells skipped; the display draws the lines as before", async () => {
  const out = path.join(work, 'campaign');
  const cells = gridCells(
    [
      ['relu', 'relu', 'relu'],
      ['tanh', 'tanh', 'tanh'],
    ],
    [1],
  );
  const events: CampaignEvent[] = [];
  const base = { limit: 100, epochs: 1, threads: 1 };
  const results = await runGrid({ kind: 'comparison', cells, base, outDir: out, jobs: 1, onEvent: (e) => events.push(e) });
  assert.equal(results.length, 2);
  const outline = events.map((e) =>
    e.type === 'cell'
      ? `${e.cell}:${e.event.type}`
      : e.type === 'cell-started'
        ? `start ${e.cell}/${e.of} ${e.name} ${e.epochs}`
        : e.type === 'cell-ended'
          ? `ended ${e.cell} ${e.finished}`
          : e.type,
  );
  assert.deepEqual(
    outline.filter((l) => !l.endsWith(':batch')),
    ['start 0/2 relu seed 1 1', '0:epoch', '0:end', 'ended 0 true', 'start 1/2 tanh seed 1 1', '1:epoch', '1:end', 'ended 1 true'],
  );
  assert.equal(outline.filter((l) => l === '0:batch').length, 2, '100 images in batches of 50');

  // What the command shows of these events, in a pipe (lines): an epoch line per cell, labelled by its place.
  const pipe = sink();
  const said: string[] = [];
  const display = campaignDisplay('lines', (l) => said.push(l), pipe);
  for (const e of events) display.on(e);
  display.stop();
  const lines = pipe.text().trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    /^\[1\/2\] relu seed 1 epoch 1\/1 {2}train loss \d\.\d{4} acc \d\.\d{4} {2}test loss \d\.\d{4} acc \d\.\d{4} {2}\d+\.\d+s$/,
  );
  assert.match(lines[1], /^\[2\/2\] tanh seed 1 epoch 1\/1 /);
  assert.deepEqual(said, []);

  // Again: both cells are complete, so each is skipped (an event; said unless quiet) and nothing trains.
  const again: CampaignEvent[] = [];
  const second = await runGrid({ kind: 'comparison', cells, base, outDir: out, jobs: 1, onEvent: (e) => again.push(e) });
  assert.deepEqual(
    second.map((r) => r.skipped),
    [true, true],
  );
  assert.deepEqual(again, [
    { type: 'skipped', cell: 0, of: 2, name: 'relu seed 1' },
    { type: 'skipped', cell: 1, of: 2, name: 'tanh seed 1' },
  ]);
  const quietSaid: string[] = [];
  const quiet = campaignDisplay('none', (l) => quietSaid.push(l), sink());
  const loudSaid: string[] = [];
  const loud = campaignDisplay('lines', (l) => loudSaid.push(l), sink());
  for (const e of again) {
    quiet.on(e);
    loud.on(e);
  }
  assert.deepEqual(quietSaid, []);
  assert.deepEqual(loudSaid, ['relu seed 1 already done, skipped', 'tanh seed 1 already done, skipped']);
});

test('the display of cells in worker processes: the plan said, epoch lines labelled "[i/n] name" as in process, a failed cell named, workers\' lines passed on', () => {
  const pipe = sink();
  const said: string[] = [];
  const display = campaignDisplay('lines', (l) => said.push(l), pipe);
  const row = epochRow(1, 4.1);
  const events: CampaignEvent[] = [
    { type: 'workers', cells: 3, jobs: 2, threads: 1, reason: '--jobs 2' },
    { type: 'cell-started', cell: 2, of: 8, name: 'relu seed 2', epochs: 20 },
    { type: 'cell', cell: 2, event: { type: 'epoch', row, epochs: 20 } },
    { type: 'cell-failed', cell: 3, name: 'tanh seed 2', reason: 'worker killed by SIGKILL' },
    { type: 'worker-line', line: 'lenet: warning: relu seed 2 diverged' },
    { type: 'cell-ended', cell: 2, finished: true },
  ];
  for (const e of events) display.on(e);
  display.stop();
  assert.deepEqual(said, ['3 cells to train on 2 worker processes × 1 thread (--jobs 2)']);
  assert.equal(
    pipe.text(),
    '[3/8] relu seed 2 epoch 1/20  train loss 0.5000 acc 0.8750  test loss 0.2500 acc 0.9375  4.10s\n' +
      'lenet: tanh seed 2: worker killed by SIGKILL\n' +
      'lenet: warning: relu seed 2 diverged\n',
  );
});

test("a single run's display: the backend's note said unless quiet; epoch lines under the run's label", () => {
  const row = epochRow(3, 12.4);
  for (const mode of ['lines', 'none'] as const) {
    const pipe = sink();
    const said: string[] = [];
    const on = runDisplay(mode, 'tanh-relu', (l) => said.push(l), pipe);
    on({ type: 'backend', note: 'the native addon is not built; using the cpu backend' });
    on({ type: 'batch', progress: { epoch: 3, batch: 1, batches: 2, loss: 1, accuracy: 0.5 } });
    on({ type: 'epoch', row, epochs: 20 });
    on({ type: 'end' });
    if (mode === 'lines') {
      assert.deepEqual(said, ['the native addon is not built; using the cpu backend']);
      assert.equal(pipe.text(), 'tanh-relu epoch 3/20  train loss 0.5000 acc 0.8750  test loss 0.2500 acc 0.9375  12.4s\n');
    } else {
      assert.deepEqual(said, []);
      assert.equal(pipe.text(), '');
    }
  }
});

test("a stale lock's takeover is told through the command's printer (rundir/ prints nothing): a campaign says it once", async () => {
  const out = path.join(work, 'stale');
  fs.mkdirSync(out, { recursive: true });
  const lockFile = path.join(out, '.lenet.lock');
  fs.writeFileSync(lockFile, 'not a lock at all');
  const hourAgo = new Date(Date.now() - 3600_000);
  fs.utimesSync(lockFile, hourAgo, hourAgo);
  const said: string[] = [];
  const results = await runGrid({
    kind: 'comparison',
    cells: gridCells([['relu', 'relu', 'relu']], [1]),
    base: { limit: 100, epochs: 1, threads: 1 },
    outDir: out,
    jobs: 1,
    say: (l) => said.push(l),
  });
  assert.equal(results.length, 1);
  assert.equal(said.length, 1, said.join(' | '));
  assert.match(said[0], /^took over the lock of .*stale: \.lenet\.lock was not a lenet lock.*, 36\d\d s old$/);
});

test("a stop message goes through the display: in a pipe on a line of its own, with bars above them (the run's bar taken away first)", () => {
  const pipe = sink();
  const run = runDisplay('lines', 'relu', () => assert.fail('not said through say'), pipe);
  run({ type: 'epoch', row: epochRow(1, 1.5), epochs: 2 });
  run.message('SIGINT received, stopping at the next batch (send Ctrl-C again to quit now)');
  assert.equal(
    pipe.text(),
    'relu epoch 1/2  train loss 0.5000 acc 0.8750  test loss 0.2500 acc 0.9375  1.50s\n' +
      'lenet: SIGINT received, stopping at the next batch (send Ctrl-C again to quit now)\n',
  );
  // A campaign: before any cell, through say; during a cell, through its run's display; with workers, above the bars.
  const said: string[] = [];
  const out = sink();
  const campaign = campaignDisplay('lines', (l) => said.push(l), out);
  campaign.message('first');
  campaign.on({ type: 'cell-started', cell: 0, of: 2, name: 'relu seed 1', epochs: 1 });
  campaign.message('second');
  campaign.on({ type: 'cell-ended', cell: 0, finished: false });
  campaign.on({ type: 'workers', cells: 1, jobs: 2, threads: 1, reason: '--jobs 2' });
  campaign.message('third');
  campaign.stop();
  assert.deepEqual(said, ['first', '1 cell to train on 2 worker processes × 1 thread (--jobs 2)']);
  assert.equal(out.text(), 'lenet: second\nlenet: third\n');
});
