import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { optionValue } from '../options/parse';
import { TrainConfig } from '../options/types';
import { refuseOnResume, resolveTrainConfig, trainingOptions } from '../options/resolve';
import { addOptions } from '../options/commander';
import { usageError, printMessage, printJson, printResult } from '../errors';
import { progressMode, runDisplay } from './progress';
import { runState, runTraining } from '../train/run';
import { checkRunOut } from '../rundir/campaign-manifest';
import { pathComponent, requireFolder, timestamp } from '../rundir/layout';
import { MANIFEST_FILE, readManifest } from '../rundir/manifest';
import { RunSummary, summaryJson } from '../rundir/summary';
import { SIGNAL_EXIT_CODES } from '../signals';
import { installStopHandlers } from './signals';
import { shellQuote } from './options';

/** A metric for people: 4 decimals, or n/a where the run diverged. */
const show = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** The few lines a person reads after a run. */
/** A run's summary as the lines printed after it. */
export function formatSummary(s: RunSummary, dir: string): string[] {
  const f = s.final;
  return [
    `${s.schedule} (${s.activations.join(',')}), seed ${s.seed}, ${s.epochs_run}/${s.epochs_planned} epochs of ${s.dataset} on ${s.backend}` +
      `${s.complete ? '' : ' (incomplete)'}${s.diverged_epoch !== null ? ` (diverged at epoch ${s.diverged_epoch})` : ''}; mean of the last ${s.average_last}:`,
    `  train loss ${show(f.train_loss)}  train accuracy ${show(f.train_accuracy)}  paper loss ${show(f.train_paper_loss)}`,
    `  test loss  ${show(f.test_loss)}  test accuracy  ${show(f.test_accuracy)}  paper loss ${show(f.test_paper_loss)}`,
    `  ${show(s.seconds_per_epoch, 2)} s/epoch; results in ${dir}`,
  ];
}

/** A resumed run takes its protocol from config.json; only output flags and --threads may be given. */
function resumeConfig(dir: string, opts: Record<string, unknown>): TrainConfig {
  refuseOnResume(opts);
  requireFolder(dir, `--resume ${dir}: no such run directory`, `--resume ${dir}`);
  if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) throw usageError(`--resume ${dir} is not a lenet run (no config.json)`);
  const saved = readManifest(dir).config;
  // The thread count changes no result (the same bits for any count): a run may resume with the CPUs it has now.
  return opts.threads === undefined ? saved : { ...saved, threads: optionValue('threads', opts.threads) };
}

export function register(program: Command): void {
  addOptions(program.command('train'), 'train')
    .description('train the improved LeNet-5 once and write per-epoch CSVs, a summary and the model')
    .action(async (opts: Record<string, unknown>) => {
      const resuming = typeof opts.resume === 'string';
      const config = resuming ? resumeConfig(String(opts.resume), opts) : resolveTrainConfig(trainingOptions(opts, 'train'));
      const dir = resuming
        ? String(opts.resume)
        : String(opts.out ?? path.join('runs', `${timestamp()}-${pathComponent(config.scheduleLabel)}`));
      if (!resuming) checkRunOut(dir); // never into, inside or above a campaign or another run, --force or not
      const state = resuming ? runState(dir) : null;
      if (state?.kind === 'complete') {
        const done = state.summary;
        printMessage(`${dir} is already complete (${done.epochs_run} epochs); nothing to resume`);
        if (opts.json) printJson(summaryJson(done));
        else printResult(formatSummary(done, dir));
        return;
      }
      if (state?.kind === 'start') printMessage(`${dir} has no checkpoint yet; starting it from epoch 1`);
      const display = runDisplay(progressMode(Boolean(opts.quiet || opts.json)), config.scheduleLabel);
      const stop = installStopHandlers(display.message);
      try {
        const { summary, stopped } = await runTraining(config, {
          outDir: dir,
          force: Boolean(opts.force),
          onEvent: display,
          resume: resuming,
          shouldStop: stop.stopRequested,
          say: printMessage,
        });
        if (opts.json) printJson(summaryJson(summary));
        else if (summary.epochs_run > 0) printResult(formatSummary(summary, dir));
        if (stopped) {
          printMessage(`stopped after epoch ${summary.epochs_run}; resume with: lenet train --resume ${shellQuote(dir)}`);
          process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
        }
      } finally {
        stop.dispose();
      }
    });
}
