/**
 * Removes compiled files in dist/ whose TypeScript source is gone (a test file moved or deleted):
 * tsc never deletes them, and `node --test` would still run them. Run after tsc by npm test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

function prune(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) {
      prune(file);
      if (fs.readdirSync(file).length === 0) fs.rmdirSync(file);
    } else if (e.name.endsWith('.js')) {
      const source = path.join(ROOT, path.relative(DIST, file)).replace(/\.js$/, '.ts');
      if (!fs.existsSync(source)) fs.rmSync(file, { force: true });
    }
  }
}

for (const top of ['test', 'test-slurm']) {
  const dir = path.join(DIST, top);
  if (fs.existsSync(dir)) prune(dir);
}
