import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { usageError, printMessage, printJson, printResult } from '../errors';
import { campaignBase, RawOptions, trainingOptions } from '../options/resolve';
import { readConfigFile } from '../options/config-file';
import { optionValue, readJsonFile } from '../options/parse';
import { addOptions } from '../options/commander';
import { OPTION_ENTRIES, OptionId } from '../options/table';
import { alignToFolder, campaignVary, gridCells, gridSchedules, variantNameOf, variantsOf } from '../train/grid';
import { CAMPAIGN_FILE, CampaignVary, readCampaignFile } from '../rundir/campaign-file';
import { runCampaignCommand } from './campaign';
import { averageLastOf, collectRuns, datasetOfGroups } from '../report/runs';
import { writeHeatmap } from '../report/plot';
import { writeFactorReport } from '../report/factors';
import { sweepMarkdown, writeSweepTable } from '../report/sweep-table';
import { counted } from '../words';

/** The layer sizes --arch names: a file's object, or a config file's own. */
function archObject(raw: unknown): Record<string, unknown> {
  const v = typeof raw === 'string' ? readJsonFile(raw, 'arch file') : raw;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The vary a --out folder's comparison.json records, if it holds one (unreadable: runGrid says why). */
function heldVary(out: unknown): CampaignVary | undefined {
  if (typeof out !== 'string' || !fs.existsSync(path.join(out, CAMPAIGN_FILE))) return undefined;
  try {
    return readCampaignFile(out)?.vary;
  } catch {
    return undefined;
  }
}

/**
 * `lenet sweep`: every schedule of {grid}³ (or the --activations listed) × the variants of --vary ×
 * seeds, optionally one shard of them, then a ranked table (sweep.csv, sweep.md) and a heatmap —
 * or, with --vary, the factor report — of the cells present in the output folder.
 */
export function register(program: Command): void {
  const cmd = program
    .command('sweep')
    .description(
      'train every per-layer schedule of a set of activations (all N³) × seeds, and with --vary any protocol option; rank them and draw a heatmap or a factor report',
    );
  addOptions(cmd, 'sweep').action(async (opts: Record<string, unknown>) => {
    const file: RawOptions = typeof opts.config === 'string' ? readConfigFile(opts.config, 'sweep') : {};
    const base = campaignBase(file, trainingOptions(opts, 'sweep'));
    if (opts.grid !== undefined && opts.activations !== undefined) throw usageError('give either --grid or --activations, not both');
    const listed = opts.activations ?? (opts.grid === undefined ? file.activations : undefined);
    const acts = optionValue('grid', opts.grid ?? (listed === undefined ? file.grid : undefined));
    const schedules = listed !== undefined ? optionValue('activations', listed) : gridSchedules(acts);
    const seeds = optionValue('seeds', opts.seeds ?? file.seeds);
    // The file's factors and the flags' (a flag's factor replaces the file's of the same option), as other options.
    const fromFlags = opts.vary === undefined ? [] : optionValue('vary', opts.vary);
    const fromFile = file.vary === undefined ? [] : optionValue('vary', file.vary);
    const factors = [...fromFile.filter((f) => !fromFlags.some((g) => g.lands === f.lands)), ...fromFlags];
    const design = optionValue('design', opts.design ?? file.design);
    if (design === 'ofat' && factors.length === 0) throw usageError('--design ofat needs --vary');
    // A varied option is the grid's: the same option given as a flag or in the file would be silently lost.
    for (const f of factors) {
      const flag = OPTION_ENTRIES[f.key].flag;
      if (base[f.key] !== undefined) throw usageError(`${flag} is varied by --vary; remove ${flag} (or its config file key)`);
      // A layer size set by --arch (a file, or a config file's object) would be overridden by every level.
      const [, size] = f.lands.split('.');
      if (size !== undefined && base.arch !== undefined && Object.hasOwn(archObject(base.arch), size)) {
        throw usageError(`${flag} is varied by --vary; remove "${size}" from --arch (or the config file's "arch")`);
      }
    }
    const flagOf = (key: OptionId) => OPTION_ENTRIES[key].flag!.slice(2);
    // A rerun into a varied sweep names its cells by the folder's bases (runGrid refuses other options).
    const { factors: aligned, bases } = alignToFolder(factors, heldVary(opts.out));
    const variants = variantsOf(aligned, design);
    const all = gridCells(schedules, seeds, variants, flagOf, bases);
    const vary = factors.length > 0 ? campaignVary(aligned, design, flagOf) : undefined;
    const what = `${listed !== undefined ? counted(schedules.length, 'schedule') : `${acts.length}^3 = ${acts.length ** 3} schedules`}${factors.length > 0 ? ` × ${counted(variants.length, 'variant')} of ${factors.map((f) => flagOf(f.key)).join(', ')}` : ''} × ${counted(seeds.length, 'seed')}`;
    await runCampaignCommand(cmd, opts, {
      command: 'sweep',
      all,
      base,
      grid: {
        schedules: [...new Set(all.map((c) => c.label))],
        seeds,
        ...(vary ? { variants: variants.map((v) => variantNameOf(v, bases, flagOf)) } : {}),
      },
      vary,
      intro: (cells, outDir, shard) =>
        `sweep of ${what}${shard.n > 1 ? `, shard ${shard.k}/${shard.n}: ${cells.length} of ${all.length} cells` : `: ${cells.length} cells`} into ${outDir}`,
      async writeOutputs({ outDir, cells, results, shard, quiet, json, shouldStop }) {
        const c = collectRuns(outDir);
        if (!quiet && !json) for (const w of c.warnings) printMessage(w);
        const { rows, files } = writeSweepTable(outDir, c.groups);
        if (shouldStop()) return false;
        // A heatmap shows one value per schedule: a varied sweep has one per variant (factors.md instead).
        if (c.factors.length === 0) files.push(...(await writeHeatmap(outDir, c.groups)).files);
        else files.push(...(await writeFactorReport(outDir, c.groups, c.factors)).files);
        if (shouldStop()) return false;
        const trained = results.filter((r) => !r.skipped).length;
        const skipped = results.length - trained;
        if (json) {
          printJson({ outDir, shard, cells: cells.length, trained, skipped, files, rows });
        } else {
          if (!quiet) printResult(sweepMarkdown(rows, averageLastOf(c.groups), datasetOfGroups(c.groups)).split('\n'));
          const extra =
            c.factors.length === 0 ? `, heatmap ${path.join(outDir, 'heatmap.png')}` : `, factors ${path.join(outDir, 'factors.md')}`;
          printResult(`sweep: ${trained} trained, ${skipped} already done; table ${path.join(outDir, 'sweep.md')}${extra}`);
        }
        return true;
      },
    });
  });
}
