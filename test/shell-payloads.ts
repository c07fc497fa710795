/** What the cluster-security tests (in-process and e2e) check a payload with: did it run, and how bash reads a line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every file or folder under dir whose name starts with PWNED (a payload that ran). */
export function pwned(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('PWNED')) found.push(path.join(d, e.name));
      if (e.isDirectory()) walk(path.join(d, e.name));
    }
  };
  walk(dir);
  return found;
}

/** Runs `bash -c` with lenet as a function that prints its arguments: the words a printed command line stands for. */
export function bashWords(commandLine: string, cwd: string): string[] {
  const r = spawnSync('bash', ['-c', `lenet() { printf '%s\\0' "$@"; }\n${commandLine}`], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `bash ${commandLine}: ${r.stderr}`);
  return r.stdout.split('\0').slice(0, -1);
}
