import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import {
  centreOfMass,
  decodePicture,
  fitLikeMnist,
  GrayImage,
  imageToMnist,
  inkBoundingBox,
  inkOf,
  MNIST_CENTRE,
  resolveTransparency,
  toInk,
} from '../src/data/image-input';
import { decodePng } from '../src/data/png-decoder';
import { decodeJpeg } from '../src/data/jpeg-decoder';
import { bufferSource, GreyCanvas, luma } from '../src/data/picture';
import { LenetError } from '../src/errors';
import { readIdxImages } from '../src/data/idx';
import { locateMnist } from '../src/data/mnist';
import { resizeImages } from '../src/data/resize';
import { ROOT, prng } from './helpers';
import { encodeJpeg, encodePng, ihdr, PNG_SIGNATURE, pngChunk, pngFile, PngSpec } from './picture-files';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'pictures');

/** An RGBA PNG from a function of (x, y) → [r, g, b, a] (written by pngjs, the other encoder). */
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

/** The 28×28 output as a float image of 0..1 ink, for measuring it. */
function asInk(pixels: Uint8Array): GrayImage {
  return { width: 28, height: 28, pixels: Float32Array.from(pixels, (v) => v / 255) };
}

/** Awaits fn and asserts it rejects with a one-line LenetError (exit 1) matching every pattern. */
async function rejectsLenet(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LenetError, `expected a LenetError, got ${caught instanceof Error ? caught.stack : String(caught)}`);
  assert.equal(caught.exitCode, 1, caught.message);
  assert.ok(!caught.message.includes('\n'), `message is not one line: ${caught.message}`);
  for (const re of patterns) assert.match(caught.message, re);
  return caught.message;
}

const decode = (bytes: Uint8Array, name = 'p') => decodePicture(bufferSource(bytes), name);

test('PNG: every colour type and bit depth, filtered rows, Adam7, palettes and tRNS decode as pngjs decodes them', async () => {
  const rand = prng(13);
  const cases: Array<Omit<PngSpec, 'sample'> & { trnsKey?: number[] }> = [];
  for (const interlace of [false, true]) {
    for (const bitDepth of [1, 2, 4, 8, 16] as const) cases.push({ width: 13, height: 11, colorType: 0, bitDepth, interlace });
    for (const bitDepth of [8, 16] as const) {
      cases.push({ width: 13, height: 11, colorType: 2, bitDepth, interlace });
      cases.push({ width: 13, height: 11, colorType: 4, bitDepth, interlace });
      cases.push({ width: 13, height: 11, colorType: 6, bitDepth, interlace });
    }
    for (const bitDepth of [1, 2, 4, 8] as const) cases.push({ width: 13, height: 11, colorType: 3, bitDepth, interlace });
    cases.push({ width: 13, height: 11, colorType: 0, bitDepth: 8, interlace, trnsKey: [77] });
    cases.push({ width: 13, height: 11, colorType: 2, bitDepth: 16, interlace, trnsKey: [1000, 2000, 3000] });
    // Narrower than one Adam7 block in each direction: passes with no pixels are left out of the data.
    cases.push({ width: 3, height: 2, colorType: 6, bitDepth: 8, interlace });
    cases.push({ width: 1, height: 1, colorType: 0, bitDepth: 1, interlace });
  }
  for (const c of cases) {
    const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[c.colorType];
    const max = c.colorType === 3 ? (1 << c.bitDepth) - 1 : (1 << c.bitDepth) - 1;
    const samples = new Map<string, number[]>();
    const sample = (x: number, y: number) => {
      const key = `${x},${y}`;
      if (!samples.has(key)) {
        // Some pixels take the tRNS key colour exactly.
        const keyed = c.trnsKey && (x + y) % 4 === 0;
        samples.set(key, keyed ? c.trnsKey! : Array.from({ length: channels }, () => Math.floor(rand() * (max + 1))));
      }
      return samples.get(key)!;
    };
    const palette =
      c.colorType === 3
        ? Array.from({ length: 1 << c.bitDepth }, () => [0, 0, 0].map(() => Math.floor(rand() * 256)) as [number, number, number])
        : undefined;
    const trns = c.colorType === 3 ? Uint8Array.from(palette!.slice(0, 3), () => Math.floor(rand() * 256)) : undefined;
    const keyBytes = c.trnsKey ? Buffer.from(c.trnsKey.flatMap((v) => [v >> 8, v & 0xff])) : undefined;
    const file = await encodePng({ ...c, palette, trns: trns ?? keyBytes, sample });
    const label = `colour type ${c.colorType}, ${c.bitDepth} bits${c.interlace ? ', interlaced' : ''}${c.trnsKey || trns ? ', tRNS' : ''} ${c.width}x${c.height}`;
    const mine = await decodePng(bufferSource(file));
    const ref = PNG.sync.read(file);
    assert.equal(mine.width, c.width);
    assert.equal(mine.height, c.height);
    const hasAlpha = c.colorType === 4 || c.colorType === 6 || c.trnsKey !== undefined || trns !== undefined;
    assert.equal(mine.alpha !== null, hasAlpha, label);
    for (let i = 0; i < c.width * c.height; i++) {
      const a = ref.data[4 * i + 3];
      if (mine.alpha) assert.equal(mine.alpha[i], a, `${label}: alpha of pixel ${i}`);
      // pngjs blanks the colour of a tRNS-keyed pixel; its grey is composited away anyway.
      if (a === 0 && c.trnsKey) continue;
      assert.equal(mine.grey[i], luma(ref.data[4 * i], ref.data[4 * i + 1], ref.data[4 * i + 2]), `${label}: grey of pixel ${i}`);
    }
  }
});

test('JPEG: baseline, progressive, subsampled, restart markers and CMYK decode to the grey of jpeg-js', () => {
  const rand = prng(7);
  // A greyscale JPEG: the same bytes as jpeg-js (the same integer inverse DCT).
  const noise = (x: number, y: number) => Math.round(128 + 100 * Math.sin(x / 3) * Math.cos(y / 4) + 20 * rand());
  const variants = [
    { progressive: false },
    { progressive: true },
    { progressive: true, dcSuccessive: true },
    { progressive: true, restartInterval: 3 },
    { progressive: false, restartInterval: 5 },
  ];
  for (const v of variants) {
    const bytes = encodeJpeg({ width: 37, height: 29, quant: 3, components: [{ h: 1, v: 1, sample: noise }], ...v });
    const mine = decodeJpeg(bytes);
    const ref = jpeg.decode(bytes, { useTArray: true });
    for (let i = 0; i < 37 * 29; i++) assert.equal(mine.grey[i], ref.data[4 * i], `grey ${JSON.stringify(v)}: pixel ${i}`);
  }
  // YCbCr: grey is Y itself, so with neutral chroma it equals jpeg-js's (then uncoloured) output exactly;
  // 4:2:0 and 2:1 subsampling put several Y blocks in an MCU.
  for (const [h, vv] of [
    [1, 1],
    [2, 2],
    [2, 1],
  ]) {
    for (const v of variants) {
      const bytes = encodeJpeg({
        width: 45,
        height: 21,
        quant: 2,
        components: [
          { h, v: vv, sample: noise },
          { h: 1, v: 1, sample: () => 128 },
          { h: 1, v: 1, sample: () => 128 },
        ],
        ...v,
      });
      const mine = decodeJpeg(bytes);
      const ref = jpeg.decode(bytes, { useTArray: true });
      for (let i = 0; i < 45 * 21; i++)
        assert.equal(mine.grey[i], ref.data[4 * i + 1], `YCbCr ${h}x${vv} ${JSON.stringify(v)}: pixel ${i}`);
    }
  }
  // Adobe CMYK and YCCK: every component, converted as jpeg-js converts them (within rounding).
  for (const adobe of [0, 2]) {
    const bytes = encodeJpeg({
      width: 19,
      height: 17,
      adobe,
      components: [0, 1, 2, 3].map((k) => ({ h: 1, v: 1, sample: (x: number, y: number) => (40 * k + 7 * x + 5 * y) % 256 })),
    });
    const mine = decodeJpeg(bytes);
    const ref = jpeg.decode(bytes, { useTArray: true });
    for (let i = 0; i < 19 * 17; i++) {
      const want = luma(ref.data[4 * i], ref.data[4 * i + 1], ref.data[4 * i + 2]);
      assert.ok(Math.abs(mine.grey[i] - want) <= 2, `Adobe transform ${adobe}: pixel ${i}: ${mine.grey[i]} vs ${want}`);
    }
  }
});

test("JPEG: libjpeg's progressive (with successive approximation), restart and RGB files decode to libjpeg's grey", async () => {
  for (const name of ['progressive-grey', 'progressive-420-restart', 'baseline-422-restart', 'rgb']) {
    const pgm = fs.readFileSync(path.join(FIXTURES, `${name}.pgm`));
    const [, w, h] = /^P5\n(\d+) (\d+)\n255\n/.exec(pgm.toString('latin1', 0, 20))!;
    const want = pgm.subarray(pgm.length - Number(w) * Number(h));
    const mine = await decode(fs.readFileSync(path.join(FIXTURES, `${name}.jpg`)), name);
    assert.equal(mine.width, Number(w));
    assert.equal(mine.height, Number(h));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(mine.grey[i] - want[i]));
    assert.ok(worst <= 1, `${name}: off by up to ${worst} grey levels from djpeg`);
  }
  await rejectsLenet(
    () => decode(fs.readFileSync(path.join(FIXTURES, 'arithmetic.jpg')), 'a.jpg'),
    /^a\.jpg: unsupported JPEG \(arithmetic coding\)$/,
  );
});

test('transparency: strokes on a transparent canvas stand out whatever their colour; an opaque picture keeps its paper', () => {
  // 30×30: a transparent canvas with a 10×16 bar of strokes; the bar's edge pixels half transparent.
  const canvasOf = (stroke: number, canvasGrey: number, edgeAlpha = 128) => {
    const c = new GreyCanvas(30, 30, true);
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 30; x++) {
        const i = y * 30 + x;
        const inBar = x >= 10 && x < 20 && y >= 7 && y < 23;
        const edge = inBar && (x === 10 || x === 19 || y === 7 || y === 22);
        c.grey[i] = inBar ? stroke : canvasGrey;
        c.alpha![i] = inBar ? (edge ? edgeAlpha : 255) : 0;
      }
    }
    return c;
  };
  for (const [label, stroke, canvasGrey] of [
    ['black on transparent black', 0, 0],
    ['black on transparent white', 0, 255],
    ['white on transparent black', 255, 0],
    ['white on transparent white', 255, 255],
    ['red (luma 76) on transparent', luma(255, 0, 0), 0],
    ['yellow (luma 226) on transparent', luma(255, 255, 0), 255],
  ] as const) {
    const c = canvasOf(stroke, canvasGrey);
    resolveTransparency(c);
    assert.equal(c.alpha, null);
    const { ink, inverted } = toInk(c, label);
    // The strokes are the ink, fully; the canvas none; the half-transparent rim half.
    assert.equal(ink.ink[ink.grey[15 * 30 + 15]], 1, `${label}: stroke`);
    assert.equal(ink.ink[ink.grey[0]], 0, `${label}: canvas`);
    const rim = ink.ink[ink.grey[15 * 30 + 10]];
    assert.ok(rim > 0.4 && rim < 0.6, `${label}: rim ink ${rim}`);
    assert.equal(inverted, stroke < 128, `${label}: a dark digit is composited on white, then inverted`);
    assert.deepEqual(inkBoundingBox(ink), { x: 10, y: 7, width: 10, height: 16 }, label);
  }
  // An opaque light page with a dark digit and transparent rounded corners: the corners become page.
  const page = new GreyCanvas(30, 30, true);
  page.grey.fill(230);
  for (let y = 8; y < 22; y++) for (let x = 12; x < 18; x++) page.grey[y * 30 + x] = 20;
  for (const [x, y] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [29, 29],
    [28, 29],
    [29, 28],
  ])
    page.alpha![y * 30 + x] = 0;
  resolveTransparency(page);
  assert.equal(page.grey[0], 230, 'a transparent corner takes the page grey');
  const { ink } = toInk(page);
  assert.deepEqual(inkBoundingBox(ink), { x: 12, y: 8, width: 6, height: 14 });
});

test('toInk inverts a light background and stretches ink to 0..1', async () => {
  // Dark ink (30) on light grey paper (230): inverted, the paper becomes 0 and the ink 1.
  const paper = await decode(pngOf(9, 9, (x, y) => gray(x >= 3 && x <= 5 && y >= 2 && y <= 6 ? 30 : 230)));
  const { ink, inverted } = toInk(paper);
  assert.equal(inverted, true);
  assert.equal(ink.ink[ink.grey[0]], 0);
  assert.equal(ink.ink[ink.grey[4 * 9 + 4]], 1);
  // A light digit on dark ground (MNIST's own way) is not inverted.
  const night = toInk(await decode(pngOf(9, 9, (x, y) => gray(x === 4 && y === 4 ? 250 : 10))));
  assert.equal(night.inverted, false);
  assert.equal(night.ink.ink[night.ink.grey[40]], 1);
  assert.equal(night.ink.ink[night.ink.grey[0]], 0);
});

test('fitLikeMnist: the bounding box of a wide bar becomes 20×10, a tall one 7×20, whatever the picture size', () => {
  // A 100×50 bar of ink at (150, 60) in a 300×200 picture.
  const wide = { width: 300, height: 200, pixels: new Float32Array(300 * 200) };
  for (let y = 60; y < 110; y++) for (let x = 150; x < 250; x++) wide.pixels[y * 300 + x] = 1;
  const a = inkBoundingBox(inkOf(asInk(fitLikeMnist(inkOf(wide)))));
  assert.deepEqual({ w: a?.width, h: a?.height }, { w: 20, h: 10 });
  // 30×90 → 20 high, 30 × 20/90 = 6.7 → 7 wide.
  const tall = { width: 64, height: 128, pixels: new Float32Array(64 * 128) };
  for (let y = 10; y < 100; y++) for (let x = 2; x < 32; x++) tall.pixels[y * 64 + x] = 1;
  const b = inkBoundingBox(inkOf(asInk(fitLikeMnist(inkOf(tall)))));
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
  const out = asInk(fitLikeMnist(inkOf(L)));
  const com = centreOfMass(out);
  assert.ok(Math.abs(com.x - MNIST_CENTRE) <= 0.5 && Math.abs(com.y - MNIST_CENTRE) <= 0.5, `centre of mass at (${com.x}, ${com.y})`);
  const box = inkBoundingBox(inkOf(out))!;
  const boxCentreX = box.x + box.width / 2;
  assert.ok(boxCentreX > MNIST_CENTRE + 2, `the box is pushed right of the centre (${boxCentreX}) so the mass is centred`);
});

test('an MNIST test digit passed through comes back as it was; inverted and upscaled on grey paper, nearly', async () => {
  const images = readIdxImages(locateMnist().files.testImages);
  const n = 500;
  let identical = 0;
  let diffRaw = 0;
  let diffVariant = 0;
  for (let i = 0; i < n; i++) {
    const px = images.pixels.slice(i * 784, (i + 1) * 784);
    const back = await imageToMnist(
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
    const variant = await imageToMnist(
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

test('empty, non-image, truncated, corrupt, blank and oversized files: one line each, naming the file', async () => {
  await rejectsLenet(() => imageToMnist(Buffer.alloc(0), 'empty.png'), /^empty\.png: empty file$/);
  await rejectsLenet(() => imageToMnist(Buffer.from('hello, not a picture\n'), 'notes.txt'), /^notes\.txt: not a PNG or JPEG image$/);
  const good = pngOf(40, 30, (x) => gray(x < 20 ? 0 : 255));
  await rejectsLenet(() => imageToMnist(good.subarray(0, 60), 'cut.png'), /^cut\.png: corrupt PNG \(/);
  // A flipped byte inside the compressed pixels: the CRC notices.
  const flipped = Buffer.from(good);
  flipped[good.length - 20] ^= 0xff;
  await rejectsLenet(() => imageToMnist(flipped, 'flipped.png'), /^flipped\.png: corrupt PNG \(CRC error in IDAT\)$/);
  const jpg = jpeg.encode({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 4).fill(128) }, 80).data;
  await rejectsLenet(() => imageToMnist(jpg.subarray(0, 40), 'cut.jpg'), /^cut\.jpg: corrupt JPEG \(/);
  await rejectsLenet(
    () =>
      imageToMnist(
        pngOf(50, 40, () => gray(255)),
        'white.png',
      ),
    /^white\.png: no digit found/,
  );
  await rejectsLenet(
    () =>
      imageToMnist(
        pngOf(50, 40, () => [0, 0, 0, 0]),
        'clear.png',
      ),
    /^clear\.png: no digit found/,
  );
  // Headers claiming 100000×100000 (PNG) or 10000×10000 (JPEG) pixels are refused before anything is decoded.
  const huge = Buffer.concat([PNG_SIGNATURE, ihdr(100000, 100000, 8, 6), pngChunk('IEND', new Uint8Array(0))]);
  await rejectsLenet(() => imageToMnist(huge, 'huge.png'), /^huge\.png: too large \(10000 MP, limit 40\)/);
  const big = encodeJpeg({ width: 8, height: 8, declare: { width: 10000, height: 10000 }, components: [{ h: 1, v: 1, sample: () => 9 }] });
  await rejectsLenet(() => imageToMnist(big, 'big.jpg'), /^big\.jpg: too large \(100 MP, limit 40\)/);
  // Just over the limit is not rounded down to it.
  const over = Buffer.concat([PNG_SIGNATURE, ihdr(40_000_001, 1, 8, 0)]);
  await rejectsLenet(() => imageToMnist(over, 'over.png'), /^over\.png: too large \(40\.1 MP, limit 40\)/);
  // A strip cannot hold a digit, whichever way it lies.
  await rejectsLenet(
    () => imageToMnist(Buffer.concat([PNG_SIGNATURE, ihdr(1, 39_000_000, 8, 0)]), 's.png'),
    /^s\.png: cannot be a digit picture: 1x39000000/,
  );
  await rejectsLenet(
    () => imageToMnist(Buffer.concat([PNG_SIGNATURE, ihdr(5100, 100, 8, 0)]), 'w.png'),
    /^w\.png: cannot be a digit picture: 5100x100/,
  );
});

test('PNG damage of every kind is "corrupt PNG (…)", never "no digit found" or a crash', async () => {
  const spec: PngSpec = {
    width: 20,
    height: 16,
    colorType: 0,
    bitDepth: 8,
    sample: (x, y) => [x > 5 && x < 14 && y > 3 && y < 12 ? 0 : 255],
  };
  const file = await encodePng(spec, { idatChunks: 2 });
  // Every cut of the file short of its IEND chunk.
  for (let cut = 1; cut < file.length - 12; cut++) {
    await rejectsLenet(
      () => imageToMnist(file.subarray(0, cut), 'cut.png'),
      cut < 8 ? /^cut\.png: (not a PNG or JPEG image|corrupt PNG)/ : /^cut\.png: corrupt PNG \(/,
    );
  }
  const data = zlib.deflateSync(Buffer.alloc(16 * 21));
  const cases: Array<[string, Buffer, RegExp]> = [
    [
      'the image data cut short',
      pngFile(spec, data.subarray(0, data.length - 8)),
      /corrupt PNG \(the image data end early: \d+ of 16 rows\)/,
    ],
    ['no image data', pngFile(spec, new Uint8Array(0)), /corrupt PNG \(the image data end early: 0 of 16 rows\)/],
    ['not zlib at all', pngFile(spec, Buffer.from('this is not a zlib stream')), /corrupt PNG \(damaged image data: /],
    ['a row filter 7', pngFile(spec, zlib.deflateSync(Buffer.alloc(21 * 16, 7))), /corrupt PNG \(unknown row filter 7\)/],
    [
      'a bad CRC in IHDR',
      Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr(20, 16, 8, 0).subarray(8, 21), true)]),
      /corrupt PNG \(CRC error in IHDR\)/,
    ],
    ['colour type 2 at 4 bits', Buffer.concat([PNG_SIGNATURE, ihdr(20, 16, 4, 2)]), /corrupt PNG \(colour type 2 with bit depth 4\)/],
    ['no width', Buffer.concat([PNG_SIGNATURE, ihdr(0, 16, 8, 0)]), /corrupt PNG \(its header declares 0x16 pixels\)/],
    [
      'a palette picture without its palette',
      pngFile({ ...spec, colorType: 3 }, data),
      /corrupt PNG \(a palette picture without its palette\)/,
    ],
    [
      'a palette index past the palette',
      pngFile({ ...spec, colorType: 3, palette: [[0, 0, 0]] }, zlib.deflateSync(Buffer.alloc(21 * 16, 1))),
      /corrupt PNG \(palette index 1 of 1 colours\)/,
    ],
    [
      'a flood of empty image data chunks',
      Buffer.concat([PNG_SIGNATURE, ihdr(20, 16, 8, 0), ...new Array<Buffer>(200_002).fill(pngChunk('IDAT', new Uint8Array(0)))]),
      /corrupt PNG \(more than 200000 chunks\)/,
    ],
    [
      'a flood of text chunks',
      Buffer.concat([PNG_SIGNATURE, ihdr(20, 16, 8, 0), ...new Array<Buffer>(10_001).fill(pngChunk('tEXt', Buffer.from('a\0b')))]),
      /corrupt PNG \(more than 10000 ancillary chunks\)/,
    ],
    [
      'an unknown critical chunk',
      Buffer.concat([PNG_SIGNATURE, ihdr(20, 16, 8, 0), pngChunk('ABCD', new Uint8Array(3)), pngChunk('IDAT', data)]),
      /corrupt PNG \(unknown critical chunk ABCD\)/,
    ],
  ];
  for (const [label, bytes, re] of cases) await rejectsLenet(() => imageToMnist(bytes, label), re);
  // Ancillary chunks (text, a colour profile) are passed over; a zlib stream holding far more than
  // the picture (a decompression bomb) is read only as far as the last row.
  const bomb = zlib.deflateSync(Buffer.concat([Buffer.alloc(21 * 16), Buffer.alloc(64 << 20)]));
  const bombed = await decode(
    pngFile(spec, bomb, { extra: [pngChunk('tEXt', Buffer.from('Comment\0hello')), pngChunk('iCCP', Buffer.alloc(300))] }),
  );
  assert.equal(bombed.width, 20);
  assert.ok(bombed.grey.every((v) => v === 0));
});

test('JPEG damage of every kind is "corrupt JPEG (…)" or "unsupported JPEG (…)", never a crash', async () => {
  const progressive = encodeJpeg({
    width: 24,
    height: 16,
    progressive: true,
    dcSuccessive: true,
    restartInterval: 2,
    components: [
      { h: 2, v: 2, sample: (x, y) => (x * 9 + y * 5) % 256 },
      { h: 1, v: 1, sample: () => 100 },
      { h: 1, v: 1, sample: () => 150 },
    ],
  });
  for (let cut = 3; cut < progressive.length - 2; cut++) {
    await rejectsLenet(() => imageToMnist(progressive.subarray(0, cut), 'cut.jpg'), /^cut\.jpg: corrupt JPEG \(/);
  }
  // Garbage in place of the entropy-coded data of each scan: a one-line error or a picture, never anything else.
  const rand = prng(5);
  for (let trial = 0; trial < 200; trial++) {
    const bytes = Buffer.from(progressive);
    for (let k = 0; k < 8; k++) bytes[300 + Math.floor(rand() * (bytes.length - 302))] = Math.floor(rand() * 256);
    try {
      await imageToMnist(bytes, 'noisy.jpg');
    } catch (err) {
      assert.ok(err instanceof LenetError, `trial ${trial}: ${(err as Error).stack}`);
      assert.match(err.message, /^noisy\.jpg: ((corrupt|unsupported) JPEG \([^\n]*\)|no digit found [^\n]*)$/);
    }
  }
  const soi = Buffer.from([0xff, 0xd8]);
  const seg = (marker: number, body: number[]) => Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['12-bit samples', Buffer.concat([soi, seg(0xc1, [12, 0, 8, 0, 8, 1, 1, 0x11, 0])]), /unsupported JPEG \(12-bit samples\)/],
    ['lossless', Buffer.concat([soi, seg(0xc3, [8, 0, 8, 0, 8, 1, 1, 0x11, 0])]), /unsupported JPEG \(lossless or hierarchical coding\)/],
    [
      'two components',
      Buffer.concat([soi, seg(0xc0, [8, 0, 8, 0, 8, 2, 1, 0x11, 0, 2, 0x11, 0])]),
      /unsupported JPEG \(2 colour components\)/,
    ],
    [
      'a scan before the frame',
      Buffer.concat([soi, seg(0xda, [1, 1, 0, 0, 63, 0])]),
      /corrupt JPEG \(image data before the frame header\)/,
    ],
    ['no frame at all', Buffer.concat([soi, Buffer.from([0xff, 0xd9])]), /corrupt JPEG \(no image data\)/],
    [
      'a flood of scans',
      encodeJpeg({
        width: 16,
        height: 16,
        progressive: true,
        dcSuccessive: true,
        dcRefinements: 120,
        components: [{ h: 1, v: 1, sample: () => 9 }],
      }),
      /corrupt JPEG \(inconsistent progression sequence \(coefficient 0 of component 1\)\)/,
    ],
    ['a zero sampling factor', Buffer.concat([soi, seg(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x01, 0])]), /corrupt JPEG \(sampling factors 0x1\)/],
    [
      'a frame of 0 pixels wide',
      Buffer.concat([soi, seg(0xc0, [8, 0, 8, 0, 0, 1, 1, 0x11, 0])]),
      /corrupt JPEG \(its header declares 0x8 pixels\)/,
    ],
  ];
  for (const [label, bytes, re] of cases) await rejectsLenet(() => imageToMnist(bytes, label), re);
});
