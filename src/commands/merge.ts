import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { printMessage, runtimeError, usageError } from '../errors';
import { mergeShortfall, mergeSweeps } from '../report/merge';
import { addOptions } from '../options/commander';

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
      const result = await mergeSweeps(dirs, opts.out);
      const shortfall = mergeShortfall(result);
      if (!opts.json && !opts.quiet) for (const w of result.warnings) printMessage(`${w}`);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ...result, whole: shortfall === null }, null, 2) + '\n');
      } else {
        if (!opts.quiet) process.stdout.write(fs.readFileSync(result.table, 'utf8') + '\n');
        const replaced = result.replaced.length > 0 ? `, ${result.replaced.length} replacing an unfinished copy` : '';
        process.stdout.write(
          `merge: ${result.runs} runs (${result.copied} copied${replaced}) from ${dirs.length} folder(s) into ${opts.out}; table ${path.join(opts.out, path.basename(result.table))}\n`,
        );
      }
      if (shortfall !== null) throw runtimeError(shortfall);
    });
}
