import { printMessage, printResult, printJson } from '../errors';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { commandDefaults, resolveTrainConfig, trainingOptions } from '../options/resolve';
import { addOptions } from '../options/commander';
import { loadMnist, mnistOptionsOf } from '../data/mnist';
import { runTraining } from '../train/run';
import { EPOCH_COLUMNS } from '../rundir/epochs';
import { SIGNAL_EXIT_CODES } from '../signals';
import { installStopHandlers } from './signals';

/** Columns that must match bit for bit between two runs of the same seed (time is not one). */
const COMPARED = EPOCH_COLUMNS.filter((c) => c !== 'seconds');

export function register(program: Command): void {
  const cmd = program
    .command('verify')
    .description('check determinism: train the same short run twice and compare epochs.csv and weights bit for bit');
  // verify's own defaults (a short run) are the table's: see options/table.ts.
  addOptions(cmd, 'verify').action(async (opts: Record<string, unknown>) => {
    const raw = { ...commandDefaults('verify'), ...trainingOptions(opts, 'verify') };
    const config = resolveTrainConfig(raw);
    const data = loadMnist(mnistOptionsOf(config));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-verify-'));
    const stop = installStopHandlers();
    // a note, not a result: said unless --quiet or --json, as the training commands' notes are
    if (!opts.quiet && !opts.json)
      printMessage(
        `verify: training ${config.scheduleLabel} (seed ${config.seed}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} of ${data.train.count} images) twice`,
      );
    try {
      const dirs = [path.join(root, 'a'), path.join(root, 'b')];
      const outcomes = [];
      for (const dir of dirs) {
        const outcome = await runTraining(config, { outDir: dir, force: false, shouldStop: stop.stopRequested, say: printMessage }, data);
        if (outcome.stopped) {
          printMessage('verify stopped; nothing was compared');
          process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
          return;
        }
        outcomes.push(outcome);
      }
      const differences: string[] = [];
      const [a, b] = outcomes.map((o) => o.rows);
      for (let i = 0; i < a.length; i++) {
        for (const c of COMPARED) {
          if (!Object.is(a[i][c], b[i][c])) differences.push(`epoch ${a[i].epoch} ${c}: ${a[i][c]} vs ${b[i][c]}`);
        }
      }
      const weights = dirs.map((d) => fs.readFileSync(path.join(d, 'model', 'weights.bin')));
      if (!weights[0].equals(weights[1])) {
        const fa = new Float32Array(weights[0].buffer, weights[0].byteOffset, weights[0].byteLength / 4);
        const fb = new Float32Array(weights[1].buffer, weights[1].byteOffset, weights[1].byteLength / 4);
        let n = 0;
        let max = 0;
        for (let i = 0; i < fa.length; i++)
          if (fa[i] !== fb[i]) {
            n++;
            max = Math.max(max, Math.abs(fa[i] - fb[i]));
          }
        differences.push(`final weights: ${n} of ${fa.length} differ (max |Δ| ${max.toExponential(2)})`);
      }
      const what = `${config.scheduleLabel}, seed ${config.seed}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} of ${data.train.count} images on ${outcomes[0].summary.backend}`;
      const result = { deterministic: differences.length === 0, run: what, differences };
      if (opts.json) printJson(result);
      else if (result.deterministic)
        printResult(`deterministic: two runs (${what}) gave bit-identical epochs.csv (seconds aside) and weights`);
      else printResult([`NOT deterministic (${what}):`, ...differences.map((d) => '  ' + d)]);
      if (!result.deterministic) process.exitCode = 1;
    } finally {
      stop.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}
