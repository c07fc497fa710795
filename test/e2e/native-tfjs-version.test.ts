/**
 * The native backend is built for one tfjs version: package.json and the lock file pin it exactly,
 * and with another version installed, selecting the backend is one clear runtime error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isOneLineError, runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

test('lenet train with another tfjs-backend-cpu loaded: --backend native and auto exit 1 with that one line, write nothing', () => {
  const dir = tempDir();
  // loaded before lenet: the installed package then reports another version, as an upgraded one would
  const preload = path.join(dir, 'other-tfjs.js');
  fs.writeFileSync(preload, `require(${JSON.stringify(require.resolve('@tensorflow/tfjs-backend-cpu'))}).version_cpu = '4.23.1';\n`);
  for (const backend of ['native', 'auto']) {
    const out = path.join(dir, `run-${backend}`);
    const r = runCli(['train', '--backend', backend, '--limit', '100', '--epochs', '1', '--out', out], {
      nodeArgs: ['--require', preload],
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(
      r.stderr,
      /^lenet: the native backend was built for tfjs 4\.22\.0 but @tensorflow\/tfjs-backend-cpu 4\.23\.1 is installed; run npm ci/,
    );
    assert.ok(!fs.existsSync(path.join(out, 'epochs.csv')), 'nothing trained');
  }
});
