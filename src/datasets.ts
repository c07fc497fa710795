/**
 * The data sets lenet knows, by the SHA-256 of their four files' decompressed contents. Shared by
 * data/ (which hashes the files it loads) and rundir/ (which names the data set a run folder
 * recorded, whatever version of lenet wrote it and whether or not it wrote the name down).
 */

/** The four files of an MNIST-style data set (raw or .gz on disk). */
export const DATA_FILE_NAMES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

/** Known data sets by the SHA-256 of their four files (original MNIST; Zalando's Fashion-MNIST). */
export const KNOWN_DATASETS: Record<string, Record<string, string>> = {
  MNIST: {
    'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
  'Fashion-MNIST': {
    'train-images-idx3-ubyte': 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    'train-labels-idx1-ubyte': 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    't10k-images-idx3-ubyte': '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    't10k-labels-idx1-ubyte': '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
};

/**
 * The gzipped files as distributed: lenet before format 2 recorded the SHA-256 of a gzipped file's
 * stored bytes, so a run of that time on these files recorded these.
 *  - MNIST: the four .gz files of LeCun's distribution (mirrored at
 *    storage.googleapis.com/cvdf-datasets/mnist/), as tensorflow_datasets lists them in
 *    tensorflow_datasets/url_checksums/mnist.txt (sizes 9912422, 28881, 1648877, 4542 bytes).
 *  - Fashion-MNIST: Zalando's, as distributed (and as Debian's dataset-fashion-mnist ships them).
 */
export const KNOWN_GZIP_FILES: Record<string, Record<string, string>> = {
  MNIST: {
    'train-images-idx3-ubyte': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    'train-labels-idx1-ubyte': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    't10k-images-idx3-ubyte': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    't10k-labels-idx1-ubyte': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
  'Fashion-MNIST': {
    'train-images-idx3-ubyte': 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7',
    'train-labels-idx1-ubyte': '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056',
    't10k-images-idx3-ubyte': 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
    't10k-labels-idx1-ubyte': '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
  },
};

/** A data file's fingerprint: the SHA-256 of its contents and, for a gzipped file, of its stored bytes. */
export interface DataFileDigest {
  sha256: string;
  storedSha256?: string;
}

/** The contents' SHA-256 of each known gzipped file, by the SHA-256 of its stored bytes. */
const CONTENTS_OF_GZIP = new Map(
  Object.entries(KNOWN_GZIP_FILES).flatMap(([set, files]) =>
    Object.entries(files).map(([name, stored]) => [stored, KNOWN_DATASETS[set][name]] as const),
  ),
);

/** Every hash a fingerprint stands for: its own two, and the contents' hash of a known gzipped file. */
function hashesOf(d: DataFileDigest): string[] {
  const own = [d.sha256, d.storedSha256].filter((h): h is string => typeof h === 'string');
  return [...own, ...own.flatMap((h) => (CONTENTS_OF_GZIP.has(h) ? [CONTENTS_OF_GZIP.get(h)!] : []))];
}

/**
 * Whether two fingerprints are of the same file contents: one of the hashes of each agrees (a run
 * recorded before format 2 holds a gzipped file's stored-bytes hash in sha256; for a known
 * distributed .gz file that stands for its contents' hash too).
 */
export function sameDataFile(a: DataFileDigest, b: DataFileDigest): boolean {
  const theirs = new Set(hashesOf(b));
  return hashesOf(a).some((h) => theirs.has(h));
}

/**
 * The known data set these files are, exactly — each of its four files once, with its hash, and
 * nothing else — or null.
 */
export function knownDataset(files: readonly ({ name: string } & DataFileDigest)[]): string | null {
  for (const [name, known] of Object.entries(KNOWN_DATASETS)) {
    const names = Object.keys(known);
    if (
      files.length === names.length &&
      new Set(files.map((f) => f.name)).size === names.length &&
      files.every(
        (f) => Object.hasOwn(known, f.name) && sameDataFile({ sha256: known[f.name], storedSha256: KNOWN_GZIP_FILES[name]?.[f.name] }, f),
      )
    ) {
      return name;
    }
  }
  return null;
}

/** 'MNIST', 'Fashion-MNIST', or 'custom' when the four files are not exactly a known set. */
export function recogniseDataset(files: readonly ({ name: string } & DataFileDigest)[]): string {
  return knownDataset(files) ?? 'custom';
}
