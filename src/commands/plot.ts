import { printMessage, usageError } from '../errors';
import { Command } from 'commander';
import { collectRuns } from '../report/runs';
import { writeCharts, writeHeatmap } from '../report/plot';
import { writeFactorCharts } from '../report/factors';
import { addOptions } from '../options/commander';

/** `lenet plot DIR`: accuracy, loss and paper-loss charts (SVG + PNG) of the runs under DIR. */
export function register(program: Command): void {
  addOptions(program.command('plot'), 'plot')
    .description('draw accuracy and loss per epoch (one line per schedule, ± std band over seeds) as SVG and PNG')
    .argument('<dir>', 'a run, comparison or sweep folder (searched recursively for runs)')
    .action(async (dir: string, opts: { out?: string; heatmap?: boolean; quiet?: boolean; json?: boolean }) => {
      const c = collectRuns(dir);
      if (!opts.quiet) for (const w of c.warnings) printMessage(w);
      if (c.factors.length > 0 && opts.heatmap) {
        throw usageError(
          `--heatmap: ${dir} is a sweep that varies ${c.factors.map((f) => f.flag).join(', ')}; its factor charts are drawn instead`,
        );
      }
      const outDir = opts.out ?? dir;
      const { files } = await writeCharts(outDir, c.groups);
      // A heatmap shows one value per schedule: a varied sweep has one per variant, drawn per option instead.
      if (c.factors.length > 0) files.push(...(await writeFactorCharts(outDir, c.groups, c.factors)).files);
      else if (opts.heatmap || c.kind === 'sweep') files.push(...(await writeHeatmap(outDir, c.groups)).files);
      if (opts.json)
        process.stdout.write(JSON.stringify({ runs: c.runs.length, schedules: c.groups.map((g) => g.label), files }, null, 2) + '\n');
      else if (!opts.quiet) process.stdout.write(files.join('\n') + '\n');
    });
}
