/**
 * Preloaded into every in-process test file by `npm test` (node --require): from then on, starting
 * this checkout's bin/lenet.js or a training worker (dist/src/train/worker-main.js) as a subprocess
 * throws, naming the rule. Those tests belong in test/e2e/ (`npm run test:e2e`); helper processes
 * such as `node -e SCRIPT` (lock races) or `bash SCRIPT` stay allowed.
 */
import childProcess = require('node:child_process');
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FORBIDDEN = [path.join(ROOT, 'bin', 'lenet.js'), path.join(ROOT, 'dist', 'src', 'train', 'worker-main.js')];

/** The forbidden program a subprocess call would start, or null. */
export function cliSubprocessIn(command: unknown, args: unknown, options: unknown): string | null {
  const cwd = options && typeof options === 'object' && 'cwd' in options && typeof options.cwd === 'string' ? options.cwd : process.cwd();
  const words = [command, ...(Array.isArray(args) ? args : [])].filter((w): w is string => typeof w === 'string');
  for (const word of words) {
    for (const file of FORBIDDEN) {
      if (word.includes(file) || (!path.isAbsolute(word) && path.resolve(cwd, word) === file)) return file;
    }
  }
  return null;
}

const KEY = Symbol.for('lenet.test.inProcessGuard');
type Patched = typeof childProcess & { [KEY]?: true };

/** Installs the guard (once) on node:child_process. */
export function installInProcessGuard(): void {
  const cp = childProcess as Patched;
  if (cp[KEY]) return;
  for (const name of ['spawn', 'spawnSync', 'fork', 'execFile', 'execFileSync', 'exec', 'execSync'] as const) {
    const original = cp[name] as (...a: unknown[]) => unknown;
    const guarded = function (this: unknown, ...a: unknown[]) {
      const options = Array.isArray(a[1]) ? a[2] : a[1];
      const file = cliSubprocessIn(a[0], Array.isArray(a[1]) ? a[1] : [], options);
      if (file) {
        throw new Error(
          `in-process test started ${path.relative(ROOT, file)} as a subprocess: move the test to test/e2e/ and run the CLI through test/harness/cli.ts`,
        );
      }
      return original.apply(this, a);
    };
    Object.defineProperty(cp, name, { value: guarded, writable: true, configurable: true, enumerable: true });
  }
  Object.defineProperty(cp, KEY, { value: true });
}

export const inProcessGuardInstalled = (): boolean => (childProcess as Patched)[KEY] === true;

installInProcessGuard();
