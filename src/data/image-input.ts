/**
 * A digit picture of any size, PNG or JPEG, turned into what an MNIST digit is: a white digit on
 * black whose bounding box is scaled to fit 20×20 (aspect kept) and which sits in a 28×28 field
 * with its centre of mass at the centre (LeCun, Cortes & Burges, "The MNIST database"; see
 * MNIST_CENTRE for where that centre really is).
 * The run's own resize (28×28 → its image size) is the caller's next step.
 */
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { runtimeError } from '../errors';

/** MNIST's field and the box its digits are fitted into. */
export const MNIST_SIDE = 28;
export const MNIST_BOX = 20;
/** Larger pictures are refused before decoding: a digit needs no more, and a huge one could exhaust memory. */
export const MAX_INPUT_MEGAPIXELS = 40;
/**
 * Ink (after background removal, 0..1) above which a pixel belongs to the digit's bounding box:
 * low enough to keep the faint anti-aliased rim MNIST counts in its 20-pixel box (at 0.05, 85 %
 * of the first 2000 test digits come back bit-identical), high enough to ignore JPEG noise.
 */
export const INK_THRESHOLD = 0.05;
/**
 * Where the centre of mass goes, in pixel-centre coordinates: pixel (14, 14) counted from 0. The
 * MNIST test digits' mean centre of mass is there (14.51, 14.49), not at the field's middle (14.0).
 */
export const MNIST_CENTRE = 14.5;
/** A picture whose darkest and lightest ink differ by less than this (of 255) holds no digit. */
const MIN_CONTRAST = 16;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes. */
  data: Uint8Array;
}

export interface GrayImage {
  width: number;
  height: number;
  /** width × height values; for gray levels 0..255, for ink 0..1. */
  pixels: Float32Array;
}

export interface MnistInput {
  /** 28 × 28 bytes, white digit on black, as the MNIST files store them. */
  pixels: Uint8Array;
  /** The picture's background was light, so it was inverted. */
  inverted: boolean;
  width: number;
  height: number;
}

function formatOf(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

function checkDimensions(name: string, width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw runtimeError(`${name}: the image has no pixels (${width}x${height})`);
  if (width * height > MAX_INPUT_MEGAPIXELS * 1e6) {
    throw runtimeError(`${name}: ${width}x${height} is larger than ${MAX_INPUT_MEGAPIXELS} megapixels; scale it down first`);
  }
}

/** Decodes PNG or JPEG bytes to RGBA; every problem is one runtime-error line naming the file. */
export function decodeImage(bytes: Uint8Array, name: string): RgbaImage {
  if (bytes.length === 0) throw runtimeError(`${name}: empty file`);
  const format = formatOf(bytes);
  if (format === null) throw runtimeError(`${name}: not a PNG or JPEG image`);
  if (format === 'png') {
    // IHDR follows the signature: length, "IHDR", width, height (big-endian).
    if (bytes.length >= 24) checkDimensions(name, Buffer.from(bytes).readUInt32BE(16), Buffer.from(bytes).readUInt32BE(20));
    let png: PNG;
    try {
      png = PNG.sync.read(Buffer.from(bytes));
    } catch (err) {
      // pngjs words a file that ends early as a stream problem.
      const problem = /finished stream|unexpected end/i.test(firstLine(err)) ? 'the file ends early' : firstLine(err);
      throw runtimeError(`${name}: corrupt PNG (${problem})`);
    }
    checkDimensions(name, png.width, png.height);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_INPUT_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
  } catch (err) {
    throw runtimeError(`${name}: corrupt JPEG (${firstLine(err)})`);
  }
  checkDimensions(name, img.width, img.height);
  if (img.data.length !== img.width * img.height * 4)
    throw runtimeError(`${name}: corrupt JPEG (${img.data.length} bytes of pixels for ${img.width}x${img.height})`);
  return img;
}

/**
 * Gray levels 0..255 (ITU-R BT.601 luma), with transparent pixels composited on white: a digit
 * drawn on a transparent canvas is a dark digit on a light page, as it looks in any viewer.
 */
export function toGray(img: RgbaImage): GrayImage {
  const n = img.width * img.height;
  const pixels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = img.data[4 * i];
    const g = img.data[4 * i + 1];
    const b = img.data[4 * i + 2];
    const a = img.data[4 * i + 3] / 255;
    pixels[i] = a * (0.299 * r + 0.587 * g + 0.114 * b) + (1 - a) * 255;
  }
  return { width: img.width, height: img.height, pixels };
}

function median(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The pixels of the outermost ring (the background, for a digit that does not touch the edge). */
function borderPixels(img: GrayImage): Float32Array {
  const { width: w, height: h, pixels } = img;
  const out: number[] = [];
  for (let x = 0; x < w; x++) {
    out.push(pixels[x]);
    if (h > 1) out.push(pixels[(h - 1) * w + x]);
  }
  for (let y = 1; y < h - 1; y++) {
    out.push(pixels[y * w]);
    if (w > 1) out.push(pixels[y * w + w - 1]);
  }
  return Float32Array.from(out);
}

/**
 * Ink in 0..1: the picture inverted when its background (the median of the border) is light,
 * then stretched so the background is 0 and the strongest stroke 1. MNIST stores white digits on
 * exact black; a photo's grey paper would otherwise read as faint ink everywhere.
 */
export function toInk(gray: GrayImage, name = 'image'): { ink: GrayImage; inverted: boolean } {
  const background = median(borderPixels(gray));
  const inverted = background > 127.5;
  const n = gray.pixels.length;
  const raw = new Float32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    raw[i] = inverted ? 255 - gray.pixels[i] : gray.pixels[i];
    if (raw[i] > max) max = raw[i];
  }
  const bg = inverted ? 255 - background : background;
  if (max - bg < MIN_CONTRAST) throw runtimeError(`${name}: no digit found (the image is blank or has almost no contrast)`);
  const pixels = new Float32Array(n);
  for (let i = 0; i < n; i++) pixels[i] = Math.max(0, (raw[i] - bg) / (max - bg));
  return { ink: { width: gray.width, height: gray.height, pixels }, inverted };
}

/** The smallest rectangle holding every pixel with ink above the threshold, or null. */
export function inkBoundingBox(ink: GrayImage, threshold = INK_THRESHOLD): { x: number; y: number; width: number; height: number } | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.pixels[y * ink.width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * Area resampling of a rectangle of `src` to outW × outH: each output pixel is the mean of the
 * source area it covers (fractional pixels weighted by coverage), so thin strokes of a large
 * picture fade to grey rather than vanish or alias.
 */
export function resampleArea(
  src: GrayImage,
  box: { x: number; y: number; width: number; height: number },
  outW: number,
  outH: number,
): GrayImage {
  const out = new Float32Array(outW * outH);
  const sx = box.width / outW;
  const sy = box.height / outH;
  for (let oy = 0; oy < outH; oy++) {
    const fy0 = box.y + oy * sy;
    const fy1 = fy0 + sy;
    for (let ox = 0; ox < outW; ox++) {
      const fx0 = box.x + ox * sx;
      const fx1 = fx0 + sx;
      let sum = 0;
      for (let y = Math.floor(fy0); y < Math.ceil(fy1); y++) {
        const wy = Math.min(fy1, y + 1) - Math.max(fy0, y);
        if (wy <= 0) continue;
        for (let x = Math.floor(fx0); x < Math.ceil(fx1); x++) {
          const wx = Math.min(fx1, x + 1) - Math.max(fx0, x);
          if (wx <= 0) continue;
          sum += wx * wy * src.pixels[y * src.width + x];
        }
      }
      out[oy * outW + ox] = sum / (sx * sy);
    }
  }
  return { width: outW, height: outH, pixels: out };
}

/** The centre of mass in pixel-centre coordinates (pixel i spans [i, i+1), its centre is i + 0.5). */
export function centreOfMass(img: GrayImage): { x: number; y: number } {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.pixels[y * img.width + x];
      total += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return total === 0 ? { x: img.width / 2, y: img.height / 2 } : { x: sx / total, y: sy / total };
}

/**
 * MNIST's normalisation of ink (0..1): the digit's bounding box scaled so its longer side is 20
 * pixels (aspect kept), the strongest pixel stretched back to 1, then placed in a 28×28 field
 * shifted by whole pixels so its centre of mass lands nearest pixel (14, 14), where MNIST's are.
 * An MNIST digit passed through comes back (nearly always exactly) as it was. Returns 28×28 bytes.
 */
export function fitLikeMnist(ink: GrayImage, name = 'image'): Uint8Array {
  const box = inkBoundingBox(ink);
  if (box === null) throw runtimeError(`${name}: no digit found (the image is blank)`);
  const scale = MNIST_BOX / Math.max(box.width, box.height);
  const outW = Math.max(1, Math.min(MNIST_BOX, Math.round(box.width * scale)));
  const outH = Math.max(1, Math.min(MNIST_BOX, Math.round(box.height * scale)));
  const fitted = resampleArea(ink, box, outW, outH);
  let max = 0;
  for (const v of fitted.pixels) if (v > max) max = v;
  const com = centreOfMass(fitted);
  const left = Math.round(MNIST_CENTRE - com.x);
  const top = Math.round(MNIST_CENTRE - com.y);
  const out = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < outH; y++) {
    const ty = y + top;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < outW; x++) {
      const tx = x + left;
      if (tx < 0 || tx >= MNIST_SIDE) continue;
      out[ty * MNIST_SIDE + tx] = Math.round((255 * fitted.pixels[y * outW + x]) / max);
    }
  }
  return out;
}

/** A PNG or JPEG file's bytes → a 28×28 MNIST-style digit. `name` is used in error messages. */
export function imageToMnist(bytes: Uint8Array, name: string): MnistInput {
  const rgba = decodeImage(bytes, name);
  const { ink, inverted } = toInk(toGray(rgba), name);
  return { pixels: fitLikeMnist(ink, name), inverted, width: rgba.width, height: rgba.height };
}
