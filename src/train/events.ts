/**
 * What training reports as it goes: events, plain data. train/ never prints or draws; a command
 * turns these into bars and lines (commands/progress.ts), a --jobs worker relays them to its parent
 * over IPC, and a test may simply collect them.
 */
import type { EpochRow } from '../rundir/epochs';

/** Where training stands within an epoch, after a batch. */
export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

/** One run's events, in order: `backend` once at the start when the backend has a note, then batches and epochs, `end` last. */
export type RunEvent =
  | { type: 'backend'; note: string }
  | { type: 'batch'; progress: BatchProgress }
  | { type: 'epoch'; row: EpochRow; epochs: number }
  | { type: 'end' };

/**
 * A campaign's events. Cells are numbered by their place in the campaign (0-based) of `of` cells;
 * `name` is the schedule and seed, e.g. "relu seed 2".
 */
export type CampaignEvent =
  /** Cells will train side by side in worker processes (--jobs); absent when they train one by one here. */
  | { type: 'workers'; cells: number; jobs: number; threads: number | null; reason: string }
  /** A finished cell found in the folder: not trained again. */
  | { type: 'skipped'; cell: number; of: number; name: string }
  | { type: 'cell-started'; cell: number; of: number; name: string; epochs: number }
  | { type: 'cell'; cell: number; event: RunEvent }
  /** The cell's training ended: `finished` when it trained to its last epoch (not stopped, not failed). */
  | { type: 'cell-ended'; cell: number; finished: boolean }
  /** A cell that did not finish: its worker died, or its training failed. */
  | { type: 'cell-failed'; cell: number; name: string; reason: string }
  /** A line a worker process wrote (a warning), once per distinct line. */
  | { type: 'worker-line'; line: string };

/**
 * Which events a listener wants: every batch (a bar), epochs only (lines), or none (--quiet). The
 * rest are sent whatever this says; it spares a worker its per-batch messages when nothing draws them.
 */
export type EventDetail = 'batches' | 'epochs' | 'none';
