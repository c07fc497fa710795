/**
 * A set of labelled images as training and evaluation read it: batch by batch, as floats.
 * MNIST's sets keep the raw bytes and resize each batch when it is gathered; the floats of a
 * whole training set would take 5-7 times the memory (4 bytes a pixel, 36x36 instead of 28x28).
 */
import { InputScale, ResizeMode, Resizer } from './resize';

/** The raw bytes behind a set and how gather resizes them: enough to resize elsewhere, bit for bit. */
export interface RawImages {
  /** count * rows * cols bytes. */
  readonly pixels: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  readonly mode: ResizeMode;
  /** unit: pixel/255, as the fused engine's own resizer computes; raw: the bytes as floats. */
  readonly scale: InputScale;
}

export interface ImageSet {
  readonly count: number;
  /** Side length of the images gather and slice return. */
  readonly size: number;
  /** count labels, digits 0-9. */
  readonly labels: Uint8Array;
  /**
   * The images at `indices`, in that order, in a fresh buffer (tfjs keeps the array it is
   * given): indices.length * size * size floats in [0,1], NHWC with C=1.
   */
  gather(indices: ArrayLike<number>): Float32Array;
  /** Images start to end-1, as gather would return them. */
  slice(start: number, end: number): Float32Array;
  /** The raw images, when the set resizes on demand (the fused engine then resizes them itself). */
  readonly raw?: RawImages;
}

/** count raw images (resizer.rows x resizer.cols bytes each), resized on demand. */
export class ResizedImageSet implements ImageSet {
  readonly count: number;
  readonly size: number;
  private readonly inPer: number;
  private readonly outPer: number;

  constructor(
    /** count * rows * cols bytes, row-major per image. */
    readonly pixels: Uint8Array,
    readonly labels: Uint8Array,
    private readonly resizer: Resizer,
  ) {
    this.inPer = resizer.rows * resizer.cols;
    this.outPer = resizer.size * resizer.size;
    this.count = labels.length;
    this.size = resizer.size;
    if (pixels.length !== this.count * this.inPer) {
      throw new Error(`ResizedImageSet: ${pixels.length} bytes for ${this.count} images of ${resizer.rows}x${resizer.cols}`);
    }
  }

  gather(indices: ArrayLike<number>): Float32Array {
    const out = new Float32Array(indices.length * this.outPer);
    for (let i = 0; i < indices.length; i++) this.resizeOne(indices[i], out, i * this.outPer);
    return out;
  }

  get raw(): RawImages {
    return { pixels: this.pixels, rows: this.resizer.rows, cols: this.resizer.cols, mode: this.resizer.mode, scale: this.resizer.scale };
  }

  slice(start: number, end: number): Float32Array {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= this.count))
      throw new RangeError(`slice ${start}..${end} of ${this.count} images`);
    const out = new Float32Array((end - start) * this.outPer);
    for (let n = start; n < end; n++) this.resizeOne(n, out, (n - start) * this.outPer);
    return out;
  }

  private resizeOne(index: number, out: Float32Array, outBase: number): void {
    // An index past the end would read undefined pixels as NaN rather than fail.
    if (!(Number.isInteger(index) && index >= 0 && index < this.count)) throw new RangeError(`image ${index} of ${this.count}`);
    this.resizer.resizeInto(this.pixels, index * this.inPer, out, outBase);
  }
}
