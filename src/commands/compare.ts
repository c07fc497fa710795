import { Command } from 'commander';
import { printJson } from '../errors';
import { scheduleLabel } from '../model/activations';
import { campaignBase, RawOptions, trainingOptions } from '../options/resolve';
import { readConfigFile } from '../options/config-file';
import { optionValue } from '../options/parse';
import { addOptions } from '../options/commander';
import { gridCells } from '../train/grid';
import { runCampaignCommand } from './campaign';
import { writeComparisonFor } from './compare-output';

/** `lenet compare`: the schedules listed × seeds, one protocol; comparison.md/csv beside Table 2 and the charts. */
export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description('train several activation schedules × seeds with one protocol and tabulate them beside Table 2');
  addOptions(cmd, 'compare').action(async (opts: Record<string, unknown>) => {
    const file: RawOptions = typeof opts.config === 'string' ? readConfigFile(opts.config, 'compare') : {};
    const schedules = optionValue('activations', opts.activations ?? file.activations);
    const seeds = optionValue('seeds', opts.seeds ?? file.seeds);
    await runCampaignCommand(cmd, opts, {
      command: 'compare',
      // schedules as listed × seeds
      all: gridCells(schedules, seeds),
      base: campaignBase(file, trainingOptions(opts, 'compare')),
      // a shard records the whole comparison it belongs to
      grid: { schedules: schedules.map(scheduleLabel), seeds },
      gridWhen: 'sharded',
      async writeOutputs({ outDir, quiet, json, shouldStop }) {
        const table = await writeComparisonFor(outDir, { json, quiet, shouldStop });
        if (table === null) return false;
        if (json) printJson(table);
        return true;
      },
    });
  });
}
