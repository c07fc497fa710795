/**
 * Loading the C++ addon (build/Release/lenet_native.node, built by `node-gyp rebuild`
 * during `npm install`) and the shape of what it exports. Loading never throws: a missing
 * or broken build yields null and a remembered message.
 */
import * as path from 'node:path';
import { opCodesMismatch, type OpCodes } from './native-opcodes';

/**
 * A convolution's sizes, as tfjs resolves them (the names of backend_util.Conv2DInfo, with
 * padTop/padLeft for padInfo.top/left): x [batchSize, inHeight, inWidth, inChannels], filter
 * [filterHeight, filterWidth, inChannels, outChannels], y [batchSize, outHeight, outWidth, outChannels].
 */
export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** A pooling's sizes: x [batchSize, inHeight, inWidth, channels], y [batchSize, outHeight, outWidth, channels]. */
export interface PoolGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * The kernels, each exported twice by the addon: the fast path, and under `reference` its
 * naive loop (native/kernels.h). Outputs first; every array is written whole (Adam: in place).
 * `activation` and `op` are codes of the addon's table (opCodes).
 */
export interface NativeKernelFns {
  conv2dForward(
    y: Float32Array,
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    activation: number,
    geometry: ConvGeometry,
  ): void;
  conv2dBackwardInput(dx: Float32Array, dy: Float32Array, filter: Float32Array, geometry: ConvGeometry): void;
  conv2dBackwardFilter(dfilter: Float32Array, x: Float32Array, dy: Float32Array, geometry: ConvGeometry): void;
  maxPool(y: Float32Array, x: Float32Array, geometry: PoolGeometry): void;
  maxPoolGrad(dx: Float32Array, dy: Float32Array, x: Float32Array, geometry: PoolGeometry): void;
  /** sizes: [batchA, batchB, m, k, n] */
  batchMatMul(
    c: Float32Array,
    a: Float32Array,
    b: Float32Array,
    bias: Float32Array | null,
    activation: number,
    sizes: number[],
    transposeA: boolean,
    transposeB: boolean,
  ): void;
  /** out[i] = a[i % na] op b[i % nb]; sizes [n, na, nb]. */
  binaryOp(out: Float32Array, a: Float32Array, b: Float32Array, op: number, sizes: number[]): void;
  /** out[i] = op(x[i]); alpha: Step's value for x <= 0. */
  unaryOp(out: Float32Array, x: Float32Array, op: number, alpha: number): void;
  /** out[j] = sum_r x[r][j] over x [rows, cols]. */
  sumLeading(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** out[r] = sum_j x[r][j] over x [rows, cols]. */
  sumTrailing(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** Softmax over the last axis of x [rows, cols]. */
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** In place; scalars [beta1, 1-beta1, beta2, 1-beta2, 1-beta1^t, 1-beta2^t, epsilon, -lr] (float32). */
  adamUpdate(value: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, scalars: number[]): void;
}

export interface NativeAddon extends NativeKernelFns {
  /** Naive loops the fast kernels are tested against. */
  reference: NativeKernelFns;
  /** The op codes (native/opcodes.h), checked against native-opcodes.ts when the addon loads. */
  opCodes: OpCodes;
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
      const addon = require(file) as NativeAddon;
      const stale = opCodesMismatch(addon.opCodes);
      if (stale != null) {
        cached = null;
        loadError = `${file} does not match this lenet: ${stale} (rebuild it with \`npm rebuild\`)`;
        return cached;
      }
      cached = addon;
      loadError = null;
      return cached;
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  cached = null;
  loadError = `cannot load build/Release/lenet_native.node (build it with \`npm rebuild\`): ${errors.join('; ')}`;
  return cached;
}

/** Why loadNativeAddon() returned null, or null if it loaded (or was not tried). */
export function nativeLoadError(): string | null {
  return loadError;
}
