/**
 * Every line lenet writes on stderr goes through the one escaping function of src/errors.ts
 * (messageLine / printMessage), so a folder name with a newline, or an escape sequence read from a
 * file, can neither split a message into lines nor drive the terminal (issue 13's QA leftover 11).
 * Held two ways: no code under src/ writes stderr or a `lenet: ` message by hand, and a warning
 * about a folder whose name holds a newline really stays one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';
import { printResult } from '../src/errors';
import { agree, counted } from '../src/words';

/** Every .ts file under src/, relative to the repository. */
function sources(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('src', f));
}

/** The code lines (comments aside) of src/ files `skip` does not exempt that match `pattern`, as `file:line: text`. */
function offences(pattern: RegExp, skip: (unixPath: string) => boolean): string[] {
  const found: string[] = [];
  for (const file of sources()) {
    if (skip(file.split(path.sep).join('/'))) continue;
    fs.readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!/^\s*(\/\/|\*)/.test(line) && pattern.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

const theWriter = (f: string) => f === 'src/errors.ts';

test('no code under src/ but src/errors.ts writes stderr, or a `lenet: ` message with data in it, by hand', () => {
  assert.deepEqual(
    offences(/process\.stderr\.write\(|console\.(error|warn|log)\(|[`'"]lenet: \$\{/, theWriter),
    [],
    'write through printMessage / messageLine (src/errors.ts)',
  );
});

test('no code under src/ but src/errors.ts writes stdout by hand: results go through printResult (one line each, controls escaped) or printJson', () => {
  assert.deepEqual(offences(/process\.stdout\.write\(/, theWriter), [], 'write results through printResult / printJson (src/errors.ts)');
});

test("printResult: each given line is one line on stdout, a name's newline or escape sequence shown escaped", () => {
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    printResult(['results in runs/a\nb\u001b[31m', 'plain']);
    printResult('one\rline');
  } finally {
    process.stdout.write = write;
  }
  assert.equal(written.join(''), 'results in runs/a\\nb\\u001b[31m\nplain\none\\rline\n');
});

test('only src/commands/ prints (and src/cli.ts, the entry points): train/, report/, rundir/ and the rest return rows, events and notices to the command', () => {
  assert.deepEqual(
    offences(
      /\b(printMessage|printLine|printLines|printResult|printJson)\b|process\.std(out|err)\.write\(/,
      (f) => /^src\/(commands\/|cli\.ts$|errors\.ts$)/.test(f) || f.endsWith('worker-main.ts'),
    ),
    [],
    'return rows, events and lines to src/commands/, which print them',
  );
});

test('no message under src/ counts with "(s)": a count and its noun go through counted() (src/words.ts), "1 run", "3 runs"', () => {
  // in the text of string and template literals only: `f(s)` in code is a call
  const literals = /`[^`]*`|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g;
  const inLiteral = {
    test: (line: string) => (line.match(literals) ?? []).some((l) => /[A-Za-z]\(s\)/.test(l.replace(/\$\{[^}]*\}/g, ''))),
  } as RegExp;
  assert.deepEqual(
    offences(inLiteral, () => false),
    [],
    'write the count with counted() and agree() (src/words.ts)',
  );
});

test('counted and agree: singular for one, plural for every other count', () => {
  assert.deepEqual(
    [0, 1, 2].map((n) => `${counted(n, 'run')} ${agree(n, 'was', 'were')} timed; ${counted(n, 'CPU')}; ${counted(n, 'child', 'children')}`),
    ['0 runs were timed; 0 CPUs; 0 children', '1 run was timed; 1 CPU; 1 child', '2 runs were timed; 2 CPUs; 2 children'],
  );
});
