/**
 * Elementwise and reduction kernels of a training step: Add, Sub, Multiply, RealDiv (same
 * shape, scalar, or a trailing-axes period such as a bias), the activations and their
 * gradient helpers (Relu, Step, Tanh, Sigmoid, Square, Sqrt, Neg, Exp, Log), and Sum over
 * leading or trailing axes (bias gradients, softmax gradients), Softmax over the last axis.
 * Anything else: cpu kernel. The op codes come from the addon's table (native-opcodes.ts).
 */
import { backend_util, KernelConfig, util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocOutput } from './native-backend-cpu';
import { allFloat32, f32, nativeKernel, NativeImpl } from './native-kernels';
import { BINARY_KERNELS, UNARY_KERNELS } from './native-opcodes';

/**
 * How an input of `shape` repeats inside `outShape`: its element count if, right-aligned
 * and without its leading 1s, it equals the trailing dims of outShape; otherwise null.
 */
function period(shape: number[], outShape: number[]): number | null {
  let start = 0;
  while (start < shape.length && shape[start] === 1) ++start;
  const s = shape.slice(start);
  if (s.length > outShape.length) return null;
  const tail = outShape.slice(outShape.length - s.length);
  return s.every((d, i) => d === tail[i]) ? util.sizeFromShape(s) : null;
}

function binaryImpl(addon: NativeAddon, op: number): NativeImpl {
  return ({ inputs, backend }) => {
    const { a, b } = inputs;
    if (!allFloat32(a, b)) return null;
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = util.sizeFromShape(outShape);
    const na = period(a.shape, outShape),
      nb = period(b.shape, outShape);
    if (n === 0 || na == null || nb == null || (na !== n && nb !== n)) return null;
    const out = allocOutput(backend, n);
    addon.binaryOp(out, f32(backend, a), f32(backend, b), op, [n, na, nb]);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

function unaryImpl(addon: NativeAddon, op: number): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (!allFloat32(x)) return null;
    const n = util.sizeFromShape(x.shape);
    if (n === 0) return null;
    const out = allocOutput(backend, n);
    const alpha = typeof attrs.alpha === 'number' ? attrs.alpha : 0;
    addon.unaryOp(out, f32(backend, x), op, alpha);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

function sumImpl(addon: NativeAddon): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (!allFloat32(x) || x.shape.length === 0) return null;
    const rank = x.shape.length;
    const axes = [...util.parseAxisParam(attrs.axis as number | number[], x.shape)].sort((p, q) => p - q);
    if (axes.length === 0) return null;
    const leading = axes.every((ax, i) => ax === i);
    const trailing = axes.every((ax, i) => ax === rank - axes.length + i);
    if (!leading && !trailing) return null;
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const reduced = util.sizeFromShape(axes.map((ax) => x.shape[ax]));
    const kept = util.sizeFromShape(outShape);
    if (reduced === 0 || kept === 0) return null;
    const out = allocOutput(backend, kept);
    if (leading) addon.sumLeading(out, f32(backend, x), reduced, kept);
    else addon.sumTrailing(out, f32(backend, x), kept, reduced);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

function softmaxImpl(addon: NativeAddon): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { logits } = inputs;
    if (!allFloat32(logits) || logits.shape.length === 0) return null;
    const rank = logits.shape.length;
    const dim = attrs.dim as number;
    if (dim !== -1 && dim !== rank - 1) return null;
    const cols = logits.shape[rank - 1];
    const n = util.sizeFromShape(logits.shape);
    if (n === 0 || cols === 0) return null;
    const out = allocOutput(backend, n);
    addon.softmax(out, f32(backend, logits), n / cols, cols);
    return backend.makeTensorInfo(logits.shape, 'float32', out);
  };
}

export function nativeElementwiseConfigs(addon: NativeAddon): KernelConfig[] {
  return [
    ...BINARY_KERNELS.map((name) => nativeKernel(name, binaryImpl(addon, addon.opCodes.binary[name]))),
    ...UNARY_KERNELS.map((name) => nativeKernel(name, unaryImpl(addon, addon.opCodes.unary[name]))),
    nativeKernel('Sum', sumImpl(addon)),
    nativeKernel('Softmax', softmaxImpl(addon)),
  ];
}
