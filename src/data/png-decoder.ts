/**
 * A PNG decoder that never holds more than the picture's 8-bit grey and alpha planes: the file is
 * read in pieces, its image data inflated as a stream, and each row unfiltered and turned into
 * grey as soon as it is complete (every colour type and bit depth, palettes, tRNS, Adam7). The
 * header is checked against the limits before anything else is read. (PNG specification, W3C 2003.)
 */
import * as zlib from 'node:zlib';
import { ByteSource, checkDimensions, GreyCanvas, luma, PictureProblem } from './picture';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Ancillary chunks passed over before the picture is given up (libpng keeps at most 1000 unknown ones). */
const MAX_SKIPPED_CHUNKS = 10000;
/** Chunks of any kind before the picture is given up (libpng writes image data in chunks of 8 kB: 40 000 for the largest picture allowed). */
const MAX_CHUNKS = 200_000;
/** Bytes read from the file at once. */
const PIECE = 1 << 20;

const corrupt = (why: string) => new PictureProblem(`corrupt PNG (${why})`);

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO 3309) continued over `bytes`; start with 0xffffffff, finish with `^ 0xffffffff`. */
function crcUpdate(crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  /** Pixels per row and rows of this pass. */
  cols: number;
  rows: number;
}

/** 16-bit sample → 8-bit, rounded (v × 255 / 65535). */
const to8 = (v: number) => (v * 255 + 32895) >>> 16;

/** Unfilters the image data's rows as they arrive and writes each one into the canvas as grey (and alpha). */
class RowDecoder {
  private readonly passes: Pass[];
  private pass = 0;
  private row = 0;
  private readonly bpp: number;
  private readonly bitsPerPixel: number;
  private cur: Uint8Array;
  private prev: Uint8Array;
  private fill = 0;
  rowsDone = 0;
  readonly rowsTotal: number;
  done = false;
  /** Grey level and alpha of each palette entry, or of each grey level (key colour made transparent). */
  private readonly paletteGrey = new Uint8Array(256);
  private readonly paletteAlpha = new Uint8Array(256).fill(255);
  private paletteSize = 0;

  constructor(
    private readonly h: Header,
    private readonly canvas: GreyCanvas,
    palette: Uint8Array | null,
    private readonly trns: Uint8Array | null,
  ) {
    const passes = h.interlace ? ADAM7 : [[0, 0, 1, 1]];
    this.passes = passes
      .map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, cols: Math.ceil((h.width - x0) / dx), rows: Math.ceil((h.height - y0) / dy) }))
      .filter((p) => p.cols > 0 && p.rows > 0);
    this.rowsTotal = this.passes.reduce((s, p) => s + p.rows, 0);
    this.bitsPerPixel = CHANNELS[h.colorType] * h.bitDepth;
    this.bpp = Math.max(1, this.bitsPerPixel >> 3);
    const longest = Math.ceil((h.width * this.bitsPerPixel) / 8);
    this.cur = new Uint8Array(longest + 1);
    this.prev = new Uint8Array(longest + 1);
    if (palette) {
      this.paletteSize = palette.length / 3;
      for (let i = 0; i < this.paletteSize; i++) this.paletteGrey[i] = luma(palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]);
      if (trns) for (let i = 0; i < trns.length; i++) this.paletteAlpha[i] = trns[i];
    }
  }

  private rowBytes(): number {
    return Math.ceil((this.passes[this.pass].cols * this.bitsPerPixel) / 8);
  }

  /** Takes the next piece of inflated data; bytes after the last row are ignored. */
  push(data: Uint8Array): void {
    let i = 0;
    while (i < data.length && !this.done) {
      const need = this.rowBytes() + 1;
      const n = Math.min(need - this.fill, data.length - i);
      this.cur.set(data.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
      if (this.fill === need) this.finishRow(need - 1);
    }
  }

  private finishRow(len: number): void {
    const cur = this.cur;
    const prev = this.prev;
    const bpp = this.bpp;
    const type = cur[0];
    // Filtering works on bytes 1..len; prev holds the previous row of this pass (zeros for its first row).
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = 1 + bpp; i <= len; i++) cur[i] = (cur[i] + cur[i - bpp]) & 0xff;
        break;
      case 2:
        for (let i = 1; i <= len; i++) cur[i] = (cur[i] + prev[i]) & 0xff;
        break;
      case 3:
        for (let i = 1; i <= len; i++) cur[i] = (cur[i] + (((i > bpp ? cur[i - bpp] : 0) + prev[i]) >> 1)) & 0xff;
        break;
      case 4:
        for (let i = 1; i <= len; i++) {
          const a = i > bpp ? cur[i - bpp] : 0;
          const b = prev[i];
          const c = i > bpp ? prev[i - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          cur[i] = (cur[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        throw corrupt(`unknown row filter ${type}`);
    }
    this.writeRow(cur);
    this.cur = prev;
    this.prev = cur;
    this.fill = 0;
    this.rowsDone++;
    const p = this.passes[this.pass];
    if (++this.row === p.rows) {
      this.row = 0;
      this.prev.fill(0);
      if (++this.pass === this.passes.length) this.done = true;
    }
  }

  /** Row `this.row` of pass `this.pass` (bytes from index 1 of `raw`) → grey and alpha. */
  private writeRow(raw: Uint8Array): void {
    const { colorType: ct, bitDepth: bd, width } = this.h;
    const p = this.passes[this.pass];
    const grey = this.canvas.grey;
    const alpha = this.canvas.alpha;
    let o = (p.y0 + this.row * p.dy) * width + p.x0;
    const step = p.dx;
    const trns = this.trns;
    if (bd < 8) {
      // Grey or palette, 1/2/4 bits a pixel, packed from the high bits.
      const mask = (1 << bd) - 1;
      const scale = 255 / mask;
      // The key is a 16-bit value; a grey picture of fewer bits uses its low bits (others zero).
      const key = ct === 0 && trns ? (trns[0] << 8) | trns[1] : -1;
      for (let i = 0; i < p.cols; i++, o += step) {
        const bit = i * bd;
        const v = (raw[1 + (bit >> 3)] >> (8 - bd - (bit & 7))) & mask;
        if (ct === 3) this.palette(v, o);
        else {
          grey[o] = v * scale;
          if (alpha) alpha[o] = v === key ? 0 : 255;
        }
      }
      return;
    }
    const wide = bd === 16;
    const ch = CHANNELS[ct];
    const sampleBytes = wide ? 2 : 1;
    const at = (i: number, c: number) => {
      const k = 1 + (i * ch + c) * sampleBytes;
      return wide ? (raw[k] << 8) | raw[k + 1] : raw[k];
    };
    const eight = (v: number) => (wide ? to8(v) : v);
    switch (ct) {
      case 0: {
        const key = trns ? (trns[0] << 8) | trns[1] : -1;
        for (let i = 0; i < p.cols; i++, o += step) {
          const v = at(i, 0);
          grey[o] = eight(v);
          if (alpha) alpha[o] = v === key ? 0 : 255;
        }
        break;
      }
      case 2: {
        const kr = trns ? (trns[0] << 8) | trns[1] : -1;
        const kg = trns ? (trns[2] << 8) | trns[3] : -1;
        const kb = trns ? (trns[4] << 8) | trns[5] : -1;
        for (let i = 0; i < p.cols; i++, o += step) {
          const r = at(i, 0);
          const g = at(i, 1);
          const b = at(i, 2);
          grey[o] = luma(eight(r), eight(g), eight(b));
          if (alpha) alpha[o] = r === kr && g === kg && b === kb ? 0 : 255;
        }
        break;
      }
      case 3:
        for (let i = 0; i < p.cols; i++, o += step) this.palette(raw[1 + i], o);
        break;
      case 4:
        for (let i = 0; i < p.cols; i++, o += step) {
          grey[o] = eight(at(i, 0));
          alpha![o] = eight(at(i, 1));
        }
        break;
      case 6:
        for (let i = 0; i < p.cols; i++, o += step) {
          grey[o] = luma(eight(at(i, 0)), eight(at(i, 1)), eight(at(i, 2)));
          alpha![o] = eight(at(i, 3));
        }
        break;
    }
  }

  private palette(index: number, o: number): void {
    if (index >= this.paletteSize) throw corrupt(`palette index ${index} of ${this.paletteSize} colours`);
    this.canvas.grey[o] = this.paletteGrey[index];
    if (this.canvas.alpha) this.canvas.alpha[o] = this.paletteAlpha[index];
  }
}

/** Inflates image data as a stream into a RowDecoder; stops as soon as the last row is complete. */
class Inflater {
  private readonly z = zlib.createInflate({ chunkSize: 64 * 1024 });
  private failure: Error | null = null;
  private readonly finished: Promise<void>;

  constructor(private readonly rows: RowDecoder) {
    this.finished = new Promise((resolve) => {
      this.z.on('data', (chunk: Buffer) => {
        if (this.failure || rows.done) return;
        try {
          rows.push(chunk);
        } catch (err) {
          this.failure = err as Error;
        }
        if (this.failure || rows.done) this.z.destroy();
      });
      this.z.on('error', (err: NodeJS.ErrnoException) => {
        // A stream that stops short is told by the rows it left missing (decodePng); anything else is damage.
        if (!this.failure && !rows.done && err.code !== 'Z_BUF_ERROR') this.failure = corrupt(`damaged image data: ${err.message}`);
        resolve();
      });
      this.z.on('end', resolve);
      this.z.on('close', resolve);
    });
  }

  get stopped(): boolean {
    return this.failure !== null || this.rows.done || this.z.destroyed;
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.stopped || data.length === 0) return;
    if (!this.z.write(data)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          this.z.off('drain', go);
          this.z.off('close', go);
          resolve();
        };
        this.z.on('drain', go);
        this.z.on('close', go);
      });
    }
  }

  /** Waits for the last of the data; rethrows what went wrong on the way. */
  async end(): Promise<void> {
    if (!this.z.destroyed) this.z.end();
    await this.finished;
    if (this.failure) throw this.failure;
  }
}

/** Decodes a PNG into an 8-bit grey canvas (with alpha when it has transparency). */
export async function decodePng(src: ByteSource): Promise<GreyCanvas> {
  const head = await src.read(0, 33);
  if (head.length < 33) throw corrupt('the file ends early');
  if (!SIGNATURE.every((b, i) => head[i] === b)) throw corrupt('bad signature');
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...head.subarray(12, 16)) !== 'IHDR') throw corrupt('no IHDR header first');
  const crc = (crcUpdate(-1, head.subarray(12, 29)) ^ -1) >>> 0;
  if (crc !== view.getUint32(29)) throw corrupt('CRC error in IHDR');
  const h: Header = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: head[24],
    colorType: head[25],
    interlace: head[28],
  };
  if (!DEPTHS[h.colorType]?.includes(h.bitDepth)) throw corrupt(`colour type ${h.colorType} with bit depth ${h.bitDepth}`);
  if (head[26] !== 0 || head[27] !== 0 || h.interlace > 1) throw corrupt('unknown compression, filter or interlace method');
  if (h.width > 0x7fffffff || h.height > 0x7fffffff) throw corrupt(`its header declares ${h.width}x${h.height} pixels`);
  checkDimensions('PNG', h.width, h.height);

  let pos = 33;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  let canvas: GreyCanvas | null = null;
  let rows: RowDecoder | null = null;
  let inflater: Inflater | null = null;
  let idatEnded = false;
  let truncated = false;
  let skipped = 0;
  for (let chunks = 0; ; chunks++) {
    if (chunks > MAX_CHUNKS) throw corrupt(`more than ${MAX_CHUNKS} chunks`);
    const ch = await src.read(pos, 8);
    if (ch.length < 8) {
      truncated = true;
      break;
    }
    const length = new DataView(ch.buffer, ch.byteOffset, 8).getUint32(0);
    const type = String.fromCharCode(...ch.subarray(4, 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt(`bad chunk type at byte ${pos}`);
    if (length > 0x7fffffff) throw corrupt(`chunk ${type} declares ${length} bytes`);
    const dataStart = pos + 8;
    const crcAt = dataStart + length;
    pos = crcAt + 4;
    if (type === 'IEND') break;
    if (type === 'IDAT') {
      if (idatEnded) throw corrupt('image data chunks are not consecutive');
      if (h.colorType === 3 && !palette) throw corrupt('a palette picture without its palette');
      if (!rows) {
        canvas = new GreyCanvas(h.width, h.height, h.colorType === 4 || h.colorType === 6 || trns !== null);
        rows = new RowDecoder(h, canvas, palette, trns);
        inflater = new Inflater(rows);
      }
      let c = crcUpdate(-1, ch.subarray(4, 8));
      // The whole chunk goes through the CRC; the inflater takes it only until the last row is complete.
      let at = dataStart;
      while (at < crcAt) {
        // Once the inflater has stopped, a long rest of the chunk is not read just to check its CRC.
        if (inflater!.stopped && crcAt - at > PIECE) break;
        const piece = await src.read(at, Math.min(PIECE, crcAt - at));
        if (piece.length === 0) break;
        c = crcUpdate(c, piece);
        await inflater!.write(piece);
        at += piece.length;
      }
      if (at < crcAt && inflater!.stopped && src.size >= crcAt + 4) break;
      const tail = await src.read(crcAt, 4);
      if (at < crcAt || tail.length < 4) {
        // The file ends inside its image data: corrupt, even when the rows it holds happen to be complete.
        await inflater!.end().catch(() => undefined);
        throw corrupt(rows.done ? 'the file ends early' : `the file ends early, after ${rows.rowsDone} of ${rows.rowsTotal} rows`);
      }
      if ((c ^ -1) >>> 0 !== new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0)) throw corrupt('CRC error in IDAT');
      if (inflater!.stopped) break; // every row is in (or the data are damaged): later chunks are not needed
      continue;
    }
    if (rows) idatEnded = true;
    const critical = type === 'PLTE' || type === 'tRNS' || /^[A-Z]/.test(type);
    if (!critical) {
      // Ancillary chunks (text, colour profiles, …) are skipped unread, up to a number no picture needs.
      if (++skipped > MAX_SKIPPED_CHUNKS) throw corrupt(`more than ${MAX_SKIPPED_CHUNKS} ancillary chunks`);
      continue;
    }
    if (type !== 'PLTE' && type !== 'tRNS') throw corrupt(`unknown critical chunk ${type}`);
    if (length > 768) throw corrupt(`${type} of ${length} bytes`);
    const body = await src.read(dataStart, length + 4);
    if (body.length < length + 4) {
      truncated = true;
      break;
    }
    const c = (crcUpdate(crcUpdate(-1, ch.subarray(4, 8)), body.subarray(0, length)) ^ -1) >>> 0;
    if (c !== new DataView(body.buffer, body.byteOffset + length, 4).getUint32(0)) throw corrupt(`CRC error in ${type}`);
    const data = body.slice(0, length);
    if (rows) throw corrupt(`${type} after the image data`);
    if (type === 'PLTE') {
      if (length === 0 || length % 3 !== 0) throw corrupt(`a palette of ${length} bytes`);
      if (h.colorType === 3) palette = data;
    } else {
      const need = h.colorType === 0 ? 2 : h.colorType === 2 ? 6 : h.colorType === 3 ? -1 : 0;
      if (need === 0) throw corrupt(`tRNS in a picture with an alpha channel`);
      if (need > 0 ? length !== need : !palette || length > palette.length / 3) throw corrupt(`tRNS of ${length} bytes`);
      trns = data;
    }
  }
  if (!rows || !inflater || !canvas) throw corrupt(truncated ? 'the file ends early' : 'no image data');
  await inflater.end();
  if (!rows.done) {
    throw corrupt(
      truncated
        ? `the file ends early, after ${rows.rowsDone} of ${rows.rowsTotal} rows`
        : `the image data end early: ${rows.rowsDone} of ${rows.rowsTotal} rows`,
    );
  }
  return canvas;
}
