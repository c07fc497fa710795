/**
 * `lenet merge` never dead-ends: an unfinished copy in the merged folder gives way to the run that
 * got further (never the reverse), a merge that is not whole exits 1 naming the shards to rerun, and
 * a merge killed while copying leaves nothing that blocks or doubles a cell. The whole sequence of
 * the issue runs on real tiny campaigns; the rules one by one on written run folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeRegExp } from '../helpers';
import { runCli, startCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { shardDir, summaryOf, unfinished } from '../shard-fixtures';

test('lenet merge exits 1 when the merge is not whole, after writing it; --json says so too', () => {
  const s1 = shardDir(1, 2, (r, i) => (i === 0 ? unfinished(r) : r));
  const out = path.join(tempDir(), 'merged');
  const r = runCli(['merge', s1, '--out', out]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    new RegExp(
      `^lenet: ${escapeRegExp(out)} is not whole: 4 cells missing, 1 unfinished; rerun shard 1/2 \\(${escapeRegExp(s1)}\\): tanh seed 1 unfinished; shard 2/2 \\(no folder of it was merged\\): `,
    ),
  );
  assert.match(r.stdout, /merge: 4 runs \(4 copied\) from 1 folder/);
  assert.ok(fs.existsSync(path.join(out, 'sweep.md')) && fs.existsSync(path.join(out, 'heatmap.png')), 'what there is was written');
  const j = runCli(['merge', s1, '--out', out, '--json']);
  assert.equal(j.code, 1, j.stderr);
  const result = JSON.parse(j.stdout);
  assert.equal(result.whole, false);
  assert.deepEqual(result.incomplete, ['tanh seed 1']);
  assert.equal(result.missing.length, 4);
  const whole = runCli(['merge', shardDir(1, 2), shardDir(2, 2), '--out', out, '--quiet']);
  assert.equal(whole.code, 0, whole.stderr);
  assert.match(whole.stdout, /^merge: 8 runs \(5 copied, 1 replacing an unfinished copy\) from 2 folders/);
});

// ------------------------------------------------------------------ the sequence, for real

function start(args: string[]) {
  return startCli(args, { waitFor: 'exit' });
}

function epochRows(dir: string): number {
  try {
    return fs.readFileSync(path.join(dir, 'epochs.csv'), 'utf8').trim().split('\n').length - 1;
  } catch {
    return 0;
  }
}

test('real shards: merge while a shard is interrupted (exit 1, naming it), finish the shard as told, merge again (exit 0)', async () => {
  const work = tempDir('lenet-merge-recovery-');
  const sweep = (k: number) => [
    'sweep',
    '--grid',
    'relu',
    '--seeds',
    '3',
    '--limit',
    '300',
    '--epochs',
    '2',
    '--threads',
    '1',
    '--shard',
    `${k}/2`,
    '--out',
    path.join(work, `s${k}`),
    '--quiet',
  ];
  const s1 = path.join(work, 's1');
  const s2 = path.join(work, 's2');
  const out = path.join(work, 'sweep');
  assert.equal(runCli(sweep(2)).code, 0);

  // Shard 1/2 (relu seeds 1 and 3) is stopped between its first cell's epochs: frozen as soon as
  // epoch 1 is written, checked there, then sent SIGTERM, which it obeys at the next batch.
  const shard = start(sweep(1));
  const cell = path.join(s1, 'relu/seed-1');
  while (epochRows(cell) < 1) await new Promise((r) => setTimeout(r, 2));
  shard.child.kill('SIGSTOP');
  assert.equal(epochRows(cell), 1, 'frozen within epoch 2');
  shard.child.kill('SIGTERM');
  shard.child.kill('SIGCONT');
  const stopped = await shard.done;
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.deepEqual([summaryOf(cell).complete, summaryOf(cell).epochs_run], [false, 1]);
  const interrupted = path.join(work, 's1-interrupted');
  fs.cpSync(s1, interrupted, { recursive: true });

  const first = runCli(['merge', s1, s2, '--out', out]);
  assert.equal(first.code, 1, `a merge that is not whole fails: ${first.stderr}`);
  assert.match(
    first.stderr,
    new RegExp(
      `^lenet: ${escapeRegExp(out)} is not whole: 1 cell missing, 1 unfinished; rerun shard 1/2 \\(${escapeRegExp(s1)}\\): relu seed 1 unfinished, relu seed 3 missing; then merge again \\(what is there was merged\\)\n$`,
    ),
  );
  assert.equal(summaryOf(path.join(out, 'relu/seed-1')).complete, false);

  const finish = runCli(sweep(1));
  assert.equal(finish.code, 0, finish.stderr);
  const second = runCli(['merge', s1, s2, '--out', out, '--quiet']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^merge: 3 runs \(2 copied, 1 replacing an unfinished copy\) from 2 folders/);
  for (const seed of [1, 2, 3]) {
    const from = path.join(seed === 2 ? s2 : s1, `relu/seed-${seed}`);
    assert.equal(
      fs.readFileSync(path.join(out, `relu/seed-${seed}/epochs.csv`), 'utf8'),
      fs.readFileSync(path.join(from, 'epochs.csv'), 'utf8'),
    );
    assert.equal(summaryOf(path.join(out, `relu/seed-${seed}`)).complete, true);
  }
  const fresh = runCli(['merge', s1, s2, '--out', path.join(work, 'fresh'), '--quiet']);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(fs.readFileSync(path.join(out, 'sweep.csv'), 'utf8'), fs.readFileSync(path.join(work, 'fresh', 'sweep.csv'), 'utf8'));

  // Never the reverse: the interrupted shard merged into the whole folder changes nothing.
  const before = fs.readFileSync(path.join(out, 'relu/seed-1/epochs.csv'), 'utf8');
  const back = runCli(['merge', interrupted, s2, '--out', out, '--quiet']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /^merge: 3 runs \(0 copied\)/);
  assert.equal(fs.readFileSync(path.join(out, 'relu/seed-1/epochs.csv'), 'utf8'), before);
});
