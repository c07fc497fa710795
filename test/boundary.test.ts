/**
 * The line between `npm test` (in process: test/*.test.ts) and `npm run test:e2e` (the CLI as a
 * subprocess: test/e2e/). dependency-cruiser keeps test/harness/cli.ts out of in-process tests
 * (.dependency-cruiser.cjs); test/harness/in-process.ts, preloaded by `npm test`, makes starting
 * bin/lenet.js or a training worker throw. This checks both are in place and that the guard bites.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';
import { cliSubprocessIn, inProcessGuardInstalled, installInProcessGuard } from './harness/in-process';

const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
const MOVE = /move the test to test\/e2e\//;

test('npm test runs test/*.test.js only, with the in-process guard preloaded; test:e2e runs test/e2e/', () => {
  assert.match(scripts.test, /node --require \.\/dist\/test\/harness\/in-process\.js --test [^&|;]*dist\/test\/\*\.test\.js/);
  assert.doesNotMatch(scripts.test, /dist\/test\/(?!\*\.test\.js|harness\/in-process\.js)/);
  assert.match(scripts['test:e2e'], /dist\/test\/e2e\//);
});

test('under the guard, an in-process test cannot start bin/lenet.js or a worker, by any path; node -e helpers still run', () => {
  installInProcessGuard();
  assert.ok(inProcessGuardInstalled());
  const bin = path.join(ROOT, 'bin', 'lenet.js');
  assert.throws(() => spawnSync(process.execPath, [bin, 'info']), MOVE);
  assert.throws(() => spawn(process.execPath, ['bin/lenet.js', 'info'], { cwd: ROOT }), MOVE);
  assert.throws(() => spawnSync('sh', ['-c', `node ${bin} info`]), MOVE);
  assert.throws(() => fork(path.join(ROOT, 'dist', 'src', 'train', 'worker-main.js')), MOVE);
  assert.equal(cliSubprocessIn('bash', ['/opt/lenet/bin/lenet.js'], {}), null, 'another checkout’s path is only a word');
  const helper = spawnSync(process.execPath, ['-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
  assert.equal(helper.stdout, 'ok');
});

test('every test/e2e/ file runs the CLI through test/harness/cli.ts (an in-process test does not belong there)', () => {
  const dir = path.join(ROOT, 'test', 'e2e');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts'));
  assert.ok(files.length >= 10, `${files.length} e2e files`);
  const without = files.filter((f) => !/from '\.\.\/harness\/cli'/.test(fs.readFileSync(path.join(dir, f), 'utf8')));
  assert.deepEqual(without, []);
});
