import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResizer, resizeImages, ResizeMode } from '../src/data/resize';
import { ResizedImageSet } from '../src/data/image-set';
import { prng, throwsLenet } from './helpers';

function pixelsFor(count: number, rows = 28, cols = 28, salt = 0): Uint8Array {
  const p = new Uint8Array(count * rows * cols);
  for (let i = 0; i < p.length; i++) p[i] = (i * 31 + salt * 7 + 3) & 0xff;
  return p;
}

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

// ---- resizeImages (the whole set at once) ----

test("resize 'pad' puts pixel (r,c) at (r+4,c+4) with a zero border", () => {
  const px = pixelsFor(2);
  const out = resizeImages(px, 2, 28, 28, 36, 'pad');
  assert.equal(out.length, 2 * 36 * 36);
  for (let n = 0; n < 2; n++) {
    for (let y = 0; y < 36; y++) {
      for (let x = 0; x < 36; x++) {
        const v = out[n * 1296 + y * 36 + x];
        const r = y - 4;
        const c = x - 4;
        if (r >= 0 && r < 28 && c >= 0 && c < 28) assert.equal(v, Math.fround(px[n * 784 + r * 28 + c] * (1 / 255)));
        else assert.equal(v, 0, `border (${y},${x}) is ${v}`);
      }
    }
  }
});

test("resize 'pad' to a size smaller than the image is a usage error", () => {
  throwsLenet(() => resizeImages(pixelsFor(1), 1, 28, 28, 20, 'pad'), 2, /pad needs a size of at least the image size 28x28, got 20/);
});

test('resize rejects bad sizes as usage errors', () => {
  for (const s of [0, -1, 2.5, NaN, 100000]) {
    throwsLenet(() => resizeImages(pixelsFor(1), 1, 28, 28, s, 'bilinear'), 2, /image size must be an integer from 1 to 1024/);
  }
});

test("resize 'bilinear' keeps a constant image constant (up and down)", () => {
  const px = new Uint8Array(2 * 784).fill(200);
  for (const size of [36, 20, 28, 1]) {
    const out = resizeImages(px, 2, 28, 28, size, 'bilinear');
    assert.equal(out.length, 2 * size * size);
    for (const v of out) close(v, 200 / 255);
  }
});

test("resize 'bilinear' to the same size is the identity", () => {
  const px = pixelsFor(3);
  const out = resizeImages(px, 3, 28, 28, 28, 'bilinear');
  for (let i = 0; i < px.length; i++) close(out[i], px[i] / 255);
});

test("resize 'bilinear' output stays in [0,1]", () => {
  const px = new Uint8Array(4 * 784);
  for (let i = 0; i < px.length; i++) px[i] = i % 3 === 0 ? 255 : 0;
  for (const v of resizeImages(px, 4, 28, 28, 36, 'bilinear')) assert.ok(v >= 0 && v <= 1, String(v));
});

test("resize 'bilinear' matches hand-computed half-pixel-centre values", () => {
  // 2x2 -> 4x4: output index 1 samples source 0.25 on both axes; 0 and 3 clamp to the edges.
  const out = resizeImages(Uint8Array.of(0, 100, 200, 255), 1, 2, 2, 4, 'bilinear');
  // top = 0 + 100*0.25 = 25; bottom = 200 + 55*0.25 = 213.75; 25 + 188.75*0.25 = 72.1875
  close(out[1 * 4 + 1], 72.1875 / 255);
  close(out[0], 0);
  close(out[15], 1);
  // A linear ramp (8r + c) is reproduced exactly away from the edges:
  // output (10,17) of 28->36 samples source (10.5*28/36-0.5, 17.5*28/36-0.5) = (7.6667, 13.1111).
  const ramp = new Uint8Array(784);
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) ramp[r * 28 + c] = 8 * r + c;
  const big = resizeImages(ramp, 1, 28, 28, 36, 'bilinear');
  close(big[10 * 36 + 17], (8 * ((10.5 * 28) / 36 - 0.5) + ((17.5 * 28) / 36 - 0.5)) / 255, 1e-5);
});

test('resizeImages refuses a pixel count that does not fit the images', () => {
  throwsLenet(() => resizeImages(new Uint8Array(100), 1, 28, 28, 36, 'bilinear'), 1, /got 100 pixels for 1 images of 28x28/);
  throwsLenet(() => createResizer(28, 28, 36, 'nearest' as ResizeMode), 2, /unknown resize mode nearest; expected bilinear or pad/);
});

// ---- bit for bit against the resize as it was before issue 9 ----

/**
 * The whole-set resize of src/data/mnist.ts before issue 9, kept verbatim (checks left out) as
 * the reference: every run before then was trained on exactly these floats.
 */
function referenceResize(pixels: Uint8Array, count: number, rows: number, cols: number, size: number, mode: ResizeMode): Float32Array {
  const bilinearTaps = (inLen: number, outLen: number) => {
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
  };
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

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

const GEOMETRIES: [rows: number, cols: number, size: number, mode: ResizeMode][] = [
  [28, 28, 36, 'bilinear'],
  [28, 28, 36, 'pad'],
  [28, 28, 37, 'pad'],
  [28, 28, 20, 'bilinear'],
  [28, 28, 57, 'bilinear'],
  [28, 28, 28, 'bilinear'],
  [28, 28, 28, 'pad'],
  [7, 5, 9, 'bilinear'],
  [7, 5, 4, 'bilinear'],
  [7, 5, 8, 'pad'],
  [3, 6, 1, 'bilinear'],
  [1, 1, 3, 'bilinear'],
  [1, 1, 3, 'pad'],
];

/**
 * Images that exercise the skipping of blank borders: dense noise, sparse noise, blank, one
 * lit pixel at each corner and edge, a lit row, a lit column, and a full 255 frame.
 */
function testImages(rows: number, cols: number, random: () => number): Uint8Array[] {
  const images: Uint8Array[] = [];
  const blank = () => new Uint8Array(rows * cols);
  const dense = blank();
  for (let i = 0; i < dense.length; i++) dense[i] = Math.floor(random() * 256);
  const sparse = blank();
  for (let i = 0; i < sparse.length; i++) if (random() < 0.1) sparse[i] = 1 + Math.floor(random() * 255);
  images.push(dense, sparse, blank(), blank().fill(255));
  for (const [r, c] of [
    [0, 0],
    [0, cols - 1],
    [rows - 1, 0],
    [rows - 1, cols - 1],
    [rows >> 1, 0],
    [0, cols >> 1],
    [rows >> 1, cols >> 1],
  ]) {
    const one = blank();
    one[r * cols + c] = 1 + Math.floor(random() * 255);
    images.push(one);
  }
  const row = blank();
  row.fill(200, (rows >> 1) * cols, ((rows >> 1) + 1) * cols);
  const col = blank();
  for (let r = 0; r < rows; r++) col[r * cols + (cols - 1)] = 77;
  images.push(row, col);
  return images;
}

test('resizeImages equals the pre-issue-9 resize bit for bit (bilinear and pad, blank borders or not)', () => {
  const random = prng(5);
  for (const [rows, cols, size, mode] of GEOMETRIES) {
    const images = testImages(rows, cols, random);
    const pixels = new Uint8Array(images.length * rows * cols);
    images.forEach((img, i) => pixels.set(img, i * rows * cols));
    const expected = referenceResize(pixels, images.length, rows, cols, size, mode);
    assert.deepEqual(
      bitsOf(resizeImages(pixels, images.length, rows, cols, size, mode)),
      bitsOf(expected),
      `${rows}x${cols} -> ${size} ${mode}`,
    );
  }
});

// ---- resizing one image at a time (batches) equals resizing the whole set ----

/** Images n of a whole-set resize, in the order of `indices`. */
function pick(whole: Float32Array, indices: ArrayLike<number>, outPer: number): Float32Array {
  const out = new Float32Array(indices.length * outPer);
  for (let i = 0; i < indices.length; i++) out.set(whole.subarray(indices[i] * outPer, (indices[i] + 1) * outPer), i * outPer);
  return out;
}

test('gather and slice of a ResizedImageSet equal the whole-set resize bit for bit (bilinear and pad)', () => {
  const random = prng(11);
  for (const [rows, cols, size, mode] of GEOMETRIES) {
    const images = [...testImages(rows, cols, random), ...testImages(rows, cols, random), ...testImages(rows, cols, random)];
    const count = images.length;
    const pixels = new Uint8Array(count * rows * cols);
    images.forEach((img, i) => pixels.set(img, i * rows * cols));
    const whole = resizeImages(pixels, count, rows, cols, size, mode);
    const set = new ResizedImageSet(pixels, new Uint8Array(count), createResizer(rows, cols, size, mode));
    assert.equal(set.size, size);
    assert.equal(set.count, count);
    const outPer = size * size;
    // Shuffled, with repeats, and a batch that is the whole set in order.
    for (const indices of [
      [3, count - 1, 0, 3, 17],
      Array.from({ length: 25 }, () => Math.floor(random() * count)),
      Array.from({ length: count }, (_, i) => i),
    ]) {
      assert.deepEqual(bitsOf(set.gather(indices)), bitsOf(pick(whole, indices, outPer)), `${rows}x${cols} -> ${size} ${mode}`);
    }
    assert.deepEqual(bitsOf(set.slice(7, 19)), bitsOf(whole.subarray(7 * outPer, 19 * outPer)));
    assert.equal(set.slice(5, 5).length, 0);
  }
});

test('resizeInto writes every output pixel, so a reused buffer gives the same image', () => {
  for (const [rows, cols, size, mode] of GEOMETRIES) {
    const resizer = createResizer(rows, cols, size, mode);
    const images = testImages(rows, cols, prng(3));
    const pixels = new Uint8Array(images.length * rows * cols);
    images.forEach((img, i) => pixels.set(img, i * rows * cols));
    const fresh = resizeImages(pixels, images.length, rows, cols, size, mode);
    const dirty = new Float32Array(images.length * size * size).fill(Number.NaN);
    for (let n = 0; n < images.length; n++) resizer.resizeInto(pixels, n * rows * cols, dirty, n * size * size);
    assert.deepEqual(bitsOf(dirty), bitsOf(fresh), `${rows}x${cols} -> ${size} ${mode}`);
  }
});

test('a ResizedImageSet refuses indices outside the set instead of returning NaN images', () => {
  const set = new ResizedImageSet(pixelsFor(3), Uint8Array.of(1, 2, 3), createResizer(28, 28, 36, 'bilinear'));
  for (const bad of [-1, 3, 1.5, Number.NaN]) assert.throws(() => set.gather([0, bad]), RangeError, String(bad));
  assert.throws(() => set.slice(2, 4), RangeError);
  assert.throws(() => set.slice(-1, 1), RangeError);
  assert.throws(() => set.slice(2, 1), RangeError);
  assert.throws(
    () => new ResizedImageSet(pixelsFor(3), Uint8Array.of(1, 2), createResizer(28, 28, 36, 'pad')),
    /2352 bytes for 2 images of 28x28/,
  );
});
