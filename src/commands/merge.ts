import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { usageError } from '../errors';
import { mergeSweeps } from '../report/merge';
import { addOptions } from '../options/commander';

/** `lenet merge DIR... --out DIR`: one sweep folder, table and heatmap from several shard folders. */
export function register(program: Command): void {
  addOptions(program.command('merge'), 'merge')
    .description('combine sweep shard folders (same protocol) into one folder with one ranked table and heatmap')
    .argument('<dirs...>', 'shard (or sweep/comparison) folders to merge')
    .action(async (dirs: string[], opts: { out?: string; quiet?: boolean; json?: boolean }) => {
      if (!opts.out) throw usageError('merge needs --out DIR');
      const result = await mergeSweeps(dirs, opts.out);
      if (!opts.json && !opts.quiet) for (const w of result.warnings) process.stderr.write(`lenet: ${w}\n`);
      if (result.missing.length > 0 && !opts.json) {
        process.stderr.write(
          `lenet: ${result.missing.length} cell(s) missing from the merged grid: ${result.missing.slice(0, 5).join(', ')}${result.missing.length > 5 ? ', ...' : ''}\n`,
        );
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      if (!opts.quiet) process.stdout.write(fs.readFileSync(result.table, 'utf8') + '\n');
      process.stdout.write(
        `merge: ${result.runs} runs (${result.copied} copied) from ${dirs.length} folder(s) into ${opts.out}; table ${path.join(opts.out, path.basename(result.table))}\n`,
      );
    });
}
