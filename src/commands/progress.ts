/**
 * The progress display: training's events (train/events.ts) drawn as bars on a terminal, one line
 * per epoch in pipes and CI, nothing with --quiet. Only commands draw; train/ reports events.
 */
import * as cliProgress from 'cli-progress';
import { EpochRow } from '../rundir/epochs';
import { messageLine, oneLine, printMessage } from '../errors';
import type { BatchProgress, CampaignEvent, EventDetail, RunEvent } from '../train/events';

export type ProgressMode = 'bar' | 'lines' | 'none';

/** A bar on a terminal, one line per epoch in pipes and CI, nothing with --quiet. */
export function progressMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): 'bar' | 'lines' | 'none' {
  if (quiet) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

export interface Progress {
  onBatch(p: BatchProgress): void;
  onEpochEnd(row: EpochRow, epochs: number): void;
  /** A message for the user (`lenet: …`) on a line of its own: the bar is taken away first and drawn again at the next batch. */
  message(text: string): void;
  stop(): void;
}

const fmt = (x: number, d = 4) => x.toFixed(d);

/** The line printed when an epoch ends: `<label> epoch 2/20  train loss … acc …  test loss … acc …  4.1s`. */
export function epochLine(label: string, row: EpochRow, epochs: number): string {
  return (
    `${label} epoch ${row.epoch}/${epochs}  train loss ${fmt(row.train_loss)} acc ${fmt(row.train_accuracy)}  ` +
    `test loss ${fmt(row.test_loss)} acc ${fmt(row.test_accuracy)}  ${row.seconds.toFixed(row.seconds < 10 ? 2 : 1)}s`
  );
}

/** Progress goes to stderr so that stdout carries only results (e.g. --json). */
export function createProgress(mode: ProgressMode, label: string, stream: NodeJS.WritableStream = process.stderr): Progress {
  let bar: cliProgress.SingleBar | null = null;
  let barEpoch = 0;
  // The bar appears after its epoch's first batch: time left is measured from there.
  let barStart = { batch: 0, time: 0 };
  const line = (s: string) => stream.write(`${oneLine(s)}\n`);
  return {
    onBatch(p) {
      if (mode !== 'bar') return;
      if (!bar || barEpoch !== p.epoch) {
        bar?.stop();
        bar = new cliProgress.SingleBar(
          {
            // Our own time left ({left}, see timeLeft), not cli-progress's {eta_formatted}, which reads INF or NULL
            // whenever its bar did not move between two redraws.
            format: `${label} epoch ${p.epoch} [{bar}] {value}/{total} loss {loss} acc {acc} time left {left}`,
            stream,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.batches, 0, { loss: '-', acc: '-', left: '-' });
        barEpoch = p.epoch;
        barStart = { batch: p.batch, time: Date.now() };
      }
      const share = (p.batch - barStart.batch) / Math.max(1, p.batches - barStart.batch);
      bar.update(p.batch, { loss: fmt(p.loss), acc: fmt(p.accuracy), left: timeLeft(share, (Date.now() - barStart.time) / 1000) });
    },
    onEpochEnd(row, epochs) {
      if (mode === 'none') return;
      bar?.stop();
      bar = null;
      line(epochLine(label, row, epochs));
    },
    message(text) {
      bar?.stop();
      bar = null;
      stream.write(messageLine(text));
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/** The events a display of this mode draws: batches for a bar, epochs for lines, none when quiet. */
export function eventDetail(mode: ProgressMode): EventDetail {
  return mode === 'bar' ? 'batches' : mode === 'lines' ? 'epochs' : 'none';
}

/** A message for the user (printMessage by default). */
export type Say = (line: string) => void;

/**
 * One run's events drawn under `label`: its bar or epoch lines, and the backend's note unless quiet.
 * Returns the listener for runTraining's onEvent.
 */
export function runDisplay(
  mode: ProgressMode,
  label: string,
  say: Say = printMessage,
  stream: NodeJS.WritableStream = process.stderr,
): RunDisplay {
  const progress = createProgress(mode, label, stream);
  const on = (e: RunEvent) => {
    if (e.type === 'backend') {
      if (mode !== 'none') say(e.note);
    } else if (e.type === 'batch') progress.onBatch(e.progress);
    else if (e.type === 'epoch') progress.onEpochEnd(e.row, e.epochs);
    else progress.stop();
  };
  return Object.assign(on, { message: (text: string) => progress.message(text) });
}

/** runTraining's onEvent listener, and a way to say something without breaking the bar (the stop handlers'). */
export type RunDisplay = ((e: RunEvent) => void) & { message(text: string): void };

export interface CampaignDisplay {
  on(e: CampaignEvent): void;
  /** A message for the user above the bars (or on its own line where there are none). */
  message(text: string): void;
  /** Takes the bars away (after the campaign, however it ended). */
  stop(): void;
}

/**
 * A campaign's events drawn: cells trained one by one here each get a run's display labelled
 * "[3/8] relu seed 2"; once the campaign says its cells train in worker processes, a bar per
 * running cell under an overall line ("[3/8 relu seed 2]", createCampaignProgress). Cells
 * skipped and the workers' plan are said unless quiet; failures and the workers' own lines always.
 */
export function campaignDisplay(
  mode: ProgressMode,
  say: Say = printMessage,
  stream: NodeJS.WritableStream = process.stderr,
): CampaignDisplay {
  let multi: CampaignProgress | null = null;
  let current: RunDisplay | null = null;
  return {
    on(e) {
      switch (e.type) {
        case 'workers':
          if (mode !== 'none') {
            say(
              `${e.cells} cell${e.cells === 1 ? '' : 's'} to train on ${e.jobs} worker processes × ${e.threads ?? 'all'} thread${e.threads === 1 ? '' : 's'} (${e.reason})`,
            );
          }
          multi = createCampaignProgress(mode, e.cells, stream);
          return;
        case 'skipped':
          if (mode !== 'none') say(`${e.name} already done, skipped`);
          return;
        case 'cell-started':
          if (multi) multi.cellStarted(e.cell, `[${e.cell + 1}/${e.of}] ${e.name}`, e.epochs);
          else current = runDisplay(mode, `[${e.cell + 1}/${e.of}] ${e.name}`, say, stream);
          return;
        case 'cell':
          if (!multi) current?.(e.event);
          else if (e.event.type === 'batch') multi.onBatch(e.cell, e.event.progress);
          else if (e.event.type === 'epoch') multi.onEpochEnd(e.cell, e.event.row, e.event.epochs);
          return;
        case 'cell-ended':
          multi?.cellEnded(e.cell, e.finished);
          current = null;
          return;
        case 'cell-failed':
          if (multi) multi.log(messageLine(`${e.name}: ${e.reason}`).trimEnd());
          else say(`${e.name}: ${e.reason}`);
          return;
        case 'worker-line':
          if (multi) multi.log(e.line);
          else stream.write(`${oneLine(e.line)}\n`);
          return;
      }
    },
    message(text) {
      if (multi) multi.log(messageLine(text).trimEnd());
      else if (current) current.message(text);
      else say(text);
    },
    stop() {
      multi?.stop();
    },
  };
}

/** Progress of a campaign whose cells train side by side (--jobs): events name the cell they belong to. */
export interface CampaignProgress {
  cellStarted(cell: number, label: string, epochs: number): void;
  onBatch(cell: number, p: BatchProgress): void;
  onEpochEnd(cell: number, row: EpochRow, epochs: number): void;
  /** The cell trained to its end (or stopped, or failed): its bar goes, the overall count moves on when `finished`. */
  cellEnded(cell: number, finished: boolean): void;
  /** A message for the user (a worker's warning, a dead worker): above the bars on a terminal. */
  log(line: string): void;
  stop(): void;
}

/**
 * On a terminal, a cli-progress MultiBar: one bar per running cell (its epoch's batches) under an
 * overall line (cells finished of those to train), with each epoch's line printed above them.
 * Otherwise one labelled line per epoch per cell (`[3/8 relu seed 2] epoch 2/20 …`); nothing with 'none'.
 */
export function createCampaignProgress(
  mode: 'bar' | 'lines' | 'none',
  cellsToTrain: number,
  stream: NodeJS.WritableStream = process.stderr,
  now: () => number = Date.now,
): CampaignProgress {
  const labels = new Map<number, string>();
  if (mode !== 'bar') {
    const write = (s: string) => {
      if (mode === 'lines') stream.write(oneLine(s) + '\n');
    };
    return {
      cellStarted: (cell, label) => void labels.set(cell, label),
      onBatch: () => {},
      onEpochEnd: (cell, row, epochs) => write(epochLine(labels.get(cell) ?? `cell ${cell}`, row, epochs)),
      cellEnded: (cell) => void labels.delete(cell),
      // Messages are not progress: --quiet keeps them, as it keeps a single run's warnings.
      log: (s) => stream.write(oneLine(s) + '\n'),
      stop: () => {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  // The overall bar fills by work done (finished cells, and the running ones' share of their epochs).
  const began = now();
  let finished = 0;
  const overall = multi.create(
    OVERALL_STEPS,
    0,
    { done: 0, cells: cellsToTrain, running: 0, left: '-' },
    {
      // {left}, not {eta}: cli-progress fills {eta} with its own estimate over the payload's, and that
      // reads INF while the overall bar's value stands still between redraws (most of the time).
      format: 'campaign [{bar}] {done}/{cells} cells done, {running} running, time left {left}',
    },
  );
  const bars = new Map<number, { bar: cliProgress.SingleBar; epochs: number; epoch: number; fraction: number }>();
  const redrawOverall = () => {
    let work = finished;
    for (const b of bars.values()) work += b.fraction;
    const share = Math.min(1, work / Math.max(1, cellsToTrain));
    overall.update(Math.round(share * OVERALL_STEPS), {
      done: finished,
      running: bars.size,
      left: timeLeft(share, (now() - began) / 1000),
    });
  };
  return {
    cellStarted(cell, label, epochs) {
      labels.set(cell, label);
      const bar = multi.create(
        1,
        0,
        { epoch: '-', epochs, loss: '-', acc: '-' },
        {
          format: `${label} epoch {epoch}/{epochs} [{bar}] {value}/{total} loss {loss} acc {acc}`,
        },
      );
      bars.set(cell, { bar, epochs, epoch: 0, fraction: 0 });
      redrawOverall();
    },
    onBatch(cell, p) {
      const b = bars.get(cell);
      if (!b) return;
      if (b.epoch !== p.epoch) {
        b.bar.setTotal(p.batches);
        b.epoch = p.epoch;
      }
      b.fraction = (p.epoch - 1 + p.batch / p.batches) / b.epochs;
      b.bar.update(p.batch, { epoch: p.epoch, loss: fmt(p.loss), acc: fmt(p.accuracy) });
      redrawOverall();
    },
    onEpochEnd(cell, row, epochs) {
      multi.log(aboveBars(epochLine(labels.get(cell) ?? `cell ${cell}`, row, epochs)));
    },
    cellEnded(cell, done) {
      const b = bars.get(cell);
      if (b) multi.remove(b.bar);
      bars.delete(cell);
      labels.delete(cell);
      if (done) finished++;
      redrawOverall();
    },
    log(s) {
      multi.log(aboveBars(s));
    },
    stop() {
      // Print what was logged since the last redraw, then take the bars away.
      multi.update();
      multi.stop();
    },
  };
}

const OVERALL_STEPS = 1000;

/**
 * A line printed above the bars of a MultiBar: cli-progress writes its log lines over the rows the
 * bars held, erasing only the first, and keeps the terminal's autowrap off while it draws (a bar
 * must stay one row). So each line erases its row, turns autowrap on while it is written (a line
 * longer than the terminal wraps instead of being cut), erases what is left of its last row, and
 * turns autowrap off again for the bars.
 */
function aboveBars(line: string): string {
  return `\x1b[2K\x1b[?7h${oneLine(line)}\x1b[K\x1b[?7l\n`;
}

/**
 * Time left of work that is `share` (0..1) done after `elapsedSeconds`, at the pace so far: '-' while
 * there is nothing to go on (nothing done yet, no time elapsed, a share or time that is not a finite
 * number), '0s' once all is done.
 */
export function timeLeft(share: number, elapsedSeconds: number): string {
  if (!Number.isFinite(share) || !Number.isFinite(elapsedSeconds) || share <= 0 || elapsedSeconds <= 0) return '-';
  if (share >= 1) return '0s';
  const left = (elapsedSeconds * (1 - share)) / share;
  return Number.isFinite(left) ? formatSeconds(left) : '-';
}

/** 75 → "1m15s", 4000 → "1h06m"; a thousand hours or more → ">999h". */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (!(s < 1000 * 3600)) return '>999h';
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
