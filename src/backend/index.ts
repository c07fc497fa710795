import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { runtimeError, usageError } from '../errors';
import { loadNativeAddon, nativeBackendInfo, nativeLoadError, registerNativeBackend, setNativeThreads } from './native';
import { tfjsVersionMismatch } from './tfjs-version';
import { BACKEND_CHOICES } from '../options/types';
import { counted } from '../words';

export interface BackendChoice {
  /** The tfjs backend in use. */
  name: string;
  /** Threads the native kernels use (null for other backends). */
  threads: number | null;
  /** A one-line note for the user, e.g. why native was not used. */
  note: string | null;
}

let fallbackNoted = false;
const threadsNoted = new Set<number>();

/**
 * The one place a backend is chosen. Also turns off tfjs's debug checks and console chatter
 * (PROD mode), which cost time on every op.
 */
export async function selectBackend(requested: string, threads: number | null): Promise<BackendChoice> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(requested)) {
    throw usageError(`unknown backend "${requested}"; valid: ${BACKEND_CHOICES.join(', ')}`);
  }
  tf.env().set('PROD', true);
  let note: string | null = null;
  let name = requested;
  if (requested === 'auto' || requested === 'native') {
    if (requested === 'native' || loadNativeAddon() != null) assertTfjsVersionForNative();
    if (registerNativeBackend({ threads: threads ?? undefined })) {
      name = 'native';
    } else if (requested === 'native') {
      throw runtimeError(
        `the native backend is not available: ${nativeLoadError() ?? 'addon did not load'} (rebuild it with npm rebuild, or use --backend cpu)`,
      );
    } else {
      name = 'cpu';
      if (!fallbackNoted) note = `native addon not available (${nativeLoadError() ?? 'did not load'}); using the slow pure-JS cpu backend`;
      fallbackNoted = true;
    }
  }
  if (name === 'tensorflow') {
    try {
      require('@tensorflow/tfjs-node');
    } catch {
      throw runtimeError(
        '--backend tensorflow needs @tensorflow/tfjs-node, which is not installed (it is optional: its installer downloads libtensorflow)',
      );
    }
  }
  if (!(await tf.setBackend(name))) throw runtimeError(`backend "${name}" failed to initialise`);
  if (name === 'native' && threads !== null) {
    // More threads than CPUs only wait for each other (and each holds its own working memory):
    // 64 threads on 2 CPUs trained 3.4x slower than 2. The count changes no result.
    const usable = os.availableParallelism();
    if (threads > usable) {
      // said once per process and count (a campaign's cells would repeat it); given by a flag or a file alike
      if (!threadsNoted.has(threads))
        note = `${counted(threads, 'thread')} asked for, more than the ${counted(usable, 'CPU')} this process may use: training with ${usable} (the results are the same for any thread count)`;
      threadsNoted.add(threads);
      threads = usable;
    }
    setNativeThreads(threads);
  }
  return { name, threads: name === 'native' ? nativeBackendInfo().threads : null, note };
}

/**
 * Refuses the native backend (a runtime error, one line) when the installed tfjs is not the
 * version it was built for. `--backend auto` with a built addon is refused too: it would pick
 * native, and silently falling back to the 500x slower cpu backend would hide the fix.
 */
export function assertTfjsVersionForNative(installed?: Record<string, string>): void {
  const mismatch = tfjsVersionMismatch(installed);
  if (mismatch != null) throw runtimeError(`${mismatch} (or use --backend cpu)`);
}

/** What `lenet info` and config.json report about the native kernels. */
export function describeNative(): {
  available: boolean;
  error: string | null;
  kernels: string[];
  features: string[];
  simd: string | null;
  threads: number | null;
} {
  const mismatch = tfjsVersionMismatch();
  if (mismatch != null) return { available: false, error: mismatch, kernels: [], features: [], simd: null, threads: null };
  const available = registerNativeBackend();
  if (!available) return { available, error: nativeLoadError(), kernels: [], features: [], simd: null, threads: null };
  const info = nativeBackendInfo();
  return { available, error: null, kernels: info.kernels, features: info.features, simd: info.simd, threads: info.threads };
}
