import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrainConfig } from '../options/types';
import { loadTestImages, TestImages } from '../data/test-set';
import { loadModel } from '../model/io';
import { predictProbabilities } from '../model/predict';
import { selectBackend } from '../backend/index';
import { RunCollection } from '../report/runs';
import { addConfusion, argmaxRows, confusionMatrix, emptyConfusion } from '../report/confusion';
import { mergeErrors, mostConfidentErrors, WrongDigit } from '../report/gallery';
import { ErrorAnalysis, ScheduleErrors } from '../report/errors-section';

/** Tiles per schedule in the gallery. */
export const GALLERY_DIGITS = 8;
/** Above this many schedules (a sweep) the report keeps to its ranking and heatmap. */
export const MAX_ANALYSED_SCHEDULES = 12;

/**
 * Runs every saved model under a collection on its run's own test images (the slice its epochs
 * were tested on) and reduces the predictions to what the report draws: per schedule the
 * confusion matrix summed over seeds and the most confident errors. A run without a model (not
 * finished) is left out with a note.
 */
export async function analyseErrors(c: RunCollection, backend = 'auto'): Promise<ErrorAnalysis> {
  const notes: string[] = [];
  if (c.kind === 'sweep' || c.groups.length > MAX_ANALYSED_SCHEDULES) {
    notes.push(
      `no confusion matrices or gallery for ${c.groups.length} schedules (drawn for comparisons of up to ${MAX_ANALYSED_SCHEDULES}); lenet evaluate RUN_DIR draws one run's confusion matrix`,
    );
    return { schedules: [], notes };
  }
  const testSets = new Map<string, TestImages>();
  let backendReady = false;
  const schedules: ScheduleErrors[] = [];
  for (const g of c.groups) {
    let confusion = emptyConfusion();
    const errors: WrongDigit[][] = [];
    const seeds: number[] = [];
    let testImages = 0;
    for (const run of g.runs) {
      const config = run.config?.config as TrainConfig | undefined;
      const modelDir = path.join(run.dir, 'model');
      if (!run.summary.complete || !fs.existsSync(path.join(modelDir, 'model.json'))) {
        notes.push(`${run.relDir} left out of the confusion matrices and gallery: no saved model (the run did not finish)`);
        continue;
      }
      if (!config || typeof config.imageSize !== 'number') {
        notes.push(`${run.relDir} left out of the confusion matrices and gallery: its config.json holds no run configuration`);
        continue;
      }
      const key = JSON.stringify([config.dataDir, config.resize, config.imageSize, config.limit]);
      let test = testSets.get(key);
      if (!test) {
        test = loadTestImages({ dataDir: config.dataDir ?? undefined, resize: config.resize, size: config.imageSize, limit: config.limit });
        testSets.set(key, test);
      }
      if (!backendReady) {
        await selectBackend(backend, null);
        backendReady = true;
      }
      const model = await loadModel(modelDir);
      const probs = predictProbabilities(model, test.images, test.count, test.size);
      model.dispose();
      confusion = addConfusion(confusion, confusionMatrix(test.labels, argmaxRows(probs)));
      const per = test.rows * test.cols;
      const t = test;
      errors.push(
        mostConfidentErrors(test.labels, probs, GALLERY_DIGITS).map((e) => ({
          ...e,
          seed: run.summary.seed,
          pixels: t.raw.slice(e.index * per, (e.index + 1) * per),
          rows: t.rows,
          cols: t.cols,
        })),
      );
      seeds.push(run.summary.seed);
      testImages = test.count;
    }
    if (seeds.length > 0) schedules.push({ label: g.label, seeds, testImages, confusion, worst: mergeErrors(errors, GALLERY_DIGITS) });
  }
  return { schedules, notes };
}
