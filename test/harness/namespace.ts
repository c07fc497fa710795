/**
 * Processes as a container runs them: a command as pid 1 of a new pid namespace (with its own
 * /proc), for the lock tests of both halves (in-process: a node script holding a lock; e2e: lenet).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { needsRoot } from './root';

/** The repository root (the harness runs from dist/test/harness/). */
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Runs a command as pid 1 of a new pid namespace; killing `child` kills the namespace. */
export function inPidNamespace(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, out: () => stdout };
}

/** True where pid namespaces work (root, and unshare can make one); otherwise the test is skipped with the reason. */
export function canUnshare(t: { skip(message?: string): void }): boolean {
  if (!needsRoot(t, 'pid namespaces with unshare --pid --mount-proc')) return false;
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']);
  if (r.status === 0) return true;
  t.skip(`unshare --pid --fork --mount-proc does not work here: ${String(r.stderr).trim() || r.error?.message}`);
  return false;
}
