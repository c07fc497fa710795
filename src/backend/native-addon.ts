/**
 * Loading the C++ addon (build/Release/lenet_native.node, built by `node-gyp rebuild`
 * during `npm install`) and the shape of what it exports. Loading never throws: a missing
 * or broken build yields null and a remembered message.
 */
import * as path from 'node:path';

export type Activation = 0 | 1; // 0 linear, 1 relu

/** [batch, inH, inW, inC, outH, outW, outC, filterH, filterW, strideH, strideW, padTop, padLeft] */
export type ConvGeometry = number[];
/** [batch, inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft] */
export type PoolGeometry = number[];

export interface NativeKernelFns {
  conv2dForward(y: Float32Array, x: Float32Array, filter: Float32Array, bias: Float32Array | null,
    activation: Activation, geometry: ConvGeometry): void;
  conv2dBackwardInput(dx: Float32Array, dy: Float32Array, filter: Float32Array, geometry: ConvGeometry): void;
  conv2dBackwardFilter(dfilter: Float32Array, x: Float32Array, dy: Float32Array, geometry: ConvGeometry): void;
  /** sizes: [batchA, batchB, m, k, n] */
  batchMatMul(c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | null,
    activation: Activation, sizes: number[], transposeA: boolean, transposeB: boolean): void;
}

export interface NativeAddon extends NativeKernelFns {
  maxPool(y: Float32Array, x: Float32Array, geometry: PoolGeometry): void;
  maxPoolGrad(dx: Float32Array, dy: Float32Array, x: Float32Array, geometry: PoolGeometry): void;
  /** out[i] = a[i % na] op b[i % nb]; op 0 add, 1 sub, 2 mul, 3 div; sizes [n, na, nb]. */
  binaryOp(out: Float32Array, a: Float32Array, b: Float32Array, op: number, sizes: number[]): void;
  /** op 0 relu, 1 step(alpha), 2 tanh, 3 sigmoid, 4 sqrt, 5 square, 6 neg, 7 exp, 8 log. */
  unaryOp(out: Float32Array, x: Float32Array, op: number, alpha: number): void;
  /** out[j] = sum_r x[r][j] over x [rows, cols]. */
  sumLeading(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** out[r] = sum_j x[r][j] over x [rows, cols]. */
  sumTrailing(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** Softmax over the last axis of x [rows, cols]. */
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** In place; scalars [beta1, 1-beta1, beta2, 1-beta2, 1-beta1^t, 1-beta2^t, epsilon, -lr] (float32). */
  adamUpdate(value: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, scalars: number[]): void;
  /** Naive loops the fast kernels are tested against. */
  reference: NativeKernelFns;
  setThreads(n: number): void;
  getThreads(): number;
  cpuFeatures(): string[];
  /** Vector paths this CPU can run, best last: 'generic', 'avx2', 'avx512'. */
  simdPaths(): string[];
  simdInUse(): string;
  /** Forces a vector path ('' = best); false if this CPU cannot run it. */
  setSimd(name: string): boolean;
}

let cached: NativeAddon | null | undefined;
let loadError: string | null = null;

/** The package root: this file compiles to dist/src/backend/. */
function packageRoot(): string {
  return path.join(__dirname, '..', '..', '..');
}

/** The addon, or null if it cannot be loaded (see nativeLoadError()). */
export function loadNativeAddon(): NativeAddon | null {
  if (cached !== undefined) return cached;
  const errors: string[] = [];
  for (const flavour of ['Release', 'Debug']) {
    const file = path.join(packageRoot(), 'build', flavour, 'lenet_native.node');
    try {
      cached = require(file) as NativeAddon;
      loadError = null;
      return cached;
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  cached = null;
  loadError = `cannot load build/Release/lenet_native.node (build it with \`npm rebuild\`): ${errors.join("; ")}`;
  return cached;
}

/** Why loadNativeAddon() returned null, or null if it loaded (or was not tried). */
export function nativeLoadError(): string | null {
  return loadError;
}
