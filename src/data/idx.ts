/**
 * Reader for the IDX format the MNIST files use (http://yann.lecun.com/exdb/mnist/):
 * a 4-byte magic (0, 0, type code 0x08 = unsigned byte, number of dimensions), one big-endian
 * uint32 per dimension, then the data. Files may be raw or gzip-compressed.
 *
 * Every failure surfaces as a one-line LenetError naming the file, because the CLI prints
 * these verbatim and a stack trace from inside zlib or fs tells the user nothing.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DataFileDigest } from '../datasets';
import { LenetError, runtimeError } from '../errors';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export const IDX_IMAGES_HEADER_BYTES = 16;
export const IDX_LABELS_HEADER_BYTES = 8;

/** Dimension sanity limits: far above any real digit data set, far below what could exhaust memory. */
export const IDX_MAX_SIDE = 4096;
export const IDX_MAX_COUNT = 10_000_000;

/**
 * Upper bound on the bytes we will hold for one file, raw or after gunzip. MNIST's largest file
 * is 47 MB; the cap exists so a gzip bomb or a mistaken --data-dir pointing at a disk image fails
 * fast instead of swapping the machine.
 */
export const IDX_MAX_FILE_BYTES = 200 * 1024 * 1024;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols bytes, row-major per image. */
  pixels: Uint8Array;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

function fail(name: string, problem: string): LenetError {
  return runtimeError(`data file ${name}: ${problem}`);
}

function hex32(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === GZIP_MAGIC_0 && buf[1] === GZIP_MAGIC_1;
}

/**
 * Read a data file's bytes exactly as stored on disk, converting every fs failure into a
 * LenetError. Size is checked from stat before reading so a huge file is never allocated.
 */
export function readDataFileBytes(file: string): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw fail(file, 'not found');
    throw fail(file, `cannot stat (${code ?? String(e)})`);
  }
  if (st.isDirectory()) throw fail(file, 'is a directory, expected an IDX file');
  if (!st.isFile()) throw fail(file, 'is not a regular file');
  if (st.size > IDX_MAX_FILE_BYTES) {
    throw fail(file, `file holds ${st.size} bytes, more than the ${mb(IDX_MAX_FILE_BYTES)} limit for an IDX file`);
  }
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(file, `cannot read (${code ?? String(e)})`);
  }
}

/** Gunzip if the bytes start with the gzip magic (whatever the file is called), else return them as-is. */
export function maybeGunzip(buf: Buffer, name: string): { bytes: Buffer; gzipped: boolean } {
  if (!isGzip(buf)) return { bytes: buf, gzipped: false };
  try {
    return { bytes: zlib.gunzipSync(buf, { maxOutputLength: IDX_MAX_FILE_BYTES }), gzipped: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw fail(name, `gzip stream decompresses to more than the ${mb(IDX_MAX_FILE_BYTES)} limit for an IDX file`);
    }
    const detail = (err.message ?? String(e)).split('\n')[0];
    throw fail(name, `corrupt or truncated gzip stream (${detail})`);
  }
}

/**
 * The one way a data file is fingerprinted: the SHA-256 of its contents after gunzip, plus, for a
 * gzipped file, that of its stored bytes, so a run recorded either way is recognised.
 */
export function hashDataFileBytes(stored: Buffer, name: string): DataFileDigest {
  const hash = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
  const { bytes, gzipped } = maybeGunzip(stored, name);
  return gzipped ? { sha256: hash(bytes), storedSha256: hash(stored) } : { sha256: hash(stored) };
}

function describeMagic(found: number): string {
  if (found === IDX_IMAGES_MAGIC) return ' (this is an IDX image file)';
  if (found === IDX_LABELS_MAGIC) return ' (this is an IDX label file)';
  // A byte-swapped magic means someone wrote the header little-endian.
  if (found === 0x03080000 || found === 0x01080000) return ' (byte order looks little-endian; IDX is big-endian)';
  return '';
}

function checkMagic(buf: Buffer, name: string, expected: number, kind: string, headerBytes: number, suffix: string): void {
  if (buf.length === 0) throw fail(name, `file is empty${suffix}, expected an IDX ${kind} file`);
  if (buf.length < 4) {
    throw fail(name, `file holds ${buf.length} bytes${suffix}, too short for an IDX ${kind} header (${headerBytes} bytes)`);
  }
  const magic = buf.readUInt32BE(0);
  if (magic !== expected) {
    throw fail(name, `bad magic number ${hex32(magic)}, expected ${hex32(expected)} for an IDX ${kind} file${describeMagic(magic)}`);
  }
  if (buf.length < headerBytes) {
    throw fail(name, `file holds ${buf.length} bytes${suffix}, too short for an IDX ${kind} header (${headerBytes} bytes)`);
  }
}

/**
 * Parse an IDX image file's bytes (raw or gzip). Pure: `name` is only used in messages.
 * All header checks happen before the pixel array is allocated.
 */
export function parseIdxImages(buf: Buffer, name: string): IdxImages {
  const { bytes, gzipped } = maybeGunzip(buf, name);
  const suffix = gzipped ? ' after gunzip' : '';
  checkMagic(bytes, name, IDX_IMAGES_MAGIC, 'image', IDX_IMAGES_HEADER_BYTES, suffix);
  const count = bytes.readUInt32BE(4);
  const rows = bytes.readUInt32BE(8);
  const cols = bytes.readUInt32BE(12);
  if (count === 0 || rows === 0 || cols === 0) {
    throw fail(name, `header claims ${count} images of ${rows}x${cols}; every dimension must be nonzero`);
  }
  if (rows > IDX_MAX_SIDE || cols > IDX_MAX_SIDE) {
    throw fail(name, `header claims images of ${rows}x${cols}; the limit is ${IDX_MAX_SIDE} per side`);
  }
  if (count > IDX_MAX_COUNT) {
    throw fail(name, `header claims ${count} images; the limit is ${IDX_MAX_COUNT}`);
  }
  // Bounded by 1e7 * 4096 * 4096 < 2^53, so this product is exact in a double.
  const pixelBytes = count * rows * cols;
  const expected = IDX_IMAGES_HEADER_BYTES + pixelBytes;
  if (bytes.length !== expected) {
    throw fail(
      name,
      `header claims ${count} images of ${rows}x${cols} (${expected} bytes) but the file holds ${bytes.length} bytes${suffix}` +
        (bytes.length > expected ? ' (trailing bytes)' : ' (truncated)'),
    );
  }
  // Copy rather than view so the result owns exactly its pixels and not the file buffer.
  const pixels = new Uint8Array(pixelBytes);
  pixels.set(bytes.subarray(IDX_IMAGES_HEADER_BYTES, expected));
  return { count, rows, cols, pixels };
}

/** Parse an IDX label file's bytes (raw or gzip); every label must be a digit 0-9. */
export function parseIdxLabels(buf: Buffer, name: string): Uint8Array {
  const { bytes, gzipped } = maybeGunzip(buf, name);
  const suffix = gzipped ? ' after gunzip' : '';
  checkMagic(bytes, name, IDX_LABELS_MAGIC, 'label', IDX_LABELS_HEADER_BYTES, suffix);
  const count = bytes.readUInt32BE(4);
  if (count === 0) throw fail(name, 'header claims 0 labels; the count must be nonzero');
  if (count > IDX_MAX_COUNT) throw fail(name, `header claims ${count} labels; the limit is ${IDX_MAX_COUNT}`);
  const expected = IDX_LABELS_HEADER_BYTES + count;
  if (bytes.length !== expected) {
    throw fail(
      name,
      `header claims ${count} labels (${expected} bytes) but the file holds ${bytes.length} bytes${suffix}` +
        (bytes.length > expected ? ' (trailing bytes)' : ' (truncated)'),
    );
  }
  const labels = new Uint8Array(count);
  labels.set(bytes.subarray(IDX_LABELS_HEADER_BYTES, expected));
  for (let i = 0; i < count; i++) {
    if (labels[i] > 9) {
      throw fail(name, `label ${i} is ${labels[i]}; labels must be digits 0-9`);
    }
  }
  return labels;
}

export function readIdxImages(file: string): IdxImages {
  return parseIdxImages(readDataFileBytes(file), file);
}

export function readIdxLabels(file: string): Uint8Array {
  return parseIdxLabels(readDataFileBytes(file), file);
}
