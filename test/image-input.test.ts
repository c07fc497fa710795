import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import {
  centreOfMass,
  decodeImage,
  fitLikeMnist,
  GrayImage,
  imageToMnist,
  inkBoundingBox,
  MNIST_CENTRE,
  toGray,
  toInk,
} from '../src/data/image-input';
import { readIdxImages } from '../src/data/idx';
import { locateMnist } from '../src/data/mnist';
import { resizeImages } from '../src/data/resize';
import { throwsLenet } from './helpers';

/** An RGBA PNG from a function of (x, y) → [r, g, b, a]. */
function pngOf(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      const [r, g, b, a] = pixel(x, y);
      png.data[o] = r;
      png.data[o + 1] = g;
      png.data[o + 2] = b;
      png.data[o + 3] = a;
    }
  }
  return PNG.sync.write(png);
}

const gray = (v: number): [number, number, number, number] => [v, v, v, 255];

/** The 28×28 output as an image of 0..1 ink, for measuring it. */
function asInk(pixels: Uint8Array): GrayImage {
  return { width: 28, height: 28, pixels: Float32Array.from(pixels, (v) => v / 255) };
}

test('decodeImage: PNG and JPEG of any size to RGBA', () => {
  const png = decodeImage(
    pngOf(37, 21, (x) => gray(x * 6)),
    'a.png',
  );
  assert.equal(png.width, 37);
  assert.equal(png.height, 21);
  assert.equal(png.data.length, 37 * 21 * 4);
  assert.deepEqual([...png.data.subarray(4 * 10, 4 * 10 + 4)], [60, 60, 60, 255]);
  const rgba = new Uint8Array(64 * 48 * 4).fill(200);
  const jpg = decodeImage(jpeg.encode({ width: 64, height: 48, data: rgba }, 90).data, 'b.jpg');
  assert.equal(jpg.width, 64);
  assert.equal(jpg.height, 48);
  assert.ok(Math.abs(jpg.data[0] - 200) <= 2, `JPEG keeps a flat grey: ${jpg.data[0]}`);
  // An 8-bit greyscale PNG (colour type 0) comes out as RGBA too.
  const g = new PNG({ width: 3, height: 2, colorType: 0, inputColorType: 0, bitDepth: 8 } as never);
  (g as unknown as { data: Buffer }).data = Buffer.from([0, 100, 255, 10, 20, 30]);
  const grey = decodeImage(PNG.sync.write(g, { colorType: 0, inputColorType: 0 } as never), 'g.png');
  assert.deepEqual([...grey.data.subarray(4, 8)], [100, 100, 100, 255]);
});

test('toGray composites transparency on white; toInk inverts a light background and stretches ink to 0..1', () => {
  // Transparent everywhere but a half-transparent black pixel and an opaque black one.
  const img = decodeImage(
    pngOf(3, 1, (x) => (x === 0 ? [0, 0, 0, 0] : x === 1 ? [0, 0, 0, 128] : [0, 0, 0, 255])),
    't.png',
  );
  const g = toGray(img);
  assert.equal(g.pixels[0], 255, 'transparent = white paper');
  assert.ok(Math.abs(g.pixels[1] - 127) < 1, `half-transparent black = mid grey, got ${g.pixels[1]}`);
  assert.equal(g.pixels[2], 0);
  // Dark ink (30) on light grey paper (230): inverted, the paper becomes 0 and the ink 1.
  const paper = toGray(
    decodeImage(
      pngOf(9, 9, (x, y) => gray(x >= 3 && x <= 5 && y >= 2 && y <= 6 ? 30 : 230)),
      'p.png',
    ),
  );
  const { ink, inverted } = toInk(paper);
  assert.equal(inverted, true);
  assert.equal(ink.pixels[0], 0);
  assert.equal(ink.pixels[4 * 9 + 4], 1);
  // A light digit on dark ground (MNIST's own way) is not inverted.
  const night = toInk(
    toGray(
      decodeImage(
        pngOf(9, 9, (x, y) => gray(x === 4 && y === 4 ? 250 : 10)),
        'n.png',
      ),
    ),
  );
  assert.equal(night.inverted, false);
  assert.equal(night.ink.pixels[40], 1);
  assert.equal(night.ink.pixels[0], 0);
});

test('fitLikeMnist: the bounding box of a wide bar becomes 20×10, a tall one 7×20, whatever the picture size', () => {
  // A 100×50 bar of ink at (150, 60) in a 300×200 picture.
  const wide = { width: 300, height: 200, pixels: new Float32Array(300 * 200) };
  for (let y = 60; y < 110; y++) for (let x = 150; x < 250; x++) wide.pixels[y * 300 + x] = 1;
  const a = inkBoundingBox(asInk(fitLikeMnist(wide)));
  assert.deepEqual({ w: a?.width, h: a?.height }, { w: 20, h: 10 });
  // 30×90 → 20 high, 30 × 20/90 = 6.7 → 7 wide.
  const tall = { width: 64, height: 128, pixels: new Float32Array(64 * 128) };
  for (let y = 10; y < 100; y++) for (let x = 2; x < 32; x++) tall.pixels[y * 64 + x] = 1;
  const b = inkBoundingBox(asInk(fitLikeMnist(tall)));
  assert.deepEqual({ w: b?.width, h: b?.height }, { w: 7, h: 20 });
  // A symmetric shape is centred: centre of mass 10 of 20 → shifted by round(14.5 - 10) = 5.
  assert.equal(a!.x, 5);
  assert.equal(a!.y, 10);
});

test('fitLikeMnist centres the centre of mass, not the bounding box', () => {
  // An "L": a long heavy vertical stroke and a thin foot; its mass sits left of its box centre.
  const L = { width: 100, height: 100, pixels: new Float32Array(100 * 100) };
  for (let y = 0; y < 100; y++) for (let x = 0; x < 30; x++) L.pixels[y * 100 + x] = 1;
  for (let y = 90; y < 100; y++) for (let x = 30; x < 100; x++) L.pixels[y * 100 + x] = 1;
  const out = asInk(fitLikeMnist(L));
  const com = centreOfMass(out);
  assert.ok(Math.abs(com.x - MNIST_CENTRE) <= 0.5 && Math.abs(com.y - MNIST_CENTRE) <= 0.5, `centre of mass at (${com.x}, ${com.y})`);
  const box = inkBoundingBox(out)!;
  const boxCentreX = box.x + box.width / 2;
  assert.ok(boxCentreX > MNIST_CENTRE + 2, `the box is pushed right of the centre (${boxCentreX}) so the mass is centred`);
});

test('an MNIST test digit passed through comes back as it was; inverted and upscaled on grey paper, nearly', () => {
  const images = readIdxImages(locateMnist().files.testImages);
  const n = 500;
  let identical = 0;
  let diffRaw = 0;
  let diffVariant = 0;
  for (let i = 0; i < n; i++) {
    const px = images.pixels.slice(i * 784, (i + 1) * 784);
    const back = imageToMnist(
      pngOf(28, 28, (x, y) => gray(px[y * 28 + x])),
      'mnist.png',
    );
    assert.equal(back.inverted, false);
    let d = 0;
    for (let k = 0; k < 784; k++) d += Math.abs(back.pixels[k] - px[k]);
    if (d === 0) identical++;
    diffRaw += d / 784;
    // ×3 bilinear, dark ink on light paper, off-centre in 120×100.
    const up = resizeImages(px, 1, 28, 28, 84, 'bilinear');
    const variant = imageToMnist(
      pngOf(120, 100, (x, y) => {
        const yy = y - 5;
        const xx = x - 20;
        const a = yy >= 0 && yy < 84 && xx >= 0 && xx < 84 ? up[yy * 84 + xx] : 0;
        return gray(Math.round(240 - a * 220));
      }),
      'variant.png',
    );
    assert.equal(variant.inverted, true);
    let dv = 0;
    for (let k = 0; k < 784; k++) dv += Math.abs(variant.pixels[k] - px[k]);
    diffVariant += dv / 784;
  }
  // Measured: 407 of 500 bit-identical, mean |difference| 0.02 of 255; the variant 6.9 of 255
  // (a centre one pixel off, as at 14.0 instead of 14.5, gives about 14.5 and 22 % identical).
  assert.ok(identical >= 0.75 * n, `${identical} of ${n} identical`);
  assert.ok(diffRaw / n < 0.1, `mean |difference| ${diffRaw / n}`);
  assert.ok(diffVariant / n < 10, `variant mean |difference| ${diffVariant / n}`);
});

test('empty, non-image, truncated, corrupt, blank and oversized files: one line each, naming the file', () => {
  throwsLenet(() => imageToMnist(Buffer.alloc(0), 'empty.png'), 1, /^empty\.png: empty file$/);
  throwsLenet(() => imageToMnist(Buffer.from('hello, not a picture\n'), 'notes.txt'), 1, /^notes\.txt: not a PNG or JPEG image$/);
  const good = pngOf(40, 30, (x) => gray(x < 20 ? 0 : 255));
  throwsLenet(() => imageToMnist(good.subarray(0, 60), 'cut.png'), 1, /^cut\.png: corrupt PNG \(/);
  // A flipped byte inside the compressed pixels: the CRC or the inflater notices.
  const flipped = Buffer.from(good);
  flipped[good.length - 20] ^= 0xff;
  throwsLenet(() => imageToMnist(flipped, 'flipped.png'), 1, /^flipped\.png: corrupt PNG \(/);
  const jpg = jpeg.encode({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 4).fill(128) }, 80).data;
  throwsLenet(() => imageToMnist(jpg.subarray(0, 40), 'cut.jpg'), 1, /^cut\.jpg: corrupt JPEG \(/);
  throwsLenet(
    () =>
      imageToMnist(
        pngOf(50, 40, () => gray(255)),
        'white.png',
      ),
    1,
    /^white\.png: no digit found/,
  );
  throwsLenet(
    () =>
      imageToMnist(
        pngOf(50, 40, () => [0, 0, 0, 0]),
        'clear.png',
      ),
    1,
    /^clear\.png: no digit found/,
  );
  // A header claiming 100000×100000 pixels is refused before anything is decoded.
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100000, 0);
  ihdr.writeUInt32BE(100000, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const huge = Buffer.concat([good.subarray(0, 8), Buffer.from([0, 0, 0, 13]), Buffer.from('IHDR'), ihdr, Buffer.alloc(4)]);
  throwsLenet(() => imageToMnist(huge, 'huge.png'), 1, /^huge\.png: 100000x100000 is larger than 40 megapixels/);
});
