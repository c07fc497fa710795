import * as path from 'node:path';
import { Command } from 'commander';
import { usageError, printMessage } from '../errors';
import { campaignBase, RawOptions, resolveTrainConfig, trainingOptions } from '../options/resolve';
import { readConfigFile } from '../options/config-file';
import { optionValue } from '../options/parse';
import { addOptions } from '../options/commander';
import { campaignVary, GridCell, gridCells, gridSchedules, shardCells, variantNameOf, variantsOf } from '../train/grid';
import { cellOptions, runGrid } from '../train/campaign';
import { OPTION_ENTRIES, OptionId } from '../options/table';
import { timestamp } from '../rundir/layout';
import { checkCampaignOut } from '../rundir/campaign-manifest';
import { installStopHandlers, SIGNAL_EXIT_CODES } from '../signals';
import { rerunCommand, unfinishedCellsError } from './options';
import { campaignShard, submitIfAsked } from './cluster';
import { averageLastOf, collectRuns, datasetOfGroups } from '../report/runs';
import { writeHeatmap } from '../report/plot';
import { writeFactorReport } from '../report/factors';
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
    if (opts.grid !== undefined && opts.activations !== undefined) throw usageError('give either --grid or --activations, not both');
    const listed = opts.activations ?? (opts.grid === undefined ? file.activations : undefined);
    const acts = optionValue('grid', opts.grid ?? (listed === undefined ? file.grid : undefined));
    const schedules = listed !== undefined ? optionValue('activations', listed) : gridSchedules(acts);
    const seeds = optionValue('seeds', opts.seeds ?? file.seeds);
    const varyRaw = opts.vary ?? file.vary;
    const factors = varyRaw === undefined ? [] : optionValue('vary', varyRaw);
    const design = optionValue('design', opts.design ?? file.design);
    if (design === 'ofat' && factors.length === 0) throw usageError('--design ofat needs --vary');
    // A varied option is the grid's: the same option given as a flag or in the file would be silently lost.
    for (const f of factors) {
      if (base[f.key] !== undefined) {
        throw usageError(
          `${OPTION_ENTRIES[f.key].flag} is varied by --vary; remove ${OPTION_ENTRIES[f.key].flag} (or its config file key)`,
        );
      }
    }
    const flagOf = (key: OptionId) => OPTION_ENTRIES[key].flag!.slice(2);
    const all = gridCells(schedules, seeds, variantsOf(factors, design), flagOf, factors);
    const vary = factors.length > 0 ? campaignVary(factors, design, flagOf) : undefined;
    const cells: GridCell[] = shardCells(all, shard);
    if (cells.length === 0) throw usageError(`--shard ${shard.k}/${shard.n} has no cells: the grid has only ${all.length}`);
    // Every shared option is checked before the output folder is touched.
    // every variant's options are checked (a level may not fit the rest, e.g. a kernel size too large for the image)
    const checked = resolveTrainConfig(cellOptions(base, cells[0]));
    for (const c of all) if (c.seed === all[0].seed && c.label === all[0].label) resolveTrainConfig(cellOptions(base, c));
    if (opts.out !== undefined) checkCampaignOut(String(opts.out)); // --submit too: never at or inside a run or another campaign
    if (submitIfAsked(cmd, opts, { command: 'sweep', cells: all.length, threads: checked.threads })) return;
    const outDir = String(opts.out ?? path.join('runs', `sweep-${timestamp()}`));
    const quiet = Boolean(opts.quiet);
    const json = Boolean(opts.json);
    if (!quiet && !json) {
      printMessage(
        `sweep of ${listed !== undefined ? `${schedules.length} schedules` : `${acts.length}^3 = ${acts.length ** 3} schedules`}${factors.length > 0 ? ` × ${all.length / schedules.length / seeds.length} variants of ${factors.map((f) => flagOf(f.key)).join(', ')}` : ''} × ${seeds.length} seed(s)${shard.n > 1 ? `, shard ${shard.k}/${shard.n}: ${cells.length} of ${all.length} cells` : `: ${cells.length} cells`} into ${outDir}`,
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
        grid: {
          schedules: [...new Set(all.map((c) => c.label))],
          seeds,
          ...(vary ? { variants: [...new Set(all.map((c) => variantNameOf(c.variant, factors, flagOf)))] } : {}),
        },
        vary,
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
      // A heatmap shows one value per schedule: a varied sweep has one per variant (factors.md instead).
      if (c.factors.length === 0) files.push(...(await writeHeatmap(outDir, c.groups)).files);
      else files.push(...(await writeFactorReport(outDir, c.groups, c.factors)).files);
      if (stop.stopRequested()) return stoppedBeforeOutputs();
      const trained = results.filter((r) => !r.skipped).length;
      const skipped = results.length - trained;
      if (json) {
        process.stdout.write(JSON.stringify({ outDir, shard, cells: cells.length, trained, skipped, files, rows }, null, 2) + '\n');
      } else {
        if (!quiet) process.stdout.write(sweepMarkdown(rows, averageLastOf(c.groups), datasetOfGroups(c.groups)) + '\n');
        process.stdout.write(
          `sweep: ${trained} trained, ${skipped} already done; table ${path.join(outDir, 'sweep.md')}${c.factors.length === 0 ? `, heatmap ${path.join(outDir, 'heatmap.png')}` : `, factors ${path.join(outDir, 'factors.md')}`}\n`,
        );
      }
    } finally {
      stop.dispose();
    }
  });
}
