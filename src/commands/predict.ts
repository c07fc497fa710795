import { Command } from 'commander';
import { argmaxRow } from '../inference/predictions';
import { LenetError, printMessage, printJson, printResult } from '../errors';
import { pictureFileToMnist, MNIST_SIDE } from '../data/image-input';
import { resizeImages } from '../data/resize';
import { buildCheckedModel, openTrainedModel } from '../inference/trained-model';
import { runProbabilities } from './forward';
import { selectBackend } from '../backend/index';
import { addOptions } from '../options/commander';
import { optionValue } from '../options/parse';

interface Prediction {
  file: string;
  predicted: number;
  confidence: number;
  probabilities: number[];
  /** The picture had a light background and was inverted to MNIST's white-on-black. */
  inverted: boolean;
}

interface Failure {
  file: string;
  error: string;
}

/** `lenet predict RUN_DIR IMAGE...`: classify digit pictures with a run's saved model. */
export function register(program: Command): void {
  addOptions(program.command('predict'), 'predict')
    .description("classify digit pictures (PNG or JPEG, any size) with a run's saved model: the top class and the ten probabilities")
    .argument('<run-dir>', 'a finished run folder (written by lenet train, or one run of a comparison)')
    .argument('<images...>', 'PNG or JPEG files, one digit each')
    .action(async (dir: string, images: string[], opts: { backend?: string; json?: boolean }) => {
      // The run and its model files are checked first: a broken run is one line before any picture is read.
      const backend = optionValue('backend', opts.backend);
      const { manifest, config, files } = openTrainedModel(dir, 2);
      // Every picture is prepared first; one that cannot be read is reported, the others still classified.
      const results: Array<Prediction | Failure> = [];
      const ready: Array<{ index: number; input: Float32Array; inverted: boolean }> = [];
      for (const file of images) {
        try {
          const digit = await pictureFileToMnist(file);
          const input = resizeImages(digit.pixels, 1, MNIST_SIDE, MNIST_SIDE, config.imageSize, config.resize, config.inputScale);
          ready.push({ index: results.length, input, inverted: digit.inverted });
          results.push({ file, predicted: -1, confidence: 0, probabilities: [], inverted: digit.inverted });
        } catch (err) {
          if (!(err instanceof LenetError)) throw err;
          results.push({ file, error: err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message });
        }
      }
      if (ready.length > 0) {
        const { note } = await selectBackend(backend, null);
        if (note && !opts.json) printMessage(note);
        const model = buildCheckedModel(files);
        const pixels = config.imageSize * config.imageSize;
        const batch = new Float32Array(ready.length * pixels);
        ready.forEach((r, i) => batch.set(r.input, i * pixels));
        const probs = runProbabilities(model, manifest, backend, batch, ready.length);
        model.dispose();
        const classes = probs.length / ready.length;
        ready.forEach((r, i) => {
          const p = Array.from(probs.subarray(i * classes, (i + 1) * classes));
          const top = argmaxRow(probs, i, classes);
          Object.assign(results[r.index], { predicted: top, confidence: p[top], probabilities: p });
        });
      }
      for (const r of results) if ('error' in r) printMessage(`${r.file}: ${r.error}`);
      if (opts.json) {
        printJson(results);
      } else {
        for (const r of results) {
          if ('error' in r) continue;
          const all = r.probabilities.map((p, k) => `${k}:${p.toFixed(3)}`).join(' ');
          printResult(`${r.file}: ${r.predicted} (${(100 * r.confidence).toFixed(1)}%)  ${all}${r.inverted ? '  [inverted]' : ''}`);
        }
      }
      if (results.some((r) => 'error' in r)) process.exitCode = 1;
    });
}
