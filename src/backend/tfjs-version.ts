/**
 * The native backend reaches into tfjs internals — MathBackendCPU's data store, the kernel
 * registry, AdamOptimizer's private state — so it is built and tested against one tfjs version,
 * pinned exactly in package.json. With any other version installed it is refused before it is
 * selected: a clear error rather than wrong numbers.
 */
import { version as tfjsVersions } from '@tensorflow/tfjs';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_core } from '@tensorflow/tfjs-core';
import { version_layers } from '@tensorflow/tfjs-layers';

/** The version of the four tfjs packages the native backend was built for (package.json pins it). */
export const TFJS_VERSION_BUILT_FOR = '4.22.0';

/** The version of each pinned tfjs package as loaded. */
export function installedTfjsVersions(): Record<string, string> {
  return {
    '@tensorflow/tfjs': tfjsVersions.tfjs,
    '@tensorflow/tfjs-core': version_core,
    '@tensorflow/tfjs-backend-cpu': version_cpu,
    '@tensorflow/tfjs-layers': version_layers,
  };
}

/** Why the native backend cannot run with these tfjs versions (one line), or null if it can. */
export function tfjsVersionMismatch(installed: Record<string, string> = installedTfjsVersions()): string | null {
  for (const [name, version] of Object.entries(installed)) {
    if (version !== TFJS_VERSION_BUILT_FOR) {
      return `the native backend was built for tfjs ${TFJS_VERSION_BUILT_FOR} but ${name} ${version} is installed; run npm ci`;
    }
  }
  return null;
}
