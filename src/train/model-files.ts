/**
 * A finished run's model written into its folder in the tfjs layers format (model.json +
 * weights.bin), each file written whole (rundir's atomic writes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../rundir/atomic';

/**
 * Saves a model in the tfjs layers format (model.json + weights.bin) without tfjs-node's
 * file:// handler, which needs the native TensorFlow library.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      writeFileAtomic(path.join(dir, 'weights.bin'), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}
