import * as path from 'node:path';
import assert from 'node:assert/strict';
import { Rng } from '../src/train/rng';
import { LenetError } from '../src/errors';
import type { ConvGeometry } from '../src/backend/native-addon';

/** The repository root (tests run from dist/test/). */
export const ROOT = path.resolve(__dirname, '..', '..');
export { tempDir } from './harness/tmp';

/** A seeded uniform [0, 1) generator for test inputs (the trainer's own PRNG). */
export function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** Asserts fn throws a one-line LenetError with this exit code whose message matches every pattern. */
export function throwsLenet(fn: () => unknown, exitCode: 1 | 2, ...patterns: RegExp[]): LenetError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LenetError, `expected a LenetError, got ${String(caught)}`);
  assert.equal(caught.exitCode, exitCode, caught.message);
  assert.ok(!caught.message.includes('\n'), `message is not one line: ${caught.message}`);
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** [batch, inH, inW, inC, outH, outW, outC, filterH, filterW, strideH, strideW, padTop, padLeft] as a ConvGeometry. */
export function convGeometry(s: number[]): ConvGeometry {
  const [
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padTop,
    padLeft,
  ] = s;
  return {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padTop,
    padLeft,
  };
}
