/**
 * `sweep --vary` and the protocol deviations it was built for (issue: factorial sweeps and the
 * Table 2 study): the grid is exactly the cells run, shards merge to the unsharded grid bit for bit,
 * a bad --vary is one usage error, the deviation options change what they say and nothing else,
 * and the factor report's numbers are those of a fixture with known effects.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError } from '../src/errors';
import { unfinishedCellsError } from '../src/commands/options';
import { optionValue, VaryFactor } from '../src/options/parse';
import { alignToFolder, gridCells, shardCells, variantsOf, campaignVary, variantNameOf } from '../src/train/grid';
import { readCampaignFile } from '../src/rundir/campaign-file';
import { runGrid, cellOptions } from '../src/train/campaign';
import { mergeSweeps } from '../src/report/merge';
import { collectRuns } from '../src/report/runs';
import { factorEffects, factorRankings, table2Distances, writeFactorReport } from '../src/report/factors';
import { PAPER_TABLE2 } from '../src/report/paper';
import { findRunDirs } from '../src/rundir/layout';
import { readManifest } from '../src/rundir/manifest';
import { readEpochsCsv, epochsCsvText, EpochRow } from '../src/rundir/epochs';
import { protocolOf } from '../src/rundir/protocol';
import { createResizer } from '../src/data/resize';
import { buildLenet } from '../src/model/lenet';
import { epochOrder } from '../src/train/trainer';
import { Rng } from '../src/train/rng';
import { DEFAULT_ARCH } from '../src/options/types';
import { OPTION_ENTRIES, OptionId } from '../src/options/table';
import { resolveTrainConfig } from '../src/options/resolve';
import { tempDir, writeRun, FakeRun } from './report-fixtures';

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof LenetError && err.exitCode === 2 && pattern.test(err.message), String(pattern));
}

const vary = (...specs: string[]) => optionValue('vary', specs);
const flagOf = (key: string) => OPTION_ENTRIES[key as OptionId].flag!.slice(2);
const basesOf = (f: VaryFactor[]) => f.map((x) => x.texts[0]);

test('--vary: keys and values are checked by the option table; every problem is one usage error listing what is valid', () => {
  const f = vary('lr=0.001,1e-4', 'batch-size=50,100', 'init=glorot-uniform,tutorial', 'arch.denseUnits=60,120');
  assert.deepEqual(
    f.map((x) => [x.key, x.lands, x.texts]),
    [
      ['lr', 'learningRate', ['0.001', '0.0001']],
      ['batchSize', 'batchSize', ['50', '100']],
      ['init', 'init', ['glorot-uniform', 'tutorial']],
      ['denseUnits', 'arch.denseUnits', ['60', '120']],
    ],
  );
  // A config file's object form gives the same factors.
  assert.deepEqual(optionValue('vary', { lr: [0.001, 0.0001] })[0].texts, ['0.001', '0.0001']);
  usage(() => vary('learning=0.1'), /"learning" is not an option a sweep can vary; valid: .*\blr\b.*\bbatch-size\b/);
  usage(() => vary('seed=1,2'), /"seed" is not an option a sweep can vary/);
  usage(() => vary('threads=1,2'), /"threads" is not an option a sweep can vary/);
  usage(() => vary('data-dir=a,b'), /"data-dir" is not an option a sweep can vary/);
  usage(() => vary('lr'), /must look like KEY=V1,V2/);
  usage(() => vary('=1,2'), /must look like KEY=V1,V2/);
  usage(() => vary('lr=0.1,-1'), /--vary lr must be a positive number, got "-1"/);
  usage(() => vary('optimizer=adam,rmsprop'), /--vary optimizer must be one of adam, sgd, momentum, got "rmsprop"/);
  usage(() => vary('batch-size=50,1.5'), /--vary batch-size must be a positive integer/);
  usage(() => vary('lr=0.1,,0.2'), /with none empty/);
  usage(() => vary('lr=0.1,1e-1'), /names a value twice: 0.1,0.1/);
  usage(() => vary('lr=0.1', 'learningRate=0.2'), /varies --lr twice/);
});

test('the grid is exactly variants × schedules × seeds: cross is every combination, ofat one factor at a time from the first levels', () => {
  const f = vary('lr=0.0001,0.001,0.01', 'optimizer=adam,sgd');
  const cross = variantsOf(f, 'cross');
  assert.equal(cross.length, 6);
  assert.deepEqual(
    cross.map((v) => variantNameOf(v, basesOf(f), flagOf)),
    ['base', 'optimizer=sgd', 'lr=0.001', 'lr=0.001 optimizer=sgd', 'lr=0.01', 'lr=0.01 optimizer=sgd'],
  );
  const ofat = variantsOf(f, 'ofat');
  assert.deepEqual(
    ofat.map((v) => variantNameOf(v, basesOf(f), flagOf)),
    ['base', 'lr=0.001', 'lr=0.01', 'optimizer=sgd'],
  );
  const schedules = [optionValue('activations', 'relu,tanh-relu')].flat();
  const cells = gridCells(schedules, [1, 2], cross, flagOf, basesOf(f));
  assert.equal(cells.length, 6 * 2 * 2);
  assert.equal(new Set(cells.map((c) => c.dir)).size, cells.length, 'every cell has its own folder');
  assert.deepEqual(
    cells.slice(0, 4).map((c) => c.dir),
    ['base/relu/seed-1', 'base/relu/seed-2', 'base/tanh-relu/seed-1', 'base/tanh-relu/seed-2'],
  );
  assert.equal(cells[cells.length - 1].dir, 'lr-0.01_optimizer-sgd/tanh-relu/seed-2');
  // Each cell's options: the campaign's, then its levels.
  const config = resolveTrainConfig(cellOptions({ epochs: 3 }, cells[cells.length - 1]));
  assert.equal(config.learningRate, 0.01);
  assert.equal(config.optimizer, 'sgd');
  assert.equal(config.epochs, 3);
  assert.deepEqual(config.schedule, ['relu', 'tanh', 'relu']);
  assert.equal(config.seed, 2);
  // Without factors: one empty variant, the folders of every campaign so far.
  assert.deepEqual(
    gridCells(schedules, [1]).map((c) => c.dir),
    ['relu/seed-1', 'tanh-relu/seed-1'],
  );
});

const work = tempDir('lenet-vary-');

function cellsOf(factors: VaryFactor[]) {
  return gridCells([optionValue('activations', 'relu')].flat(), [1, 2], variantsOf(factors, 'cross'), flagOf, basesOf(factors));
}

async function trainVaried(out: string, factors: VaryFactor[], shard?: { k: number; n: number }): Promise<void> {
  const all = cellsOf(factors);
  const cells = shard ? shardCells(all, shard) : all;
  const results = await runGrid({
    kind: 'sweep',
    cells,
    base: { limit: 100, epochs: 1, averageLast: 1, threads: 1 },
    outDir: out,
    jobs: 1,
    ...(shard ? { shard } : {}),
    grid: {
      schedules: ['relu'],
      seeds: [1, 2],
      variants: [...new Set(all.map((c) => variantNameOf(c.variant, basesOf(factors), flagOf)))],
    },
    vary: campaignVary(factors, 'cross', flagOf),
  });
  assert.ok(!results.stopped && !results.failed);
}

test('a varied sweep trains exactly its cells, each with its levels; its shards merge to the unsharded sweep bit for bit', async () => {
  const factors = vary('batch-size=50,25', 'shuffle=epoch,off');
  const whole = path.join(work, 'whole');
  await trainVaried(whole, factors);
  const found = findRunDirs(whole).runs.map((d) => path.relative(whole, d).split(path.sep).join('/'));
  assert.deepEqual(
    found.sort(),
    cellsOf(factors)
      .map((c) => c.dir)
      .sort(),
    'the folders are the cross product, nothing else',
  );
  for (const c of cellsOf(factors)) {
    const m = readManifest(path.join(whole, c.dir));
    assert.equal(m.config.batchSize, c.variant[0].value, c.dir);
    assert.equal(m.config.shuffle, c.variant[1].value, c.dir);
    assert.equal(m.config.limit, 100, `${c.dir}: the protocol`);
    assert.equal(m.config.seed, c.seed);
  }
  // The levels change what is computed (else the grid would be four copies of one cell).
  const finals = cellsOf(factors)
    .filter((c) => c.seed === 1)
    .map(
      (c) =>
        fs
          .readFileSync(path.join(whole, c.dir, 'epochs.csv'), 'utf8')
          .split('\n')[1]
          .split(',')[1],
    );
  assert.equal(new Set(finals).size, 4, `four different first-epoch losses: ${finals.join(' ')}`);

  const s1 = path.join(work, 's1');
  const s2 = path.join(work, 's2');
  await trainVaried(s1, factors, { k: 1, n: 2 });
  await trainVaried(s2, factors, { k: 2, n: 2 });
  const merged = path.join(work, 'merged');
  const r = await mergeSweeps([s1, s2], merged);
  assert.equal(r.runs, 8);
  assert.deepEqual(r.missing, []);
  const strip = (text: string) =>
    text
      .trim()
      .split('\n')
      .map((l) =>
        l
          .split(',')
          .filter((_, i) => i !== 5)
          .join(','),
      )
      .join('\n');
  for (const c of cellsOf(factors)) {
    const a = path.join(whole, c.dir);
    const b = path.join(merged, c.dir);
    assert.equal(strip(fs.readFileSync(b + '/epochs.csv', 'utf8')), strip(fs.readFileSync(a + '/epochs.csv', 'utf8')), c.dir);
    assert.ok(fs.readFileSync(b + '/model/weights.bin').equals(fs.readFileSync(a + '/model/weights.bin')), `${c.dir}: weights`);
  }
  const groupsOf = (dir: string) => collectRuns(dir).groups.map((g) => [g.label, g.variant, g.runs.length]);
  assert.deepEqual(groupsOf(merged), groupsOf(whole));
  assert.deepEqual(groupsOf(whole), [
    ['relu [base]', 'base', 2],
    ['relu [shuffle=off]', 'shuffle=off', 2],
    ['relu [batch-size=25]', 'batch-size=25', 2],
    ['relu [batch-size=25 shuffle=off]', 'batch-size=25 shuffle=off', 2],
  ]);
  // A merge missing a shard names the variant of each missing cell.
  const part = await mergeSweeps([s1], path.join(work, 'part'));
  assert.equal(part.missing.length, 4);
  assert.match(part.rerun.join(' '), /relu \[[^\]]+\] seed \d missing/);
});

test('the campaign folder refuses cells that vary other options or another protocol; takes new levels, and levels in any order named by its base', async () => {
  const out = path.join(work, 'grow');
  const f1 = vary('lr=0.0001,0.001');
  await runGrid({
    kind: 'sweep',
    cells: gridCells([optionValue('activations', 'relu')].flat(), [1], variantsOf(f1), flagOf, basesOf(f1)),
    base: { limit: 100, epochs: 1, threads: 1 },
    outDir: out,
    jobs: 1,
    vary: campaignVary(f1, 'cross', flagOf),
  });
  // As sweep does: the options aligned to the folder's (its order, its bases).
  const attempt = (specs: string[], base: Record<string, unknown> = { limit: 100, epochs: 1, threads: 1 }) => {
    const { factors, bases } = alignToFolder(vary(...specs), readCampaignFile(out)?.vary);
    return runGrid({
      kind: 'sweep',
      cells: gridCells([optionValue('activations', 'relu')].flat(), [1], variantsOf(factors), flagOf, bases),
      base,
      outDir: out,
      jobs: 1,
      vary: campaignVary(factors, 'cross', flagOf),
    });
  };
  const refused = async (p: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(p, (err: unknown) => err instanceof LenetError && err.exitCode === 2 && pattern.test(err.message));
  await refused(attempt(['optimizer=adam,sgd']), /holds a campaign that varies lr; this one varies optimizer: choose another --out/);
  await refused(attempt(['lr=0.0001,0.01'], { limit: 200, epochs: 1, threads: 1 }), /another protocol \(limit: 100 there, 200 now\)/);
  // The levels in another order, or one level alone: the folder's base names the cells (the study's third stage).
  const reordered = await attempt(['lr=0.001,0.0001']);
  assert.deepEqual(
    reordered.map((r) => [r.cell.dir, r.skipped]),
    [
      ['base/relu/seed-1', true],
      ['lr-0.001/relu/seed-1', true],
    ],
  );
  const alone = await attempt(['lr=0.001']);
  assert.deepEqual(
    alone.map((r) => [r.cell.dir, r.skipped]),
    [['lr-0.001/relu/seed-1', true]],
  );
  // The same option, a new level: added; the finished cells are skipped.
  const more = await attempt(['lr=0.0001,0.01']);
  assert.deepEqual(
    more.map((r) => [r.cell.dir, r.skipped]),
    [
      ['base/relu/seed-1', true],
      ['lr-0.01/relu/seed-1', false],
    ],
  );
  const file = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8'));
  assert.deepEqual(file.vary.factors[0].levels, ['0.0001', '0.001', '0.01']);
});

test('deviation options: raw pixels are 255 × the unit ones; tutorial weights; shuffle modes; old config.json reads with the defaults', () => {
  const pixels = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256);
  for (const mode of ['bilinear', 'pad'] as const) {
    const unit = new Float32Array(36 * 36);
    const raw = new Float32Array(36 * 36);
    createResizer(28, 28, 36, mode).resizeInto(pixels, 0, unit, 0);
    createResizer(28, 28, 36, mode, 'raw').resizeInto(pixels, 0, raw, 0);
    let worst = 0;
    for (let i = 0; i < unit.length; i++) worst = Math.max(worst, Math.abs(raw[i] - unit[i] * 255));
    assert.ok(worst < 1e-3, `${mode}: raw = 255 × unit (worst ${worst})`);
    assert.ok(Math.max(...raw) > 200, `${mode}: raw reaches the bytes' range`);
    if (mode === 'pad') assert.equal(raw[4 * 36 + 4 + 1], pixels[1], 'pad: the byte itself');
  }
  const weightsOf = (scheme: 'glorot-uniform' | 'tutorial' | 'he-normal') => {
    const m = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 7, scheme);
    const w = m.getWeights().map((t) => Array.from(t.dataSync()));
    m.dispose();
    return w;
  };
  const tutorial = weightsOf('tutorial');
  const glorot = weightsOf('glorot-uniform');
  for (let i = 0; i < tutorial.length; i += 2) {
    const k = tutorial[i];
    assert.ok(
      k.every((x) => Math.abs(x) <= 0.2 + 1e-6),
      'truncated at 2σ = 0.2',
    );
    const sd = Math.sqrt(k.reduce((s, x) => s + x * x, 0) / k.length);
    if (k.length > 1000) assert.ok(sd > 0.08 && sd < 0.095, `σ 0.1 truncated at 2σ has sd ≈ 0.088; got ${sd}`);
    assert.ok(
      tutorial[i + 1].every((b) => Math.abs(b - 0.1) < 1e-7),
      'biases 0.1',
    );
    assert.ok(
      glorot[i + 1].every((b) => b === 0),
      'glorot: biases 0',
    );
  }
  assert.notDeepEqual(weightsOf('he-normal')[0], glorot[0]);
  assert.deepEqual(weightsOf('tutorial')[0], tutorial[0], 'seeded');

  const rng = new Rng(3);
  const e1 = epochOrder(rng, 10, 'epoch');
  const e2 = epochOrder(rng, 10, 'epoch');
  assert.notDeepEqual(e1, e2, 'epoch: a new order every epoch');
  const once = new Rng(3);
  const state = once.state;
  const o1 = epochOrder(once, 10, 'once');
  assert.equal(once.state, state, 'once: the generator does not advance (a resumed run draws the same order)');
  assert.deepEqual(epochOrder(once, 10, 'once'), o1);
  assert.deepEqual(o1, e1, 'once: the order epoch mode draws first');
  assert.deepEqual(Array.from(epochOrder(new Rng(3), 5, 'off')), [0, 1, 2, 3, 4]);

  // A config.json of a lenet before these options trained as their defaults do: read so, one protocol.
  const dir = path.join(work, 'old-run');
  writeRun(dir, { label: 'relu', seed: 1, trainLoss: [1, 0.5] });
  const m = readManifest(dir);
  assert.equal(m.config.inputScale, 'unit');
  assert.equal(m.config.init, 'glorot-uniform');
  assert.equal(m.config.shuffle, 'epoch');
  const explicit = {
    ...m,
    config: { ...m.config, inputScale: 'unit' as const, init: 'glorot-uniform' as const, shuffle: 'epoch' as const },
  };
  assert.deepEqual(protocolOf(m), protocolOf(explicit));
});

test("epochs.csv: the extra measures are columns after the protocol's; empty where an epoch did not measure them; older files read", () => {
  const base = {
    train_loss: 1,
    train_accuracy: 0.5,
    test_loss: 1,
    test_accuracy: 0.5,
    seconds: 1,
    train_paper_loss: 2,
    test_paper_loss: 2,
  };
  const rows: EpochRow[] = [
    { epoch: 1, ...base, last_batch_accuracy: 0.4, last_batch_paper_loss: 2.1 },
    { epoch: 2, ...base, last_batch_accuracy: 0.6, last_batch_paper_loss: 1.9, train_eval_accuracy: 0.55, train_eval_paper_loss: 1.95 },
  ];
  const text = epochsCsvText(rows);
  const [header, first] = text.split('\n');
  assert.equal(
    header,
    'epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_paper_loss,test_paper_loss,last_batch_accuracy,last_batch_paper_loss,train_eval_accuracy,train_eval_paper_loss',
  );
  assert.ok(first.endsWith(',0.4,2.1,,'), first);
  const file = path.join(work, 'epochs.csv');
  fs.writeFileSync(file, text);
  const back = readEpochsCsv(file);
  assert.equal(back[0].train_eval_accuracy, undefined);
  assert.equal(back[1].train_eval_accuracy, 0.55);
  assert.equal(back[0].last_batch_accuracy, 0.4);
  // Without extras: the protocol's columns only, as every earlier lenet wrote.
  assert.equal(
    epochsCsvText([{ epoch: 1, ...base }])
      .split('\n')[0]
      .split(',').length,
    8,
  );
});

/** A fixture with known effects: accuracy = schedule's + lr's effect (+ a seed's noise, cancelled by pairing). */
function knownEffects(root: string): { factors: ReturnType<typeof campaignVary> } {
  const scheduleAcc: Record<string, number> = { sigmoid: 0.85, tanh: 0.95, relu: 0.96, 'tanh-relu': 0.97 };
  const lrEffect: Record<string, Record<string, number>> = {
    '0.0001': { sigmoid: 0, tanh: 0, relu: 0, 'tanh-relu': 0 },
    '0.001': { sigmoid: 0.1, tanh: 0.02, relu: -0.05, 'tanh-relu': 0.01 },
  };
  const seedNoise = [0, 0.004, -0.002];
  const f = vary('lr=0.0001,0.001');
  const vary_ = campaignVary(f, 'cross', flagOf);
  const runs: Array<{ schedule: string; seed: number; dir: string; variant: Record<string, string> }> = [];
  for (const lr of ['0.0001', '0.001']) {
    for (const label of Object.keys(scheduleAcc)) {
      for (const seed of [1, 2, 3]) {
        const acc = scheduleAcc[label] + lrEffect[lr][label] + seedNoise[seed - 1];
        const dir = `${lr === '0.0001' ? 'base' : `lr-${lr}`}/${label}/seed-${seed}`;
        // Table 2's numbers exactly for the base variant's tanh-relu, paper losses from the fixture's rule
        const run: FakeRun = {
          label,
          seed,
          trainLoss: [0.5, 0.3],
          trainAccuracy: [acc - 0.01, acc],
          testAccuracy: [acc - 0.02, acc - 0.01],
          averageLast: 1,
          config: { learningRate: Number(lr) },
          epochOverrides: {
            2: {
              last_batch_accuracy: acc + 0.01,
              last_batch_paper_loss: PAPER_TABLE2[label].loss,
              train_eval_accuracy: acc,
              train_eval_paper_loss: 1.5,
            },
          },
        };
        writeRun(path.join(root, dir), run);
        runs.push({ schedule: label, seed, dir, variant: { lr } });
      }
    }
  }
  // writeRun writes the protocol's columns only: add the extra ones of epoch 2 by hand.
  for (const r of runs) {
    const file = path.join(root, r.dir, 'epochs.csv');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const accs = lines[2].split(',');
    const acc = Number(accs[2]);
    lines[0] += ',last_batch_accuracy,last_batch_paper_loss,train_eval_accuracy,train_eval_paper_loss';
    lines[1] += ',,,,';
    lines[2] += `,${acc + 0.01},${PAPER_TABLE2[r.schedule].loss},${acc},1.5`;
    fs.writeFileSync(file, lines.join('\n') + '\n');
  }
  fs.writeFileSync(
    path.join(root, 'comparison.json'),
    JSON.stringify({ format: 2, kind: 'sweep', schedules: Object.keys(scheduleAcc), seeds: [1, 2, 3], runs, vary: vary_ }),
  );
  return { factors: vary_ };
}

test('the factor report: effects, paired intervals, ranking changes and Table 2 distances are those of a fixture with known effects', async () => {
  const root = path.join(work, 'known');
  knownEffects(root);
  const c = collectRuns(root);
  assert.equal(c.factors.length, 1);
  const effects = factorEffects(c.groups, c.factors);
  const at = (schedule: string, metric: string) => effects.find((e) => e.schedule === schedule && e.metric === metric)!;
  for (const [schedule, effect] of Object.entries({ sigmoid: 0.1, tanh: 0.02, relu: -0.05, 'tanh-relu': 0.01 })) {
    const e = at(schedule, 'train_accuracy');
    assert.equal(e.pairs, 3);
    assert.ok(Math.abs(e.diff - effect) < 1e-9, `${schedule}: effect ${e.diff} = ${effect}`);
    // Pairing cancels the seeds' noise: every pair differs by the same amount, so the interval is that point.
    assert.ok(e.ci !== null && Math.abs(e.ci.low - effect) < 1e-9 && Math.abs(e.ci.high - effect) < 1e-9, `${schedule}: exact interval`);
  }
  const ranks = factorRankings(c.groups, c.factors);
  assert.deepEqual(
    ranks.map((r) => [r.level, r.order.join(' > '), r.changed]),
    [
      ['0.0001', 'tanh-relu > relu > tanh > sigmoid', false],
      ['0.001', 'tanh-relu > tanh > sigmoid > relu', true],
    ],
  );
  const t2 = table2Distances(c.groups);
  assert.equal(t2.length, 6, 'two variants × three measures');
  // Running mean (train_accuracy at the last epoch, K = 1) of the base: 0.85+0.0007, ... against Table 2.
  const baseRunning = t2.find((r) => r.variant === 'base' && r.measure.startsWith('running'))!;
  const noise = (0 + 0.004 - 0.002) / 3;
  const expect = (accs: Record<string, number>, losses: Record<string, number>) =>
    Math.sqrt(
      Object.keys(PAPER_TABLE2)
        .flatMap((s) => [accs[s] + noise - PAPER_TABLE2[s].accuracy, losses[s] - PAPER_TABLE2[s].loss])
        .reduce((x, d) => x + d * d, 0) / 8,
    );
  const paperLoss = 1.4612 + 0.3 / 10; // the fixture's train_paper_loss at the last epoch
  const flat = (v: number) => Object.fromEntries(Object.keys(PAPER_TABLE2).map((s) => [s, v]));
  assert.ok(Math.abs(baseRunning.distance - expect({ sigmoid: 0.85, tanh: 0.95, relu: 0.96, 'tanh-relu': 0.97 }, flat(paperLoss))) < 1e-9);
  // Last batch: accuracy + 0.01 and Table 2's own losses, so only the accuracies count.
  const baseLast = t2.find((r) => r.variant === 'base' && r.measure.startsWith('last batch'))!;
  const lossesT2 = Object.fromEntries(Object.entries(PAPER_TABLE2).map(([s, v]) => [s, v.loss]));
  assert.ok(Math.abs(baseLast.distance - expect({ sigmoid: 0.86, tanh: 0.96, relu: 0.97, 'tanh-relu': 0.98 }, lossesT2)) < 1e-9);
  assert.deepEqual(
    t2.map((r) => r.distance),
    [...t2.map((r) => r.distance)].sort((a, b) => a - b),
    'closest first',
  );
  assert.equal(t2[0].variant, 'base');
  assert.ok(t2[0].measure.startsWith('last batch'));
  const written = await writeFactorReport(path.join(work, 'known-out'), c.groups, c.factors);
  assert.ok(written.files.some((f) => f.endsWith('factor-lr.png')));
  const md = fs.readFileSync(path.join(work, 'known-out', 'factors.md'), 'utf8');
  assert.match(md, /\| 0\.001 \| train acc \| \+0\.1000 \[\+0\.1000, \+0\.1000\] \| \+0\.0200 /);
  assert.match(md, /lr=0\.001: tanh-relu > tanh > sigmoid > relu — \*\*ranking changes\*\*/);

  // An unfinished run (interrupted: its final values are of fewer epochs) is left out, and said so.
  const summaryFile = path.join(root, 'lr-0.001', 'relu', 'seed-3', 'summary.json');
  fs.writeFileSync(summaryFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(summaryFile, 'utf8')), complete: false }));
  const again = collectRuns(root);
  const relu = factorEffects(again.groups, again.factors).find((e) => e.schedule === 'relu' && e.metric === 'train_accuracy')!;
  assert.equal(relu.pairs, 2);
  const notes = (await writeFactorReport(path.join(work, 'known-out2'), again.groups, again.factors)).md;
  assert.match(notes, /unfinished runs \(rerun the sweep to finish them\): lr-0\.001\/relu\/seed-3/);
});

test("QA: each variant's cell is named by its variant in progress and warnings (two variants that diverge give two warnings), and when no cell finished the error says so", async () => {
  const factors = vary('lr=1e30,1e31');
  const cells = gridCells([optionValue('activations', 'relu')].flat(), [1], variantsOf(factors, 'cross'), flagOf, basesOf(factors));
  assert.deepEqual(
    cells.map((c) => c.name),
    ['relu [base] seed 1', 'relu [lr=1e+31] seed 1'],
  );
  // (lr=1e30 is the base: its variant's name is `base`, as merge names it)
  const said: string[] = [];
  const started: string[] = [];
  const results = await runGrid({
    kind: 'sweep',
    cells,
    base: { limit: 100, epochs: 1, averageLast: 1, threads: 1 },
    outDir: path.join(tempDir('lenet-vary-names-'), 'diverging'),
    jobs: 1,
    say: (l) => said.push(l),
    onEvent: (e) => void (e.type === 'cell-started' && started.push(`${e.cell + 1}/${e.of} ${e.name}`)),
    vary: campaignVary(factors, 'cross', flagOf),
  });
  assert.equal(results.length, 2);
  assert.deepEqual(started, ['1/2 relu [base] seed 1', '2/2 relu [lr=1e+31] seed 1']);
  assert.deepEqual(
    said.map((l) => l.replace(/ diverged at .*/, '')),
    ['warning: [1/2] relu [base] seed 1', 'warning: [2/2] relu [lr=1e+31] seed 1'],
  );
  const one = unfinishedCellsError([{ cell: cells[1], reason: 'worker killed by SIGKILL' }], 2, 'out');
  assert.match(one.message, /^1 cell did not finish \(relu \[lr=1e\+31\] seed 1\); the other cells are done\. Rerun/);
  const all = unfinishedCellsError(
    cells.map((cell) => ({ cell, reason: 'x' })),
    2,
    'out',
  );
  assert.match(all.message, /^no cell finished \(relu \[base\] seed 1, relu \[lr=1e\+31\] seed 1\)\. Rerun to resume them/);
});
