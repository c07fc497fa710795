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
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      cached = require(file) as NativeAddon;
      loadError = null;
      return cached;
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  cached = null;
  loadError = `cannot load the native addon (run \`npm install\` or \`npx node-gyp rebuild\`): ${errors.join('; ')}`;
  return cached;
}

/** Why loadNativeAddon() returned null, or null if it loaded (or was not tried). */
export function nativeLoadError(): string | null {
  return loadError;
}
