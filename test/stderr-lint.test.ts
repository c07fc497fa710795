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
import { ROOT, runCli, tempDir } from './helpers';
import { writeComparisonDir } from './report-fixtures';

/** Every .ts file under src/, relative to the repository. */
function sources(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('src', f));
}

test('no code under src/ but src/errors.ts writes stderr, or a `lenet: ` message with data in it, by hand', () => {
  const offences: string[] = [];
  for (const file of sources()) {
    if (file === path.join('src', 'errors.ts')) continue;
    fs.readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(\/\/|\*)/.test(line)) return;
        if (/process\.stderr\.write\(|console\.(error|warn|log)\(/.test(line)) offences.push(`${file}:${i + 1}: ${line.trim()}`);
        if (/[`'"]lenet: \$\{/.test(line)) offences.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offences, [], 'write through printMessage / messageLine (src/errors.ts)');
});

test('a warning about a folder whose name holds a newline is one line on stderr (report, plot)', () => {
  const parent = tempDir('lenet-stderr-lint-');
  const dir = path.join(parent, 'exp\nlenet: fake line');
  writeComparisonDir(dir, [
    { label: 'relu', seed: 1, trainLoss: [1, 0.5] },
    { label: 'relu', seed: 2, trainLoss: [1, 0.6] },
    { label: 'tanh', seed: 1, trainLoss: [1, 0.7] },
  ]);
  // A run still starting (epochs.csv without summary.json): a warning naming its folder.
  fs.rmSync(path.join(dir, 'relu', 'seed-2', 'summary.json'));
  for (const args of [
    ['report', parent],
    ['plot', parent],
  ]) {
    const r = runCli(args, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trim().split('\n');
    const about = lines.filter((l) => l.includes('seed-2'));
    assert.equal(about.length, 1, `${args[0]}: ${JSON.stringify(r.stderr)}`);
    assert.match(about[0], /^lenet: .*skipped exp\\nlenet: fake line\/relu\/seed-2: epochs\.csv without summary\.json/);
    for (const l of lines) assert.match(l, /^lenet: /, `${args[0]}: ${JSON.stringify(l)}`);
    assert.ok(!lines.includes('lenet: fake line/relu/seed-2: epochs.csv without summary.json (run still starting?)'));
  }
  fs.rmSync(parent, { recursive: true, force: true });
});
