import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { printMessage, runtimeError, usageError, printJson, printResult } from '../errors';
import { mergeShortfall, mergeSweeps } from '../report/merge';
import { addOptions } from '../options/commander';
import { counted } from '../words';

/**
 * `lenet merge DIR... --out DIR`: one sweep folder, table and heatmap from several shard folders.
 * Writes what there is; exits 1 when cells are missing or unfinished, naming the shards to rerun
 * (so a SLURM or Kubernetes merge job fails, and a rerun of it after the shards finish completes).
 */
export function register(program: Command): void {
  addOptions(program.command('merge'), 'merge')
    .description('combine sweep shard folders (same protocol) into one folder with one ranked table and heatmap')
    .argument('<dirs...>', 'shard (or sweep/comparison) folders to merge')
    .action(async (dirs: string[], opts: { out?: string; quiet?: boolean; json?: boolean }) => {
      if (!opts.out) throw usageError('merge needs --out DIR');
      const result = await mergeSweeps(dirs, opts.out, printMessage);
      const shortfall = mergeShortfall(result);
      if (!opts.json && !opts.quiet) for (const w of result.warnings) printMessage(`${w}`);
      if (opts.json) {
        printJson({ ...result, whole: shortfall === null });
      } else {
        if (!opts.quiet) printResult(fs.readFileSync(result.table, 'utf8').split('\n'));
        const replaced = result.replaced.length > 0 ? `, ${result.replaced.length} replacing an unfinished copy` : '';
        printResult(
          `merge: ${counted(result.runs, 'run')} (${result.copied} copied${replaced}) from ${counted(dirs.length, 'folder')} into ${opts.out}; table ${path.join(opts.out, path.basename(result.table))}`,
        );
      }
      if (shortfall !== null) throw runtimeError(shortfall);
    });
}
