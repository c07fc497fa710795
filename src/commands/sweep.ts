import * as path from 'node:path';
import { Command } from 'commander';
import { usageError, printMessage } from '../errors';
import { campaignBase, RawOptions, resolveTrainConfig, trainingOptions } from '../options/resolve';
import { readConfigFile } from '../options/config-file';
import { optionValue } from '../options/parse';
import { addOptions } from '../options/commander';
import { runGrid } from '../train/campaign';
import { GridCell, gridCells, gridSchedules, shardCells } from '../train/grid';
import { timestamp } from '../rundir/layout';
import { checkCampaignOut } from '../rundir/campaign-manifest';
import { installStopHandlers, SIGNAL_EXIT_CODES } from '../signals';
import { rerunCommand, unfinishedCellsError } from './options';
import { campaignShard, submitIfAsked } from './cluster';
import { averageLastOf, collectRuns, datasetOfGroups } from '../report/runs';
import { writeHeatmap } from '../report/plot';
import { sweepMarkdown, writeSweepTable } from '../report/sweep-table';

/**
 * `lenet sweep`: every schedule of {grid}³ × seeds, optionally one shard of them, then a ranked
 * table (sweep.csv, sweep.md) and a heatmap of the cells present in the output folder.
 */
export function register(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('train every per-layer schedule of a set of activations (all N³) × seeds; rank them and draw a heatmap');
  addOptions(cmd, 'sweep').action(async (opts: Record<string, unknown>) => {
    const jobs = optionValue('jobs', opts.jobs);
    const shard = campaignShard(opts);
    const file: RawOptions = typeof opts.config === 'string' ? readConfigFile(opts.config) : {};
    const base = campaignBase(file, trainingOptions(opts, 'sweep'));
    const acts = optionValue('grid', opts.grid);
    const seeds = optionValue('seeds', opts.seeds ?? file.seeds);
    const all = gridCells(gridSchedules(acts), seeds);
    const cells: GridCell[] = shardCells(all, shard);
    if (cells.length === 0) throw usageError(`--shard ${shard.k}/${shard.n} has no cells: the grid has only ${all.length}`);
    // Every shared option is checked before the output folder is touched.
    const checked = resolveTrainConfig({ ...base, schedule: cells[0]?.schedule.join(','), seed: cells[0]?.seed });
    if (opts.out !== undefined) checkCampaignOut(String(opts.out)); // --submit too: never at or inside a run or another campaign
    if (submitIfAsked(cmd, opts, { command: 'sweep', cells: all.length, threads: checked.threads })) return;
    const outDir = String(opts.out ?? path.join('runs', `sweep-${timestamp()}`));
    const quiet = Boolean(opts.quiet);
    const json = Boolean(opts.json);
    if (!quiet && !json) {
      printMessage(
        `sweep of ${acts.length}^3 = ${acts.length ** 3} schedules × ${seeds.length} seed(s)${shard.n > 1 ? `, shard ${shard.k}/${shard.n}: ${cells.length} of ${all.length} cells` : `: ${cells.length} cells`} into ${outDir}`,
      );
    }
    const stop = installStopHandlers();
    try {
      const results = await runGrid({
        kind: 'sweep',
        cells,
        base,
        outDir,
        quiet,
        json,
        shouldStop: stop.stopRequested,
        jobs,
        shard,
        grid: { schedules: [...new Set(all.map((c) => c.label))], seeds },
      });
      if (results.stopped) {
        printMessage(`sweep stopped; finished cells are kept. Resume with: ${rerunCommand(outDir, undefined, shard)}`);
        process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
        return;
      }
      if (results.failed) throw unfinishedCellsError(results.failed, outDir, shard);
      const stoppedBeforeOutputs = () => {
        printMessage(
          `every cell finished; stopped before the table and heatmap were all written; rerun the same command to write them (finished cells are skipped)`,
        );
        process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
      };
      if (stop.stopRequested()) return stoppedBeforeOutputs();
      const c = collectRuns(outDir);
      if (!quiet && !json) for (const w of c.warnings) printMessage(w);
      const { rows, files } = writeSweepTable(outDir, c.groups);
      if (stop.stopRequested()) return stoppedBeforeOutputs();
      files.push(...(await writeHeatmap(outDir, c.groups)).files);
      if (stop.stopRequested()) return stoppedBeforeOutputs();
      const trained = results.filter((r) => !r.skipped).length;
      const skipped = results.length - trained;
      if (json) {
        process.stdout.write(JSON.stringify({ outDir, shard, cells: cells.length, trained, skipped, files, rows }, null, 2) + '\n');
      } else {
        if (!quiet) process.stdout.write(sweepMarkdown(rows, averageLastOf(c.groups), datasetOfGroups(c.groups)) + '\n');
        process.stdout.write(
          `sweep: ${trained} trained, ${skipped} already done; table ${path.join(outDir, 'sweep.md')}, heatmap ${path.join(outDir, 'heatmap.png')}\n`,
        );
      }
    } finally {
      stop.dispose();
    }
  });
}
