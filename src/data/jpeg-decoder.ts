/**
 * A JPEG decoder (ITU T.81: baseline, extended and progressive Huffman-coded, 8-bit) that produces
 * 8-bit grey and nothing more. For the usual YCbCr picture grey is the Y component itself, so the
 * chroma is entropy-decoded only as far as the bit stream requires (its own progressive scans are
 * skipped unread) and never transformed or stored. A baseline picture is written into the grey
 * plane block by block; a progressive one keeps the Y coefficients (2 bytes a pixel) until its
 * last scan. Peak memory is therefore the file plus at most 3 bytes a pixel, where a general
 * decoder holds several full-size copies. RGB and Adobe CMYK/YCCK pictures need every component
 * and are held to a memory budget. The frame header is checked against the picture limits before
 * anything is allocated.
 *
 * The inverse DCT is the integer one of pdf.js and jpeg-js (a port of poppler's, after Loeffler,
 * Ligtenberg and Moschytz 1989), so a greyscale picture decodes to the same bytes as with jpeg-js.
 */
import { checkDimensions, GreyCanvas, luma, megapixels, PictureProblem } from './picture';

const corrupt = (why: string) => new PictureProblem(`corrupt JPEG (${why})`);
const unsupported = (why: string) => new PictureProblem(`unsupported JPEG (${why})`);

/** Scans a picture may have; encoders write at most a few dozen (libjpeg's progressive script: 10). */
const MAX_SCANS = 100;
/**
 * The work a picture may cost, in passes over the blocks of the components grey needs: a scan
 * costs its blocks, whatever its bytes (a scan of one end-of-band run covers a whole picture in a
 * few bytes). A sequential picture makes one pass; libjpeg's progressive script makes 6 over Y, and
 * mozjpeg's at most about 10. Checked before each scan is decoded, so no file costs more than this.
 */
const MAX_PASSES = 12;
/** Bytes a JPEG's components may take while decoding (planes and progressive coefficients). */
const MEMORY_BUDGET = 256e6;

/** Natural (row-major) index of the k-th coefficient in zig-zag order. */
const ZIGZAG = new Int32Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** A Huffman table as a 16-bit lookup: entry = (code length << 8) | symbol, 0 for no code. */
function buildHuffman(counts: Uint8Array, symbols: Uint8Array): Uint16Array {
  const table = new Uint16Array(65536);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]; i++) {
      if (code >= 1 << len) throw corrupt('a Huffman table with too many codes');
      const first = code << (16 - len);
      table.fill((len << 8) | symbols[k++], first, first + (1 << (16 - len)));
      code++;
    }
    code <<= 1;
  }
  return table;
}

/** Reads the entropy-coded data of a scan: bytes 0xFF 0x00 are a data byte 0xFF; any other 0xFF xx is a marker, where the data end. */
class BitReader {
  private acc = 0;
  private bits = 0;
  /** Zero bits appended past the data (at the bottom of acc); reading into them means the data ran out. */
  private padding = 0;
  /** Where the next unread byte is; at a marker, the marker's 0xFF. */
  pos: number;
  atMarker = false;

  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  private fill(): void {
    const data = this.data;
    while (this.bits <= 24) {
      let b = 0;
      if (!this.atMarker && this.pos < data.length) {
        b = data[this.pos];
        if (b === 0xff) {
          const next = data[this.pos + 1];
          if (next === 0x00) this.pos += 2;
          else {
            this.atMarker = true;
            b = 0;
            this.padding += 8;
          }
        } else this.pos++;
      } else this.padding += 8;
      this.acc = ((this.acc << 8) | b) >>> 0;
      this.bits += 8;
    }
  }

  /** The data ran out (a marker or the end of the file) before what was read. */
  get overrun(): boolean {
    return this.bits < this.padding;
  }

  huffman(table: Uint16Array): number {
    if (this.bits < 16) this.fill();
    const e = table[(this.acc >>> (this.bits - 16)) & 0xffff];
    if (e === 0) {
      if (this.bits < this.padding + 16) throw new DataEnd();
      throw corrupt('an invalid Huffman code');
    }
    this.bits -= e >> 8;
    return e & 0xff;
  }

  receive(n: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.acc >>> this.bits) & ((1 << n) - 1);
  }

  /** A coefficient of `n` bits, sign-extended (T.81 F.2.2.1 EXTEND). */
  extend(n: number): number {
    const v = this.receive(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  bit(): number {
    if (this.bits < 1) this.fill();
    this.bits--;
    return (this.acc >>> this.bits) & 1;
  }

  /** Drops the rest of the current byte and whatever was read ahead, for a restart or the scan's end. */
  align(): void {
    // Bytes read ahead but not used are given back (a marker stays where it is).
    const unusedBytes = Math.max(0, (this.bits - this.padding) >> 3);
    this.pos = this.rewind(unusedBytes);
    this.acc = 0;
    this.bits = 0;
    this.padding = 0;
    this.atMarker = false;
  }

  /** The position `bytes` data bytes before pos, counting a stuffed 0xFF 0x00 as one. */
  private rewind(bytes: number): number {
    let p = this.pos;
    for (let i = 0; i < bytes; i++) p -= p >= 2 && this.data[p - 1] === 0x00 && this.data[p - 2] === 0xff ? 2 : 1;
    return p;
  }
}

/** The entropy-coded data ended (at a marker or the end of the file) inside a block. */
class DataEnd extends Error {}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Samples of the component (its own resolution) and its blocks, as T.81 A.1.1. */
  width: number;
  height: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  /** Its blocks in whole MCUs (interleaved scans cover these). */
  mcuBlocksPerLine: number;
  mcuBlocksPerColumn: number;
  needed: boolean;
  /** Progressive: quantised coefficients of every block, natural order; null when not needed. */
  coefficients: Int16Array | null;
  /** Decoded samples (width × height), or the canvas's grey plane itself for a full-size Y. */
  plane: Uint8Array | null;
  dcTable: Uint16Array | null;
  acTable: Uint16Array | null;
  pred: number;
  /**
   * Progression state, as libjpeg's coef_bits: per coefficient (zig-zag), the Al of the last scan
   * that coded it, or -1 before its first scan. Sequential: 0 once the component was scanned.
   */
  coefBits: Int8Array;
}

interface Frame {
  progressive: boolean;
  width: number;
  height: number;
  components: Component[];
  maxH: number;
  maxV: number;
  mcusPerLine: number;
  mcusPerColumn: number;
}

const DCT_COS1 = 4017; // cos(pi/16)
const DCT_SIN1 = 799; // sin(pi/16)
const DCT_COS3 = 3406; // cos(3*pi/16)
const DCT_SIN3 = 2276; // sin(3*pi/16)
const DCT_COS6 = 1567; // cos(6*pi/16)
const DCT_SIN6 = 3784; // sin(6*pi/16)
const DCT_SQRT2 = 5793; // sqrt(2)
const DCT_SQRT1D2 = 2896; // sqrt(2) / 2

/** Dequantises a block (natural order) and transforms it into 64 samples (pdf.js/jpeg-js integer IDCT). */
function inverseDct(zz: ArrayLike<number>, qt: Int32Array, out: Uint8Array, p: Int32Array): void {
  let i;
  for (i = 0; i < 64; i++) p[i] = zz[i] * qt[i];
  for (i = 0; i < 8; ++i) {
    const row = 8 * i;
    if (
      p[1 + row] === 0 &&
      p[2 + row] === 0 &&
      p[3 + row] === 0 &&
      p[4 + row] === 0 &&
      p[5 + row] === 0 &&
      p[6 + row] === 0 &&
      p[7 + row] === 0
    ) {
      const t = (DCT_SQRT2 * p[row] + 512) >> 10;
      for (let j = 0; j < 8; j++) p[row + j] = t;
      continue;
    }
    let v0 = (DCT_SQRT2 * p[0 + row] + 128) >> 8;
    let v1 = (DCT_SQRT2 * p[4 + row] + 128) >> 8;
    let v2 = p[2 + row];
    let v3 = p[6 + row];
    let v4 = (DCT_SQRT1D2 * (p[1 + row] - p[7 + row]) + 128) >> 8;
    let v7 = (DCT_SQRT1D2 * (p[1 + row] + p[7 + row]) + 128) >> 8;
    let v5 = p[3 + row] << 4;
    let v6 = p[5 + row] << 4;
    let t = (v0 - v1 + 1) >> 1;
    v0 = (v0 + v1 + 1) >> 1;
    v1 = t;
    t = (v2 * DCT_SIN6 + v3 * DCT_COS6 + 128) >> 8;
    v2 = (v2 * DCT_COS6 - v3 * DCT_SIN6 + 128) >> 8;
    v3 = t;
    t = (v4 - v6 + 1) >> 1;
    v4 = (v4 + v6 + 1) >> 1;
    v6 = t;
    t = (v7 + v5 + 1) >> 1;
    v5 = (v7 - v5 + 1) >> 1;
    v7 = t;
    t = (v0 - v3 + 1) >> 1;
    v0 = (v0 + v3 + 1) >> 1;
    v3 = t;
    t = (v1 - v2 + 1) >> 1;
    v1 = (v1 + v2 + 1) >> 1;
    v2 = t;
    t = (v4 * DCT_SIN3 + v7 * DCT_COS3 + 2048) >> 12;
    v4 = (v4 * DCT_COS3 - v7 * DCT_SIN3 + 2048) >> 12;
    v7 = t;
    t = (v5 * DCT_SIN1 + v6 * DCT_COS1 + 2048) >> 12;
    v5 = (v5 * DCT_COS1 - v6 * DCT_SIN1 + 2048) >> 12;
    v6 = t;
    p[0 + row] = v0 + v7;
    p[7 + row] = v0 - v7;
    p[1 + row] = v1 + v6;
    p[6 + row] = v1 - v6;
    p[2 + row] = v2 + v5;
    p[5 + row] = v2 - v5;
    p[3 + row] = v3 + v4;
    p[4 + row] = v3 - v4;
  }
  for (i = 0; i < 8; ++i) {
    const col = i;
    if (
      p[1 * 8 + col] === 0 &&
      p[2 * 8 + col] === 0 &&
      p[3 * 8 + col] === 0 &&
      p[4 * 8 + col] === 0 &&
      p[5 * 8 + col] === 0 &&
      p[6 * 8 + col] === 0 &&
      p[7 * 8 + col] === 0
    ) {
      const t = (DCT_SQRT2 * p[i] + 8192) >> 14;
      for (let j = 0; j < 8; j++) p[j * 8 + col] = t;
      continue;
    }
    let v0 = (DCT_SQRT2 * p[0 * 8 + col] + 2048) >> 12;
    let v1 = (DCT_SQRT2 * p[4 * 8 + col] + 2048) >> 12;
    let v2 = p[2 * 8 + col];
    let v3 = p[6 * 8 + col];
    let v4 = (DCT_SQRT1D2 * (p[1 * 8 + col] - p[7 * 8 + col]) + 2048) >> 12;
    let v7 = (DCT_SQRT1D2 * (p[1 * 8 + col] + p[7 * 8 + col]) + 2048) >> 12;
    let v5 = p[3 * 8 + col];
    let v6 = p[5 * 8 + col];
    let t = (v0 - v1 + 1) >> 1;
    v0 = (v0 + v1 + 1) >> 1;
    v1 = t;
    t = (v2 * DCT_SIN6 + v3 * DCT_COS6 + 2048) >> 12;
    v2 = (v2 * DCT_COS6 - v3 * DCT_SIN6 + 2048) >> 12;
    v3 = t;
    t = (v4 - v6 + 1) >> 1;
    v4 = (v4 + v6 + 1) >> 1;
    v6 = t;
    t = (v7 + v5 + 1) >> 1;
    v5 = (v7 - v5 + 1) >> 1;
    v7 = t;
    t = (v0 - v3 + 1) >> 1;
    v0 = (v0 + v3 + 1) >> 1;
    v3 = t;
    t = (v1 - v2 + 1) >> 1;
    v1 = (v1 + v2 + 1) >> 1;
    v2 = t;
    t = (v4 * DCT_SIN3 + v7 * DCT_COS3 + 2048) >> 12;
    v4 = (v4 * DCT_COS3 - v7 * DCT_SIN3 + 2048) >> 12;
    v7 = t;
    t = (v5 * DCT_SIN1 + v6 * DCT_COS1 + 2048) >> 12;
    v5 = (v5 * DCT_COS1 - v6 * DCT_SIN1 + 2048) >> 12;
    v6 = t;
    p[0 * 8 + col] = v0 + v7;
    p[7 * 8 + col] = v0 - v7;
    p[1 * 8 + col] = v1 + v6;
    p[6 * 8 + col] = v1 - v6;
    p[2 * 8 + col] = v2 + v5;
    p[5 * 8 + col] = v2 - v5;
    p[3 * 8 + col] = v3 + v4;
    p[4 * 8 + col] = v3 - v4;
  }
  for (i = 0; i < 64; ++i) {
    const sample = 128 + ((p[i] + 8) >> 4);
    out[i] = sample < 0 ? 0 : sample > 0xff ? 0xff : sample;
  }
}

/** Writes an 8×8 block of samples into a component's plane at block (row, col), clipped to the plane. */
function putBlock(c: Component, row: number, col: number, samples: Uint8Array): void {
  const plane = c.plane!;
  const x0 = col * 8;
  const y0 = row * 8;
  if (x0 >= c.width || y0 >= c.height) return;
  const w = Math.min(8, c.width - x0);
  const h = Math.min(8, c.height - y0);
  for (let y = 0; y < h; y++) {
    const o = (y0 + y) * c.width + x0;
    for (let x = 0; x < w; x++) plane[o + x] = samples[y * 8 + x];
  }
}

/** Where the entropy-coded data starting at `pos` end: the next marker other than a restart marker. */
function skipEntropyData(data: Uint8Array, pos: number): number {
  for (let p = pos; p + 1 < data.length; p++) {
    if (data[p] === 0xff) {
      const m = data[p + 1];
      if (m !== 0x00 && m !== 0xff && !(m >= 0xd0 && m <= 0xd7)) return p;
    }
  }
  throw corrupt('the file ends early');
}

/** Decodes a JPEG held in memory into an 8-bit grey canvas. */
export function decodeJpeg(data: Uint8Array): GreyCanvas {
  if (data.length < 2 || data[0] !== 0xff || data[1] !== 0xd8) throw corrupt('no start-of-image marker');
  const quant: Array<Int32Array | undefined> = [];
  const dcTables: Array<Uint16Array | undefined> = [];
  const acTables: Array<Uint16Array | undefined> = [];
  let frame: Frame | null = null;
  let canvas: GreyCanvas | null = null;
  let restartInterval = 0;
  let adobe: number | null = null;
  let jfif = false;
  let scans = 0;
  /** Blocks of needed components decoded so far, against the budget of MAX_PASSES over them. */
  let visits = 0;
  const block = new Int32Array(64);
  const work = new Int32Array(64);
  const samples = new Uint8Array(64);
  let pos = 2;
  let sawEnd = false;

  while (!sawEnd) {
    // Bytes between segments that are not a marker are skipped, as libjpeg does.
    while (pos < data.length && data[pos] !== 0xff) pos++;
    while (pos < data.length && data[pos] === 0xff) pos++;
    if (pos >= data.length) throw corrupt('the file ends early');
    const marker = data[pos++];
    if (marker === 0xd9) {
      sawEnd = true;
      break;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (pos + 2 > data.length) throw corrupt('the file ends early');
    const length = (data[pos] << 8) | data[pos + 1];
    if (length < 2) throw corrupt(`a segment of length ${length}`);
    if (pos + length > data.length) throw corrupt('the file ends early');
    const seg = data.subarray(pos + 2, pos + length);
    pos += length;
    switch (marker) {
      case 0xc0:
      case 0xc1:
      case 0xc2: {
        if (frame) throw corrupt('more than one frame');
        frame = readFrame(seg, marker === 0xc2);
        break;
      }
      case 0xc3:
      case 0xc5:
      case 0xc6:
      case 0xc7:
      case 0xcb:
      case 0xcd:
      case 0xce:
      case 0xcf:
        throw unsupported('lossless or hierarchical coding');
      case 0xc9:
      case 0xca:
      case 0xcc:
        throw unsupported('arithmetic coding');
      case 0xc4: {
        for (let o = 0; o < seg.length;) {
          if (o + 17 > seg.length) throw corrupt('a truncated Huffman table');
          const spec = seg[o];
          const counts = seg.subarray(o + 1, o + 17);
          let n = 0;
          for (const c of counts) n += c;
          if (o + 17 + n > seg.length || (spec & 15) > 3 || spec >> 4 > 1) throw corrupt('a malformed Huffman table');
          const table = buildHuffman(counts, seg.subarray(o + 17, o + 17 + n));
          (spec >> 4 === 0 ? dcTables : acTables)[spec & 15] = table;
          o += 17 + n;
        }
        break;
      }
      case 0xdb: {
        for (let o = 0; o < seg.length;) {
          const precision = seg[o] >> 4;
          const id = seg[o] & 15;
          const size = precision ? 128 : 64;
          if (precision > 1 || id > 3 || o + 1 + size > seg.length) throw corrupt('a malformed quantisation table');
          const t = new Int32Array(64);
          for (let k = 0; k < 64; k++) t[ZIGZAG[k]] = precision ? (seg[o + 1 + 2 * k] << 8) | seg[o + 2 + 2 * k] : seg[o + 1 + k];
          quant[id] = t;
          o += 1 + size;
        }
        break;
      }
      case 0xdd:
        if (seg.length < 2) throw corrupt('a malformed restart interval');
        restartInterval = (seg[0] << 8) | seg[1];
        break;
      case 0xe0:
        if (seg.length >= 5 && String.fromCharCode(...seg.subarray(0, 5)) === 'JFIF\0') jfif = true;
        break;
      case 0xee:
        if (seg.length >= 12 && String.fromCharCode(...seg.subarray(0, 5)) === 'Adobe') adobe = seg[11];
        break;
      case 0xda: {
        if (!frame) throw corrupt('image data before the frame header');
        if (!canvas) canvas = prepare(frame, adobe, jfif);
        // Each scan passes over every block: a file of thousands of scans would take minutes (libjpeg-turbo limits them too).
        if (scans >= MAX_SCANS) throw unsupported(`more than ${MAX_SCANS} scans`);
        pos = decodeScan(frame, seg, pos);
        scans++;
        break;
      }
      default:
        break; // APPn, COM, DNL: nothing a grey picture needs
    }
  }
  if (!frame || !canvas) throw corrupt('no image data');
  if (scans === 0) throw corrupt('no image data');
  for (const c of frame.components) {
    if (c.needed && !quant[c.tq]) throw corrupt(`component ${c.id} uses an undefined quantisation table`);
  }
  if (frame.progressive) {
    for (const c of frame.components) {
      if (!c.coefficients) continue;
      const qt = quant[c.tq]!;
      for (let row = 0; row < c.blocksPerColumn; row++) {
        for (let col = 0; col < c.blocksPerLine; col++) {
          const o = (row * c.mcuBlocksPerLine + col) * 64;
          inverseDct(c.coefficients.subarray(o, o + 64), qt, samples, work);
          putBlock(c, row, col, samples);
        }
      }
      c.coefficients = null;
    }
  }
  toGrey(frame, canvas, adobe);
  return canvas;

  function readFrame(seg: Uint8Array, progressive: boolean): Frame {
    if (seg.length < 6) throw corrupt('a truncated frame header');
    if (seg[0] !== 8) throw unsupported(`${seg[0]}-bit samples`);
    const height = (seg[1] << 8) | seg[2];
    const width = (seg[3] << 8) | seg[4];
    const n = seg[5];
    if (height === 0) throw unsupported('the height is given after the image data (DNL)');
    checkDimensions('JPEG', width, height);
    if (n !== 1 && n !== 3 && n !== 4) throw unsupported(`${n} colour components`);
    if (seg.length < 6 + 3 * n) throw corrupt('a truncated frame header');
    const components: Component[] = [];
    for (let i = 0; i < n; i++) {
      const o = 6 + 3 * i;
      const h = seg[o + 1] >> 4;
      const v = seg[o + 1] & 15;
      if (h < 1 || h > 4 || v < 1 || v > 4) throw corrupt(`sampling factors ${h}x${v}`);
      if (seg[o + 2] > 3) throw corrupt(`quantisation table ${seg[o + 2]}`);
      components.push({
        id: seg[o],
        h,
        v,
        tq: seg[o + 2],
        width: 0,
        height: 0,
        blocksPerLine: 0,
        blocksPerColumn: 0,
        mcuBlocksPerLine: 0,
        mcuBlocksPerColumn: 0,
        needed: false,
        coefficients: null,
        plane: null,
        dcTable: null,
        acTable: null,
        pred: 0,
        coefBits: new Int8Array(64).fill(-1),
      });
    }
    const maxH = Math.max(...components.map((c) => c.h));
    const maxV = Math.max(...components.map((c) => c.v));
    const mcusPerLine = Math.ceil(width / (8 * maxH));
    const mcusPerColumn = Math.ceil(height / (8 * maxV));
    for (const c of components) {
      c.width = Math.ceil((width * c.h) / maxH);
      c.height = Math.ceil((height * c.v) / maxV);
      c.blocksPerLine = Math.ceil(c.width / 8);
      c.blocksPerColumn = Math.ceil(c.height / 8);
      c.mcuBlocksPerLine = mcusPerLine * c.h;
      c.mcuBlocksPerColumn = mcusPerColumn * c.v;
    }
    return { progressive, width, height, components, maxH, maxV, mcusPerLine, mcusPerColumn };
  }

  /** Decides which components grey needs and allocates their planes (and coefficients), within the budget. */
  function prepare(f: Frame, adobeTransform: number | null, isJfif: boolean): GreyCanvas {
    const cs = f.components;
    const rgb = cs.length === 3 && (adobeTransform === 0 || (adobeTransform === null && !isJfif && cs[0].id === 0x52 && cs[1].id === 0x47));
    if (cs.length === 4 && adobeTransform === null) throw unsupported('4 colour components without an Adobe marker');
    // YCbCr (and grey): grey is Y. RGB, CMYK, YCCK: every component.
    const onlyY = cs.length === 1 || (cs.length === 3 && !rgb);
    for (const [i, c] of cs.entries()) c.needed = onlyY ? i === 0 : true;
    const fullSizeY = onlyY && cs[0].h === f.maxH && cs[0].v === f.maxV;
    let bytes = f.width * f.height;
    for (const c of cs) {
      if (!c.needed) continue;
      if (!(fullSizeY && c === cs[0])) bytes += c.width * c.height;
      if (f.progressive) bytes += c.mcuBlocksPerLine * c.mcuBlocksPerColumn * 128;
    }
    if (bytes > MEMORY_BUDGET) {
      const kind = `${f.progressive ? 'progressive ' : ''}${cs.length === 4 ? 'CMYK' : 'RGB'} JPEG`;
      const limit = Math.floor((f.width * f.height * MEMORY_BUDGET) / bytes / 1e5) / 10;
      throw new PictureProblem(`too large (${megapixels(f.width, f.height)} MP, limit ${limit} for a ${kind})`);
    }
    const result = new GreyCanvas(f.width, f.height, false);
    for (const c of cs) {
      if (!c.needed) continue;
      c.plane = fullSizeY && c === cs[0] ? result.grey : new Uint8Array(c.width * c.height);
      if (f.progressive) c.coefficients = new Int16Array(c.mcuBlocksPerLine * c.mcuBlocksPerColumn * 64);
    }
    return result;
  }

  /** Decodes one scan whose header is `seg` and whose data start at `start`; returns where the next marker is. */
  function decodeScan(f: Frame, seg: Uint8Array, start: number): number {
    const n = seg[0];
    if (n < 1 || n > 4 || seg.length < 4 + 2 * n) throw corrupt('a malformed scan header');
    const comps: Component[] = [];
    for (let i = 0; i < n; i++) {
      const c = f.components.find((x) => x.id === seg[1 + 2 * i]);
      if (!c) throw corrupt(`a scan of an undeclared component ${seg[1 + 2 * i]}`);
      const t = seg[2 + 2 * i];
      c.dcTable = dcTables[t >> 4] ?? null;
      c.acTable = acTables[t & 15] ?? null;
      comps.push(c);
    }
    const ss = seg[1 + 2 * n];
    const se = seg[2 + 2 * n];
    const ah = seg[3 + 2 * n] >> 4;
    const al = seg[3 + 2 * n] & 15;
    const progressive = f.progressive;
    if (progressive ? ss > se || se > 63 || (ss === 0 && se !== 0) || (ss > 0 && n !== 1) || al > 13 : ss !== 0 || se !== 63) {
      throw corrupt('a malformed scan header');
    }
    checkProgression(progressive, comps, ss, se, ah, al);
    // A scan of nothing grey needs (the chroma's own AC scans) is skipped unread.
    if (!comps.some((c) => c.needed)) return skipEntropyData(data, start);
    // The work of this scan, before it is done: its blocks of needed components.
    let blocks = 0;
    let allBlocks = 0;
    for (const c of f.components) if (c.needed) allBlocks += c.mcuBlocksPerLine * c.mcuBlocksPerColumn;
    for (const c of comps) {
      if (!c.needed) continue;
      blocks += n === 1 ? c.blocksPerLine * c.blocksPerColumn : f.mcusPerLine * f.mcusPerColumn * c.h * c.v;
    }
    if (visits + blocks > MAX_PASSES * allBlocks) {
      throw unsupported(`too much work: by scan ${scans + 1} its scans pass over the picture more than ${MAX_PASSES} times`);
    }
    visits += blocks;
    const needsDc = ss === 0 && (!progressive || ah === 0);
    const needsAc = se > 0;
    for (const c of comps) {
      if ((needsDc && !c.dcTable) || (needsAc && !c.acTable)) throw corrupt('a scan uses an undefined Huffman table');
      c.pred = 0;
    }
    const r = new BitReader(data, start);
    let eobrun = 0;

    const sequential = (c: Component, row: number, col: number) => {
      block.fill(0);
      const t = r.huffman(c.dcTable!);
      c.pred += t === 0 ? 0 : r.extend(t);
      block[0] = c.pred;
      for (let k = 1; k < 64;) {
        const rs = r.huffman(c.acTable!);
        const s = rs & 15;
        const run = rs >> 4;
        if (s === 0) {
          if (run < 15) break;
          k += 16;
          continue;
        }
        k += run;
        if (k > 63) throw corrupt('a block of more than 64 coefficients');
        block[ZIGZAG[k]] = r.extend(s);
        k++;
      }
      if (c.needed && row < c.blocksPerColumn && col < c.blocksPerLine) {
        inverseDct(block, quant[c.tq] ?? missingTable(c), samples, work);
        putBlock(c, row, col, samples);
      }
    };
    const coefficientsOf = (c: Component, row: number, col: number): Int16Array | Int32Array => {
      if (!c.coefficients) {
        block.fill(0);
        return block;
      }
      const o = (row * c.mcuBlocksPerLine + col) * 64;
      return c.coefficients.subarray(o, o + 64);
    };
    const dcFirst = (c: Component, row: number, col: number) => {
      const z = coefficientsOf(c, row, col);
      const t = r.huffman(c.dcTable!);
      c.pred += t === 0 ? 0 : r.extend(t);
      z[0] = c.pred * (1 << al);
    };
    const dcRefine = (c: Component, row: number, col: number) => {
      const z = coefficientsOf(c, row, col);
      if (r.bit()) z[0] |= 1 << al;
    };
    const acFirst = (c: Component, row: number, col: number) => {
      if (eobrun > 0) {
        eobrun--;
        return;
      }
      const z = coefficientsOf(c, row, col);
      for (let k = ss; k <= se;) {
        const rs = r.huffman(c.acTable!);
        const s = rs & 15;
        const run = rs >> 4;
        if (s === 0) {
          if (run < 15) {
            eobrun = (1 << run) - 1 + r.receive(run);
            break;
          }
          k += 16;
          continue;
        }
        k += run;
        if (k > 63) throw corrupt('a block of more than 64 coefficients');
        z[ZIGZAG[k]] = r.extend(s) * (1 << al);
        k++;
      }
    };
    const acRefine = (c: Component, row: number, col: number) => {
      const z = coefficientsOf(c, row, col);
      const p1 = 1 << al;
      const m1 = -1 << al;
      let k = ss;
      // libjpeg's decode_mcu_AC_refine: correction bits for coefficients already nonzero, new ones of ±1.
      if (eobrun === 0) {
        for (; k <= se; k++) {
          const rs = r.huffman(c.acTable!);
          let run = rs >> 4;
          let s = rs & 15;
          if (s) {
            s = r.bit() ? p1 : m1;
          } else if (run !== 15) {
            eobrun = (1 << run) + r.receive(run);
            break;
          }
          do {
            const zi = ZIGZAG[k];
            if (z[zi] !== 0) {
              if (r.bit() && (z[zi] & p1) === 0) z[zi] += z[zi] >= 0 ? p1 : m1;
            } else if (--run < 0) break;
            k++;
          } while (k <= se);
          if (s && k <= se) z[ZIGZAG[k]] = s;
        }
      }
      if (eobrun > 0) {
        for (; k <= se; k++) {
          const zi = ZIGZAG[k];
          if (z[zi] !== 0 && r.bit() && (z[zi] & p1) === 0) z[zi] += z[zi] >= 0 ? p1 : m1;
        }
        eobrun--;
      }
    };
    const decode = !progressive ? sequential : ss === 0 ? (ah === 0 ? dcFirst : dcRefine) : ah === 0 ? acFirst : acRefine;

    const single = n === 1;
    const units = single ? comps[0].blocksPerLine * comps[0].blocksPerColumn : f.mcusPerLine * f.mcusPerColumn;
    try {
      for (let u = 0; u < units; u++) {
        // Data that ran out are noticed within a few hundred units, not after decoding zeros to the end.
        if ((u & 255) === 0 && r.overrun) throw new DataEnd();
        if (restartInterval > 0 && u > 0 && u % restartInterval === 0) {
          if (r.overrun) throw new DataEnd();
          r.align();
          // The restart marker; a missing one is tolerated (the next bytes are taken as data).
          if (data[r.pos] === 0xff && data[r.pos + 1] >= 0xd0 && data[r.pos + 1] <= 0xd7) r.pos += 2;
          else if (data[r.pos] === 0xff && data[r.pos + 1] !== 0x00) throw new DataEnd();
          for (const c of comps) c.pred = 0;
          eobrun = 0;
        }
        if (single) {
          const c = comps[0];
          decode(c, Math.floor(u / c.blocksPerLine), u % c.blocksPerLine);
        } else {
          const mr = Math.floor(u / f.mcusPerLine);
          const mc = u % f.mcusPerLine;
          for (const c of comps) {
            for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) decode(c, mr * c.v + v, mc * c.h + h);
          }
        }
      }
    } catch (err) {
      if (err instanceof DataEnd) throw endedEarly(r.pos);
      throw err;
    }
    if (r.overrun) throw endedEarly(r.pos);
    r.align();
    return skipEntropyData(data, r.pos);
  }

  /**
   * libjpeg's progression checks (jdinput.c, jdphuff.c): a sequential picture scans each component
   * once; a progressive scan refines only what an earlier scan coded, one bit at a time (Al = Ah - 1),
   * and codes AC only after its DC. A file that breaks them is corrupt, and one that repeats scans
   * to cost time is refused at its first repeat.
   */
  function checkProgression(progressive: boolean, comps: Component[], ss: number, se: number, ah: number, al: number): void {
    for (const c of comps) {
      const bits = c.coefBits;
      if (!progressive) {
        if (bits[0] >= 0) throw corrupt(`component ${c.id} scanned twice in a sequential picture`);
        bits.fill(0);
        continue;
      }
      if (ah !== 0 && al !== ah - 1) throw corrupt('inconsistent progression sequence (a refinement of more than one bit)');
      if (ss > 0 && bits[0] < 0) throw corrupt(`inconsistent progression sequence (AC of component ${c.id} before its DC)`);
      for (let k = ss; k <= se; k++) {
        if (ah !== Math.max(0, bits[k]) || (ah === 0 && bits[k] >= 0)) {
          throw corrupt(`inconsistent progression sequence (coefficient ${k} of component ${c.id})`);
        }
        bits[k] = al;
      }
    }
  }

  function endedEarly(at: number): PictureProblem {
    return at >= data.length - 1 || data.subarray(at).every((b) => b === 0)
      ? corrupt('the file ends early')
      : corrupt('the image data end early');
  }

  function missingTable(c: Component): never {
    throw corrupt(`component ${c.id} uses an undefined quantisation table`);
  }
}

/** The components' planes → the grey canvas (nothing to do when grey is the full-size Y plane). */
function toGrey(f: Frame, canvas: GreyCanvas, adobe: number | null): void {
  const cs = f.components;
  const grey = canvas.grey;
  const { width, height } = f;
  // Nearest sample of component c for picture pixel (x, y), as jpeg-js upsamples.
  const rowOf = (c: Component, y: number) => Math.min(c.height - 1, Math.floor((y * c.v) / f.maxV)) * c.width;
  const colOf = (c: Component, x: number) => Math.min(c.width - 1, Math.floor((x * c.h) / f.maxH));
  const needed = cs.filter((c) => c.needed);
  if (needed.length === 1) {
    const c = needed[0];
    if (c.plane === grey) return;
    for (let y = 0; y < height; y++) {
      const r = rowOf(c, y);
      for (let x = 0; x < width; x++) grey[y * width + x] = c.plane![r + colOf(c, x)];
    }
    return;
  }
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  // Each component's sample column for every picture column, computed once.
  const cols = cs.map((c) => Int32Array.from({ length: width }, (_, x) => colOf(c, x)));
  const [p0, p1, p2, p3] = cs.map((c) => c.plane!);
  const [c0x, c1x, c2x, c3x] = cols;
  for (let y = 0; y < height; y++) {
    const r0 = rowOf(cs[0], y);
    const r1 = rowOf(cs[1], y);
    const r2 = rowOf(cs[2], y);
    const r3 = cs.length === 4 ? rowOf(cs[3], y) : 0;
    for (let x = 0; x < width; x++) {
      const s0 = p0[r0 + c0x[x]];
      const s1 = p1[r1 + c1x[x]];
      const s2 = p2[r2 + c2x[x]];
      if (cs.length === 3) {
        grey[y * width + x] = luma(s0, s1, s2); // RGB, stored as is
        continue;
      }
      // Adobe CMYK (stored inverted) or YCCK, converted as jpeg-js does.
      const s3 = p3[r3 + c3x[x]];
      let cc: number;
      let mm: number;
      let yy: number;
      if (adobe !== 0) {
        cc = clamp(s0 + 1.402 * (s2 - 128));
        mm = clamp(s0 - 0.3441363 * (s1 - 128) - 0.71413636 * (s2 - 128));
        yy = clamp(s0 + 1.772 * (s1 - 128));
      } else {
        cc = 255 - s0;
        mm = 255 - s1;
        yy = 255 - s2;
      }
      const k = 255 - s3;
      grey[y * width + x] = luma(
        255 - clamp(cc * (1 - k / 255) + k),
        255 - clamp(mm * (1 - k / 255) + k),
        255 - clamp(yy * (1 - k / 255) + k),
      );
    }
  }
}
