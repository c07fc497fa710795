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
import { LenetError } from '../src/errors';
import { mergeShortfall, mergeSweeps } from '../src/report/merge';
import { escapeRegExp } from './helpers';
import { tempDir } from './harness/tmp';
import { writeComparisonDir, writeRun } from './report-fixtures';
import { cells, shardDir, summaryOf, unfinished } from './shard-fixtures';

async function rejects(p: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await rejectsWith(1, p, ...patterns);
}

async function rejectsWith(code: 1 | 2, p: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof LenetError, String(err));
    assert.equal(err.exitCode, code, err.message);
    assert.ok(!err.message.includes('\n'));
    for (const re of patterns) assert.match(err.message, re);
    return true;
  });
}

test('an unfinished copy in the merged folder is replaced by the finished run; a merge that is not whole names the shard', async () => {
  const s2 = shardDir(2, 2);
  const s1 = shardDir(1, 2, (r, i) => (i === 0 ? unfinished(r) : i === 3 ? null : r));
  const out = path.join(tempDir(), 'merged');
  const first = await mergeSweeps([s1, s2], out);
  assert.deepEqual(first.incomplete, ['tanh seed 1']);
  assert.deepEqual(first.missing, ['relu,relu,tanh seed 1']);
  assert.deepEqual(first.rerun, [`shard 1/2 (${s1}): tanh seed 1 unfinished, relu,relu,tanh seed 1 missing`]);
  assert.equal(
    mergeShortfall(first),
    `${out} is not whole: 1 cell missing, 1 unfinished; rerun shard 1/2 (${s1}): tanh seed 1 unfinished, relu,relu,tanh seed 1 missing; then merge again (what is there was merged)`,
  );
  assert.equal(summaryOf(path.join(out, 'tanh/seed-1')).complete, false, 'what there was is merged');

  // The shard is finished as told, and merged again: its finished run replaces the unfinished copy.
  const finished = shardDir(1, 2);
  fs.rmSync(s1, { recursive: true });
  fs.renameSync(finished, s1);
  const second = await mergeSweeps([s1, s2], out);
  assert.deepEqual(second.replaced, ['tanh seed 1']);
  assert.deepEqual([second.incomplete, second.missing, second.rerun], [[], [], []]);
  assert.equal(mergeShortfall(second), null);
  assert.equal(second.copied, 2, 'the finished run and the missing cell');
  assert.equal(summaryOf(path.join(out, 'tanh/seed-1')).complete, true);
  const fresh = await mergeSweeps([s1, s2], path.join(tempDir(), 'fresh'));
  for (const f of ['sweep.csv', 'sweep.md', 'comparison.json']) {
    assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), fs.readFileSync(path.join(fresh.outDir, f), 'utf8'), f);
  }
  assert.deepEqual(fs.readdirSync(path.join(out, 'tanh')).sort(), ['seed-1'], 'no temporary or set-aside copy is left');

  // Never the reverse: the unfinished shard merged again leaves the finished copy as it is.
  const stale = shardDir(1, 2, (r, i) => (i === 0 ? unfinished(r) : null));
  const before = fs.readFileSync(path.join(out, 'tanh/seed-1/epochs.csv'), 'utf8');
  const third = await mergeSweeps([stale, s2], out);
  assert.deepEqual([third.copied, third.replaced, third.incomplete, third.missing], [0, [], [], []]);
  assert.equal(fs.readFileSync(path.join(out, 'tanh/seed-1/epochs.csv'), 'utf8'), before);
  assert.equal(summaryOf(path.join(out, 'tanh/seed-1')).complete, true);
});

test('unfinished copies: one that got further replaces one that got less far, never the reverse; a tie that differs is refused', async () => {
  const r = { ...cells()[0], trainLoss: [1.5, 0.9, 0.5] };
  const partial = (epochs: number, loss?: number[]): string => {
    const dir = tempDir('lenet-partial-');
    writeComparisonDir(dir, [{ ...r, trainLoss: (loss ?? r.trainLoss).slice(0, epochs), complete: false, config: { epochs: 3 } }], 'sweep');
    return dir;
  };
  const out = path.join(tempDir(), 'merged');
  assert.deepEqual((await mergeSweeps([partial(1)], out)).incomplete, ['tanh seed 1']);
  const two = await mergeSweeps([partial(2)], out);
  assert.deepEqual(two.replaced, ['tanh seed 1']);
  assert.equal(summaryOf(path.join(out, 'tanh/seed-1')).epochs_run, 2);
  const back = await mergeSweeps([partial(1)], out);
  assert.deepEqual([back.copied, back.replaced], [0, []]);
  assert.equal(summaryOf(path.join(out, 'tanh/seed-1')).epochs_run, 2, 'a copy that got less far never replaces one that got further');
  await rejects(
    mergeSweeps([partial(2, [1.5, 0.7, 0.5])], out),
    new RegExp(
      `^cannot merge: ${escapeRegExp(path.join(out, 'tanh/seed-1'))} already holds a different run of tanh seed 1 \\(unfinished, 2 of 3 epochs\\) than .* \\(unfinished, 2 of 3 epochs\\)$`,
    ),
  );
  // Two inputs: the one that got further wins, whichever comes first.
  const both = await mergeSweeps([partial(1), partial(2)], path.join(tempDir(), 'm'));
  assert.equal(summaryOf(path.join(both.outDir, 'tanh/seed-1')).epochs_run, 2);
  const reversed = await mergeSweeps([partial(2), partial(1)], path.join(tempDir(), 'm'));
  assert.equal(summaryOf(path.join(reversed.outDir, 'tanh/seed-1')).epochs_run, 2);
});

test('two different finished runs of one cell are still refused, in the inputs or against the merged folder', async () => {
  const s1 = shardDir(1, 2);
  const s2 = shardDir(2, 2);
  const out = path.join(tempDir(), 'merged');
  await mergeSweeps([s1, s2], out);
  const other = shardDir(1, 2, (r, i) => (i === 0 ? { ...r, trainLoss: [1.5, 0.11] } : r));
  await rejects(
    mergeSweeps([other, s2], out),
    new RegExp(
      `already holds a different run of tanh seed 1 \\(finished\\) than ${escapeRegExp(path.join(other, 'tanh/seed-1'))} \\(finished\\)$`,
    ),
  );
  await rejects(mergeSweeps([s1, other, s2], path.join(tempDir(), 'm')), /tanh seed 1 is in both .* and .*, with different results$/);
  // Only the epochs differ (a summary can agree by chance): still two different runs.
  const rows = shardDir(1, 2);
  const csv = path.join(rows, 'tanh/seed-1/epochs.csv');
  fs.writeFileSync(csv, fs.readFileSync(csv, 'utf8').replace(/\n1,1\.5,/, '\n1,1.25,'));
  await rejects(mergeSweeps([rows, s2], out), /already holds a different run of tanh seed 1/);
  assert.equal(summaryOf(path.join(out, 'tanh/seed-1')).final.train_loss, 0.2, 'the merged folder is untouched');
});

test('the merged folder must be of the same protocol, and what sits at a cell’s place must be that cell’s run', async () => {
  const s1 = shardDir(1, 2);
  const s2 = shardDir(2, 2);
  const out = path.join(tempDir(), 'merged');
  writeRun(path.join(out, 'relu/seed-1'), { ...cells()[7], config: { learningRate: 0.01 } });
  // A campaign of another protocol in --out is refused like one in compare's --out (rundir/campaign-manifest).
  await rejectsWith(
    2,
    mergeSweeps([s1, s2], out),
    /^.*merged holds a campaign of another protocol \(learningRate: 0\.01 there, 0\.0001 now\); choose another --out$/,
  );

  const wrong = path.join(tempDir(), 'merged');
  writeRun(path.join(wrong, 'tanh/seed-1'), { ...cells()[7], complete: false, trainLoss: [1.5], config: { epochs: 2 } });
  await rejects(mergeSweeps([s1, s2], wrong), /tanh\/seed-1 holds a run of relu seed 1; move it away and merge again$/);

  const inTheWay = path.join(tempDir(), 'merged');
  fs.mkdirSync(path.join(inTheWay, 'tanh/seed-1'), { recursive: true });
  fs.writeFileSync(path.join(inTheWay, 'tanh/seed-1/notes.txt'), 'mine');
  await rejects(mergeSweeps([s1, s2], inTheWay), /tanh\/seed-1 is in the way \(it is not a run\); move it away and merge again$/);
  assert.equal(fs.readFileSync(path.join(inTheWay, 'tanh/seed-1/notes.txt'), 'utf8'), 'mine');
});

test('a merge killed while copying: its partial copies go, a copy set aside is put back, and no cell counts twice', async () => {
  const s1 = shardDir(1, 2);
  const s2 = shardDir(2, 2);
  const out = path.join(tempDir(), 'merged');
  await mergeSweeps([s1, s2], out);
  // Killed between setting a copy aside and renaming its replacement in; and mid-copy, twice
  // (this version's hidden temporary, and an older lenet's visible one, which holds a summary).
  fs.renameSync(path.join(out, 'tanh/seed-1'), path.join(out, 'tanh/.seed-1.4242.old'));
  fs.cpSync(path.join(s2, 'relu/seed-1'), path.join(out, 'relu/.seed-1.4243.partial'), { recursive: true });
  fs.cpSync(path.join(s2, 'relu/seed-1'), path.join(out, 'relu/seed-1.4244.partial'), { recursive: true });
  const again = await mergeSweeps([s2], out);
  assert.deepEqual([again.missing, again.incomplete], [[], []], 'every cell is there (the set-aside one put back)');
  assert.equal(again.runs, 8);
  assert.deepEqual(fs.readdirSync(path.join(out, 'tanh')), ['seed-1']);
  assert.deepEqual(fs.readdirSync(path.join(out, 'relu')), ['seed-1']);
  assert.equal(fs.readFileSync(path.join(out, 'sweep.csv'), 'utf8').trim().split('\n').length, 9);
});

test('a shard folder that does not exist yet, or has no finished epoch yet, is merged around and named', async () => {
  const s1 = shardDir(1, 3);
  const s2 = path.join(tempDir(), 'not-started');
  // Shard 3 started: its comparison.json lists its cells, none has finished an epoch.
  const s3 = shardDir(3, 3, () => null);
  const r = await mergeSweeps([s1, s2, s3], path.join(tempDir(), 'm'));
  assert.equal(r.runs, 3);
  assert.deepEqual(r.absent, [s2]);
  assert.deepEqual(r.rerun, [
    `shard 2/3 (no folder of it was merged): tanh,tanh,relu seed 1 missing, relu,tanh,tanh seed 1 missing, relu seed 1 missing`,
    `shard 3/3 (${s3}): tanh,relu,tanh seed 1 missing, tanh-relu seed 1 missing`,
    `the campaign (${s2}, which does not exist): nothing to merge`,
  ]);
  assert.match(mergeShortfall(r) ?? '', /is not whole: 5 cells missing, 1 folder to merge does not exist; rerun shard 2\/3/);
  // Nothing at all to merge is still an error before anything is written.
  const none = path.join(tempDir(), 'm');
  await assert.rejects(
    mergeSweeps([s2], none),
    (e: unknown) => e instanceof LenetError && e.exitCode === 2 && /no such directory/.test(e.message),
  );
  assert.equal(fs.existsSync(none), false);
});

test('a comparison merged while one of its shard folders does not exist is still a comparison', async () => {
  const s1 = tempDir('lenet-cmp-shard-');
  writeComparisonDir(s1, [cells()[0]], 'comparison');
  const r = await mergeSweeps([s1, path.join(tempDir(), 'not-started')], path.join(tempDir(), 'm'));
  assert.equal(r.kind, 'comparison');
  assert.equal(path.basename(r.table), 'comparison.md');
  assert.equal(r.absent.length, 1);
});

// ------------------------------------------------------------------ the sequence, for real
