import * as path from 'node:path';
import { Command } from 'commander';
import { usageError, printMessage } from '../errors';
import { scheduleLabel } from '../model/activations';
import { campaignBase, RawOptions, resolveTrainConfig, trainingOptions } from '../options/resolve';
import { readConfigFile } from '../options/config-file';
import { optionValue } from '../options/parse';
import { addOptions } from '../options/commander';
import { runGrid } from '../train/campaign';
import { GridCell } from '../train/grid';
import { timestamp } from '../rundir/layout';
import { checkCampaignOut } from '../rundir/campaign-manifest';
import { installStopHandlers, SIGNAL_EXIT_CODES } from '../signals';
import { rerunCommand, unfinishedCellsError } from './options';
import { campaignShard, submitIfAsked } from './cluster';
import { gridCells, shardCells } from '../train/grid';
import { writeComparisonFor } from '../report/compare-output';

export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description('train several activation schedules × seeds with one protocol and tabulate them beside Table 2');
  addOptions(cmd, 'compare').action(async (opts: Record<string, unknown>) => {
    const jobs = optionValue('jobs', opts.jobs);
    const shard = campaignShard(opts);
    const file: RawOptions = typeof opts.config === 'string' ? readConfigFile(opts.config) : {};
    const base = campaignBase(file, trainingOptions(opts, 'compare'));
    const schedules = optionValue('activations', opts.activations ?? file.activations);
    const labels = schedules.map(scheduleLabel);
    const seeds = optionValue('seeds', opts.seeds ?? file.seeds);
    const all: GridCell[] = gridCells(schedules, seeds);
    // --shard K/N: the cells i with i mod N = K-1 of the order above (schedules as listed × seeds).
    const cells = shardCells(all, shard);
    if (cells.length === 0) throw usageError(`--shard ${shard.k}/${shard.n} has no cells: the comparison has only ${all.length}`);
    // Every shared option is checked before the output folder is touched.
    const checked = resolveTrainConfig({ ...base, schedule: cells[0]?.schedule.join(','), seed: cells[0]?.seed });
    if (opts.out !== undefined) checkCampaignOut(String(opts.out)); // --submit too: never at or inside a run or another campaign
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
        printMessage(`comparison stopped; finished runs are kept. Resume with: ${rerunCommand(outDir, undefined, shard)}`);
        process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
        return;
      }
      if (results.failed) throw unfinishedCellsError(results.failed, outDir, shard);
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
