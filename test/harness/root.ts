/**
 * Tests that need root (tmpfs mounts for a full or read-only disk, pid namespaces): they skip, with
 * the reason, for a developer who is not root, and run in CI, which is.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import assert from 'node:assert/strict';
import { tempDir } from './tmp';

interface SkippableContext {
  skip(message?: string): void;
}

/** True when running as root; otherwise marks the test skipped with `needs root: <what>` and returns false. */
export function needsRoot(t: SkippableContext, what: string): boolean {
  if (process.getuid?.() === 0) return true;
  t.skip(`needs root: ${what}`);
  return false;
}

/**
 * A real tmpfs of the given size (e.g. '64k', '1100k'), unmounted when the test ends: a full disk
 * or a read-only mount for the hostile-condition tests. Call needsRoot(t, ...) first.
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
