/**
 * `--jobs N`: the cells of a campaign trained side by side, each in a worker process of its own
 * (tfjs keeps its backend state per process). The parent hands the next pending cell to whichever
 * worker is free, reports their progress as events, and reports a worker that died by the cell it was training
 * while the others go on. Each worker loads MNIST once and trains its cells exactly as the
 * in-process path does (train/cell.ts), so the files are the same bit for bit.
 */
import { fork, ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { errorText } from '../errors';
import { RunSummary } from '../rundir/summary';
import type { StopSignal } from '../signals';
import type { CellJob } from './cell';
import type { CampaignEvent, EventDetail, RunEvent } from './events';
import { counted } from '../words';

/**
 * What one worker may hold at its peak, with room to spare: a worker training on the full 60 000
 * images peaked at 271–272 MB (`npm run bench -- --campaign` / campaign-run.js, the training images
 * kept as bytes; 624–635 MB when they were kept as floats). --jobs auto starts no more workers than
 * free memory holds at this much each.
 */
export const WORKER_MEMORY_BYTES = 400e6;

export interface JobsPlan {
  /** Cells trained at once; 1 = in this process, as without --jobs. */
  jobs: number;
  /** --threads of each run (null: the backend's default, all cores). */
  threads: number | null;
  /** Why, for the line printed when workers are used. */
  reason: string;
}

export interface MachineShare {
  /** Cores this process may use (os.availableParallelism()). */
  cores: number;
  /** Memory free for new processes, in bytes. */
  freeBytes: number;
}

/** The cores and free memory of this machine (a cgroup's memory limit counts when lower). */
export function machineShare(): MachineShare {
  let freeBytes = os.freemem();
  const limit = process.constrainedMemory?.() ?? 0;
  if (limit > 0 && limit < os.totalmem()) freeBytes = Math.min(freeBytes, Math.max(0, limit - process.memoryUsage().rss));
  return { cores: os.availableParallelism(), freeBytes };
}

/**
 * How many cells to train at once and with how many threads each.
 * - `--jobs N`: N workers (never more than the cells to train), each with --threads or cores ÷ workers.
 * - `--threads T` alone: one run at a time with T threads, as before --jobs existed (a SLURM task or
 *   a pod sized with --threads keeps to its allocation).
 * - neither: as many workers as cores, cells and free memory allow (two 1-thread runs do 1.35× the
 *   work of one 2-thread run on 2 cores: small batches scale poorly across threads), cores ÷ workers
 *   threads each. One worker is the in-process path.
 */
export function planJobs(o: { jobs: number | null; threads: number | null; cells: number; machine: MachineShare }): JobsPlan {
  const cells = Math.max(1, o.cells);
  // Workers train with at most the CPUs there are, as one process does (selectBackend says so there).
  const capped = o.threads !== null && o.threads > o.machine.cores;
  const share = (jobs: number) =>
    o.threads !== null
      ? jobs > 1
        ? Math.min(o.threads, o.machine.cores)
        : o.threads
      : jobs > 1
        ? Math.max(1, Math.floor(o.machine.cores / jobs))
        : null;
  if (o.jobs !== null) {
    const jobs = Math.min(o.jobs, cells);
    const lowered =
      capped && jobs > 1 ? `; ${counted(o.threads!, 'thread')} asked for, more than the ${counted(o.machine.cores, 'CPU')}` : '';
    return {
      jobs,
      threads: share(jobs),
      reason: `--jobs ${o.jobs}${jobs < o.jobs ? `, ${counted(cells, 'cell')} to train` : ''}${lowered}`,
    };
  }
  if (o.threads !== null) return { jobs: 1, threads: o.threads, reason: '--threads without --jobs' };
  const fit = Math.max(1, Math.floor(o.machine.freeBytes / WORKER_MEMORY_BYTES));
  const jobs = Math.max(1, Math.min(o.machine.cores, cells, fit));
  const gb = (o.machine.freeBytes / 1e9).toFixed(1);
  return {
    jobs,
    threads: share(jobs),
    reason: `--jobs auto: ${o.machine.cores} cores, ${cells} cells to train, ${gb} GB free (room for ${fit} at ${WORKER_MEMORY_BYTES / 1e6} MB each)`,
  };
}

/** parent → worker: a cell to train, and which of its progress events to send (per batch only when bars show them). */
export type ToWorker = { type: 'train'; job: CellJob; detail: EventDetail } | { type: 'stop' } | { type: 'exit' };

/** worker → parent */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; cell: number; event: RunEvent }
  | { type: 'done'; cell: number; summary: RunSummary; stopped: boolean; signal: StopSignal | null }
  | { type: 'error'; cell: number; message: string }
  | { type: 'usage'; maxRssBytes: number };

export interface PoolOptions {
  jobs: number;
  /** Cells to train, in campaign order; handed out in that order. */
  jobsToTrain: CellJob[];
  /** The campaign's events: cells started and ended, their progress, failures, the workers' own lines. */
  onEvent?: (e: CampaignEvent) => void;
  /** Which of the cells' progress events to relay. */
  detail: EventDetail;
  /** Polled; true stops every worker at its next batch boundary and hands out no more cells. */
  shouldStop?: () => boolean;
  /** The worker entry module; the compiled worker-main.js beside this file by default. */
  workerEntry?: string;
}

export interface WorkerUsage {
  pid: number;
  cells: number;
  /** Peak resident set size the worker reported at its end (null if it died first). */
  maxRssBytes: number | null;
}

export interface PoolResult {
  summaries: Map<number, RunSummary>;
  /** Cells that did not finish: the worker died under them, or their training failed. */
  failed: { cell: number; reason: string }[];
  /** A stop was requested (or a worker was interrupted): cells not finished are resumable. */
  stopped: boolean;
  /** The signal a worker stopped on by itself (SIGTERM sent to it alone, say), or null. */
  signal: StopSignal | null;
  workers: WorkerUsage[];
}

interface Worker {
  child: ChildProcess;
  usage: WorkerUsage;
  current: CellJob | null;
  ready: boolean;
}

/** Trains `cells` on up to `jobs` worker processes; resolves once every worker has ended. */
export function runCellsInWorkers(opts: PoolOptions): Promise<PoolResult> {
  const entry = opts.workerEntry ?? path.join(__dirname, 'worker-main.js');
  const queue = [...opts.jobsToTrain];
  const emit = opts.onEvent ?? (() => {});
  const live = new Set<Worker>();
  const result: PoolResult = { summaries: new Map(), failed: [], stopped: false, signal: null, workers: [] };
  const seenLines = new Set<string>();
  let startFailures = 0;

  return new Promise((resolve) => {
    const stopAll = () => {
      if (result.stopped) return;
      result.stopped = true;
      for (const w of live) if (w.current) send(w, { type: 'stop' });
    };
    const poll = setInterval(() => {
      if (opts.shouldStop?.()) stopAll();
    }, 50);

    const send = (w: Worker, msg: ToWorker) => {
      if (!w.child.connected) return;
      try {
        w.child.send(msg);
      } catch {
        // the worker is gone; its 'close' reports it
      }
    };

    const fail = (job: CellJob, reason: string) => {
      result.failed.push({ cell: job.index, reason });
      emit({ type: 'cell-failed', cell: job.index, name: job.cell.name, reason });
    };

    /** Gives a free worker the next cell, or lets it go. */
    const dispatch = (w: Worker) => {
      const next = result.stopped ? undefined : queue.shift();
      if (!next) {
        send(w, { type: 'exit' });
        return;
      }
      w.current = next;
      w.usage.cells++;
      emit({ type: 'cell-started', cell: next.index, of: next.of, name: next.cell.name, epochs: next.config.epochs });
      send(w, { type: 'train', job: next, detail: opts.detail });
    };

    const onMessage = (w: Worker, msg: FromWorker) => {
      switch (msg.type) {
        case 'ready':
          w.ready = true;
          dispatch(w);
          return;
        case 'event':
          emit({ type: 'cell', cell: msg.cell, event: msg.event });
          return;
        case 'done':
          emit({ type: 'cell-ended', cell: msg.cell, finished: !msg.stopped });
          w.current = null;
          if (msg.stopped) {
            result.signal ??= msg.signal; // interrupted on its own: Ctrl-C reached the process group, or a signal it alone
            stopAll();
          } else result.summaries.set(msg.cell, msg.summary);
          dispatch(w);
          return;
        case 'error':
          emit({ type: 'cell-ended', cell: msg.cell, finished: false });
          if (w.current) fail(w.current, msg.message);
          w.current = null;
          dispatch(w);
          return;
        case 'usage':
          w.usage.maxRssBytes = msg.maxRssBytes;
          return;
      }
    };

    const onEnd = (w: Worker, code: number | null, signal: NodeJS.Signals | null) => {
      if (!live.delete(w)) return;
      if (!w.ready) startFailures++;
      if (w.current) {
        emit({ type: 'cell-ended', cell: w.current.index, finished: false });
        fail(w.current, signal ? `worker killed by ${signal}` : `worker exited with code ${code}`);
        w.current = null;
      }
      // Replace a worker that died while cells wait, unless workers cannot even start here.
      if (!result.stopped && queue.length > 0 && live.size < opts.jobs) {
        if (startFailures < 3) start();
        else if (live.size === 0) for (const c of queue.splice(0)) fail(c, 'no worker process could start');
      }
      if (live.size === 0) {
        clearInterval(poll);
        resolve(result);
      }
    };

    const start = () => {
      let child: ChildProcess;
      try {
        child = fork(entry, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', execArgv: [] });
      } catch (err) {
        // fork itself failed (EAGAIN, ENOMEM, ...): no 'close' will come, so this is the end of
        // this worker. With none alive, the waiting cells fail and the pool ends (its timer too).
        startFailures++;
        if (live.size === 0) {
          const why = errorText(err);
          for (const c of queue.splice(0)) fail(c, `no worker process could start (${why})`);
          clearInterval(poll);
          resolve(result);
        }
        return;
      }
      const w: Worker = { child, usage: { pid: child.pid ?? -1, cells: 0, maxRssBytes: null }, current: null, ready: false };
      live.add(w);
      result.workers.push(w.usage);
      child.on('message', (m) => onMessage(w, m as FromWorker));
      // A worker's own messages (warnings) reach the user once, above the bars; never on stdout.
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        readline.createInterface({ input: stream }).on('line', (line) => {
          if (seenLines.has(line)) return;
          seenLines.add(line);
          emit({ type: 'worker-line', line });
        });
      }
      child.on('error', () => onEnd(w, null, null));
      child.on('close', (code, signal) => onEnd(w, code, signal));
    };

    const first = Math.min(opts.jobs, queue.length);
    if (first === 0) {
      clearInterval(poll);
      resolve(result);
      return;
    }
    for (let i = 0; i < first; i++) start();
  });
}
