import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { runtimeError, usageError } from '../errors';
import { loadMnist } from '../data/mnist';
import { loadModel } from '../model/io';
import { selectBackend } from '../backend/index';
import { shellQuote } from './options';
import { evaluateSet } from '../train/trainer';
import { MANIFEST_FILE, readManifest } from '../rundir/manifest';
import { readSummary, SUMMARY_FILE } from '../rundir/summary';

export function register(program: Command): void {
  program.command('evaluate')
    .description('reload a run\'s saved model and report its test loss and accuracy')
    .argument('<run-dir>', 'a folder written by lenet train')
    .option('--data-dir <dir>', 'MNIST files to evaluate on (default: those the run used)')
    .option('--full-test-set', 'all 10000 test images, even for a run trained with --limit (default: the run\'s own test slice)')
    .option('--backend <name>', 'auto, native, cpu, tensorflow')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw usageError(`${dir}: no such run directory`);
      if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) throw usageError(`${dir} is not a lenet run (no config.json)`);
      const manifest = readManifest(dir);
      const config = manifest.config;
      if (!fs.existsSync(path.join(dir, 'model', 'model.json'))) throw runtimeError(`${dir} has no saved model (the run did not finish)`);
      // model/ is written when a run completes; beside an unfinished summary it is a leftover of an older run.
      const summaryFile = path.join(dir, SUMMARY_FILE);
      if (fs.existsSync(summaryFile) && !readSummary(summaryFile).complete) {
        throw runtimeError(`${dir} did not finish (summary.json says complete: false); its model/ is not this run's; resume it with lenet train --resume ${shellQuote(dir)}`);
      }
      await selectBackend(String(opts.backend ?? 'auto'), null);
      const dataDir = typeof opts.dataDir === 'string' ? opts.dataDir : config.dataDir ?? undefined;
      // By default the same test images as the run's epochs, so its last test numbers are reproduced.
      const limit = opts.fullTestSet ? undefined : config.limit ?? undefined;
      const data = loadMnist({ dataDir, resize: config.resize, size: config.imageSize, limit });
      const trained = new Map(manifest.data.files.map((f) => [f.name, f.sha256]));
      const differing = data.files.filter((f) => trained.has(f.name) && trained.get(f.name) !== f.sha256).map((f) => f.name);
      if (differing.length > 0) process.stderr.write(`lenet: warning: data differ from the run's (${differing.join(', ')} changed)\n`);
      const model = await loadModel(path.join(dir, 'model'));
      const tally = evaluateSet(model, data.test, config.imageSize);
      model.dispose();
      const result = {
        run: dir, test_images: tally.count, test_loss: tally.loss / tally.count,
        test_accuracy: tally.correct / tally.count, test_paper_loss: tally.paperLoss / tally.count,
      };
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else process.stdout.write(`${dir}: ${tally.count} test images, loss ${result.test_loss.toFixed(4)}, accuracy ${result.test_accuracy.toFixed(4)}, paper loss ${result.test_paper_loss.toFixed(4)}\n`);
    });
}
