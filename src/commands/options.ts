import { LenetError, runtimeError } from '../errors';
import { Cell } from '../train/grid';
import type { Shard } from '../options/types';
import { shellQuote } from '../cluster/quote';

/** The one quoting function (cluster/quote.ts): printed commands can be pasted whatever a path holds. */
export { shellQuote };

/**
 * The command line that reruns this campaign into outDir — the same arguments, with --out made
 * explicit (a default folder has a timestamp) — shell-quoted so it can be pasted. A rerun skips
 * finished cells and resumes the others from their checkpoints.
 */
export function rerunCommand(outDir: string, argv: readonly string[] = process.argv.slice(2), shard?: Shard): string {
  const args: string[] = [];
  let sharded = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') i++;
    else if (argv[i].startsWith('--out=')) continue;
    else if (shard && (argv[i] === '--shard' || argv[i].startsWith('--shard='))) {
      // The shard this process resolved, not how it found it: `--shard slurm` names variables
      // that only an array task has, so the line would fail when pasted anywhere else.
      if (argv[i] === '--shard') i++;
      sharded = true;
    } else args.push(argv[i]);
  }
  if (sharded && shard) args.push('--shard', `${shard.k}/${shard.n}`);
  return ['lenet', ...args, '--out', outDir].map(shellQuote).join(' ');
}

/** The error a campaign ends with when cells did not finish (their worker died, or they failed) while the others did. */
export function unfinishedCellsError(
  failed: readonly { cell: Cell; reason: string }[],
  of: number,
  outDir: string,
  shard?: Shard,
): LenetError {
  const names = failed.map((f) => f.cell.name);
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  const what =
    failed.length >= of
      ? `no cell finished (${shown})`
      : `${failed.length} cell${failed.length > 1 ? 's' : ''} did not finish (${shown}); the other cells are done`;
  return runtimeError(
    `${what}. Rerun to resume ${failed.length > 1 ? 'them' : 'it'} (and write the tables): ${rerunCommand(outDir, undefined, shard)}`,
  );
}
