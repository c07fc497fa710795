import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

const work = tempDir('lenet-errors-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

/** Control characters a hostile user puts in names and values. */
const HOSTILE = ['two\nlines', 'carriage\rreturn', '\u001b[31mred\u001b[0m', 'tab\there', 'line\u2028separator'];

/** `value` as a message must show it: control characters as JSON escapes them (written here apart from oneLine). */
function escaped(value: string): string {
  return [...value]
    .map((c) => {
      const code = c.charCodeAt(0);
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029
        ? `\\u${code.toString(16).padStart(4, '0')}`
        : c;
    })
    .join('');
}

/** stderr is exactly one `lenet: ` line holding no control character, and it shows `value` escaped. */
function assertOneEscapedLine(stderr: string, value: string, what: string): void {
  assert.ok(stderr.startsWith('lenet: '), `${what}: ${JSON.stringify(stderr)}`);
  assert.ok(stderr.endsWith('\n'), `${what}: ${JSON.stringify(stderr)}`);
  const line = stderr.slice(0, -1);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/, `${what}: ${JSON.stringify(stderr)}`);
  assert.ok(line.includes(escaped(value)), `${what}: ${JSON.stringify(line)} does not show ${JSON.stringify(escaped(value))}`);
}

test('every error is one line: control characters in paths, file names, option values and file contents, across commands', () => {
  const file = path.join(work, 'a-file');
  fs.writeFileSync(file, '');
  const cases: Array<[string, (v: string) => string[], 1 | 2]> = [
    [
      'train --data-dir',
      (v) => ['train', '--epochs', '1', '--limit', '10', '--data-dir', path.join(work, v), '--out', path.join(work, 'o')],
      1,
    ],
    ['train --out under a file', (v) => ['train', '--epochs', '1', '--limit', '10', '--out', path.join(file, v)], 1],
    ['train --epochs', (v) => ['train', '--epochs', `1${v}`], 2],
    ['train --activation', (v) => ['train', '--activation', v], 2],
    ['compare --config', (v) => ['compare', '--config', path.join(work, `${v}.json`)], 2],
    ['sweep --grid', (v) => ['sweep', '--grid', `relu,${v}`, '--out', path.join(work, 's')], 2],
    ['evaluate RUN_DIR', (v) => ['evaluate', path.join(work, v)], 2],
    ['evaluate --data-dir', (v) => ['evaluate', path.join(work, v), '--data-dir', v], 2],
    ['predict RUN_DIR', (v) => ['predict', path.join(work, v), 'x.png'], 2],
    ['report DIR', (v) => ['report', path.join(work, v)], 2],
    ['plot DIR', (v) => ['plot', path.join(work, v)], 2],
    ['merge FOLDER', (v) => ['merge', path.join(work, v), '--out', path.join(work, 'm')], 2],
    ['an unknown option', (v) => ['train', `--${v}`], 2],
    ['an unknown command', (v) => [v], 2],
  ];
  cases.forEach(([what, args, code], i) => {
    // Each case with one of the hostile values in turn, so that every value meets several commands.
    const value = HOSTILE[i % HOSTILE.length];
    const r = runCli(args(value));
    assert.equal(r.code, code, `${what}: ${r.stderr}`);
    assertOneEscapedLine(r.stderr, value, what);
  });
  // A value that comes from a file's contents: a config file's unknown key.
  const config = path.join(work, 'hostile.json');
  fs.writeFileSync(config, JSON.stringify({ [`seeds\n\u001b[2Jx`]: 3 }));
  const r = runCli(['compare', '--config', config]);
  assert.equal(r.code, 2, r.stderr);
  assertOneEscapedLine(r.stderr, `seeds\n\u001b[2Jx`, 'a config key');
});
