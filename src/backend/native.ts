/**
 * The `native` tfjs backend: the cpu backend (MathBackendCPU) with its hot kernels replaced
 * by the C++ addon. Every cpu kernel is registered again under `native`, except those the
 * addon replaces; those fall back to the cpu kernel for cases the addon does not cover.
 */
import '@tensorflow/tfjs-backend-cpu'; // registers the cpu backend and its kernels
import { NativeBackendCPU } from './native-backend-cpu';
import { getKernelsForBackend, registerBackend, registerKernel } from '@tensorflow/tfjs-core';
import { loadNativeAddon, nativeLoadError } from './native-addon';
import { nativeElementwiseConfigs } from './native-elementwise';
import { NATIVE_BACKEND_NAME, nativeKernelConfigs } from './native-kernels';
import { tfjsVersionMismatch } from './tfjs-version';

export { loadNativeAddon, nativeLoadError } from './native-addon';
export type { NativeAddon } from './native-addon';
export { NATIVE_BACKEND_NAME } from './native-kernels';
export { NativeAdamOptimizer } from './native-adam';

let registered: string[] | null = null;

export interface NativeBackendOptions {
  /** Worker threads for the kernels (default: all hardware threads). */
  threads?: number;
}

/**
 * Registers the backend named 'native' (it does not become the default: call
 * tf.setBackend('native')). Returns false if the addon cannot be loaded (see
 * nativeLoadError()). Throws if the installed tfjs is not the version the backend was built
 * for (tfjs-version.ts). Idempotent.
 */
export function registerNativeBackend(options: NativeBackendOptions = {}): boolean {
  const mismatch = tfjsVersionMismatch();
  if (mismatch != null) throw new Error(mismatch);
  const addon = loadNativeAddon();
  if (addon == null) return false;
  if (options.threads != null) setNativeThreads(options.threads);
  if (registered != null) return true;
  const natives = [...nativeKernelConfigs(addon), ...nativeElementwiseConfigs(addon)];
  const replaced = new Set(natives.map((k) => k.kernelName));
  registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackendCPU(), 0);
  for (const config of getKernelsForBackend('cpu')) {
    if (!replaced.has(config.kernelName)) registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME });
  }
  for (const config of natives) registerKernel(config);
  registered = natives.map((k) => k.kernelName);
  return true;
}

/** Sets the number of kernel threads (n <= 0: all hardware threads). */
export function setNativeThreads(n: number): void {
  const addon = loadNativeAddon();
  if (addon == null) throw new Error(nativeLoadError() ?? 'native addon not loaded');
  addon.setThreads(Math.max(0, Math.floor(n)));
}

export interface NativeBackendInfo {
  kernels: string[];
  features: string[];
  threads: number;
  simd: string;
}

/** What the native backend runs: its native kernels, the CPU's features, threads, vector path. */
export function nativeBackendInfo(): NativeBackendInfo {
  const addon = loadNativeAddon();
  if (addon == null) return { kernels: [], features: [], threads: 0, simd: 'none' };
  return {
    kernels: registered == null ? [] : [...registered],
    features: addon.cpuFeatures(),
    threads: addon.getThreads(),
    simd: addon.simdInUse(),
  };
}
