/**
 * Results on stdout name folders (`results in DIR`, `charts and tables in DIR`): a folder whose name
 * holds a newline or an escape sequence is shown escaped there too, one line per line of the result,
 * as on stderr (QA of issue 14: the summaries of train, compare and sweep printed it raw).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

const HOSTILE = 'a\nb\u001b[31mred\r';
const tiny = ['--limit', '100', '--epochs', '1', '--threads', '1'];

for (const args of [
  ['train', '--activation', 'relu'],
  ['compare', '--activations', 'relu', '--jobs', '1'],
  ['sweep', '--grid', 'relu', '--jobs', '1'],
]) {
  test(`lenet ${args[0]} into a folder named with a newline and an escape sequence: stdout shows the name escaped, nothing raw`, () => {
    const out = path.join(tempDir('lenet-stdout-'), HOSTILE);
    const r = runCli([...args, ...tiny, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'no control character but the line ends');
    assert.ok(r.stdout.includes('a\\nb\\u001b[31mred\\r'), r.stdout);
    assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('b')), 'the name did not start a line of its own');
  });
}
