/**
 * The gallery of the test digits each schedule gets most confidently wrong: one row per schedule,
 * each digit as the model's data set stores it (white on black), with its true and predicted
 * class and the confidence of the wrong answer. Built as an SVG of embedded PNG tiles and text,
 * rendered to PNG by resvg like the charts. Works on plain arrays.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { runtimeError } from '../errors';
import { htmlEscape } from './format';
import { writeFileAtomic } from '../rundir/atomic';
import { svgToPng } from './plot';
import { argmaxRow } from '../inference/predictions';

/** One test digit a model classified wrongly. */
export interface WrongDigit {
  /** Index in the test set. */
  index: number;
  label: number;
  predicted: number;
  /** The probability the model gave its (wrong) answer. */
  confidence: number;
  /** The seed of the run whose model erred (several seeds may err on one digit: the most confident is kept). */
  seed?: number;
  /** rows × cols bytes, as stored. */
  pixels: Uint8Array;
  rows: number;
  cols: number;
}

export interface GalleryRow {
  label: string;
  digits: WrongDigit[];
  /** Test images the row's models saw (summed over seeds), to say how rare the errors are. */
  predictions: number;
  errors: number;
}

/**
 * The `k` wrongly classified images with the highest confidence in their wrong answer, most
 * confident first (ties: lower index first). `probs` holds one row of `classes` per image.
 */
export function mostConfidentErrors(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  k: number,
  classes = 10,
): Array<{ index: number; label: number; predicted: number; confidence: number }> {
  const wrong: Array<{ index: number; label: number; predicted: number; confidence: number }> = [];
  for (let i = 0; i < labels.length; i++) {
    const best = argmaxRow(probs, i, classes);
    if (best !== labels[i]) wrong.push({ index: i, label: labels[i], predicted: best, confidence: probs[i * classes + best] });
  }
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return wrong.slice(0, k);
}

/**
 * Merges the errors of several models of one schedule (its seeds): each test image once, with
 * the most confident of its errors, then the `k` most confident overall.
 */
export function mergeErrors(lists: readonly WrongDigit[][], k: number): WrongDigit[] {
  const byIndex = new Map<number, WrongDigit>();
  for (const list of lists) {
    for (const d of list) {
      const seen = byIndex.get(d.index);
      if (!seen || d.confidence > seen.confidence) byIndex.set(d.index, d);
    }
  }
  return [...byIndex.values()].sort((a, b) => b.confidence - a.confidence || a.index - b.index).slice(0, k);
}

/** A digit as a PNG, each pixel a scale × scale block (kept sharp: no smoothing of 28 pixels). */
export function digitPng(d: { pixels: Uint8Array; rows: number; cols: number }, scale: number): Buffer {
  const png = new PNG({ width: d.cols * scale, height: d.rows * scale });
  for (let y = 0; y < d.rows * scale; y++) {
    for (let x = 0; x < d.cols * scale; x++) {
      const v = d.pixels[Math.floor(y / scale) * d.cols + Math.floor(x / scale)];
      const o = 4 * (y * d.cols * scale + x);
      png.data[o] = v;
      png.data[o + 1] = v;
      png.data[o + 2] = v;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

const SCALE = 3;
const LABEL_WIDTH = 150;
const TILE_GAP = 14;
const TEXT_HEIGHT = 34;
const ROW_GAP = 18;
const TITLE_HEIGHT = 34;
const FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"';

function percent(x: number): string {
  return `${(100 * x).toFixed(x >= 0.9995 ? 2 : 1)} %`;
}

/** The gallery as a standalone SVG (tiles embedded as data: PNGs, so the file needs nothing else). */
export function gallerySvg(rows: readonly GalleryRow[], title: string): { svg: string; width: number; height: number } {
  const tileSide = Math.max(28, ...rows.flatMap((r) => r.digits.map((d) => Math.max(d.rows, d.cols)))) * SCALE;
  const perRow = Math.max(1, ...rows.map((r) => r.digits.length));
  const width = LABEL_WIDTH + perRow * (tileSide + TILE_GAP);
  const rowHeight = tileSide + TEXT_HEIGHT + ROW_GAP;
  const height = TITLE_HEIGHT + rows.length * rowHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="4" y="20" ${FONT} font-size="15" font-weight="bold" fill="#222">${htmlEscape(title)}</text>`,
  ];
  rows.forEach((row, r) => {
    const top = TITLE_HEIGHT + r * rowHeight;
    parts.push(`<text x="4" y="${top + 20}" ${FONT} font-size="14" font-weight="bold" fill="#222">${htmlEscape(row.label)}</text>`);
    parts.push(`<text x="4" y="${top + 40}" ${FONT} font-size="11" fill="#555">${row.errors} wrong of ${row.predictions}</text>`);
    if (row.digits.length === 0)
      parts.push(`<text x="${LABEL_WIDTH}" y="${top + 20}" ${FONT} font-size="12" fill="#555">no test digit classified wrongly</text>`);
    row.digits.forEach((d, i) => {
      const left = LABEL_WIDTH + i * (tileSide + TILE_GAP);
      const href = `data:image/png;base64,${digitPng(d, SCALE).toString('base64')}`;
      parts.push(
        `<image x="${left}" y="${top}" width="${d.cols * SCALE}" height="${d.rows * SCALE}" image-rendering="optimizeSpeed" style="image-rendering:pixelated" href="${href}" xlink:href="${href}"/>`,
      );
      parts.push(
        `<text x="${left}" y="${top + tileSide + 14}" ${FONT} font-size="12" fill="#222">true ${d.label} → <tspan fill="#c62828" font-weight="bold">${d.predicted}</tspan></text>`,
      );
      parts.push(
        `<text x="${left}" y="${top + tileSide + 28}" ${FONT} font-size="11" fill="#555">${percent(d.confidence)}${d.seed !== undefined ? ` · s${d.seed}` : ''}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return { svg: parts.join('\n'), width, height };
}

/** Writes gallery.svg and gallery.png into dir. */
export function writeGallery(dir: string, rows: readonly GalleryRow[], title: string): { svg: string; files: string[] } {
  const { svg, width } = gallerySvg(rows, title);
  const { png } = svgToPng(svg, width);
  const files = [path.join(dir, 'gallery.svg'), path.join(dir, 'gallery.png')];
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(files[0], svg);
    writeFileAtomic(files[1], png);
  } catch (err) {
    throw runtimeError(`cannot write the gallery into ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { svg, files };
}
