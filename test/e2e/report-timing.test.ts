/**
 * Timing claims (d) on a campaign really trained with --jobs 2: its cells ran in worker processes,
 * so this runs the real CLI (the in-process timing tests are in test/report-timing.test.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunAttempt } from '../../src/rundir/manifest';
import { collectRuns } from '../../src/report/runs';
import { evaluateClaims } from '../../src/report/verdicts';
import { runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

function attemptsIn(dir: string): RunAttempt[] {
  return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).attempts;
}

test('really trained with --jobs 2: every run records 2 cells at once and its host, and (d) is not testable', () => {
  const out = path.join(tempDir(), 'jobs');
  const r = runCli([
    'compare',
    '--activations',
    'tanh,relu,tanh-relu',
    '--seeds',
    '1',
    '--limit',
    '300',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--jobs',
    '2',
    '--out',
    out,
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const cell of ['tanh/seed-1', 'relu/seed-1', 'tanh-relu/seed-1']) {
    const [a, ...more] = attemptsIn(path.join(out, cell));
    assert.deepEqual(more, []);
    assert.equal(a.cellsAtOnce, 2);
    assert.equal(a.shard, null);
    assert.equal(a.host, os.hostname());
    assert.equal(a.afterEpoch, 0);
    assert.ok(Number.isFinite(Date.parse(a.started)));
  }
  const d = evaluateClaims(collectRuns(out).groups)[3];
  assert.equal(d.status, 'not testable');
  assert.match(d.reason, /3 runs were timed while their campaign trained up to 2 cells at once \(--jobs 2\)/);
});
