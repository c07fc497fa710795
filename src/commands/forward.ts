/**
 * A trained run's class probabilities, on the forward it trained with: the fused engine's when its
 * config.json says it trained on it, the addon is built here and --backend leaves the choice open
 * (auto or native); else the tfjs model's. evaluate, predict and the report's error analysis all
 * go through here, so a fused run's `evaluate` gives the bits of its last test pass.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedEngineAvailable } from '../backend/fused';
import { runtimeError } from '../errors';
import { predictProbabilities } from '../model/predict';
import type { RunManifest } from '../rundir/manifest';
import { fusedEngine, FusedTrainingEngine } from '../train/fused-engine';
import { EVAL_BATCH_SIZE } from '../train/trainer';

const CLASSES = 10;

/** Which forward runProbabilities takes for this run and --backend. */
export function forwardOf(manifest: RunManifest, backend: string): 'fused' | 'tfjs' {
  const open = backend === 'auto' || backend === 'native';
  return manifest.engine?.name === 'fused' && open && fusedEngineAvailable() ? 'fused' : 'tfjs';
}

/** `count` rows of class probabilities for `count` images of the run's size (NHWC floats, one channel). */
export function runProbabilities(
  model: tf.LayersModel,
  manifest: RunManifest,
  backend: string,
  images: Float32Array,
  count: number,
): Float32Array {
  const c = manifest.config;
  if (forwardOf(manifest, backend) === 'tfjs') return predictProbabilities(model, images, count, c.imageSize);
  const pixels = c.imageSize * c.imageSize;
  if (images.length !== count * pixels)
    throw new Error(`runProbabilities: ${images.length} floats for ${count} images of ${c.imageSize}x${c.imageSize}`);
  let engine: FusedTrainingEngine | null = null;
  try {
    // Only its forward runs: plain SGD holds no optimizer slots (Adam's would be twice the weights).
    engine = fusedEngine(model, {
      arch: c.arch,
      schedule: c.schedule,
      imageSize: c.imageSize,
      loss: c.loss,
      optimizer: 'sgd',
      learningRate: c.learningRate,
    });
    const out = new Float32Array(count * CLASSES);
    // the trainer's test-pass batches (an image's probabilities do not depend on its batch)
    for (let start = 0; start < count; start += EVAL_BATCH_SIZE) {
      const end = Math.min(count, start + EVAL_BATCH_SIZE);
      out.set(engine.predict(images.subarray(start * pixels, end * pixels), end - start), start * CLASSES);
    }
    return out;
  } catch (err) {
    if (err instanceof Error && /out of memory/.test(err.message)) {
      throw runtimeError("out of memory for the fused engine's forward of this run; --backend cpu runs its tfjs model, which needs less");
    }
    throw err;
  } finally {
    engine?.dispose();
  }
}
