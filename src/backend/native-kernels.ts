/**
 * The tfjs kernels the addon replaces: Conv2D, FusedConv2D, Conv2DBackpropInput,
 * Conv2DBackpropFilter, MaxPool, MaxPoolGrad, BatchMatMul, _FusedMatMul.
 * Geometry is resolved here with tfjs' own helpers, so the C++ side gets plain integers (one
 * ConvGeometry / PoolGeometry object per call).
 * A case the addon does not cover (dtype, dilation, NCHW, prelu...) runs the cpu kernel.
 */
import {
  backend_util,
  getKernel,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { ConvGeometry, NativeAddon, PoolGeometry } from './native-addon';
import { allocOutput, NativeBackendCPU } from './native-backend-cpu';

export const NATIVE_BACKEND_NAME = 'native';

/** What a native kernelFunc receives; it returns null to hand the call to the cpu kernel. */
export interface KernelArgs {
  /** Optional inputs (bias, preluActivationWeights) may be undefined at run time. */
  inputs: Record<string, TensorInfo>;
  attrs: NamedAttrMap;
  backend: MathBackendCPU;
}
export type NativeImpl = (args: KernelArgs) => TensorInfo | null;

/** Wraps impl into a KernelConfig for the native backend, falling back to the cpu kernel. */
export function nativeKernel(kernelName: string, impl: NativeImpl): KernelConfig {
  const cpu = getKernel(kernelName, 'cpu');
  if (cpu == null) throw new Error(`no cpu kernel ${kernelName} to fall back on`);
  const kernelFunc = ((args: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown }) => {
    const a: KernelArgs = {
      inputs: args.inputs as Record<string, TensorInfo>,
      attrs: args.attrs ?? {},
      backend: args.backend as MathBackendCPU,
    };
    return impl(a) ?? cpu.kernelFunc(args as Parameters<KernelFunc>[0]);
  }) as KernelFunc;
  return { kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc };
}

/** The Float32Array behind a float32 tensor (copied only if the store holds something else). */
export function f32(backend: MathBackendCPU, t: TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  return Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>);
}

export function allFloat32(...ts: Array<TensorInfo | undefined>): boolean {
  return ts.every((t) => t == null || t.dtype === 'float32');
}

/** The addon's code for a fused activation ('linear' when absent), or null if it has none. */
function activationCode(addon: NativeAddon, activation: unknown): number | null {
  const codes: Record<string, number> = addon.opCodes.activation;
  const name = activation == null ? 'linear' : String(activation);
  return Object.prototype.hasOwnProperty.call(codes, name) ? codes[name] : null;
}

/** A bias the addon can add: n values along the last axis (shape [n], [1,n], [1,1,1,n]...). */
function biasOk(bias: TensorInfo | undefined, n: number): boolean {
  if (bias == null) return true;
  return util.sizeFromShape(bias.shape) === n && (n === 1 ? true : bias.shape[bias.shape.length - 1] === n);
}

function biasValues(backend: MathBackendCPU, bias: TensorInfo | undefined, n: number): Float32Array | null {
  if (bias == null) return null;
  const v = f32(backend, bias);
  return v.length === n ? v : new Float32Array(n).fill(v[0]);
}

function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function poolGeometry(info: backend_util.Conv2DInfo): PoolGeometry {
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** NHWC, dilation 1: the cases the addon implements. */
function convSupported(info: backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === 'channelsLast' &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.batchSize > 0 &&
    info.outHeight > 0 &&
    info.outWidth > 0
  );
}

type Shape4 = [number, number, number, number];

function conv2dImpl(addon: NativeAddon, fused: boolean): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    if (x.shape.length !== 4 || !allFloat32(x, filter, bias) || preluActivationWeights != null) return null;
    const act = activationCode(addon, fused ? attrs.activation : 'linear');
    if (act == null) return null;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as {
      strides: [number, number];
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dilations: [number, number];
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    if (!convSupported(info) || !biasOk(bias, info.outChannels)) return null;
    const out = allocOutput(backend, util.sizeFromShape(info.outShape));
    addon.conv2dForward(out, f32(backend, x), f32(backend, filter), biasValues(backend, bias, info.outChannels), act, convGeometry(info));
    return backend.makeTensorInfo(info.outShape, 'float32', out);
  };
}

function conv2dBackpropInputImpl(addon: NativeAddon): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs;
    if (!allFloat32(dy, filter)) return null;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
      inputShape: Shape4;
      strides: [number, number];
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    if (!convSupported(info)) return null;
    if (dy.shape.join() !== info.outShape.join()) return null;
    const dys = f32(backend, dy),
      fs = f32(backend, filter),
      geometry = convGeometry(info);
    if (backend instanceof NativeBackendCPU) {
      // computed when read: the first layer's input gradient never is (see deferred())
      return backend.deferred(inputShape, [dy, filter], (out) => addon.conv2dBackwardInput(out, dys, fs, geometry));
    }
    const out = new Float32Array(util.sizeFromShape(inputShape));
    addon.conv2dBackwardInput(out, dys, fs, geometry);
    return backend.makeTensorInfo(inputShape, 'float32', out);
  };
}

function conv2dBackpropFilterImpl(addon: NativeAddon): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs;
    if (!allFloat32(x, dy) || x.shape.length !== 4) return null;
    const { filterShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
      filterShape: Shape4;
      strides: [number, number];
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    if (!convSupported(info)) return null;
    if (dy.shape.join() !== info.outShape.join()) return null;
    const out = allocOutput(backend, util.sizeFromShape(filterShape));
    addon.conv2dBackwardFilter(out, f32(backend, x), f32(backend, dy), convGeometry(info));
    return backend.makeTensorInfo(filterShape, 'float32', out);
  };
}

type PoolAttrs = {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function maxPoolImpl(addon: NativeAddon): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (!allFloat32(x) || x.shape.length !== 4) return null;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
    const info = backend_util.computePool2DInfo(x.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    if (!convSupported(info)) return null;
    const out = allocOutput(backend, util.sizeFromShape(info.outShape));
    addon.maxPool(out, f32(backend, x), poolGeometry(info));
    return backend.makeTensorInfo(info.outShape, 'float32', out);
  };
}

function maxPoolGradImpl(addon: NativeAddon): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs;
    if (!allFloat32(dy, input) || input.shape.length !== 4) return null;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
    const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    if (!convSupported(info) || dy.shape.join() !== info.outShape.join()) return null;
    const out = allocOutput(backend, util.sizeFromShape(input.shape));
    addon.maxPoolGrad(out, f32(backend, dy), f32(backend, input), poolGeometry(info));
    return backend.makeTensorInfo(input.shape, 'float32', out);
  };
}

function matMulImpl(addon: NativeAddon, fused: boolean): NativeImpl {
  return ({ inputs, attrs, backend }) => {
    const { a, b, bias, preluActivationWeights } = inputs;
    if (!allFloat32(a, b, bias) || preluActivationWeights != null) return null;
    if (a.shape.length < 2 || b.shape.length < 2) return null;
    const act = activationCode(addon, fused ? attrs.activation : 'linear');
    if (act == null) return null;
    const transposeA = attrs.transposeA === true,
      transposeB = attrs.transposeB === true;
    const ra = a.shape.length,
      rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const k2 = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== k2 || m === 0 || n === 0 || k === 0) return null;
    const outerA = a.shape.slice(0, -2),
      outerB = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(outerA),
      batchB = util.sizeFromShape(outerB);
    let outer: number[];
    if (batchA === batchB && outerA.join() === outerB.join()) outer = outerA;
    else if (batchA === 1) outer = outerB.length >= outerA.length ? outerB : outerA.map(() => 1);
    else if (batchB === 1) outer = outerA.length >= outerB.length ? outerA : outerB.map(() => 1);
    else return null;
    if (outer.length < Math.max(outerA.length, outerB.length)) return null;
    if (!biasOk(bias, n)) return null;
    const shape = [...outer, m, n];
    const out = allocOutput(backend, util.sizeFromShape(shape));
    addon.batchMatMul(
      out,
      f32(backend, a),
      f32(backend, b),
      biasValues(backend, bias, n),
      act,
      [batchA, batchB, m, k, n],
      transposeA,
      transposeB,
    );
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

/** The native replacements, one KernelConfig each, for the backend named 'native'. */
export function nativeKernelConfigs(addon: NativeAddon): KernelConfig[] {
  return [
    nativeKernel('Conv2D', conv2dImpl(addon, false)),
    nativeKernel('FusedConv2D', conv2dImpl(addon, true)),
    nativeKernel('Conv2DBackpropInput', conv2dBackpropInputImpl(addon)),
    nativeKernel('Conv2DBackpropFilter', conv2dBackpropFilterImpl(addon)),
    nativeKernel('MaxPool', maxPoolImpl(addon)),
    nativeKernel('MaxPoolGrad', maxPoolGradImpl(addon)),
    nativeKernel('BatchMatMul', matMulImpl(addon, false)),
    nativeKernel('_FusedMatMul', matMulImpl(addon, true)),
  ];
}
