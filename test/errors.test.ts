import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { oneLine } from '../src/errors';
import { tempDir } from './harness/tmp';

const work = tempDir('lenet-errors-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('oneLine shows every control character escaped as JSON does, and nothing else changed', () => {
  assert.equal(oneLine('a\nb\rc\td\be\ff'), 'a\\nb\\rc\\td\\be\\ff');
  assert.equal(oneLine('\u001b[31mred\u001b[0m'), '\\u001b[31mred\\u001b[0m');
  assert.equal(oneLine('nul\u0000 del\u007f csi\u009b'), 'nul\\u0000 del\\u007f csi\\u009b');
  assert.equal(oneLine('line\u2028para\u2029end'), 'line\\u2028para\\u2029end');
  // Printable text passes as it is: spaces, quotes, backslashes, $( ), non-ASCII letters, emoji.
  const plain = `it's "fine" \\n $(rm -rf) ünïcødé 数字 🙂 true\\predicted`;
  assert.equal(oneLine(plain), plain);
  // The escapes are those of JSON, so JSON.parse reads the original back.
  const all = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');
  assert.equal(JSON.parse(`"${oneLine(all)}"`), all);
});
