import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createCampaignProgress, formatSeconds, timeLeft } from '../src/commands/progress';

test('timeLeft: a time once there is something to go on, "-" before (nothing done, no time elapsed), never INF or NaN', () => {
  // Before the first step finishes, and at the very start: nothing to go on.
  assert.equal(timeLeft(0, 0), '-');
  assert.equal(timeLeft(0, 12), '-');
  assert.equal(timeLeft(0.5, 0), '-');
  assert.equal(timeLeft(-0.1, 5), '-');
  assert.equal(timeLeft(NaN, 5), '-');
  assert.equal(timeLeft(0.5, NaN), '-');
  assert.equal(timeLeft(Infinity, 5), '-');
  assert.equal(timeLeft(0.5, Infinity), '-');
  // At the pace so far: a quarter done in 30 s leaves 90 s.
  assert.equal(timeLeft(0.25, 30), '1m30s');
  assert.equal(timeLeft(0.5, 10), '10s');
  assert.equal(timeLeft(0.1, 400), '1h00m');
  assert.equal(timeLeft(1, 10), '0s');
  assert.equal(timeLeft(1.2, 10), '0s');
  // A sliver done after a long time: a long but finite time.
  assert.equal(timeLeft(1e-4, 300), '833h15m');
  assert.equal(timeLeft(1e-9, 1e3), '>999h');
  assert.equal(timeLeft(1e-300, 1), '>999h');
  assert.equal(timeLeft(5e-324, 1), '-', 'a time too long to be a number');
  assert.equal(formatSeconds(75), '1m15s');
  assert.equal(formatSeconds(4000), '1h06m');
  assert.equal(formatSeconds(3_600_000), '>999h');
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
  return Object.assign(s, { isTTY: true, columns: 200, text: () => chunks.join('') });
}

test("the campaign bar's time left: '-' until work is done, then the time at the pace so far; never INF", () => {
  let clock = 1_000_000;
  const term = fakeTerminal();
  const bars = createCampaignProgress('bar', 2, term, () => clock);
  // A cell starts at once (no time elapsed, nothing done): nothing to go on.
  bars.cellStarted(0, '[1/2 relu seed 1]', 4);
  // 30 s later it is half through its first of 4 epochs: 1/8 of this cell, 1/16 of the campaign.
  clock += 30_000;
  bars.onBatch(0, { epoch: 1, batch: 5, batches: 10, loss: 1, accuracy: 0.5 });
  bars.stop();
  const shown = term.text();
  assert.doesNotMatch(shown, /INF|NULL|NaN|Infinity/);
  // 30 s for 1/16: 15 × 30 s = 7m30s left.
  assert.match(shown, /campaign \[[^\]]*\] 0\/2 cells done, 1 running, time left 7m30s/);
});
