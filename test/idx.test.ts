import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdxImages, parseIdxLabels, readIdxImages, readIdxLabels } from '../src/data/idx';
import { escapeRegExp as esc, throwsLenet } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-idx-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function imagesBuf(count: number, rows: number, cols: number, pixels?: Uint8Array): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(IDX_IMAGES_MAGIC, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(rows, 8);
  header.writeUInt32BE(cols, 12);
  return pixels === undefined ? header : Buffer.concat([header, pixels]);
}

function labelsBuf(labels: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(IDX_LABELS_MAGIC, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(Array.from(labels))]);
}

function samplePixels(n: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 37 + 11) & 0xff;
  return p;
}

function write(name: string, data: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
}

const throwsData = (fn: () => unknown, ...patterns: RegExp[]) => throwsLenet(fn, 1, ...patterns);

test('raw images round-trip', () => {
  const px = samplePixels(3 * 4 * 5);
  const f = write('img-raw', imagesBuf(3, 4, 5, px));
  const img = readIdxImages(f);
  assert.deepEqual([img.count, img.rows, img.cols], [3, 4, 5]);
  assert.deepEqual(Array.from(img.pixels), Array.from(px));
});

test('gzip images round-trip, detected by magic even without a .gz name', () => {
  const px = samplePixels(2 * 3 * 3);
  for (const name of ['img-gz.gz', 'img-gz-no-suffix']) {
    const f = write(name, zlib.gzipSync(imagesBuf(2, 3, 3, px)));
    const img = readIdxImages(f);
    assert.deepEqual([img.count, img.rows, img.cols], [2, 3, 3]);
    assert.deepEqual(Array.from(img.pixels), Array.from(px));
  }
});

test('raw and gzip labels round-trip', () => {
  const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 0];
  assert.deepEqual(Array.from(readIdxLabels(write('lab-raw', labelsBuf(labels)))), labels);
  assert.deepEqual(Array.from(readIdxLabels(write('lab.gz', zlib.gzipSync(labelsBuf(labels))))), labels);
});

test('parse functions are pure and accept gzip buffers', () => {
  const img = parseIdxImages(zlib.gzipSync(imagesBuf(1, 2, 2, Uint8Array.of(1, 2, 3, 4))), 'mem');
  assert.deepEqual(Array.from(img.pixels), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(parseIdxLabels(labelsBuf([7]), 'mem')), [7]);
});

test('images truncated at every offset give a clean error naming the file', () => {
  const full = imagesBuf(2, 3, 3, samplePixels(18));
  const f = path.join(tmp, 'train-images-truncated');
  for (let len = 0; len < full.length; len++) {
    fs.writeFileSync(f, full.subarray(0, len));
    const err = throwsData(() => readIdxImages(f), new RegExp(esc(f)));
    if (len === 0) assert.match(err.message, /empty/);
    else if (len < 16) assert.match(err.message, /too short for an IDX image header \(16 bytes\)/);
    else assert.match(err.message, new RegExp(`header claims 2 images of 3x3 \\(34 bytes\\) but the file holds ${len} bytes`));
  }
});

test('labels truncated at every offset give a clean error naming the file', () => {
  const full = labelsBuf([1, 2, 3, 4]);
  const f = path.join(tmp, 'train-labels-truncated');
  for (let len = 0; len < full.length; len++) {
    fs.writeFileSync(f, full.subarray(0, len));
    const err = throwsData(() => readIdxLabels(f), new RegExp(esc(f)));
    if (len >= 8) assert.match(err.message, new RegExp(`header claims 4 labels \\(12 bytes\\) but the file holds ${len} bytes`));
  }
});

test('gzip streams truncated at every offset give a clean error', () => {
  const gz = zlib.gzipSync(imagesBuf(2, 3, 3, samplePixels(18)));
  const f = path.join(tmp, 'truncated.gz');
  for (let len = 0; len < gz.length; len++) {
    fs.writeFileSync(f, gz.subarray(0, len));
    throwsData(() => readIdxImages(f), new RegExp(esc(f)));
  }
});

test('random bytes are rejected', () => {
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  };
  for (let trial = 0; trial < 200; trial++) {
    const buf = Buffer.alloc(1 + (trial % 64));
    for (let i = 0; i < buf.length; i++) buf[i] = rand();
    throwsData(() => parseIdxImages(buf, 'noise.bin'), /^data file noise\.bin: /);
    throwsData(() => parseIdxLabels(buf, 'noise.bin'), /^data file noise\.bin: /);
  }
});

test('a flipped or wrong magic number is rejected with both values', () => {
  const labels = labelsBuf([1, 2]);
  throwsData(() => parseIdxImages(labels, 'lab'), /bad magic number 0x00000801, expected 0x00000803/, /label file/);
  const images = imagesBuf(1, 1, 1, Uint8Array.of(5));
  throwsData(() => parseIdxLabels(images, 'img'), /bad magic number 0x00000803, expected 0x00000801/, /image file/);
  const swapped = Buffer.from(images);
  swapped.writeUInt32LE(IDX_IMAGES_MAGIC, 0);
  throwsData(() => parseIdxImages(swapped, 'le'), /bad magic number 0x03080000/, /little-endian/);
  const flipped = Buffer.from(images);
  flipped[3] ^= 0x10;
  throwsData(() => parseIdxImages(flipped, 'flip'), /bad magic number 0x00000813/);
});

test('huge or zero dimension fields fail fast without allocating', () => {
  const cases: [number, number, number, RegExp][] = [
    [0xffffffff, 28, 28, /4294967295 images; the limit is 10000000/],
    [10, 0xffff, 28, /images of 65535x28; the limit is 4096 per side/],
    [10, 28, 0xffffffff, /images of 28x4294967295; the limit is 4096 per side/],
    [0xffffffff, 0xffffffff, 0xffffffff, /limit/],
    [0, 28, 28, /0 images of 28x28; every dimension must be nonzero/],
    [10, 0, 28, /must be nonzero/],
    // Within every limit, but the header implies 167 TB: must be caught by the size comparison.
    [10_000_000, 4096, 4096, /header claims 10000000 images of 4096x4096 \(167772160000016 bytes\) but the file holds 100 bytes/],
  ];
  for (const [count, rows, cols, re] of cases) {
    const buf = Buffer.concat([imagesBuf(count, rows, cols), Buffer.alloc(84)]);
    const before = process.memoryUsage().arrayBuffers;
    throwsData(() => parseIdxImages(buf, 'huge'), re);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024, 'allocated a large buffer');
  }
  const lab = Buffer.alloc(8);
  lab.writeUInt32BE(IDX_LABELS_MAGIC, 0);
  lab.writeUInt32BE(0xffffffff, 4);
  throwsData(() => parseIdxLabels(lab, 'huge-labels'), /4294967295 labels; the limit is 10000000/);
});

test('trailing bytes are an error naming both sizes', () => {
  const f = write('img-trailing', Buffer.concat([imagesBuf(1, 2, 2, samplePixels(4)), Buffer.from([0])]));
  throwsData(() => readIdxImages(f), /header claims 1 images of 2x2 \(20 bytes\) but the file holds 21 bytes \(trailing bytes\)/);
  const g = write('lab-trailing.gz', zlib.gzipSync(Buffer.concat([labelsBuf([1]), Buffer.from([1, 2])])));
  throwsData(() => readIdxLabels(g), /header claims 1 labels \(9 bytes\) but the file holds 11 bytes after gunzip/);
});

test('labels outside 0-9 name the first bad index and value', () => {
  const f = write('lab-bad', labelsBuf([0, 9, 3, 10, 255]));
  throwsData(() => readIdxLabels(f), new RegExp(esc(f)), /label 3 is 10; labels must be digits 0-9/);
});

test('a directory, a missing file and an empty file are clean errors', () => {
  const dir = path.join(tmp, 'a-dir');
  fs.mkdirSync(dir);
  throwsData(() => readIdxImages(dir), new RegExp(esc(dir)), /is a directory/);
  throwsData(() => readIdxLabels(path.join(tmp, 'nope')), /nope: not found/);
  throwsData(() => readIdxLabels(path.join(tmp, 'img-raw', 'x')), /not found/);
  const empty = write('empty', new Uint8Array(0));
  throwsData(() => readIdxImages(empty), /empty: file is empty/);
  throwsData(() => readIdxLabels(empty), /empty: file is empty/);
});

test('a corrupt gzip stream is a clean error', () => {
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);
  const f = write('corrupt.gz', Buffer.concat([header, Buffer.from('this is not deflate data at all, no sir')]));
  throwsData(() => readIdxImages(f), new RegExp(esc(f)), /corrupt or truncated gzip stream/);
  // Valid deflate data whose trailer CRC is wrong.
  const gz = zlib.gzipSync(labelsBuf([1, 2, 3]));
  gz[gz.length - 6] ^= 0xff;
  throwsData(() => parseIdxLabels(gz, 'crc.gz'), /crc\.gz: corrupt or truncated gzip stream/);
});

test('a gzip bomb stops at the output cap', () => {
  // Concatenated gzip members decompress as one stream: 210 x 1 MiB of zeros from ~200 KB of input.
  const member = zlib.gzipSync(Buffer.alloc(1024 * 1024));
  const bomb = Buffer.concat(Array.from({ length: 210 }, () => member));
  assert.ok(bomb.length < 1024 * 1024);
  throwsData(() => parseIdxImages(bomb, 'bomb.gz'), /bomb\.gz: gzip stream decompresses to more than the 200 MB limit/);
});
