/**
 * Every kernel family of the addon, fast path against its naive reference loop (native/kernels.h,
 * native/reference.cc), on seeded random inputs, on every vector path this CPU can run and with
 * 1, 2 and 3 threads. Exact kernels (pooling, elementwise arithmetic, relu/step/sqrt/square/neg/log,
 * Adam) must agree with their reference bit for bit; the others within a stated tolerance. On each
 * path the fast results must also be bit-identical whatever the thread count (native/README.md:
 * task boundaries depend only on the problem size). The largest differences go to the test output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeAddon } from '../src/backend/native';
import type { ConvGeometry, NativeKernelFns, PoolGeometry } from '../src/backend/native-addon';
import { prng, convGeometry } from './helpers';

const addon = loadNativeAddon();
assert.ok(addon, 'native addon must be built (npm install)');
const THREADS = [1, 2, 3];
const { activation: ACT, binary: BIN, unary: UN } = addon.opCodes;

/** n values uniform in [-scale, scale). */
function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** n values drawn from `values` (ties, signed zeros, -Infinity, NaN). */
function drawnFrom(values: number[], n: number, seed: number): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => values[Math.floor(r() * values.length)]);
}

/**
 * How far got is from ref: the largest |got - ref| (an unequal NaN or infinity is infinitely far),
 * and the largest difference relative either to max |ref| (scaled: sums, where single outputs may
 * cancel to near 0) or to each max(|ref|, 1) (elementwise: functions of one value).
 */
function difference(got: Float32Array, ref: Float32Array, kind: 'scaled' | 'elementwise'): { abs: number; rel: number } {
  assert.equal(got.length, ref.length);
  let abs = 0;
  let rel = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; ++i) {
    if (Number.isFinite(ref[i])) scale = Math.max(scale, Math.abs(ref[i]));
    if (Object.is(got[i], ref[i])) continue;
    const d = Math.abs(got[i] - ref[i]);
    abs = Number.isFinite(d) ? Math.max(abs, d) : Infinity;
    if (kind === 'elementwise') rel = Math.max(rel, Number.isFinite(d) ? d / Math.max(Math.abs(ref[i]), 1) : Infinity);
  }
  return { abs, rel: kind === 'scaled' ? abs / Math.max(scale, 1e-30) : rel };
}

/** Index of the first element that is not the same float (Object.is), or -1. */
function firstUnequal(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; ++i) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** The same bytes. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** One call of a kernel on fresh outputs; returns them (for Adam: the updated value, m, v). */
type Run = (k: NativeKernelFns) => Float32Array[];
/** exact: bit for bit (Object.is per element); else the largest relative difference allowed (see difference()). */
type Agreement = 'exact' | { scaled: number } | { elementwise: number };

interface Case {
  name: string;
  run: Run;
  agreement: Agreement;
}

/**
 * Runs each case's reference once, then its fast path on every vector path and thread count;
 * asserts the agreement and thread-count independence, and reports the largest differences.
 */
function checkFamily(t: { diagnostic(msg: string): void }, cases: Case[]): void {
  const refs = cases.map((c) => c.run(addon!.reference));
  try {
    for (const path of addon!.simdPaths()) {
      assert.ok(addon!.setSimd(path));
      let worstAbs = 0;
      let worstRel = 0;
      let identical = 0;
      cases.forEach((c, ci) => {
        let first: Float32Array[] | null = null;
        for (const threads of THREADS) {
          addon!.setThreads(threads);
          const got = c.run(addon!);
          const where = `${c.name} on ${path} with ${threads} thread(s)`;
          got.forEach((g, oi) => {
            if (c.agreement === 'exact') {
              const i = firstUnequal(g, refs[ci][oi]);
              assert.equal(i, -1, `${where}, output ${oi}[${i}]: ${g[i]} but the reference gives ${refs[ci][oi][i]}`);
            } else {
              const [kind, tolerance] =
                'scaled' in c.agreement ? ['scaled' as const, c.agreement.scaled] : ['elementwise' as const, c.agreement.elementwise];
              const { abs, rel } = difference(g, refs[ci][oi], kind);
              assert.ok(rel <= tolerance, `${where}, output ${oi}: ${kind} relative difference ${rel} > ${tolerance}`);
              worstAbs = Math.max(worstAbs, abs);
              worstRel = Math.max(worstRel, rel);
            }
          });
          if (first == null) first = got;
          else got.forEach((g, oi) => assert.ok(sameBits(g, first![oi]), `${where}: output ${oi} differs from 1 thread's`));
        }
        if (first!.every((g, oi) => firstUnequal(g, refs[ci][oi]) === -1)) identical++;
      });
      const required = cases.filter((c) => c.agreement === 'exact').length;
      t.diagnostic(
        `${path}: ${identical} of ${cases.length} cases bit-identical to the reference (${required} must be)` +
          `; max abs diff ${worstAbs.toExponential(2)}, max relative diff ${worstRel.toExponential(2)}` +
          `; 1, 2 and 3 threads bit-identical`,
      );
    }
  } finally {
    addon!.setSimd('');
    addon!.setThreads(0);
  }
}

const CONV_SHAPES = [
  [2, 9, 7, 3, 5, 4, 5, 3, 3, 2, 2, 1, 1],
  [3, 10, 10, 4, 10, 10, 33, 3, 3, 1, 1, 1, 1],
  [2, 6, 6, 70, 6, 6, 70, 1, 1, 1, 1, 0, 0],
  [50, 16, 16, 6, 12, 12, 16, 5, 5, 1, 1, 0, 0], // LeNet conv2
  // one input channel: (ow, co) in the lanes for Cout 6, 12, 3, 10 (1, 2 or 3 pattern vectors)
  [50, 36, 36, 1, 32, 32, 6, 5, 5, 1, 1, 0, 0], // LeNet conv1
  [2, 9, 8, 1, 5, 8, 12, 3, 3, 2, 1, 1, 1],
  [2, 7, 11, 1, 7, 11, 3, 3, 3, 1, 1, 1, 1],
  [2, 8, 6, 1, 6, 4, 10, 3, 3, 1, 1, 0, 0],
  [2, 9, 9, 1, 5, 5, 16, 3, 3, 2, 2, 1, 1], // one channel, stride 2: the general paths
];
const CONV_TOLERANCE = { scaled: 1e-4 }; // float sums of up to 1800 products in another order, with fused multiply-adds

for (const [kernel, run] of [
  [
    'conv2dForward (bias, relu)',
    (k: NativeKernelFns, g: ConvGeometry, x: Float32Array, f: Float32Array, dy: Float32Array, bias: Float32Array) => {
      const y = new Float32Array(dy.length);
      k.conv2dForward(y, x, f, bias, ACT.relu, g);
      return [y];
    },
  ],
  [
    'conv2dForward (linear)',
    (k: NativeKernelFns, g: ConvGeometry, x: Float32Array, f: Float32Array, dy: Float32Array) => {
      const y = new Float32Array(dy.length);
      k.conv2dForward(y, x, f, null, ACT.linear, g);
      return [y];
    },
  ],
  [
    'conv2dBackwardInput',
    (k: NativeKernelFns, g: ConvGeometry, x: Float32Array, f: Float32Array, dy: Float32Array) => {
      const dx = new Float32Array(x.length);
      k.conv2dBackwardInput(dx, dy, f, g);
      return [dx];
    },
  ],
  [
    'conv2dBackwardFilter',
    (k: NativeKernelFns, g: ConvGeometry, x: Float32Array, f: Float32Array, dy: Float32Array) => {
      const df = new Float32Array(f.length);
      k.conv2dBackwardFilter(df, x, dy, g);
      return [df];
    },
  ],
] as const) {
  test(`${kernel}: fast paths vs the naive loop, every SIMD path and thread count`, (t) => {
    checkFamily(
      t,
      CONV_SHAPES.map((s, i) => {
        const [B, H, W, C, OH, OW, CO, FH, FW] = s;
        const x = randomArray(B * H * W * C, 20 + i),
          f = randomArray(FH * FW * C * CO, 40 + i, 0.5);
        const dy = randomArray(B * OH * OW * CO, 60 + i),
          bias = randomArray(CO, 80 + i);
        const g = convGeometry(s);
        return {
          name: `x=[${B},${H},${W},${C}] f=[${FH},${FW},${C},${CO}] s=${s[9]},${s[10]} pad=${s[11]},${s[12]}`,
          run: (k) => run(k, g, x, f, dy, bias),
          agreement: CONV_TOLERANCE,
        };
      }),
    );
  });
}

// [batch, inH, inW, channels, filter, stride, padTop, padLeft] (outH/outW as tfjs resolves them)
const POOL_SHAPES = [
  [50, 32, 32, 6, 2, 2, 0, 0], // LeNet pool1 (2x2 tiling windows: the vector path)
  [50, 12, 12, 16, 2, 2, 0, 0], // LeNet pool2
  [2, 9, 9, 6, 2, 2, 0, 0], // windows that do not reach the last row and column
  [1, 7, 9, 3, 3, 2, 1, 1],
  [2, 6, 5, 4, 3, 1, 1, 1], // overlapping windows: dx adds
  [2, 9, 9, 8, 3, 2, 1, 1],
  [2, 7, 7, 16, 3, 1, 0, 0],
  [2, 8, 8, 32, 3, 1, 1, 1],
  [2, 9, 9, 5, 2, 3, 0, 0],
];

function poolGeometry(s: number[]): PoolGeometry {
  const [batchSize, inHeight, inWidth, channels, filter, stride, padTop, padLeft] = s;
  const out = (n: number, pad: number) => Math.floor((n + 2 * pad - filter) / stride) + 1;
  return {
    batchSize,
    inHeight,
    inWidth,
    channels,
    outHeight: out(inHeight, padTop),
    outWidth: out(inWidth, padLeft),
    filterHeight: filter,
    filterWidth: filter,
    strideHeight: stride,
    strideWidth: stride,
    padTop,
    padLeft,
  };
}

test('maxPool and maxPoolGrad: bit-identical to the naive loop, ties and NaN included, every SIMD path and thread count', (t) => {
  const cases: Case[] = [];
  POOL_SHAPES.forEach((s, i) => {
    const g = poolGeometry(s);
    const nx = g.batchSize * g.inHeight * g.inWidth * g.channels;
    const ny = g.batchSize * g.outHeight * g.outWidth * g.channels;
    const name = `x=[${s.slice(0, 4)}] k=${s[4]} s=${s[5]} pad=${s[6]}`;
    const dy = randomArray(ny, 100 + i);
    for (const [inputs, x] of [
      ['random', randomArray(nx, 120 + i)],
      ['ties, ±0, -Infinity, NaN', drawnFrom([0, -0, 1, 1, 2, -Infinity, NaN], nx, 140 + i)],
    ] as const) {
      cases.push({
        name: `maxPool ${name} ${inputs}`,
        agreement: 'exact',
        run: (k) => {
          const y = new Float32Array(ny);
          k.maxPool(y, x, g);
          return [y];
        },
      });
      cases.push({
        name: `maxPoolGrad ${name} ${inputs}`,
        agreement: 'exact',
        run: (k) => {
          const dx = new Float32Array(nx);
          k.maxPoolGrad(dx, dy, x, g);
          return [dx];
        },
      });
    }
  });
  checkFamily(t, cases);
});

test('batchMatMul (+ bias, relu): fast paths vs the naive loop, every SIMD path and thread count', (t) => {
  const shapes: Array<{ ba: number; bb: number; m: number; k: number; n: number; bias: boolean }> = [
    { ba: 1, bb: 1, m: 37, k: 29, n: 70, bias: false },
    { ba: 1, bb: 1, m: 50, k: 576, n: 120, bias: true }, // LeNet dense1
    { ba: 1, bb: 1, m: 576, k: 50, n: 120, bias: false }, // its weight gradient (trans_a)
    { ba: 1, bb: 1, m: 1000, k: 120, n: 10, bias: true },
    { ba: 3, bb: 3, m: 5, k: 7, n: 9, bias: false },
    { ba: 1, bb: 4, m: 5, k: 7, n: 9, bias: true },
    { ba: 4, bb: 1, m: 7, k: 5, n: 9, bias: false },
  ];
  const cases: Case[] = [];
  shapes.forEach((s, i) => {
    const a = randomArray(s.ba * s.m * s.k, 200 + i),
      b = randomArray(s.bb * s.k * s.n, 220 + i);
    const bias = s.bias ? randomArray(s.n, 240 + i) : null;
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        cases.push({
          name: `a=[${s.ba},${s.m},${s.k}] b=[${s.bb},${s.k},${s.n}] ta=${ta} tb=${tb} bias=${s.bias}`,
          agreement: { scaled: 1e-4 },
          run: (k) => {
            const c = new Float32Array(Math.max(s.ba, s.bb) * s.m * s.n);
            k.batchMatMul(c, a, b, bias, bias ? ACT.relu : ACT.linear, [s.ba, s.bb, s.m, s.k, s.n], ta, tb);
            return [c];
          },
        });
      }
    }
  });
  checkFamily(t, cases);
});

test('binaryOp (Add, Sub, Multiply, RealDiv, every broadcast): bit-identical to the naive loop', (t) => {
  const N = 50 * 32 * 32 * 6; // a LeNet activation: enough chunks for every thread
  const sizes: Array<[number, number, number, string]> = [
    [N, N, N, 'same shape'],
    [N, N, 1, 'scalar b'],
    [N, 1, N, 'scalar a'],
    [N, N, 6, 'a bias (period 6)'],
    [N, N, 384, 'period 384'],
    [N, 120, N, 'a repeats (period 120)'],
    [35, 35, 5, 'small, period 5'],
  ];
  const cases: Case[] = [];
  sizes.forEach(([n, na, nb, what], i) => {
    const a = randomArray(na, 300 + i, 4);
    const b = randomArray(nb, 320 + i, 4).map((v) => v + Math.sign(v) * 0.25);
    for (const [op, code] of Object.entries(BIN)) {
      cases.push({
        name: `${op} [${n}, ${na}, ${nb}] ${what}`,
        agreement: 'exact',
        run: (k) => {
          const out = new Float32Array(n);
          k.binaryOp(out, a, b, code, [n, na, nb]);
          return [out];
        },
      });
    }
  });
  checkFamily(t, cases);
});

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 88, 88.5, 89, 100, -88, -88.5, -100];

test('unaryOp: relu, step, sqrt, square, neg, log bit-identical to the naive loop; tanh, sigmoid, exp within 1e-6', (t) => {
  const n = 50 * 32 * 32 * 6;
  const cases: Case[] = [];
  const tolerance: Record<string, Agreement> = { Tanh: { elementwise: 1e-6 }, Sigmoid: { elementwise: 1e-6 }, Exp: { elementwise: 1e-6 } };
  for (const [op, code] of Object.entries(UN)) {
    const random = randomArray(n, 400 + code, 20);
    // positive inputs for sqrt and log as well as the specials (negative: NaN)
    const x = Float32Array.from([...SPECIALS, ...random, ...random.slice(0, 1000).map(Math.abs)]);
    cases.push({
      name: `${op} x=[${x.length}] in [-20, 20] and ${SPECIALS.join(' ')}`,
      agreement: tolerance[op] ?? 'exact',
      run: (k) => {
        const out = new Float32Array(x.length);
        k.unaryOp(out, x, code, op === 'Step' ? 0.25 : 0);
        return [out];
      },
    });
  }
  checkFamily(t, cases);
});

test('softmax: fast path vs the naive loop (vector exp), every SIMD path and thread count', (t) => {
  checkFamily(
    t,
    [
      [5000, 10],
      [50, 10],
      [3, 7],
      [40, 1000],
    ].map(([rows, cols], i) => {
      const x = randomArray(rows * cols, 500 + i, 8);
      return {
        name: `x=[${rows},${cols}]`,
        agreement: { elementwise: 1e-6 },
        run: (k) => {
          const out = new Float32Array(rows * cols);
          k.softmax(out, x, rows, cols);
          return [out];
        },
      };
    }),
  );
});

test('sumLeading and sumTrailing: fast paths vs the naive loop (both in double), every SIMD path and thread count', (t) => {
  const cases: Case[] = [];
  [
    [51200, 6],
    [7200, 16],
    [50, 120],
    [3, 5],
  ].forEach(([rows, cols], i) => {
    const x = randomArray(rows * cols, 600 + i);
    cases.push({
      name: `sumLeading x=[${rows},${cols}]`,
      agreement: { scaled: 1e-6 },
      run: (k) => {
        const out = new Float32Array(cols);
        k.sumLeading(out, x, rows, cols);
        return [out];
      },
    });
  });
  [
    [50, 10],
    [5000, 10],
    [7, 1000],
  ].forEach(([rows, cols], i) => {
    const x = randomArray(rows * cols, 620 + i);
    cases.push({
      name: `sumTrailing x=[${rows},${cols}]`,
      agreement: { scaled: 1e-6 },
      run: (k) => {
        const out = new Float32Array(rows);
        k.sumTrailing(out, x, rows, cols);
        return [out];
      },
    });
  });
  checkFamily(t, cases);
});

test('adamUpdate: three steps bit-identical to the naive loop, every SIMD path and thread count', (t) => {
  const f = Math.fround;
  const scalars = (step: number) => [
    f(0.9),
    f(1 - 0.9),
    f(0.999),
    f(1 - 0.999),
    f(1 - 0.9 ** step),
    f(1 - 0.999 ** step),
    f(1e-7),
    f(-1e-3),
  ];
  checkFamily(
    t,
    [576 * 120, 150, 10].map((n, i) => ({
      name: `n=${n}`,
      agreement: 'exact' as const,
      run: (k: NativeKernelFns) => {
        const value = randomArray(n, 700 + i),
          m = new Float32Array(n),
          v = new Float32Array(n);
        for (let step = 1; step <= 3; ++step) k.adamUpdate(value, m, v, randomArray(n, 720 + 10 * i + step), scalars(step));
        return [value, m, v];
      },
    })),
  );
});

test('exp past 88.7 is Infinity and tanh/sigmoid saturate, as the reference and Math.* (every SIMD path)', () => {
  const x = new Float32Array([88.5, 88.8, 89, 100, Infinity, -Infinity, NaN, 0]);
  const expected: Record<'Exp' | 'Tanh' | 'Sigmoid', number[]> = {
    Exp: [Math.fround(Math.exp(88.5)), Infinity, Infinity, Infinity, Infinity, 0, NaN, 1],
    Tanh: [1, 1, 1, 1, 1, -1, NaN, 0],
    Sigmoid: [1, 1, 1, 1, 1, 0, NaN, 0.5],
  };
  try {
    for (const path of addon.simdPaths()) {
      assert.ok(addon.setSimd(path));
      for (const [op, want] of Object.entries(expected)) {
        const out = new Float32Array(x.length);
        addon.unaryOp(out, x, UN[op as keyof typeof expected], 0);
        // exp(88.5) within 2 ulp, the rest exactly
        assert.ok(Math.abs(out[0] - want[0]) <= 2 * 2 ** -23 * want[0], `${path} ${op}(88.5) = ${out[0]}`);
        assert.deepEqual([...out.slice(1)], want.slice(1), `${path} ${op}`);
      }
    }
  } finally {
    addon.setSimd('');
  }
});
