/**
 * `--jobs N`: cells trained side by side in worker processes, through the real CLI. The files must
 * equal a one-at-a-time run bit for bit; Ctrl-C, SIGTERM and a worker killed with SIGKILL must leave
 * cells that a rerun resumes to the same numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { planJobs, WORKER_MEMORY_BYTES } from '../src/train/workers';
import { optionValue } from '../src/options/parse';
import { rerunCommand } from '../src/commands/options';
import { createCampaignProgress } from '../src/commands/progress';
import { LenetError } from '../src/errors';

const parseJobs = (value: unknown) => optionValue('jobs', value);

test('parseJobs: whole numbers or auto; 0, 1.5, words are usage errors', () => {
  assert.equal(parseJobs(undefined), null);
  assert.equal(parseJobs('auto'), null);
  assert.equal(parseJobs('3'), 3);
  for (const bad of ['0', '1.5', 'abc', '-2', '', '1e3', '2000']) {
    assert.throws(
      () => parseJobs(bad),
      (e: unknown) => e instanceof LenetError && e.exitCode === 2 && /--jobs must be a whole number/.test(e.message),
      bad,
    );
  }
});

test('planJobs: cores, cells and free memory decide --jobs auto; --threads alone keeps one run at a time', () => {
  const big = { cores: 2, freeBytes: 64 * 2 ** 30 };
  assert.deepEqual(pick(planJobs({ jobs: null, threads: null, cells: 4, machine: big })), { jobs: 2, threads: 1 });
  // workers train with at most the CPUs there are, and the plan says it lowered the count
  const lowered = planJobs({ jobs: 2, threads: 64, cells: 4, machine: big });
  assert.deepEqual(pick(lowered), { jobs: 2, threads: 2 });
  assert.equal(lowered.reason, '--jobs 2; 64 threads asked for, more than the 2 CPUs');
  assert.deepEqual(pick(planJobs({ jobs: 1, threads: 64, cells: 4, machine: big })), { jobs: 1, threads: 64 }); // in process: selectBackend lowers it and says so
  assert.deepEqual(pick(planJobs({ jobs: null, threads: null, cells: 20, machine: { cores: 16, freeBytes: 64 * 2 ** 30 } })), {
    jobs: 16,
    threads: 1,
  });
  assert.deepEqual(pick(planJobs({ jobs: null, threads: null, cells: 3, machine: { cores: 16, freeBytes: 64 * 2 ** 30 } })), {
    jobs: 3,
    threads: 5,
  });
  // Memory for 2 workers only.
  assert.deepEqual(pick(planJobs({ jobs: null, threads: null, cells: 20, machine: { cores: 16, freeBytes: 2.5 * WORKER_MEMORY_BYTES } })), {
    jobs: 2,
    threads: 8,
  });
  // One cell, one core, or too little memory: in this process, with the backend's default threads.
  assert.deepEqual(pick(planJobs({ jobs: null, threads: null, cells: 1, machine: big })), { jobs: 1, threads: null });
  assert.deepEqual(pick(planJobs({ jobs: null, threads: null, cells: 8, machine: { cores: 1, freeBytes: 64 * 2 ** 30 } })), {
    jobs: 1,
    threads: null,
  });
  assert.deepEqual(pick(planJobs({ jobs: null, threads: null, cells: 8, machine: { cores: 8, freeBytes: 100 * 2 ** 20 } })), {
    jobs: 1,
    threads: null,
  });
  assert.deepEqual(pick(planJobs({ jobs: null, threads: 2, cells: 8, machine: big })), { jobs: 1, threads: 2 });
  // Explicit --jobs: never more workers than cells to train; threads = cores ÷ workers unless given.
  assert.deepEqual(pick(planJobs({ jobs: 4, threads: null, cells: 8, machine: { cores: 8, freeBytes: 0 } })), { jobs: 4, threads: 2 });
  assert.deepEqual(pick(planJobs({ jobs: 5, threads: 1, cells: 2, machine: big })), { jobs: 2, threads: 1 });
  assert.deepEqual(pick(planJobs({ jobs: 3, threads: null, cells: 8, machine: big })), { jobs: 3, threads: 1 });
  assert.deepEqual(pick(planJobs({ jobs: 1, threads: null, cells: 8, machine: big })), { jobs: 1, threads: null });
});

function pick(p: { jobs: number; threads: number | null }) {
  return { jobs: p.jobs, threads: p.threads };
}

test('rerunCommand: the same arguments, --out made explicit and quoted', () => {
  assert.equal(
    rerunCommand('runs/x y', ['compare', '--seeds', '2', '--out', 'old', '--jobs=2']),
    `lenet compare --seeds 2 --jobs=2 --out 'runs/x y'`,
  );
  assert.equal(rerunCommand("it's", ['sweep', '--out=a', '--grid', 'relu,tanh']), `lenet sweep --grid relu,tanh --out 'it'\\''s'`);
});

/** A stream that says it is a terminal and keeps what is written. */
function fakeTerminal(): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const s = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return Object.assign(s, { isTTY: true, columns: 160, text: () => chunks.join('') });
}

test('campaign progress: a bar per running cell under an overall line on a terminal; labelled epoch lines otherwise', () => {
  const row = {
    epoch: 2,
    train_loss: 0.5,
    train_accuracy: 0.875,
    test_loss: 0.25,
    test_accuracy: 0.9375,
    seconds: 4.1,
    train_paper_loss: 1.5,
    test_paper_loss: 1.5,
  };
  const term = fakeTerminal();
  const bars = createCampaignProgress('bar', 4, term);
  bars.cellStarted(2, '[3/8 relu seed 2]', 20);
  bars.cellStarted(3, '[4/8 tanh seed 2]', 20);
  bars.onBatch(2, { epoch: 2, batch: 30, batches: 60, loss: 0.5, accuracy: 0.75 });
  bars.onEpochEnd(3, row, 20);
  bars.log('lenet: tanh seed 1: worker killed by SIGKILL');
  bars.cellEnded(3, true);
  bars.stop();
  const shown = term.text();
  assert.match(shown, /campaign \[[^\]]*\] 0\/4 cells done, 2 running/);
  assert.match(shown, /campaign \[[^\]]*\] 1\/4 cells done, 1 running/);
  assert.match(shown, /\[3\/8 relu seed 2\] epoch 2\/20 \[[^\]]*\] 30\/60 loss 0\.5000 acc 0\.7500/);
  assert.match(shown, /\[4\/8 tanh seed 2\] epoch 2\/20 {2}train loss 0\.5000 acc 0\.8750 {2}test loss 0\.2500 acc 0\.9375 {2}4\.10s/);
  assert.match(shown, /lenet: tanh seed 1: worker killed by SIGKILL/);
  // (QA, issue 14) every line above the bars erases the row it is written over, and is written with
  // autowrap on (a long line wraps, not cut), which goes off again for the bars.
  const esc = (t: string) => t.replace(/[[\]?]/g, (c) => `\\${c}`);
  assert.match(shown, new RegExp(esc('\x1b[2K\x1b[?7h[4/8 tanh seed 2] epoch 2/20  train loss') + '.*' + esc('4.10s\x1b[K\x1b[?7l\n')));
  assert.match(shown, new RegExp(esc('\x1b[2K\x1b[?7hlenet: tanh seed 1: worker killed by SIGKILL\x1b[K\x1b[?7l\n')));

  const pipe = fakeTerminal();
  pipe.isTTY = false;
  const lines = createCampaignProgress('lines', 4, pipe);
  lines.cellStarted(2, '[3/8 relu seed 2]', 20);
  lines.onBatch(2, { epoch: 2, batch: 30, batches: 60, loss: 0.5, accuracy: 0.75 });
  lines.onEpochEnd(2, row, 20);
  lines.cellEnded(2, true);
  lines.stop();
  assert.equal(pipe.text(), '[3/8 relu seed 2] epoch 2/20  train loss 0.5000 acc 0.8750  test loss 0.2500 acc 0.9375  4.10s\n');

  const quiet = fakeTerminal();
  const none = createCampaignProgress('none', 4, quiet);
  none.cellStarted(2, '[3/8 relu seed 2]', 20);
  none.onEpochEnd(2, row, 20);
  none.stop();
  assert.equal(quiet.text(), '');
});
