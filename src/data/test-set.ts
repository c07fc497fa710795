/**
 * The test images of a run without its training images: reports only look at test predictions,
 * and resizing 60000 training images to float32 would cost ~300 MB and seconds per run folder.
 */
import { runtimeError } from '../errors';
import { parseIdxImages, parseIdxLabels, readDataFileBytes } from './idx';
import { locateMnist, testSliceCount } from './mnist';
import { resizeImages, ResizeMode } from './resize';

export interface TestImages {
  /** The stored pixels, count × rows × cols bytes (white digit on black). */
  raw: Uint8Array;
  rows: number;
  cols: number;
  /** The model's input: count × size × size floats in [0, 1]. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  size: number;
}

/**
 * The test split exactly as loadMnist gives it for the same options (the run's own slice for a
 * `--limit` run, all of it without), plus the raw pixels for pictures.
 */
export function loadTestImages(options: { dataDir?: string; resize: ResizeMode; size: number; limit?: number | null }): TestImages {
  const loc = locateMnist(options.dataDir);
  const images = parseIdxImages(readDataFileBytes(loc.files.testImages), loc.files.testImages);
  const labels = parseIdxLabels(readDataFileBytes(loc.files.testLabels), loc.files.testLabels);
  if (images.count !== labels.length) {
    throw runtimeError(
      `data files ${loc.files.testImages} and ${loc.files.testLabels} disagree: ${images.count} images but ${labels.length} labels`,
    );
  }
  // The slice depends on the size of the training set, which the labels file tells cheaply.
  const trainTotal = parseIdxLabels(readDataFileBytes(loc.files.trainLabels), loc.files.trainLabels).length;
  const count = testSliceCount(options.limit, trainTotal, images.count);
  const raw = images.pixels.slice(0, count * images.rows * images.cols);
  return {
    raw,
    rows: images.rows,
    cols: images.cols,
    images: resizeImages(raw, count, images.rows, images.cols, options.size, options.resize),
    labels: labels.slice(0, count),
    count,
    size: options.size,
  };
}
