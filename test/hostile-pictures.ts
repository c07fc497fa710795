/**
 * The hostile pictures of the predict memory test, written by the test itself: tiny files that
 * declare huge or absurd sizes, large valid pictures in the costliest encodings (16-bit RGBA,
 * interlaced, progressive JPEG, 4:4:4 baseline JPEG), pictures cut short inside their image data,
 * and headers over the pixel cap. Each says what `lenet predict` must answer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeJpeg, encodePng, pngFile, pngImageData, PngSpec } from './picture-files';

export interface HostilePicture {
  name: string;
  file: string;
  /** null: classified (exit 0); otherwise the one error line's text after `lenet: FILE: `. */
  error: RegExp | null;
}

const W = 6000;
const H = 6600;

/**
 * A "7" made of two bars (a top bar and a right-hand stem), edges on a 16-pixel grid so that JPEG
 * blocks are flat: true where (x, y) is ink.
 */
function sevenAt(x: number, y: number): boolean {
  const top = y >= 1600 && y < 2304 && x >= 2112 && x < 3904;
  const stem = y >= 1600 && y < 5008 && x >= 3200 && x < 3904;
  return top || stem;
}
const sevenRow = (y: number) => (y < 1600 || y >= 5008 ? 0 : y < 2304 ? 1 : 2);

/** A tiny zlib stream (a few bytes of zeros): far less than any declared picture needs. */
const tinyIdat = () => zlib.deflateSync(Buffer.alloc(16));

export async function writeHostilePictures(dir: string): Promise<HostilePicture[]> {
  fs.mkdirSync(dir, { recursive: true });
  const out: HostilePicture[] = [];
  const put = (name: string, bytes: Buffer, error: RegExp | null) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    out.push({ name, file, error });
  };
  const header = (width: number, height: number, bitDepth: 8 | 16, colorType: 0 | 6) =>
    ({ width, height, bitDepth, colorType }) as Pick<PngSpec, 'width' | 'height' | 'bitDepth' | 'colorType'>;

  // About 80 bytes each: a header of 1 × 39 000 000 (or 39 000 000 × 1) pixels, and next to no data.
  put('strip-1x39000000.png', pngFile(header(1, 39_000_000, 8, 6), tinyIdat()), /cannot be a digit picture: 1x39000000/);
  put('strip-39000000x1.png', pngFile(header(39_000_000, 1, 8, 6), tinyIdat()), /cannot be a digit picture: 39000000x1/);
  // A 6000 × 6600 16-bit RGBA header, 80 bytes of data: corrupt, not "no digit found".
  put('declares-6000x6600.png', pngFile(header(W, H, 16, 6), tinyIdat()), /^corrupt PNG \(the image data end/);
  put('over-cap-7000x7000.png', pngFile(header(7000, 7000, 8, 6), tinyIdat()), /^too large \(49 MP, limit 40\)/);

  // 6000 × 6600 (39.6 megapixels, under the cap), valid: a white 7 on a transparent canvas in 16-bit RGBA.
  put(
    'rgba16-6000x6600.png',
    await encodePng({
      width: W,
      height: H,
      colorType: 6,
      bitDepth: 16,
      sample: (x, y) => (sevenAt(x, y) ? [65535, 65535, 65535, 65535] : [0, 0, 0, 0]),
      rowKind: sevenRow,
    }),
    null,
  );
  // The same size interlaced (Adam7), a black 7 on white RGB.
  put(
    'interlaced-6000x6600.png',
    await encodePng({
      width: W,
      height: H,
      colorType: 2,
      bitDepth: 8,
      interlace: true,
      sample: (x, y) => (sevenAt(x, y) ? [0, 0, 0] : [255, 255, 255]),
      rowKind: sevenRow,
    }),
    null,
  );
  // A valid grey picture's compressed data cut at half: the rows below are missing.
  const grey: PngSpec = {
    width: W,
    height: H,
    colorType: 0,
    bitDepth: 8,
    sample: (x, y) => [sevenAt(x, y) ? 0 : 255],
    rowKind: sevenRow,
  };
  const full = await pngImageData(grey);
  put('truncated-idat-6000x6600.png', pngFile(grey, full.subarray(0, full.length >> 1)), /^corrupt PNG \(the image data end/);

  // JPEGs of the same size: progressive 4:2:0 (coefficients kept until the last scan) and baseline 4:4:4.
  const flat = (bx: number, by: number) => (sevenAt(bx * 8, by * 8) ? 1 : 0);
  const chroma = { sample: () => 128, blockKind: () => 0 };
  put(
    'progressive-6000x6600.jpg',
    encodeJpeg({
      width: W,
      height: H,
      progressive: true,
      dcSuccessive: true,
      components: [
        { h: 2, v: 2, sample: (x, y) => (sevenAt(x, y) ? 20 : 235), blockKind: flat },
        { h: 1, v: 1, ...chroma },
        { h: 1, v: 1, ...chroma },
      ],
    }),
    null,
  );
  put(
    'baseline444-6000x6600.jpg',
    encodeJpeg({
      width: W,
      height: H,
      restartInterval: 64,
      components: [
        { h: 1, v: 1, sample: (x, y) => (sevenAt(x, y) ? 20 : 235), blockKind: flat },
        { h: 1, v: 1, ...chroma },
        { h: 1, v: 1, ...chroma },
      ],
    }),
    null,
  );
  // RGB (no YCbCr: every component is needed) baseline, and a progressive CMYK one over the memory budget.
  const ink = (x: number, y: number) => (sevenAt(x, y) ? 20 : 235);
  put(
    'rgb-6000x6600.jpg',
    encodeJpeg({ width: W, height: H, adobe: 0, components: [0, 1, 2].map(() => ({ h: 1, v: 1, sample: ink, blockKind: flat })) }),
    null,
  );
  put(
    'cmyk-progressive-6000x6600.jpg',
    encodeJpeg({
      width: W,
      height: H,
      adobe: 0,
      progressive: true,
      components: [0, 1, 2, 3].map(() => ({ h: 1, v: 1, sample: ink, blockKind: flat })),
    }),
    /^too large \(39\.6 MP, limit \d+(\.\d)? for a progressive CMYK JPEG\)/,
  );
  // A frame header of 10000 × 10000 over 16 × 16 pixels of data.
  put(
    'over-cap-10000x10000.jpg',
    encodeJpeg({ width: 16, height: 16, declare: { width: 10000, height: 10000 }, components: [{ h: 1, v: 1, sample: () => 128 }] }),
    /^too large \(100 MP, limit 40\)/,
  );
  // A decompression bomb: 90 kB of zlib that inflate to 100 MB of zeros, for a picture that needs 40 MB.
  const bomb = zlib.createDeflate({ level: 9 });
  const bombParts: Buffer[] = [];
  bomb.on('data', (b: Buffer) => bombParts.push(b));
  const bombDone = new Promise((resolve) => bomb.on('end', resolve));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < 100; i++) if (!bomb.write(zeros)) await new Promise((r) => bomb.once('drain', r));
  bomb.end();
  await bombDone;
  put('bomb-6000x6600.png', pngFile(header(W, H, 8, 0), Buffer.concat(bombParts)), /^no digit found/);
  // Sparse files (no disk used): a PNG whose one chunk declares 1.5 GB, a JPEG file of 200 MB.
  const sparsePng = path.join(dir, 'sparse-chunk-1.5GB.png');
  const head = pngFile(header(1000, 1000, 8, 0), new Uint8Array(0)).subarray(0, 33);
  const chunk = Buffer.alloc(8);
  chunk.writeUInt32BE(1_500_000_000, 0);
  chunk.write('IDAT', 4, 'latin1');
  fs.writeFileSync(sparsePng, Buffer.concat([head, chunk]));
  fs.truncateSync(sparsePng, 1_500_000_100);
  out.push({ name: 'sparse-chunk-1.5GB.png', file: sparsePng, error: /^corrupt PNG \(damaged image data: / });
  const sparseJpeg = path.join(dir, 'sparse-200MB.jpg');
  fs.writeFileSync(sparseJpeg, encodeJpeg({ width: 64, height: 64, components: [{ h: 1, v: 1, sample: (x) => x * 4 }] }).subarray(0, -2));
  fs.truncateSync(sparseJpeg, 200_000_000);
  out.push({ name: 'sparse-200MB.jpg', file: sparseJpeg, error: /^too large \(a JPEG file of 200 MB, limit 128 MB\)/ });

  // The progressive JPEG cut in its first scans.
  const prog = fs.readFileSync(path.join(dir, 'progressive-6000x6600.jpg'));
  put('truncated-6000x6600.jpg', prog.subarray(0, prog.length >> 2), /^corrupt JPEG \(the file ends early/);
  return out;
}
