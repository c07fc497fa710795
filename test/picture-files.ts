/**
 * Writers of PNG and JPEG files for the picture tests, written from the formats' specifications so
 * that a test can make any variant a hostile user could hand to `lenet predict`: every PNG colour
 * type and bit depth, all five row filters, Adam7 interlacing, transparency, headers that declare
 * what the data do not hold; baseline and progressive JPEGs (spectral selection and successive
 * approximation of the DC), chroma subsampling, restart markers. Large pictures are streamed
 * through the compressor a row at a time and rows of one kind are built once, so a 40-megapixel
 * file takes about a second to make.
 */
import * as zlib from 'node:zlib';

// ---------------------------------------------------------------- PNG

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One chunk: length, type, data, CRC (a wrong CRC on request). */
export function pngChunk(type: string, data: Uint8Array, badCrc = false): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(head.subarray(4), data) ^ (badCrc ? 1 : 0)) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colorType;
  d[12] = interlace;
  return pngChunk('IHDR', d);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface PngSpec {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  interlace?: boolean;
  palette?: Array<[number, number, number]>;
  /** The tRNS chunk's bytes as they are written. */
  trns?: Uint8Array;
  /** Samples of pixel (x, y), one per channel, in the bit depth's range. */
  sample: (x: number, y: number) => number[];
  /**
   * Optional: a key shared by rows whose samples are equal (e.g. which strokes a row crosses); each
   * kind of row is then built once. Without it every row is built.
   */
  rowKind?: (y: number) => number | string;
  /** Filter type of each row (0 none … 4 Paeth); default: cycles through all five. */
  filter?: (y: number) => number;
}

/** Adam7: [x0, y0, dx, dy] of the seven passes. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function packRow(spec: PngSpec, y: number, xs: number[]): Uint8Array {
  const ch = CHANNELS[spec.colorType];
  const bitsPerPixel = ch * spec.bitDepth;
  const out = new Uint8Array(Math.ceil((xs.length * bitsPerPixel) / 8));
  let bit = 0;
  for (const x of xs) {
    const s = spec.sample(x, y);
    for (let c = 0; c < ch; c++) {
      const v = s[c];
      if (spec.bitDepth === 16) {
        out[bit >> 3] = v >> 8;
        out[(bit >> 3) + 1] = v & 0xff;
      } else if (spec.bitDepth === 8) {
        out[bit >> 3] = v;
      } else {
        out[bit >> 3] |= v << (8 - spec.bitDepth - (bit & 7));
      }
      bit += spec.bitDepth;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The filtered row (filter byte first) of raw bytes `cur` after `prev` (null for a pass's first row). */
function filterRow(type: number, cur: Uint8Array, prev: Uint8Array | null, bpp: number): Uint8Array {
  const out = new Uint8Array(cur.length + 1);
  out[0] = type;
  for (let i = 0; i < cur.length; i++) {
    const a = i >= bpp ? cur[i - bpp] : 0;
    const b = prev ? prev[i] : 0;
    const c = prev && i >= bpp ? prev[i - bpp] : 0;
    const pred = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
    out[i + 1] = (cur[i] - pred) & 0xff;
  }
  return out;
}

/** Every filtered row of the picture, in file order (the seven passes one after another when interlaced). */
function* filteredRows(spec: PngSpec): Generator<Uint8Array> {
  const ch = CHANNELS[spec.colorType];
  const bpp = Math.max(1, (ch * spec.bitDepth) >> 3);
  const passes = spec.interlace ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const filterOf = spec.filter ?? ((y: number) => y % 5);
  for (const [x0, y0, dx, dy] of passes) {
    const xs: number[] = [];
    for (let x = x0; x < spec.width; x += dx) xs.push(x);
    if (xs.length === 0) continue;
    const built = new Map<string, { raw: Uint8Array; filtered: Map<string, Uint8Array> }>();
    let prev: Uint8Array | null = null;
    let prevKey = '';
    for (let y = y0; y < spec.height; y += dy) {
      const key = spec.rowKind ? String(spec.rowKind(y)) : `row ${y}`;
      let kind = built.get(key);
      if (!kind) {
        kind = { raw: packRow(spec, y, xs), filtered: new Map() };
        if (spec.rowKind) built.set(key, kind);
      }
      const type = filterOf(y);
      // A row's filtered bytes depend on the row above: cached per (filter, kind of row above).
      const fkey = `${type}/${prev === null ? '-' : prevKey}`;
      let f = kind.filtered.get(fkey);
      if (!f) {
        f = filterRow(type, kind.raw, prev, bpp);
        if (spec.rowKind) kind.filtered.set(fkey, f);
      }
      yield f;
      prev = kind.raw;
      prevKey = key;
    }
  }
}

/** The zlib stream of the picture's filtered rows (level 1: these pictures are large and simple). */
export async function pngImageData(spec: PngSpec): Promise<Buffer> {
  const deflate = zlib.createDeflate({ level: 1 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let batch: Uint8Array[] = [];
  let size = 0;
  for (const row of filteredRows(spec)) {
    batch.push(row);
    size += row.length;
    if (size >= 1 << 20) {
      if (!deflate.write(Buffer.concat(batch))) await new Promise((r) => deflate.once('drain', r));
      batch = [];
      size = 0;
    }
  }
  deflate.end(Buffer.concat(batch));
  await done;
  return Buffer.concat(parts);
}

/** A whole PNG file; `idat` replaces the compressed data (e.g. cut short), `extra` adds chunks before IDAT. */
export async function encodePng(
  spec: PngSpec,
  options: { idat?: Uint8Array; extra?: Buffer[]; idatChunks?: number } = {},
): Promise<Buffer> {
  const data = options.idat ?? (await pngImageData(spec));
  return pngFile(spec, data, options);
}

/** The PNG file around already compressed image data. */
export function pngFile(
  spec: Pick<PngSpec, 'width' | 'height' | 'bitDepth' | 'colorType' | 'interlace' | 'palette' | 'trns'>,
  data: Uint8Array,
  options: { extra?: Buffer[]; idatChunks?: number } = {},
): Buffer {
  const parts = [PNG_SIGNATURE, ihdr(spec.width, spec.height, spec.bitDepth, spec.colorType, spec.interlace ? 1 : 0)];
  if (spec.palette) parts.push(pngChunk('PLTE', Buffer.from(spec.palette.flat())));
  if (spec.trns) parts.push(pngChunk('tRNS', spec.trns));
  parts.push(...(options.extra ?? []));
  // Several IDAT chunks, as encoders write them; the decoder must join them.
  const n = Math.max(1, options.idatChunks ?? 3);
  const step = Math.ceil(data.length / n) || 1;
  for (let i = 0; i < data.length || i === 0; i += step) parts.push(pngChunk('IDAT', data.subarray(i, i + step)));
  parts.push(pngChunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- JPEG

/** Zig-zag order: the k-th coefficient of a scan is natural index ZIGZAG[k]. */
export const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

// The example tables of ITU T.81 Annex K.3 (luminance DC and AC).
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1,
  0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26,
  0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56,
  0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85,
  0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,
  0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
  0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
  0xfa,
];

/** symbol → [code, length] of a canonical Huffman table. */
function huffmanCodes(bits: number[], values: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]; i++) codes.set(values[k++], [code++, len]);
    code <<= 1;
  }
  return codes;
}
const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const AC_CODES = huffmanCodes(AC_BITS, AC_VALUES);

class BitWriter {
  private bytes: number[] = [];
  private chunks: Buffer[] = [];
  private acc = 0;
  private n = 0;
  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.byte(this.acc);
    }
  }
  private byte(b: number): void {
    this.bytes.push(b);
    if (b === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
    if (this.bytes.length > 1 << 16) this.spill();
  }
  private spill(): void {
    this.chunks.push(Buffer.from(this.bytes));
    this.bytes = [];
  }
  /** Pads the last byte with ones (T.81 F.1.2.3). */
  align(): void {
    if (this.n > 0) this.bits(0x7f, 8 - this.n);
  }
  raw(...b: number[]): void {
    this.align();
    this.spill();
    this.chunks.push(Buffer.from(b));
  }
  take(): Buffer {
    this.align();
    this.spill();
    const out = Buffer.concat(this.chunks);
    this.chunks = [];
    return out;
  }
}

function category(v: number): number {
  let a = Math.abs(v);
  let n = 0;
  while (a > 0) {
    n++;
    a >>= 1;
  }
  return n;
}

function writeValue(w: BitWriter, v: number, size: number): void {
  if (size > 0) w.bits(v >= 0 ? v : v + (1 << size) - 1, size);
}

function huff(w: BitWriter, codes: Map<number, [number, number]>, symbol: number): void {
  const c = codes.get(symbol);
  if (!c) throw new Error(`no code for symbol ${symbol}`);
  w.bits(c[0], c[1]);
}

/** Forward DCT of an 8×8 block of samples (level-shifted), into natural order. */
function fdct(samples: Float64Array): Float64Array {
  const out = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++)
          s += samples[y * 8 + x] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
      }
      const cu = u === 0 ? Math.SQRT1_2 : 1;
      const cv = v === 0 ? Math.SQRT1_2 : 1;
      out[v * 8 + u] = (cu * cv * s) / 4;
    }
  }
  return out;
}

export interface JpegComponentSpec {
  /** Sampling factors (1..4). */
  h: number;
  v: number;
  /** Sample of the component at (x, y) in its own resolution, 0..255. */
  sample: (x: number, y: number) => number;
  /** Optional: blocks of one kind (e.g. flat) share a key and are transformed once. */
  blockKind?: (bx: number, by: number) => number | string;
}

export interface JpegSpec {
  width: number;
  height: number;
  components: JpegComponentSpec[];
  progressive?: boolean;
  /** Progressive only: the DC sent in two steps (point transform 1, then the refinement bit). */
  dcSuccessive?: boolean;
  /** How many times the DC refinement scan is written (1; more makes a file of many scans). */
  dcRefinements?: number;
  /**
   * Progressive: the DC sent with this point transform (0..13), then refined one bit a scan down
   * to 0 — a valid progression of `dcAl` + 1 passes over every block.
   */
  dcAl?: number;
  /** Sequential: the one scan written this many times (each component scanned again: not T.81). */
  sequentialRepeats?: number;
  restartInterval?: number;
  /** Quantiser (the same for every coefficient): 1 keeps the samples nearly exact. */
  quant?: number;
  /** An Adobe APP14 segment with this transform code (0 RGB/CMYK, 1 YCbCr, 2 YCCK). */
  adobe?: number;
  /** Overrides the frame's declared size (the data are still those of width × height). */
  declare?: { width: number; height: number };
}

function segment(marker: number, data: number[] | Buffer): Buffer {
  const len = data.length + 2;
  return Buffer.concat([Buffer.from([0xff, marker, len >> 8, len & 0xff]), Buffer.from(data)]);
}

/** A JPEG file: baseline (one interleaved scan) or progressive (DC scan(s), then two AC bands per component). */
export function encodeJpeg(spec: JpegSpec): Buffer {
  const q = spec.quant ?? 1;
  const comps = spec.components;
  const maxH = Math.max(...comps.map((c) => c.h));
  const maxV = Math.max(...comps.map((c) => c.v));
  const mcusX = Math.ceil(spec.width / (8 * maxH));
  const mcusY = Math.ceil(spec.height / (8 * maxV));
  const geometry = comps.map((c) => {
    const w = Math.ceil((spec.width * c.h) / maxH);
    const hgt = Math.ceil((spec.height * c.v) / maxV);
    return { w, h: hgt, blocksX: Math.ceil(w / 8), blocksY: Math.ceil(hgt / 8) };
  });
  // Quantised coefficients of a block, in zig-zag order (cached per kind of block).
  const caches = comps.map(() => new Map<string, Int16Array>());
  const coefficients = (ci: number, bx: number, by: number): Int16Array => {
    const c = comps[ci];
    const g = geometry[ci];
    const key = c.blockKind ? String(c.blockKind(bx, by)) : null;
    const hit = key === null ? undefined : caches[ci].get(key);
    if (hit) return hit;
    const s = new Float64Array(64);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        // Edge blocks repeat the last column/row, as encoders do.
        const sx = Math.min(bx * 8 + x, g.w - 1);
        const sy = Math.min(by * 8 + y, g.h - 1);
        s[y * 8 + x] = c.sample(sx, sy) - 128;
      }
    }
    const d = fdct(s);
    const z = new Int16Array(64);
    for (let k = 0; k < 64; k++) z[k] = Math.round(d[ZIGZAG[k]] / q);
    if (key !== null) caches[ci].set(key, z);
    return z;
  };

  const head: Buffer[] = [Buffer.from([0xff, 0xd8]), segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])];
  if (spec.adobe !== undefined) head.push(segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, spec.adobe]));
  head.push(segment(0xdb, [0, ...new Array(64).fill(q)]));
  const dw = spec.declare?.width ?? spec.width;
  const dh = spec.declare?.height ?? spec.height;
  const sof = [8, dh >> 8, dh & 0xff, dw >> 8, dw & 0xff, comps.length];
  comps.forEach((c, i) => sof.push(i + 1, (c.h << 4) | c.v, 0));
  head.push(segment(spec.progressive ? 0xc2 : 0xc0, sof));
  head.push(segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES]));
  head.push(segment(0xc4, [0x10, ...AC_BITS, ...AC_VALUES]));
  if (spec.restartInterval) head.push(segment(0xdd, [spec.restartInterval >> 8, spec.restartInterval & 0xff]));

  const scans: Buffer[] = [];
  const w = new BitWriter();
  /** Runs one scan over `cis`: MCU order when interleaved, each component's own block grid when not. */
  const scan = (
    cis: number[],
    ss: number,
    se: number,
    ah: number,
    al: number,
    block: (ci: number, z: Int16Array, pred: number[]) => void,
  ) => {
    const header = [cis.length];
    for (const ci of cis) header.push(ci + 1, 0x00);
    header.push(ss, se, (ah << 4) | al);
    scans.push(segment(0xda, header));
    const pred = comps.map(() => 0);
    let unit = 0;
    let rst = 0;
    const restart = () => {
      if (spec.restartInterval && unit > 0 && unit % spec.restartInterval === 0) {
        w.raw(0xff, 0xd0 + (rst++ & 7));
        pred.fill(0);
      }
    };
    if (cis.length > 1) {
      for (let my = 0; my < mcusY; my++) {
        for (let mx = 0; mx < mcusX; mx++) {
          restart();
          for (const ci of cis) {
            for (let v = 0; v < comps[ci].v; v++)
              for (let h = 0; h < comps[ci].h; h++) block(ci, coefficients(ci, mx * comps[ci].h + h, my * comps[ci].v + v), pred);
          }
          unit++;
        }
      }
    } else {
      const ci = cis[0];
      for (let by = 0; by < geometry[ci].blocksY; by++) {
        for (let bx = 0; bx < geometry[ci].blocksX; bx++) {
          restart();
          block(ci, coefficients(ci, bx, by), pred);
          unit++;
        }
      }
    }
    scans.push(w.take());
  };
  const dcFirst = (al: number) => (ci: number, z: Int16Array, pred: number[]) => {
    const dc = z[0] >> al;
    const diff = dc - pred[ci];
    pred[ci] = dc;
    const s = category(diff);
    huff(w, DC_CODES, s);
    writeValue(w, diff, s);
  };
  const acBand = (ss: number, se: number) => (_ci: number, z: Int16Array) => {
    let run = 0;
    for (let k = ss; k <= se; k++) {
      const v = z[k];
      if (v === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        huff(w, AC_CODES, 0xf0);
        run -= 16;
      }
      const s = category(v);
      huff(w, AC_CODES, (run << 4) | s);
      writeValue(w, v, s);
      run = 0;
    }
    if (run > 0) huff(w, AC_CODES, 0x00);
  };
  const all = comps.map((_, i) => i);
  if (!spec.progressive) {
    for (let i = 0; i < (spec.sequentialRepeats ?? 1); i++) {
      scan(all, 0, 63, 0, 0, (ci, z, pred) => {
        dcFirst(0)(ci, z, pred);
        acBand(1, 63)(ci, z);
      });
    }
  } else if (spec.dcAl !== undefined) {
    scan(all, 0, 0, 0, spec.dcAl, dcFirst(spec.dcAl));
    for (let ah = spec.dcAl; ah > 0; ah--) scan(all, 0, 0, ah, ah - 1, (_ci, z) => w.bits((z[0] >> (ah - 1)) & 1, 1));
    for (const ci of all) scan([ci], 1, 63, 0, 0, acBand(1, 63));
  } else {
    const al = spec.dcSuccessive ? 1 : 0;
    scan(all, 0, 0, 0, al, dcFirst(al));
    for (let i = 0; i < (spec.dcSuccessive ? (spec.dcRefinements ?? 1) : 0); i++) scan(all, 0, 0, 1, 0, (_ci, z) => w.bits(z[0] & 1, 1));
    for (const ci of all) {
      scan([ci], 1, 5, 0, 0, acBand(1, 5));
      scan([ci], 6, 63, 0, 0, acBand(6, 63));
    }
  }
  const body: Buffer[] = [];
  for (const s of scans) body.push(s);
  return Buffer.concat([...head, ...body, Buffer.from([0xff, 0xd9])]);
}
