/**
 * The one command path of a campaign: `compare` and `sweep` differ only in how they list their
 * cells (a list of schedules; a grid of them, with `--vary`'s variants) and in the tables they
 * write at the end. Everything between — the shard, the checks before anything is written,
 * `--submit`, the output folder, training (runGrid), a stop or a failed cell — is here, once.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { usageError, printMessage } from '../errors';
import { RawOptions, resolveTrainConfig } from '../options/resolve';
import { optionValue } from '../options/parse';
import { cellOptions, GridOptions, GridResult, runGrid } from '../train/campaign';
import { Cell, shardCells, Shard } from '../train/grid';
import { timestamp } from '../rundir/layout';
import { checkCampaignOut } from '../rundir/campaign-manifest';
import { CampaignVary } from '../rundir/campaign-file';
import { SIGNAL_EXIT_CODES } from '../signals';
import { installStopHandlers } from './signals';
import { rerunCommand, unfinishedCellsError } from './options';
import { campaignShard, submitIfAsked } from './cluster';
import { campaignDisplay, eventDetail, progressMode } from './progress';

/** What the campaign's command writes once every cell finished; false: a stop came before it was all written. */
export type WriteOutputs = (ctx: {
  outDir: string;
  cells: Cell[];
  results: GridResult[];
  shard: Shard;
  quiet: boolean;
  json: boolean;
  shouldStop: () => boolean;
}) => Promise<boolean>;

export interface CampaignPlan {
  command: 'compare' | 'sweep';
  /** Every cell of the campaign, in its fixed order (a shard takes its share). */
  all: Cell[];
  /** The options every cell shares. */
  base: RawOptions;
  /** The whole grid, recorded in comparison.json: always (a sweep), or only by a shard (`gridWhen: 'sharded'`, a comparison). */
  grid?: GridOptions['grid'];
  gridWhen?: 'always' | 'sharded';
  vary?: CampaignVary;
  /** The line said before training starts (none when absent). */
  intro?: (cells: Cell[], outDir: string, shard: Shard) => string;
  writeOutputs: WriteOutputs;
}

const KIND = { compare: 'comparison', sweep: 'sweep' } as const;

export async function runCampaignCommand(cmd: Command, opts: Record<string, unknown>, plan: CampaignPlan): Promise<void> {
  const { command, all, base } = plan;
  const kind = KIND[command];
  const jobs = optionValue('jobs', opts.jobs);
  const shard = campaignShard(opts);
  // --shard K/N: the cells i with i mod N = K-1 of the campaign's fixed order.
  const cells = shardCells(all, shard);
  if (cells.length === 0) {
    throw usageError(
      `--shard ${shard.k}/${shard.n} has no cells: the ${command === 'sweep' ? 'grid' : 'comparison'} has only ${all.length}`,
    );
  }
  // Every shared option is checked before the output folder is touched, for every variant (a
  // level may not fit the rest, e.g. a kernel too large for the image).
  const checked = resolveTrainConfig(cellOptions(base, cells[0]));
  for (const c of all) if (c.seed === all[0].seed && c.label === all[0].label) resolveTrainConfig(cellOptions(base, c));
  if (opts.out !== undefined) checkCampaignOut(String(opts.out)); // --submit too: never at or inside a run or another campaign
  if (submitIfAsked(cmd, opts, { command, cells: all.length, threads: checked.threads })) return;
  const outDir = String(opts.out ?? path.join('runs', `${command}-${timestamp()}`));
  const quiet = Boolean(opts.quiet);
  const json = Boolean(opts.json);
  const mode = progressMode(quiet || json);
  const display = campaignDisplay(mode);
  const stop = installStopHandlers((m) => display.message(m));
  try {
    let results;
    try {
      results = await runGrid({
        kind,
        cells,
        base,
        outDir,
        onEvent: (e) => display.on(e),
        detail: eventDetail(mode),
        shouldStop: stop.stopRequested,
        say: printMessage,
        // said once nothing can refuse the campaign any more: a refusal stays the one line on stderr
        onReady: () => {
          if (plan.intro && !quiet && !json) printMessage(plan.intro(cells, outDir, shard));
        },
        jobs,
        shard,
        ...(plan.grid && (plan.gridWhen !== 'sharded' || shard.n > 1) ? { grid: plan.grid } : {}),
        ...(plan.vary ? { vary: plan.vary } : {}),
      });
    } finally {
      display.stop();
    }
    const what = command === 'sweep' ? 'cells' : 'runs';
    if (results.stopped) {
      printMessage(`${kind} stopped; finished ${what} are kept. Resume with: ${rerunCommand(outDir, undefined, shard)}`);
      process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? results.signal ?? 'SIGINT'];
      return;
    }
    if (results.failed) throw unfinishedCellsError(results.failed, cells.length, outDir, shard);
    const whole =
      !stop.stopRequested() && (await plan.writeOutputs({ outDir, cells, results, shard, quiet, json, shouldStop: stop.stopRequested }));
    if (!whole) {
      printMessage(
        `every ${command === 'sweep' ? 'cell' : 'run'} finished; stopped before the table and ${command === 'sweep' ? 'heatmap' : 'charts'} were all written; rerun the same command to write them (finished ${what} are skipped)`,
      );
      process.exitCode = SIGNAL_EXIT_CODES[stop.signal() ?? 'SIGINT'];
    }
  } finally {
    stop.dispose();
  }
}
