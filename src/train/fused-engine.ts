/**
 * The fused engine as a TrainingEngine: the addon's whole-step engine (src/backend/fused.ts)
 * started from a layers model's weights — the seeded Glorot initialisers of buildLenet, so the
 * same seed starts both engines from the same bits — and giving them back to it for saving.
 * Buffers for probabilities are reused from step to step; a step allocates nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { Arch, LossName, OptimizerName } from '../options/types';
import { Schedule } from '../model/activations';
import { ImageSet, RawImages } from '../data/image-set';
import { createFusedEngine, FusedEngineNative, TENSOR_KIND } from '../backend/fused';
import { Checkpoint, PlainTensor } from './checkpoint';
import { TrainingEngine } from './engine';

const CLASSES = 10;
const BETA1 = 0.9;
const BETA2 = 0.999;

export interface FusedTrainingConfig {
  arch: Arch;
  schedule: Schedule;
  imageSize: number;
  loss: LossName;
  optimizer: OptimizerName;
  learningRate: number;
  /** Every layer on its naive reference (tests). */
  reference?: boolean;
}

/** A Float32Array of at least n floats, reused while big enough; the first n as a view. */
class Buffer32 {
  private data = new Float32Array(0);
  view(n: number): Float32Array {
    if (this.data.length < n) this.data = new Float32Array(n);
    return n === this.data.length ? this.data : this.data.subarray(0, n);
  }
}

/** Names of the optimizer's slots as tfjs' optimizers write them (`<variable>/m`, `/v`, `/momentum`). */
function slotNames(optimizer: OptimizerName): string[] {
  return optimizer === 'adam' ? ['m', 'v'] : optimizer === 'momentum' ? ['momentum'] : [];
}

export interface FusedTrainingEngine extends TrainingEngine {
  /** The gradients of the last step, in tfjs' order and layouts (tests). */
  gradients(): Float32Array[];
  /** The current weights, in tfjs' order and layouts. */
  weights(): Float32Array[];
}

/** The fused engine, its weights copied from `model` (which it keeps, to hand back with model()). */
export function fusedEngine(model: tf.LayersModel, config: FusedTrainingConfig): FusedTrainingEngine {
  const native: FusedEngineNative = createFusedEngine({
    image: config.imageSize,
    conv1: config.arch.conv1Filters,
    conv2: config.arch.conv2Filters,
    kernel: config.arch.kernelSize,
    pool: config.arch.poolSize,
    dense: config.arch.denseUnits,
    classes: CLASSES,
    activations: config.schedule,
    loss: config.loss,
    optimizer: config.optimizer,
    learningRate: config.learningRate,
    reference: config.reference,
  });
  const sizes = native.tensorSizes();
  const variables = model.getWeights();
  const shapes = variables.map((w) => w.shape);
  const names = model.weights.map((w) => w.originalName);
  if (variables.length !== sizes.length || variables.some((w, i) => w.size !== sizes[i])) {
    throw new Error(
      `the fused engine's tensors (${sizes.join(', ')}) do not match the model's (${variables.map((w) => w.size).join(', ')})`,
    );
  }
  variables.forEach((w, i) => native.writeTensor(TENSOR_KIND.weights, i, w.dataSync() as Float32Array));
  const probs = new Buffer32();
  const slots = slotNames(config.optimizer);
  let range = new Uint32Array(0);
  let resizing: RawImages | null = null;
  /** The set's raw images when the engine can resize them itself, after telling it how. */
  const rawOf = (set: ImageSet): RawImages | null => {
    const raw = set.raw;
    // The addon's resizer gives pixel/255; raw pixels go through the set's own (JavaScript) resizer.
    if (raw == null || set.size !== config.imageSize || raw.scale !== 'unit') return null;
    if (resizing == null || resizing.rows !== raw.rows || resizing.cols !== raw.cols || resizing.mode !== raw.mode) {
      native.configureResize(raw.rows, raw.cols, raw.mode === 'pad' ? 1 : 0);
      resizing = raw;
    }
    return raw;
  };

  const read = (kind: number, i: number) => {
    const out = new Float32Array(sizes[i]);
    native.readTensor(kind, i, out);
    return out;
  };

  return {
    name: 'fused',
    trainBatch(images, labels) {
      const out = probs.view(labels.length * CLASSES);
      native.step(out, images, labels);
      return out;
    },
    predict(images, count) {
      const out = probs.view(count * CLASSES);
      native.forward(out, images);
      return out;
    },
    trainIndices(set, indices, labels) {
      const raw = rawOf(set);
      if (raw == null) return this.trainBatch(set.gather(indices), labels);
      const out = probs.view(indices.length * CLASSES);
      native.stepIndexed(out, raw.pixels, set.labels, indices);
      return out;
    },
    predictRange(set, start, end) {
      const raw = rawOf(set);
      if (raw == null) return this.predict(set.slice(start, end), end - start);
      if (range.length < end - start) range = new Uint32Array(end - start);
      const indices = range.subarray(0, end - start);
      for (let i = 0; i < indices.length; i++) indices[i] = start + i;
      const out = probs.view(indices.length * CLASSES);
      native.forwardIndexed(out, raw.pixels, indices);
      return out;
    },
    async snapshot() {
      const state = native.getState();
      const optimizer: PlainTensor[] = [{ name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(state.iterations) }];
      slots.forEach((slot, s) =>
        shapes.forEach((shape, i) =>
          optimizer.push({ name: `${names[i]}/${slot}`, shape, dtype: 'float32', values: read(TENSOR_KIND.slot0 + s, i) }),
        ),
      );
      const extra: PlainTensor[] =
        config.optimizer === 'adam'
          ? [
              { name: 'accBeta1', shape: [], dtype: 'float32', values: Float32Array.of(state.accBeta1) },
              { name: 'accBeta2', shape: [], dtype: 'float32', values: Float32Array.of(state.accBeta2) },
            ]
          : [];
      return {
        model: shapes.map((shape, i) => ({ name: `w${i}`, shape, dtype: 'float32' as const, values: read(TENSOR_KIND.weights, i) })),
        optimizer,
        extra,
      };
    },
    async restore(contents: Omit<Checkpoint, 'state'>) {
      if (contents.model.length !== sizes.length || contents.model.some((t, i) => t.values.length !== sizes[i])) {
        throw new Error('the checkpoint holds other tensors than this model');
      }
      contents.model.forEach((t, i) => native.writeTensor(TENSOR_KIND.weights, i, Float32Array.from(t.values)));
      const [iter, ...slotTensors] = contents.optimizer;
      const iterations = iter ? Number(iter.values[0]) : 0;
      // tfjs' optimizers hold no slots before their first step; a checkpoint may then have none
      if (slotTensors.length !== 0 && slotTensors.length !== slots.length * sizes.length) {
        throw new Error(
          `the checkpoint holds ${slotTensors.length} optimizer slots, ${config.optimizer} needs ${slots.length * sizes.length}`,
        );
      }
      for (let s = 0; s < slots.length; s++)
        for (let i = 0; i < sizes.length; i++) {
          const t = slotTensors[s * sizes.length + i];
          native.writeTensor(TENSOR_KIND.slot0 + s, i, t ? Float32Array.from(t.values) : new Float32Array(sizes[i]));
        }
      const extra = (name: string) => contents.extra.find((e) => e.name === name)?.values[0];
      // as tfjs' Adam.setWeights derives them when a checkpoint lacks them
      const pow = (beta: number) => Math.fround(beta ** (iterations + 1));
      native.setState({ iterations, accBeta1: extra('accBeta1') ?? pow(BETA1), accBeta2: extra('accBeta2') ?? pow(BETA2) });
    },
    gradients: () => sizes.map((_, i) => read(TENSOR_KIND.gradients, i)),
    weights: () => sizes.map((_, i) => read(TENSOR_KIND.weights, i)),
    model() {
      const weights = sizes.map((_, i) => tf.tensor(read(TENSOR_KIND.weights, i), shapes[i]));
      model.setWeights(weights);
      tf.dispose(weights);
      return model;
    },
    dispose: () => native.dispose(),
  };
}
