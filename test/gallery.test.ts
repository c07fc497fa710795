import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { digitPng, gallerySvg, mergeErrors, mostConfidentErrors, WrongDigit } from '../src/report/gallery';
import { fileSlug } from '../src/report/errors-section';
import { svgToPng } from '../src/report/plot';

/** One probability row of 10 with `p` on class `k` and the rest spread evenly. */
function row(k: number, p: number): number[] {
  return Array.from({ length: 10 }, (_, c) => (c === k ? p : (1 - p) / 9));
}

test('mostConfidentErrors: only wrong answers, the most confident first, ties by index', () => {
  const labels = [3, 1, 4, 1, 5, 9];
  const probs = [row(3, 0.9), row(7, 0.6), row(4, 0.99), row(7, 0.95), row(6, 0.6), row(9, 0.5)].flat();
  const worst = mostConfidentErrors(labels, probs, 5);
  assert.deepEqual(
    worst.map((w) => [w.index, w.label, w.predicted]),
    [
      [3, 1, 7],
      [1, 1, 7],
      [4, 5, 6],
    ],
  );
  assert.ok(Math.abs(worst[0].confidence - 0.95) < 1e-12);
  assert.equal(mostConfidentErrors(labels, probs, 1).length, 1);
});

test('mergeErrors keeps each test image once, with its most confident error over the seeds', () => {
  const d = (index: number, confidence: number, seed: number): WrongDigit => ({
    index,
    label: 1,
    predicted: 7,
    confidence,
    seed,
    pixels: new Uint8Array(4),
    rows: 2,
    cols: 2,
  });
  const merged = mergeErrors(
    [
      [d(5, 0.9, 1), d(8, 0.7, 1)],
      [d(5, 0.95, 2), d(2, 0.8, 2)],
    ],
    2,
  );
  assert.deepEqual(
    merged.map((m) => [m.index, m.seed]),
    [
      [5, 2],
      [2, 2],
    ],
  );
});

test('digitPng scales each pixel to a block; the gallery SVG has a tile and labels per digit and renders to PNG', () => {
  const png = PNG.sync.read(digitPng({ pixels: Uint8Array.from([0, 255, 128, 10]), rows: 2, cols: 2 }, 3));
  assert.equal(png.width, 6);
  assert.equal(png.height, 6);
  assert.equal(png.data[4 * (0 * 6 + 2)], 0, 'pixel (0,0) covers columns 0-2');
  assert.equal(png.data[4 * (0 * 6 + 3)], 255);
  assert.equal(png.data[4 * (5 * 6 + 5)], 10);
  const digit = (label: number, predicted: number, confidence: number): WrongDigit => ({
    index: label,
    label,
    predicted,
    confidence,
    seed: 1,
    pixels: new Uint8Array(784).fill(200),
    rows: 28,
    cols: 28,
  });
  const { svg, width } = gallerySvg(
    [
      { label: 'relu', digits: [digit(4, 9, 0.973), digit(7, 2, 0.5)], predictions: 1000, errors: 12 },
      { label: 'a<b', digits: [], predictions: 1000, errors: 0 },
    ],
    'most confident errors',
  );
  assert.equal((svg.match(/<image /g) ?? []).length, 2);
  assert.match(svg, /true 4 → <tspan[^>]*>9<\/tspan>/);
  assert.match(svg, />97\.3 % · s1</);
  assert.match(svg, />12 wrong of 1000</);
  assert.match(svg, /a&lt;b/, 'labels are escaped');
  assert.match(svg, /no test digit classified wrongly/);
  const out = PNG.sync.read(svgToPng(svg, width).png);
  assert.equal(out.width, width);
});

test('fileSlug makes schedule labels safe file names', () => {
  // A label lenet would not write (a separator in it) keeps its safe characters and gets a hash,
  // so that two such labels never share a file name.
  assert.match(fileSlug('relu/sigmoid/tanh'), /^relu_sigmoid_tanh~[0-9a-f]{16}$/);
  assert.notEqual(fileSlug('relu/sigmoid/tanh'), fileSlug('relu_sigmoid_tanh'));
  assert.equal(fileSlug('relu,tanh,relu'), 'relu_tanh_relu');
  assert.equal(fileSlug('tanh-relu'), 'tanh-relu');
});
