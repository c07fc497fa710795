/**
 * A digit picture of any size, PNG or JPEG, turned into what an MNIST digit is: a white digit on
 * black whose bounding box is scaled to fit 20×20 (aspect kept) and which sits in a 28×28 field
 * with its centre of mass at the centre (LeCun, Cortes & Burges, "The MNIST database"; see
 * MNIST_CENTRE for where that centre really is).
 *
 * Every picture a user hands over goes through decodePicture, the one bounded path from bytes to
 * pixels: the header is checked against the limits (picture.ts) before anything is decoded, the
 * decoders write 8-bit grey (and alpha) row by row, transparency is resolved in place, and the
 * steps after work on that one grey plane through a 256-entry table — no full-size copy in floats.
 * The run's own resize (28×28 → its image size) is the caller's next step.
 */
import * as fs from 'node:fs';
import { runtimeError } from '../errors';
import { decodeJpeg } from './jpeg-decoder';
import { decodePng } from './png-decoder';
import {
  bufferSource,
  ByteSource,
  checkDimensions,
  fileSource,
  GreyCanvas,
  MAX_INPUT_MEGAPIXELS,
  MAX_JPEG_FILE_BYTES,
  PictureProblem,
} from './picture';

export { MAX_INPUT_MEGAPIXELS };

/** MNIST's field and the box its digits are fitted into. */
export const MNIST_SIDE = 28;
export const MNIST_BOX = 20;
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

/** What is read from a pipe or a device, which cannot be read in pieces by position as a file is. */
const MAX_STREAM_BYTES = MAX_JPEG_FILE_BYTES;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A small picture of float values (the 20×20 fit, the 28×28 result): gray levels or ink 0..1. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

/** A picture's ink (0..1) without a copy: its grey plane and the ink of each of the 256 grey levels. */
export interface InkImage {
  width: number;
  height: number;
  grey: Uint8Array;
  ink: Float32Array;
}

export interface MnistInput {
  /** 28 × 28 bytes, white digit on black, as the MNIST files store them. */
  pixels: Uint8Array;
  /** The picture's background was light, so it was inverted. */
  inverted: boolean;
  width: number;
  height: number;
}

function formatOf(head: Uint8Array): 'png' | 'jpeg' | null {
  if (head.length >= 8 && PNG_SIGNATURE.every((b, i) => head[i] === b)) return 'png';
  // A start-of-image marker is a JPEG: junk bytes after it are skipped, as libjpeg and the decoder do.
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xd8) return 'jpeg';
  return null;
}

/** Width and height from a JPEG's frame header (SOFn), read segment by segment; null when none comes before the image data. */
async function jpegFrameSize(src: ByteSource): Promise<{ width: number; height: number } | null> {
  let pos = 2;
  for (let segments = 0; segments < 10000; segments++) {
    const m = await src.read(pos, 9);
    if (m.length < 4) return null;
    if (m[0] !== 0xff) {
      pos++; // junk between segments, skipped as the decoder skips it
      continue;
    }
    const marker = m[1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (m.length < 9) return null;
      return { height: (m[5] << 8) | m[6], width: (m[7] << 8) | m[8] };
    }
    pos += 2 + ((m[2] << 8) | m[3]);
  }
  return null;
}

/**
 * The one bounded path from a user's picture to pixels: PNG or JPEG bytes → 8-bit grey, with
 * transparency resolved (resolveTransparency). Every problem is one runtime-error line naming the picture.
 */
export async function decodePicture(src: ByteSource, name: string): Promise<GreyCanvas> {
  if (src.size === 0) throw runtimeError(`${name}: empty file`);
  const format = formatOf(await src.read(0, 8));
  if (format === null) throw runtimeError(`${name}: not a PNG or JPEG image`);
  try {
    let canvas: GreyCanvas;
    if (format === 'png') canvas = await decodePng(src);
    else {
      // The frame header first: a picture over the limits is refused before its data are read.
      const size = await jpegFrameSize(src);
      if (size) checkDimensions('JPEG', size.width, size.height);
      if (src.size > MAX_JPEG_FILE_BYTES) {
        throw new PictureProblem(`too large (a JPEG file of ${Math.ceil(src.size / 1e6)} MB, limit ${MAX_JPEG_FILE_BYTES / 1e6} MB)`);
      }
      canvas = decodeJpeg(await src.read(0, src.size));
    }
    resolveTransparency(canvas);
    return canvas;
  } catch (err) {
    if (err instanceof PictureProblem) throw runtimeError(`${name}: ${err.message}`);
    // The limits keep every allocation small; should one fail all the same (a machine short of memory), it is this picture's problem.
    if (err instanceof RangeError && /allocation failed/i.test(err.message))
      throw runtimeError(`${name}: too large to decode (${err.message})`);
    throw err;
  }
}

/** The k-th smallest (from 0) of the values counted in a 256-bin histogram. */
function kthOf(hist: Float64Array | Uint32Array, k: number): number {
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen > k) return v;
  }
  return 255;
}

/** The median of a 256-bin histogram of `count` values (the mean of the middle two for an even count). */
function histogramMedian(hist: Uint32Array, count: number): number {
  const mid = count >> 1;
  return count % 2 ? kthOf(hist, mid) : (kthOf(hist, mid - 1) + kthOf(hist, mid)) / 2;
}

/** Calls fn with the index of every pixel of the picture's outermost ring, each once. */
function forEachBorderPixel(width: number, height: number, fn: (i: number) => void): void {
  for (let x = 0; x < width; x++) {
    fn(x);
    if (height > 1) fn((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    fn(y * width);
    if (width > 1) fn(y * width + width - 1);
  }
}

/**
 * Resolves transparency in place, compositing every pixel on one background grey B:
 * - when the picture's outer ring is mostly transparent, the transparent canvas is the background
 *   and the visible pixels are the strokes: B is white for dark strokes and black for light ones
 *   (their median grey, weighted by opacity, decides), so black, white or coloured digits on a
 *   transparent canvas all stand out, and semi-transparent anti-aliasing becomes the grey rim it is;
 * - when the ring is mostly opaque, the picture carries its own paper: transparent pixels (rounded
 *   corners, holes) take the paper's grey, the median of the ring's opaque pixels.
 */
export function resolveTransparency(canvas: GreyCanvas): void {
  const { grey, alpha, width, height } = canvas;
  if (!alpha) return;
  const ringAlpha = new Uint32Array(256);
  const ringGrey = new Uint32Array(256);
  let ring = 0;
  let ringOpaque = 0;
  forEachBorderPixel(width, height, (i) => {
    ringAlpha[alpha[i]]++;
    ring++;
    if (alpha[i] >= 128) {
      ringGrey[grey[i]]++;
      ringOpaque++;
    }
  });
  let background: number;
  if (histogramMedian(ringAlpha, ring) < 128) {
    // Opacity summed per grey level (each bin stays below 2^53: 40 M pixels × 255).
    const strokes = new Float64Array(256);
    const n = grey.length;
    for (let i = 0; i < n; i++) {
      const a = alpha[i];
      if (a !== 0) strokes[grey[i]] += a;
    }
    let weight = 0;
    for (let v = 0; v < 256; v++) weight += strokes[v];
    // A weighted median: the grey level below which half the opacity lies.
    let strokeGrey = 0;
    let seen = 0;
    for (let v = 0; v < 256 && weight > 0; v++) {
      seen += strokes[v];
      if (seen >= weight / 2) {
        strokeGrey = v;
        break;
      }
    }
    background = weight === 0 || strokeGrey < 128 ? 255 : 0;
  } else {
    background = Math.round(histogramMedian(ringGrey, ringOpaque));
  }
  // grey = (a·g + (255 − a)·B) / 255, rounded; B may be a fraction (a median), so its part is taken once per alpha.
  const behind = Float64Array.from({ length: 256 }, (_, a) => (255 - a) * background + 127.5);
  for (let i = 0, n = grey.length; i < n; i++) {
    const a = alpha[i];
    if (a !== 255) grey[i] = ((a * grey[i] + behind[a]) / 255) | 0;
  }
  canvas.alpha = null;
}

/**
 * Ink in 0..1: the picture inverted when its background (the median of the border) is light,
 * then stretched so the background is 0 and the strongest stroke 1. MNIST stores white digits on
 * exact black; a photo's grey paper would otherwise read as faint ink everywhere.
 */
export function toInk(gray: { width: number; height: number; grey: Uint8Array }, name = 'image'): { ink: InkImage; inverted: boolean } {
  const { width, height, grey } = gray;
  const hist = new Uint32Array(256);
  let ring = 0;
  forEachBorderPixel(width, height, (i) => {
    hist[grey[i]]++;
    ring++;
  });
  const background = histogramMedian(hist, ring);
  const inverted = background > 127.5;
  const present = new Uint8Array(256);
  for (let i = 0; i < grey.length; i++) present[grey[i]] = 1;
  let max = 0;
  for (let g = 0; g < 256; g++) if (present[g]) max = Math.max(max, inverted ? 255 - g : g);
  const bg = inverted ? 255 - background : background;
  if (max - bg < MIN_CONTRAST) throw runtimeError(`${name}: no digit found (the image is blank or has almost no contrast)`);
  const ink = new Float32Array(256);
  for (let g = 0; g < 256; g++) ink[g] = Math.max(0, ((inverted ? 255 - g : g) - bg) / (max - bg));
  return { ink: { width, height, grey, ink }, inverted };
}

/** An ink image of a small float picture (tests, and values already 0..1): its levels rounded to 1/255. */
export function inkOf(img: GrayImage): InkImage {
  const grey = Uint8Array.from(img.pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  return { width: img.width, height: img.height, grey, ink: Float32Array.from({ length: 256 }, (_, g) => g / 255) };
}

/** The smallest rectangle holding every pixel with ink above the threshold, or null. */
export function inkBoundingBox(img: InkImage, threshold = INK_THRESHOLD): { x: number; y: number; width: number; height: number } | null {
  const inked = new Uint8Array(256);
  for (let g = 0; g < 256; g++) inked[g] = img.ink[g] > threshold ? 1 : 0;
  const { width, height, grey } = img;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (inked[grey[row + x]]) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
    if (y < y0) y0 = y;
    y1 = y;
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * Area resampling of a rectangle of `src` to outW × outH: each output pixel is the mean of the
 * source area it covers (fractional pixels weighted by coverage), so thin strokes of a large
 * picture fade to grey rather than vanish or alias.
 */
export function resampleArea(
  src: InkImage,
  box: { x: number; y: number; width: number; height: number },
  outW: number,
  outH: number,
): GrayImage {
  const out = new Float32Array(outW * outH);
  const sx = box.width / outW;
  const sy = box.height / outH;
  const { grey, ink, width } = src;
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
          sum += wx * wy * ink[grey[y * width + x]];
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
export function fitLikeMnist(ink: InkImage, name = 'image'): Uint8Array {
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

async function toMnist(src: ByteSource, name: string): Promise<MnistInput> {
  const canvas = await decodePicture(src, name);
  const { ink, inverted } = toInk(canvas, name);
  return { pixels: fitLikeMnist(ink, name), inverted, width: canvas.width, height: canvas.height };
}

/** PNG or JPEG bytes already in memory → a 28×28 MNIST-style digit. `name` is used in error messages. */
export function imageToMnist(bytes: Uint8Array, name: string): Promise<MnistInput> {
  return toMnist(bufferSource(bytes), name);
}

/** A picture file → a 28×28 MNIST-style digit; the file is read in pieces (a PNG) or whole up to a limit (a JPEG). */
export async function pictureFileToMnist(file: string): Promise<MnistInput> {
  let handle: fs.promises.FileHandle;
  try {
    // Never blocks in open: a FIFO with no writer (or a device waiting for one) would hang it for ever.
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw unreadable(file, err);
  }
  try {
    let stat: fs.Stats;
    try {
      stat = await handle.stat();
    } catch (err) {
      throw unreadable(file, err);
    }
    if (stat.isDirectory()) throw unreadable(file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
    // A pipe or a device (`<(curl …)`, /dev/stdin) cannot be read by position: its bytes are taken up to a limit.
    const src = stat.isFile() ? fileSource(handle, stat.size) : bufferSource(await readStream(handle, file, stat.isFIFO()));
    return await toMnist(src, file);
  } catch (err) {
    // A read that fails on the way (EIO, a file truncated under us) is this picture's problem only.
    if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && err.name !== 'LenetError')
      throw unreadable(file, err);
    throw err;
  } finally {
    await handle.close();
  }
}

/** How long a named pipe may stay without a writer, and a pipe or device without a byte, before it is refused. */
export const PIPE_WAIT = { noWriterMs: 5000, idleMs: 60_000 };

/**
 * The bytes of a pipe or device (opened non-blocking), refused as soon as they cannot be a picture
 * or pass MAX_STREAM_BYTES, and when nothing comes: a FIFO that no writer opens within
 * PIPE_WAIT.noWriterMs, or any pipe or device silent for PIPE_WAIT.idleMs.
 */
async function readStream(handle: fs.promises.FileHandle, name: string, fifo: boolean): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let total = 0;
  const began = Date.now();
  let lastByte = began;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  for (;;) {
    const buf = Buffer.allocUnsafe(1 << 20);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buf, 0, buf.length, null));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw err;
      if (Date.now() - lastByte > PIPE_WAIT.idleMs)
        throw runtimeError(`${name}: nothing came from this pipe or device in ${PIPE_WAIT.idleMs / 1000} s`);
      await pause();
      continue;
    }
    if (bytesRead === 0) {
      // A FIFO reads as ended while no writer has it open: one may still come.
      if (fifo && total === 0) {
        if (Date.now() - began < PIPE_WAIT.noWriterMs) {
          await pause();
          continue;
        }
        throw runtimeError(`${name}: a named pipe that nothing was written to in ${PIPE_WAIT.noWriterMs / 1000} s`);
      }
      break;
    }
    lastByte = Date.now();
    parts.push(buf.subarray(0, bytesRead));
    total += bytesRead;
    if (total >= 8 && parts.length === 1 && formatOf(parts[0]) === null) throw runtimeError(`${name}: not a PNG or JPEG image`);
    if (total > MAX_STREAM_BYTES) throw runtimeError(`${name}: too large (more than ${MAX_STREAM_BYTES / 1e6} MB from a pipe or device)`);
  }
  return Buffer.concat(parts);
}

function unreadable(file: string, err: unknown) {
  const code = (err as NodeJS.ErrnoException).code;
  return runtimeError(
    `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? (err as Error).message})`}`,
  );
}
