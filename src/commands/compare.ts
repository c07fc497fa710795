import * as path from 'node:path';
import { Command } from 'commander';
import { parseSeeds, RawOptions, readConfigFile, resolveTrainConfig } from '../config';
import { printMessage, usageError } from '../errors';
import { parseScheduleList, parseScheduleSpec, PAPER_ACTIVATIONS, scheduleLabel } from '../model/activations';
import { runGrid } from '../train/campaign';
import { parseJobs } from '../train/workers';
import { GridCell } from '../train/grid';
import { cellDir, timestamp } from '../rundir/layout';
import { installStopHandlers, SIGNAL_EXIT_CODES } from '../signals';
import { addJobsOption, addTrainingOptions, pickTrainingOptions, rerunCommand, unfinishedCellsError } from './options';
import { addClusterOptions, campaignShard, submitIfAsked } from './cluster';
import { shardCells } from '../train/grid';
import { writeComparisonFor } from '../report/compare-output';

/** `sigmoid,tanh,relu,tanh-relu`: named schedules, or per-layer lists written a/b/c. */
export function parseActivationList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const specs = items.map((s) => s.trim()).filter((s) => s.length > 0);
  if (specs.length === 0) throw usageError('--activations is empty');
  return specs;
}

export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description('train several activation schedules × seeds with one protocol and tabulate them beside Table 2');
  cmd
    .option('--activations <list>', 'named schedules or per-layer lists a/b/c, comma-separated (default sigmoid,tanh,relu,tanh-relu)')
    .option('--seeds <n|list>', 'number of seeds (1..n) or a list like 1,7,42 (default 1)')
    .option('--config <file.json>', 'protocol file, e.g. experiments/paper-table2.json; flags override it')
    .option('--out <dir>', 'output folder (default runs/compare-<UTC timestamp>)');
  addClusterOptions(cmd);
  addJobsOption(cmd);
  addTrainingOptions(cmd).action(async (opts: Record<string, unknown>) => {
    const jobs = parseJobs(opts.jobs);
    const shard = campaignShard(opts);
    const file: RawOptions = typeof opts.config === 'string' ? readConfigFile(opts.config) : {};
    const flags = pickTrainingOptions(opts);
    const base: RawOptions = { ...file, ...flags };
    for (const k of ['activations', 'activation', 'seeds', 'schedule', 'description', 'paper', 'seed']) delete base[k];
    const specs = parseActivationList(opts.activations ?? file.activations ?? PAPER_ACTIVATIONS);
    const schedules = specs.map((s) =>
      s.includes('/') ? parseScheduleList(s, '--activations', '/') : parseScheduleSpec(s, '--activations'),
    );
    const labels = schedules.map(scheduleLabel);
    if (new Set(labels).size !== labels.length) throw usageError(`--activations names a schedule twice: ${specs.join(',')}`);
    const seeds = parseSeeds(opts.seeds ?? file.seeds ?? 1);
    const all: GridCell[] = [];
    for (let i = 0; i < schedules.length; i++) {
      for (const seed of seeds) all.push({ schedule: schedules[i], label: labels[i], seed, dir: cellDir(labels[i], seed) });
    }
    // --shard K/N: the cells i with i mod N = K-1 of the order above (schedules as listed × seeds).
    const cells = shardCells(all, shard);
    if (cells.length === 0) throw usageError(`--shard ${shard.k}/${shard.n} has no cells: the comparison has only ${all.length}`);
    // Every shared option is checked before the output folder is touched.
    const checked = resolveTrainConfig({ ...base, schedule: cells[0]?.schedule.join(','), seed: cells[0]?.seed });
    if (submitIfAsked(cmd, opts, { command: 'compare', cells: all.length, threads: checked.threads })) return;
    const outDir = String(opts.out ?? path.join('runs', `compare-${timestamp()}`));
    const stop = installStopHandlers();
    try {
      const results = await runGrid({
        kind: 'comparison',
        cells,
        base,
        outDir,
        quiet: Boolean(opts.quiet),
        json: Boolean(opts.json),
        shouldStop: stop.stopRequested,
        jobs,
        shard,
        ...(shard.n > 1 ? { grid: { schedules: labels, seeds } } : {}),
      });
      if (results.stopped) {
        printMessage(`comparison stopped; finished runs are kept. Resume with: ${rerunCommand(outDir)}`);
        process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
        return;
      }
      if (results.failed) throw unfinishedCellsError(results.failed, outDir);
      const table = await writeComparisonFor(outDir, {
        json: Boolean(opts.json),
        quiet: Boolean(opts.quiet),
        shouldStop: stop.stopRequested,
      });
      if (table === null) {
        printMessage(
          `every run finished; stopped before the table and charts were all written; rerun the same command to write them (finished runs are skipped)`,
        );
        process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
        return;
      }
      if (opts.json) process.stdout.write(JSON.stringify(table, null, 2) + '\n');
    } finally {
      stop.dispose();
    }
  });
}
