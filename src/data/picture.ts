/**
 * What the picture decoders share: where the bytes come from, the limits every picture is held to
 * before a pixel is decoded, and the 8-bit grey canvas (with its alpha plane when the picture has
 * transparency) that the decoders fill row by row. Memory is bounded by the pixels of a picture
 * that passed the limits — at most 2 bytes per pixel here — never by what a file declares.
 */
import * as fs from 'node:fs';

/** Larger pictures are refused before decoding: a digit needs no more. */
export const MAX_INPUT_MEGAPIXELS = 40;
/**
 * A picture whose one side is more than this many times the other cannot hold a digit (MNIST's
 * narrowest digits, ones, are about 1:5 in their 20-pixel box; a photo of one on paper is wider).
 */
export const MAX_ASPECT_RATIO = 50;
/**
 * A JPEG is read whole; no JPEG of 40 megapixels needs more (about 3 bytes a pixel at the highest
 * quality). PNGs are read in pieces and have no such limit.
 */
export const MAX_JPEG_FILE_BYTES = 128e6;

/** A problem with a picture, worded for the user; the caller puts the file's name in front. */
export class PictureProblem extends Error {}

/** Bytes of a picture, read where they are asked for: a file in pieces, or a buffer already in memory. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `position` (fewer at the end). */
  read(position: number, length: number): Promise<Uint8Array>;
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (position, length) => bytes.subarray(position, Math.min(bytes.length, position + length)) };
}

/** Bytes a file source reads ahead, so that the many small reads of chunk headers cost no system call each. */
const READ_AHEAD = 1 << 20;

/** A file read in pieces; the caller closes the handle. */
export function fileSource(handle: fs.promises.FileHandle, size: number): ByteSource {
  let window: Buffer = Buffer.alloc(0);
  let windowStart = 0;
  const readAt = async (position: number, n: number): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await handle.read(buf, got, n - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  };
  return {
    size,
    async read(position, length) {
      const n = Math.max(0, Math.min(length, size - position));
      if (n === 0) return Buffer.alloc(0);
      if (n >= READ_AHEAD) return readAt(position, n);
      if (position < windowStart || position + n > windowStart + window.length) {
        window = await readAt(position, Math.min(READ_AHEAD, size - position));
        windowStart = position;
      }
      return window.subarray(position - windowStart, Math.min(window.length, position - windowStart + n));
    },
  };
}

/** "49", "40.1": megapixels rounded up to a tenth, so a picture over the limit never reads as the limit. */
export function megapixels(width: number, height: number): string {
  return String(Math.ceil((width * height) / 1e5) / 10);
}

/** The limits every picture is held to, from its header alone. */
export function checkDimensions(format: 'PNG' | 'JPEG', width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new PictureProblem(`corrupt ${format} (its header declares ${width}x${height} pixels)`);
  if (width * height > MAX_INPUT_MEGAPIXELS * 1e6) {
    throw new PictureProblem(
      `too large (${megapixels(width, height)} MP, limit ${MAX_INPUT_MEGAPIXELS}): ${width}x${height} pixels; scale it down first`,
    );
  }
  if (Math.max(width, height) > MAX_ASPECT_RATIO * Math.min(width, height)) {
    throw new PictureProblem(`cannot be a digit picture: ${width}x${height} pixels (one side is over ${MAX_ASPECT_RATIO} times the other)`);
  }
}

/**
 * A decoded picture in 8-bit grey (ITU-R BT.601 luma), with an 8-bit alpha plane when it has
 * transparency; see image-input.ts for how transparency is then resolved.
 */
export class GreyCanvas {
  readonly grey: Uint8Array;
  alpha: Uint8Array | null;
  constructor(
    readonly width: number,
    readonly height: number,
    hasAlpha: boolean,
  ) {
    this.grey = new Uint8Array(width * height);
    this.alpha = hasAlpha ? new Uint8Array(width * height).fill(255) : null;
  }
}

/** BT.601 luma of 8-bit R, G, B, rounded: (0.299 R + 0.587 G + 0.114 B) in 16-bit fixed point; grey stays grey. */
export function luma(r: number, g: number, b: number): number {
  return (19595 * r + 38470 * g + 7471 * b + 32768) >>> 16;
}
