/**
 * A warning about a folder whose name holds a newline stays one line on stderr (issue 13's QA
 * leftover 11; the source half of this rule is test/stderr-lint.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../harness/cli';
import { tempDir } from '../helpers';
import { writeComparisonDir } from '../report-fixtures';

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
    assert.match(about[0], /^lenet: .*skipped exp\\nlenet: fake line\/relu\/seed-2: .*epochs\.csv without summary\.json/);
    for (const l of lines) assert.match(l, /^lenet: /, `${args[0]}: ${JSON.stringify(l)}`);
    assert.ok(!lines.includes('lenet: fake line/relu/seed-2: epochs.csv without summary.json (run still starting?)'));
  }
  fs.rmSync(parent, { recursive: true, force: true });
});
