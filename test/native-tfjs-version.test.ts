/**
 * The native backend is built for one tfjs version: package.json and the lock file pin it exactly,
 * and with another version installed, selecting the backend is one clear runtime error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertTfjsVersionForNative } from '../src/backend/index';
import { installedTfjsVersions, TFJS_VERSION_BUILT_FOR, tfjsVersionMismatch } from '../src/backend/tfjs-version';
import { ROOT, throwsLenet } from './helpers';

const PINNED = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-layers'];

test(`package.json and package-lock.json pin the four tfjs packages to exactly ${TFJS_VERSION_BUILT_FOR}`, () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  for (const name of PINNED) {
    assert.equal(pkg.dependencies[name], TFJS_VERSION_BUILT_FOR, `package.json ${name}`);
    assert.equal(lock.packages[''].dependencies[name], TFJS_VERSION_BUILT_FOR, `package-lock.json root ${name}`);
    assert.equal(lock.packages[`node_modules/${name}`].version, TFJS_VERSION_BUILT_FOR, `package-lock.json ${name}`);
  }
});

test('the installed tfjs is the version the native backend was built for', () => {
  assert.deepEqual(Object.keys(installedTfjsVersions()).sort(), [...PINNED].sort());
  for (const [name, version] of Object.entries(installedTfjsVersions())) assert.equal(version, TFJS_VERSION_BUILT_FOR, name);
  assert.equal(tfjsVersionMismatch(), null);
  assertTfjsVersionForNative(); // does not throw
});

test('another installed version is refused in one line that names it and says how to fix it', () => {
  const installed = { ...installedTfjsVersions(), '@tensorflow/tfjs-core': '4.23.0' };
  assert.equal(
    tfjsVersionMismatch(installed),
    'the native backend was built for tfjs 4.22.0 but @tensorflow/tfjs-core 4.23.0 is installed; run npm ci',
  );
  throwsLenet(
    () => assertTfjsVersionForNative(installed),
    1,
    /^the native backend was built for tfjs 4\.22\.0 but @tensorflow\/tfjs-core 4\.23\.0 is installed; run npm ci \(or use --backend cpu\)$/,
  );
  assert.match(
    tfjsVersionMismatch({ ...installedTfjsVersions(), '@tensorflow/tfjs-layers': '4.21.0' })!,
    /but @tensorflow\/tfjs-layers 4\.21\.0 is installed/,
  );
  assert.match(
    tfjsVersionMismatch({ ...installedTfjsVersions(), '@tensorflow/tfjs': '5.0.0' })!,
    /but @tensorflow\/tfjs 5\.0\.0 is installed/,
  );
});
