import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../harness/cli';

test('lenet verify: the same seed, backend and threads give bit-identical results', () => {
  const r = runCli(['verify', '--limit', '1000', '--epochs', '2', '--threads', '2', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.deterministic, true);
  assert.deepEqual(result.differences, []);
  assert.match(result.run, /tanh-relu, seed 1, 2 epochs of 1000 images/);
});
