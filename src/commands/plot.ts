import * as path from 'node:path';
import { printMessage, usageError, printJson, printResult } from '../errors';
import { Command } from 'commander';
import { collectRuns } from '../report/runs';
import { writeCharts, writeHeatmap } from '../report/plot';
import { writeFactorCharts } from '../report/factors';
import { addOptions } from '../options/commander';
import { reportUnits } from '../rundir/campaign-manifest';
import { agree, counted } from '../words';

/**
 * `lenet plot DIR`: accuracy, loss and paper-loss charts (SVG + PNG) of the runs under DIR; a
 * folder above several campaigns is drawn campaign by campaign, as `lenet report` reports it.
 */
export function register(program: Command): void {
  addOptions(program.command('plot'), 'plot')
    .description('draw accuracy and loss per epoch (one line per schedule, ± std band over seeds) as SVG and PNG')
    .argument('<dir>', 'a run, comparison or sweep folder (searched recursively for runs)')
    .action(async (dir: string, opts: { out?: string; heatmap?: boolean; quiet?: boolean; json?: boolean }) => {
      const { units, left } = reportUnits(dir);
      const several = units.length > 1;
      // Every folder is read and checked before anything is drawn.
      const collections = units.map((unit) => ({ unit, c: collectRuns(unit) }));
      for (const { unit, c } of collections) {
        if (c.factors.length > 0 && opts.heatmap) {
          throw usageError(
            `--heatmap: ${unit} is a sweep that varies ${c.factors.map((f) => f.flag).join(', ')}; its factor charts are drawn instead`,
          );
        }
      }
      if (several && !opts.quiet) {
        printMessage(`${dir} holds ${units.length} campaigns; each is drawn on its own`);
        if (left.length > 0)
          printMessage(
            `warning: ${counted(left.length, 'run')} outside those campaigns ${agree(left.length, 'is', 'are')} not drawn (${left[0]}${left.length > 1 ? ', ...' : ''})`,
          );
      }
      const drawn: { dir: string; runs: number; schedules: string[]; files: string[] }[] = [];
      for (const { unit, c } of collections) {
        if (!opts.quiet) for (const w of c.warnings) printMessage(w);
        const outDir = opts.out === undefined ? unit : several ? path.join(opts.out, path.relative(dir, unit)) : opts.out;
        const { files } = await writeCharts(outDir, c.groups);
        // A heatmap shows one value per schedule: a varied sweep has one per variant, drawn per option instead.
        if (c.factors.length > 0) files.push(...(await writeFactorCharts(outDir, c.groups, c.factors)).files);
        else if (opts.heatmap || c.kind === 'sweep') files.push(...(await writeHeatmap(outDir, c.groups)).files);
        drawn.push({ dir: unit, runs: c.runs.length, schedules: c.groups.map((g) => g.label), files });
      }
      if (opts.json) {
        const one = drawn[0];
        const body = several ? { campaigns: drawn } : { runs: one.runs, schedules: one.schedules, files: one.files };
        printJson(body);
      } else if (!opts.quiet) printResult(drawn.flatMap((d) => d.files));
    });
}
