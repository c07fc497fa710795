import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrainConfig } from '../config';
import { LenetError, runtimeError, usageError } from '../errors';

/** config.json as the commands that reload a model need it. */
export interface RunManifest {
  config: TrainConfig;
  data?: { files?: { name: string; sha256: string; bytes: number }[] };
}

/**
 * A finished run folder whose saved model can be reloaded: its config.json, and model/ when the
 * run completed. Not a folder or not a run is a usage error; a run without its model fails with
 * `noModelExitCode` (evaluate: 1, a runtime state; predict: 2, the wrong folder was named).
 */
export function openTrainedRun(dir: string, noModelExitCode: 1 | 2 = 1): { manifest: RunManifest; config: TrainConfig; modelDir: string } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw usageError(`${dir}: no such run directory`);
  const manifestFile = path.join(dir, 'config.json');
  if (!fs.existsSync(manifestFile)) throw usageError(`${dir} is not a lenet run (no config.json)`);
  let manifest: RunManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    throw runtimeError(`${manifestFile} is not valid JSON: ${(err as Error).message}`);
  }
  const config = manifest?.config;
  if (!config || typeof config.imageSize !== 'number') throw runtimeError(`${manifestFile} holds no run configuration`);
  const modelDir = path.join(dir, 'model');
  if (!fs.existsSync(path.join(modelDir, 'model.json'))) throw new LenetError(`${dir} has no saved model (the run did not finish)`, noModelExitCode);
  // model/ is written when a run completes; beside an unfinished summary it is a leftover of an older run.
  const summaryFile = path.join(dir, 'summary.json');
  if (fs.existsSync(summaryFile)) {
    let complete: unknown;
    try {
      complete = JSON.parse(fs.readFileSync(summaryFile, 'utf8')).complete;
    } catch (err) {
      throw runtimeError(`${summaryFile} is not valid JSON: ${(err as Error).message}`);
    }
    if (complete === false) {
      throw new LenetError(`${dir} did not finish (summary.json says complete: false); its model/ is not this run's; resume it with lenet train --resume ${dir}`, noModelExitCode);
    }
  }
  return { manifest, config, modelDir };
}
