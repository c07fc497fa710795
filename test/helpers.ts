import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { Rng } from '../src/train/rng';
import { LenetError } from '../src/errors';
import type { ConvGeometry } from '../src/backend/native-addon';

/** The repository root (tests run from dist/test/). */
export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'lenet.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
}

/** Runs the real `lenet` command in a subprocess, as a user would (stdout is a pipe, not a TTY). */
export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

export function tempDir(prefix = 'lenet-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A one-line error on stderr, with no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split('\n');
  return lines.length === 1 && lines[0].startsWith('lenet: ') && !/\n\s+at /.test(stderr);
}

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

/**
 * A real tmpfs of the given size (e.g. '64k', '1100k'), unmounted when the test ends: a full disk
 * or a read-only mount for the hostile-condition tests. Needs root, as CI has.
 */
export function mountTmpfs(t: { after: (fn: () => void) => void }, size: string, readOnly = false): string {
  const dir = tempDir('lenet-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `mount tmpfs (needs root): ${r.stderr}`);
  t.after(() => {
    spawnSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Grows or shrinks a tmpfs from mountTmpfs in place (its files stay). */
export function resizeTmpfs(dir: string, size: string): void {
  const r = spawnSync('mount', ['-o', `remount,size=${size}`, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `remount tmpfs: ${r.stderr}`);
}

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
