/**
 * The entry of a --jobs worker process (forked by train/workers.ts with an IPC channel): trains
 * the cells the parent hands it, one at a time, and relays their progress. Ctrl-C reaches it with
 * the rest of the terminal's process group, SIGTERM or a 'stop' message come from the parent, and a
 * parent that is gone closes the channel: each stops the cell at its next batch boundary, after
 * which the cell's folder holds a valid checkpoint. A second signal quits at once (as in a run).
 */
import { errorText, printMessage, runtimeError } from '../errors';
import { SIGNAL_EXIT_CODES, StopSignal } from '../signals';
import { MnistCache, trainCell } from './cell';
import type { EventDetail, RunEvent } from './events';
import type { FromWorker, ToWorker } from './workers';

/** Per-batch messages at most this often: enough for a bar, few enough to cost nothing. */
const BATCH_MESSAGE_MS = 100;

let stopRequested = false;
let signals = 0;
/** The first signal this worker got itself (not through the parent's 'stop'): its campaign exits with its code. */
let firstSignal: StopSignal | null = null;
let busy = false;
const data = new MnistCache();

function tell(msg: FromWorker, then?: () => void): void {
  if (!process.connected) return then?.();
  process.send!(msg, undefined, {}, () => then?.());
}

/** Counts signals, not stop requests: the parent's 'stop' may arrive before the Ctrl-C that caused it. */
function onSignal(sig: NodeJS.Signals): void {
  if (++signals > 1) process.exit(SIGNAL_EXIT_CODES[sig as keyof typeof SIGNAL_EXIT_CODES] ?? 1);
  if (firstSignal === null && (sig === 'SIGINT' || sig === 'SIGTERM')) firstSignal = sig;
  stopRequested = true;
}

/**
 * Relays a run's events to the parent: per batch only when it draws bars (and then at most every
 * BATCH_MESSAGE_MS), epochs unless quiet. The backend's note is this process's own line (its
 * stderr reaches the parent, which shows each distinct line once).
 */
function relay(cell: number, detail: EventDetail): (e: RunEvent) => void {
  let last = 0;
  return (event) => {
    if (detail === 'none') return;
    if (event.type === 'backend') return printMessage(event.note);
    if (event.type === 'batch') {
      if (detail !== 'batches') return;
      const now = Date.now();
      if (now - last < BATCH_MESSAGE_MS && event.progress.batch !== event.progress.batches) return;
      last = now;
    }
    if (event.type !== 'end') tell({ type: 'event', cell, event });
  };
}

async function train(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  busy = true;
  try {
    const outcome = await trainCell(
      msg.job,
      data,
      relay(msg.job.index, msg.detail),
      () => stopRequested,
      // a worker is its own process's entry point: its notes go to its stderr, which the campaign relays
      printMessage,
    );
    tell({ type: 'done', cell: msg.job.index, summary: outcome.summary, stopped: outcome.stopped, signal: firstSignal });
  } catch (err) {
    tell({ type: 'error', cell: msg.job.index, message: errorText(err) });
  } finally {
    busy = false;
  }
  if (!process.connected) process.exit(stopRequested ? 1 : 0);
}

function main(): void {
  if (!process.send) throw runtimeError('worker-main is started by lenet compare/sweep --jobs, not by hand');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('disconnect', () => {
    stopRequested = true;
    if (!busy) process.exit(0);
  });
  process.on('message', (m) => {
    const msg = m as ToWorker;
    if (msg.type === 'train') void train(msg);
    else if (msg.type === 'stop') stopRequested = true;
    else if (msg.type === 'exit') {
      tell({ type: 'usage', maxRssBytes: process.resourceUsage().maxRSS * 1024 }, () => process.exit(0));
    }
  });
  tell({ type: 'ready' });
}

try {
  main();
} catch (err) {
  printMessage((err as Error).message);
  process.exitCode = 1;
}
