import * as path from 'node:path';
import { Command } from 'commander';
import { loadMnist } from '../data/mnist';
import { loadModel } from '../model/io';
import { predictProbabilities } from '../model/predict';
import { selectBackend } from '../backend/index';
import { emptyTally, tallyProbabilities } from '../train/loss';
import { argmaxRows, confusionMatrix, perClassAccuracy, writeConfusion } from '../report/confusion';
import { openTrainedRun } from '../rundir/run-folder';
import { addOptions } from '../options/commander';
import { optionValue } from '../options/parse';

export function register(program: Command): void {
  addOptions(program.command('evaluate'), 'evaluate')
    .description("reload a run's saved model: test loss, accuracy, per-class accuracy, and the confusion matrix (confusion.csv/svg/png)")
    .argument('<run-dir>', 'a folder written by lenet train')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const backend = optionValue('backend', opts.backend);
      const { manifest, config, modelDir } = openTrainedRun(dir);
      await selectBackend(backend, null);
      const dataDir = typeof opts.dataDir === 'string' ? opts.dataDir : (config.dataDir ?? undefined);
      // By default the same test images as the run's epochs, so its last test numbers are reproduced.
      const limit = opts.fullTestSet ? undefined : (config.limit ?? undefined);
      const data = loadMnist({ dataDir, resize: config.resize, size: config.imageSize, limit });
      const trained = new Map(manifest.data.files.map((f) => [f.name, f.sha256]));
      const differing = data.files.filter((f) => trained.has(f.name) && trained.get(f.name) !== f.sha256).map((f) => f.name);
      if (differing.length > 0) process.stderr.write(`lenet: warning: data differ from the run's (${differing.join(', ')} changed)\n`);
      const model = await loadModel(modelDir);
      const probs = predictProbabilities(model, data.test.slice(0, data.test.count), data.test.count, config.imageSize);
      model.dispose();
      const tally = emptyTally();
      tallyProbabilities(tally, probs, data.test.labels);
      const matrix = confusionMatrix(data.test.labels, argmaxRows(probs));
      const perClass = perClassAccuracy(matrix);
      const result = {
        run: dir,
        test_images: tally.count,
        test_loss: tally.loss / tally.count,
        test_accuracy: tally.correct / tally.count,
        test_paper_loss: tally.paperLoss / tally.count,
        per_class_accuracy: perClass,
        class_counts: matrix.map((row) => row.reduce((s, v) => s + v, 0)),
        confusion: matrix,
        files: [] as string[],
      };
      const outDir = typeof opts.out === 'string' ? opts.out : dir;
      const title = `Confusion of ${config.scheduleLabel} (seed ${config.seed}) on ${tally.count} test images, accuracy ${result.test_accuracy.toFixed(4)}`;
      result.files = (await writeConfusion(outDir, matrix, title)).files;
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        `${dir}: ${tally.count} test images, loss ${result.test_loss.toFixed(4)}, accuracy ${result.test_accuracy.toFixed(4)}, paper loss ${result.test_paper_loss.toFixed(4)}\n`,
      );
      process.stdout.write(`accuracy per class: ${perClass.map((a, k) => `${k} ${Number.isNaN(a) ? '-' : a.toFixed(4)}`).join('  ')}\n`);
      process.stdout.write(
        `confusion matrix (rows true, columns predicted): ${result.files.map((f) => path.basename(f)).join(', ')} in ${outDir}\n`,
      );
    });
}
