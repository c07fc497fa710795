import * as tf from '@tensorflow/tfjs';

/**
 * The model's class probabilities for `count` images (NHWC floats, one channel, size × size),
 * in evaluation mode: `count` rows of 10, row-major. Batches of 1000, as the trainer's test pass,
 * so the numbers are the ones its epochs.csv recorded.
 */
export function predictProbabilities(
  model: tf.LayersModel,
  images: Float32Array,
  count: number,
  size: number,
  batchSize = 1000,
): Float32Array {
  const pixels = size * size;
  if (images.length !== count * pixels)
    throw new Error(`predictProbabilities: ${images.length} floats for ${count} images of ${size}x${size}`);
  const classes = (model.outputs[0].shape[1] as number | null) ?? 10;
  const out = new Float32Array(count * classes);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(images.slice(start * pixels, end * pixels), [end - start, size, size, 1]);
      return (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(probs, start * classes);
  }
  return out;
}
