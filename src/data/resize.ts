/**
 * Resizing the 28x28 MNIST bytes to the network's square input. The paper's LeNet-5 takes 36x36,
 * so each digit is either padded (exact pixels, the digit occupies the same fraction of the frame
 * as the classic 32x32 LeNet input) or bilinearly upscaled.
 *
 * A Resizer holds everything that depends only on the geometry (which source pixels and weights
 * feed each output pixel), computed once, and touches only the part of each image that holds the
 * digit. That makes it cheap enough to resize each batch as it is gathered instead of keeping the
 * whole set as floats (60000 x 36 x 36 x 4 bytes = 311 MB).
 */
import { LenetError, usageError } from '../errors';
import { InputScale, RESIZE_MODES, ResizeMode } from '../options/types';

export { RESIZE_MODES, ResizeMode };
export type { InputScale };

/** Keeps a typo like --size 36000 a usage error instead of an out-of-memory crash. */
export const MAX_IMAGE_SIZE = 1024;

const INV_255 = 1 / 255;

/** What a resized pixel is multiplied by: 1/255 for [0, 1] (every run before --input-scale), 1 for the raw bytes. */
function pixelFactor(scale: InputScale): number {
  return scale === 'raw' ? 1 : INV_255;
}

export function checkImageSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_IMAGE_SIZE) {
    throw usageError(`image size must be an integer from 1 to ${MAX_IMAGE_SIZE}, got ${size}`);
  }
}

export function checkResizeMode(mode: string): asserts mode is ResizeMode {
  if (!(RESIZE_MODES as readonly string[]).includes(mode)) {
    throw usageError(`unknown resize mode ${String(mode)}; expected bilinear or pad`);
  }
}

/** Resizes one rows x cols uint8 image at a time to size x size floats in [0,1] (pixel/255). */
export interface Resizer {
  readonly rows: number;
  readonly cols: number;
  readonly size: number;
  readonly mode: ResizeMode;
  readonly scale: InputScale;
  /**
   * Writes all size*size output pixels of the image whose first byte is pixels[inBase] to
   * out[outBase...]. Every output pixel is written (padding included), so `out` may be reused.
   */
  resizeInto(pixels: Uint8Array, inBase: number, out: Float32Array, outBase: number): void;
}

/**
 * Per-axis source taps for bilinear resampling. Uses half-pixel centres
 * (src = (dst + 0.5) * in/out - 0.5, clamped to the edge), i.e.
 * tf.image.resizeBilinear(..., alignCorners=false, halfPixelCenters=true), OpenCV INTER_LINEAR
 * and PIL's bilinear when upscaling. Chosen because it keeps the digit centred: the legacy TF
 * mapping (src = dst * in/out) shifts content by half an input pixel toward the top-left.
 * The weight is rounded to float32: the numbers of every run so far were computed that way.
 */
function bilinearTaps(inLen: number, outLen: number): { i0: Int32Array; i1: Int32Array; w1: Float32Array } {
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
}

/**
 * The smallest rectangle holding every nonzero pixel of one image: rows top..bottom, columns
 * left..right (inclusive), written to `box`; false if the image is blank. MNIST digits fill about
 * half of their frame, and a zero neighbourhood resizes to exactly +0 in either mode, so the
 * resizers compute only the output pixels this rectangle reaches: same bits, half the work.
 */
function contentBox(pixels: Uint8Array, inBase: number, rows: number, cols: number, box: Int32Array): boolean {
  let top = 0;
  while (top < rows && isBlankRow(pixels, inBase + top * cols, cols)) top++;
  if (top === rows) return false;
  let bottom = rows - 1;
  while (isBlankRow(pixels, inBase + bottom * cols, cols)) bottom--;
  let left = cols - 1;
  let right = 0;
  for (let base = inBase + top * cols, end = inBase + bottom * cols; base <= end; base += cols) {
    // Only the part outside the columns found so far needs looking at.
    let c = 0;
    while (c < left && pixels[base + c] === 0) c++;
    left = c;
    c = cols - 1;
    while (c > right && pixels[base + c] === 0) c--;
    right = c;
  }
  box[0] = top;
  box[1] = bottom;
  box[2] = left;
  box[3] = right;
  return true;
}

function isBlankRow(pixels: Uint8Array, start: number, cols: number): boolean {
  for (let i = start, end = start + cols; i < end; i++) if (pixels[i] !== 0) return false;
  return true;
}

/**
 * For each source index i, the first output whose taps reach i or beyond (i1 >= i) and the last
 * whose taps start at i or before (i0 <= i): outputs outside firstFrom[lo]..lastTo[hi] read only
 * source pixels outside lo..hi.
 */
function outputRanges(taps: { i0: Int32Array; i1: Int32Array }, inLen: number): { firstFrom: Int32Array; lastTo: Int32Array } {
  const outLen = taps.i0.length;
  const firstFrom = new Int32Array(inLen);
  const lastTo = new Int32Array(inLen);
  for (let i = 0; i < inLen; i++) {
    let o = 0;
    while (o < outLen - 1 && taps.i1[o] < i) o++;
    firstFrom[i] = o;
    o = outLen - 1;
    while (o > 0 && taps.i0[o] > i) o--;
    lastTo[i] = o;
  }
  return { firstFrom, lastTo };
}

/**
 * Bilinear, separably: each source row is first interpolated horizontally to `size` columns
 * (top or bottom = p0 + (p1 - p0) * wx, in doubles, kept exact in a Float64Array), then each
 * output pixel interpolates two of those rows, (top + (bottom - top) * wy) / 255, rounded once to
 * float32 on store. That is the same arithmetic, operation for operation, as interpolating every
 * output pixel from its four source pixels, with a horizontal step per source row instead of two
 * per output pixel. Keep these operations as they are or earlier runs stop being reproducible.
 */
function bilinearResizer(rows: number, cols: number, size: number, scale: InputScale): Resizer {
  const factor = pixelFactor(scale);
  const ty = bilinearTaps(rows, size);
  const tx = bilinearTaps(cols, size);
  const x0 = tx.i0;
  const x1 = tx.i1;
  const y0 = ty.i0;
  const y1 = ty.i1;
  // Float64 copies of the float32 weights: the same values, read without a conversion.
  const wx = Float64Array.from(tx.w1);
  const wy = Float64Array.from(ty.w1);
  const outRows = outputRanges(ty, rows);
  const outCols = outputRanges(tx, cols);
  /** Scratch: the current image's rows interpolated horizontally (one image at a time). */
  const horizontal = new Float64Array(rows * size);
  const box = new Int32Array(4);
  return {
    rows,
    cols,
    size,
    mode: 'bilinear',
    scale,
    resizeInto(pixels, inBase, out, outBase) {
      out.fill(0, outBase, outBase + size * size);
      if (!contentBox(pixels, inBase, rows, cols, box)) return;
      const oyFirst = outRows.firstFrom[box[0]];
      const oyLast = outRows.lastTo[box[1]];
      const oxFirst = outCols.firstFrom[box[2]];
      const oxLast = outCols.lastTo[box[3]];
      for (let r = y0[oyFirst]; r <= y1[oyLast]; r++) {
        const src = inBase + r * cols;
        const dst = r * size;
        for (let ox = oxFirst; ox <= oxLast; ox++) {
          const p0 = pixels[src + x0[ox]];
          horizontal[dst + ox] = p0 + (pixels[src + x1[ox]] - p0) * wx[ox];
        }
      }
      for (let oy = oyFirst; oy <= oyLast; oy++) {
        const r0 = y0[oy] * size;
        const r1 = y1[oy] * size;
        const w = wy[oy];
        const o = outBase + oy * size;
        for (let ox = oxFirst; ox <= oxLast; ox++) {
          const top = horizontal[r0 + ox];
          out[o + ox] = (top + (horizontal[r1 + ox] - top) * w) * factor;
        }
      }
    },
  };
}

/**
 * Pad: the image centred on a zero canvas, offset floor((size - rows) / 2), so 28 -> 36 puts
 * pixel (r, c) at (r + 4, c + 4).
 */
function padResizer(rows: number, cols: number, size: number, scale: InputScale): Resizer {
  const factor = pixelFactor(scale);
  const first = Math.floor((size - rows) / 2) * size + Math.floor((size - cols) / 2);
  const box = new Int32Array(4);
  return {
    rows,
    cols,
    size,
    mode: 'pad',
    scale,
    resizeInto(pixels, inBase, out, outBase) {
      out.fill(0, outBase, outBase + size * size);
      if (!contentBox(pixels, inBase, rows, cols, box)) return;
      for (let r = box[0]; r <= box[1]; r++) {
        const ri = inBase + r * cols;
        const ro = outBase + first + r * size;
        for (let c = box[2]; c <= box[3]; c++) out[ro + c] = pixels[ri + c] * factor;
      }
    },
  };
}

/** The resizer for rows x cols images to size x size; refuses a size or mode that cannot work. */
export function createResizer(rows: number, cols: number, size: number, mode: ResizeMode, scale: InputScale = 'unit'): Resizer {
  checkImageSize(size);
  checkResizeMode(mode);
  if (mode === 'pad' && (size < rows || size < cols)) {
    throw usageError(`resize mode pad needs a size of at least the image size ${rows}x${cols}, got ${size}`);
  }
  return mode === 'pad' ? padResizer(rows, cols, size, scale) : bilinearResizer(rows, cols, size, scale);
}

/** Resizes `count` consecutive uint8 images of rows x cols at once (see createResizer). */
export function resizeImages(
  pixels: Uint8Array,
  count: number,
  rows: number,
  cols: number,
  size: number,
  mode: ResizeMode,
  scale: InputScale = 'unit',
): Float32Array {
  const resizer = createResizer(rows, cols, size, mode, scale);
  if (pixels.length !== count * rows * cols) {
    throw new LenetError(`resizeImages: got ${pixels.length} pixels for ${count} images of ${rows}x${cols}`, 1);
  }
  const inPer = rows * cols;
  const outPer = size * size;
  const out = new Float32Array(count * outPer);
  for (let n = 0; n < count; n++) resizer.resizeInto(pixels, n * inPer, out, n * outPer);
  return out;
}
