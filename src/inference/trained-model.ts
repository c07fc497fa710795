/**
 * A trained run opened for inference: its folder and config.json, its model files (model.json,
 * weights.bin) checked against that configuration before tfjs reads them, and the model built from
 * them. Used by evaluate, predict and the report's error analysis.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { runtimeError } from '../errors';
import { Arch } from '../options/types';
import { READ_LIMITS, readRegularFile, shownValue } from '../rundir/atomic';
import { MANIFEST_FILE, RunManifest } from '../rundir/manifest';
import { openTrainedRun } from '../rundir/run-folder';
import { ACTIVATIONS, Schedule } from '../model/activations';
import { buildLenet, LayerLayout, lenetLayout } from '../model/lenet';

/** What a run's config.json says its model is; `source` names that file in messages. */
export interface ModelExpectation {
  arch: Arch;
  schedule: Schedule;
  imageSize: number;
  source: string;
}

/** A run's model files, read and checked against its configuration; nothing of them has reached tfjs. */
export interface CheckedModel {
  dir: string;
  expect: ModelExpectation;
  layout: LayerLayout[];
  /** Each weight by its manifest name (`conv1/kernel`). */
  weights: Map<string, Float32Array>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const show = (v: unknown) => (v === undefined ? 'missing' : shownValue(v));

/**
 * Reads model/model.json and model/weights.bin and checks them against the run's configuration
 * before tfjs sees them: the layers, their sizes and activations, the input size, every weight's
 * name and shape, weights.bin's exact length and finite values. Anything else is one runtime-error
 * line naming the file and what is wrong with it (tfjs' own messages name neither).
 */
export function readModelFiles(dir: string, expect: ModelExpectation): CheckedModel {
  const jsonFile = path.join(dir, 'model.json');
  const binFile = path.join(dir, 'weights.bin');
  const bad = (file: string, what: string) => runtimeError(`${file}: ${what}`);
  for (const [i, a] of expect.schedule.entries()) {
    if (!(ACTIVATIONS as readonly string[]).includes(a)) {
      throw bad(expect.source, `unknown activation ${show(a)} for layer ${i + 1} of the schedule; valid: ${ACTIVATIONS.join(', ')}`);
    }
  }
  const text = readModelFile(jsonFile, READ_LIMITS.json).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(jsonFile, `not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(json)) throw bad(jsonFile, 'does not hold a JSON object');
  const topology = json.modelTopology;
  const layers = isObject(topology) && isObject(topology.config) ? topology.config.layers : undefined;
  if (!isObject(topology) || topology.class_name !== 'Sequential' || !Array.isArray(layers)) {
    throw bad(jsonFile, 'holds no sequential model topology (not a model written by lenet)');
  }
  const layout = lenetLayout(expect.arch, expect.schedule, expect.imageSize);
  if (layers.length !== layout.length) throw bad(jsonFile, `has ${layers.length} layers; a lenet model has ${layout.length}`);
  layout.forEach((want, i) => {
    const got = layers[i];
    const cls = isObject(got) ? got.class_name : undefined;
    const cfg = isObject(got) && isObject(got.config) ? got.config : {};
    if (cls !== want.className || cfg.name !== want.name) {
      throw bad(
        jsonFile,
        `layer ${i + 1} is ${show(cls)} named ${show(cfg.name)}; a lenet model has ${want.className} "${want.name}" there`,
      );
    }
    for (const [key, value] of Object.entries(want.config)) {
      if (JSON.stringify(cfg[key]) !== JSON.stringify(value)) {
        throw bad(jsonFile, `layer "${want.name}" has ${key} ${show(cfg[key])}, but ${expect.source} makes it ${show(value)}`);
      }
    }
  });

  const manifest = json.weightsManifest;
  const group = Array.isArray(manifest) && manifest.length === 1 && isObject(manifest[0]) ? manifest[0] : null;
  if (!group || JSON.stringify(group.paths) !== '["weights.bin"]' || !Array.isArray(group.weights)) {
    throw bad(jsonFile, 'its weightsManifest must be one group of weights stored in weights.bin');
  }
  const expected = new Map(layout.flatMap((l) => l.weights.map((w) => [w.name, w.shape] as const)));
  const entries: Array<{ name: string; size: number }> = [];
  for (const w of group.weights as unknown[]) {
    const name = isObject(w) ? w.name : undefined;
    if (!isObject(w) || typeof name !== 'string') throw bad(jsonFile, 'a weight in its manifest has no name');
    const shape = expected.get(name);
    if (!shape) throw bad(jsonFile, `lists a weight ${show(name)} that a lenet model does not have`);
    if (entries.some((e) => e.name === name)) throw bad(jsonFile, `lists the weight "${name}" twice`);
    if (w.dtype !== 'float32' || w.quantization !== undefined)
      throw bad(jsonFile, `the weight "${name}" is ${show(w.dtype)}${w.quantization ? ', quantised' : ''}; lenet saves float32`);
    if (JSON.stringify(w.shape) !== JSON.stringify(shape)) {
      throw bad(jsonFile, `the weight "${name}" has shape ${show(w.shape)}, but ${expect.source} makes it ${show(shape)}`);
    }
    entries.push({ name, size: shape.reduce((a, b) => a * b, 1) });
  }
  for (const name of expected.keys()) if (!entries.some((e) => e.name === name)) throw bad(jsonFile, `has no weight "${name}"`);

  const need = entries.reduce((s, e) => s + 4 * e.size, 0);
  const extra = (size: number) => `holds ${size} bytes, but model.json's ${entries.length} weights take ${need} (extra bytes)`;
  // Never more than the weights model.json lists: a bigger file (or a device) is refused before it is read.
  const bytes = readModelFile(binFile, need, extra);
  if (bytes.length !== need) {
    throw bad(
      binFile,
      `holds ${bytes.length} bytes, but model.json's ${entries.length} weights take ${need} (${bytes.length > need ? 'extra' : 'missing'} bytes)`,
    );
  }
  const weights = new Map<string, Float32Array>();
  let offset = 0;
  for (const e of entries) {
    const values = new Float32Array(e.size);
    Buffer.from(values.buffer).set(bytes.subarray(offset, offset + 4 * e.size));
    offset += 4 * e.size;
    if (!values.every(Number.isFinite)) throw bad(binFile, `the weight "${e.name}" holds NaN or infinite values (the run diverged)`);
    weights.set(e.name, values);
  }
  return { dir, expect, layout, weights };
}

/** A model file through rundir's bounded reader (regular files only, at most `limit` bytes); a system error as "FILE: cannot read it (CODE)". */
function readModelFile(file: string, limit: number, tooLarge?: (size: number) => string): Buffer {
  try {
    return readRegularFile(file, limit, { tooLarge });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw code ? runtimeError(`${file}: cannot read it (${code})`) : err;
  }
}

/** The model of checked files: built from the configuration (as training built it), then given the saved weights. */
export function buildCheckedModel(checked: CheckedModel): tf.LayersModel {
  const { arch, schedule, imageSize } = checked.expect;
  const model = buildLenet(arch, schedule, imageSize, 0);
  const values = model.weights.map((v) => {
    const w = checked.weights.get(v.originalName);
    if (!w) throw runtimeError(`${checked.dir}: the model has a weight ${v.originalName} that model.json does not list`);
    return tf.tensor(w, v.shape as number[]);
  });
  model.setWeights(values);
  for (const t of values) t.dispose();
  return model;
}

/** Reads, checks and builds a saved model (readModelFiles, then buildCheckedModel). */
export async function loadModel(dir: string, expect: ModelExpectation): Promise<tf.LayersModel> {
  return buildCheckedModel(readModelFiles(dir, expect));
}

/** A trained run opened for inference: its folder and configuration, and its model files checked against them. */
export interface TrainedModel {
  manifest: RunManifest;
  config: RunManifest['config'];
  modelDir: string;
  files: CheckedModel;
}

/**
 * The one way a trained run is opened for inference (predict, evaluate, the report's error
 * analysis): the run folder and its config.json (openTrainedRun), then its model files checked
 * against that configuration. Nothing reaches tfjs until every check passed.
 */
export function openTrainedModel(dir: string, noModelExitCode: 1 | 2 = 1): TrainedModel {
  const run = openTrainedRun(dir, noModelExitCode);
  const c = run.config;
  const files = readModelFiles(run.modelDir, {
    arch: c.arch,
    schedule: c.schedule,
    imageSize: c.imageSize,
    source: path.join(dir, MANIFEST_FILE),
  });
  return { ...run, files };
}
