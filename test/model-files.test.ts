import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/index';
import { buildLenet, lenetLayout } from '../src/model/lenet';
import { buildCheckedModel, readModelFiles } from '../src/inference/trained-model';
import { saveModel } from '../src/train/model-files';
import { Schedule } from '../src/model/activations';
import { throwsLenet } from './helpers';
import { tempDir } from './harness/tmp';

const work = tempDir('lenet-model-files-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const variants: Array<{
  arch: { conv1Filters: number; conv2Filters: number; kernelSize: number; poolSize: number; denseUnits: number };
  schedule: Schedule;
  imageSize: number;
}> = [
  {
    arch: { conv1Filters: 6, conv2Filters: 16, kernelSize: 5, poolSize: 2, denseUnits: 120 },
    schedule: ['relu', 'tanh', 'relu'],
    imageSize: 36,
  },
  {
    arch: { conv1Filters: 3, conv2Filters: 5, kernelSize: 3, poolSize: 3, denseUnits: 7 },
    schedule: ['mish', 'selu', 'sigmoid'],
    imageSize: 28,
  },
];

test('lenetLayout describes exactly what buildLenet builds: every layer, its settings, its weights and their shapes', async () => {
  await selectBackend('cpu', null);
  for (const v of variants) {
    const model = buildLenet(v.arch, v.schedule, v.imageSize, 1);
    const layout = lenetLayout(v.arch, v.schedule, v.imageSize);
    const topology = model.toJSON(null, false) as unknown as {
      config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> };
    };
    assert.equal(topology.config.layers.length, layout.length);
    layout.forEach((want, i) => {
      const got = topology.config.layers[i];
      assert.equal(got.class_name, want.className);
      assert.equal(got.config.name, want.name);
      for (const [key, value] of Object.entries(want.config)) assert.deepEqual(got.config[key], value, `${want.name}.${key}`);
    });
    assert.deepEqual(
      model.weights.map((w) => [w.originalName, w.shape]),
      layout.flatMap((l) => l.weights.map((w) => [w.name, w.shape])),
    );
    model.dispose();
  }
});

test('a saved model read back through the checks predicts exactly as the model that was saved', async () => {
  await selectBackend('cpu', null);
  for (const [i, v] of variants.entries()) {
    const model = buildLenet(v.arch, v.schedule, v.imageSize, 7);
    const dir = path.join(work, `m${i}`);
    await saveModel(model, dir);
    const checked = readModelFiles(dir, { ...v, source: 'config.json' });
    const back = buildCheckedModel(checked);
    const x = tf.randomUniform([3, v.imageSize, v.imageSize, 1], 0, 1, 'float32', 5);
    assert.deepEqual(Array.from((back.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()));
    // The same files do not fit another configuration.
    throwsLenet(() => readModelFiles(dir, { ...v, imageSize: v.imageSize + 4, source: 'config.json' }), 1, /batch_input_shape/);
    x.dispose();
    back.dispose();
    model.dispose();
  }
});
