/** The run-folder module on its own: crash-safe writes, locks, formats, protocol identity, layout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrainConfig } from '../src/options/types';
import { resolveTrainConfig } from '../src/options/resolve';
import { writeFileAtomic } from '../src/rundir/atomic';
import { lockFolder, lockHolder, LOCK_FILE } from '../src/rundir/lock';
import { EpochRow, epochsCsvText, readEpochsCsv } from '../src/rundir/epochs';
import { buildSummary, readCompleteSummary, readSummary, writeSummary } from '../src/rundir/summary';
import { CELL_CONFIG_KEYS, LOCAL_CONFIG_KEYS, PROTOCOL_CONFIG_KEYS, protocolDifferences, protocolOf } from '../src/rundir/protocol';
import { checkOutDir, clearRunFiles, createOutDir, findRunDirs } from '../src/rundir/layout';
import { readCheckpoint } from '../src/train/checkpoint';
import { KNOWN_DATASETS, recogniseDataset } from '../src/data/identity';
import { mountTmpfs, tempDir, throwsLenet } from './helpers';

const work = tempDir('lenet-rundir-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

function row(epoch: number, loss: number): EpochRow {
  return {
    epoch,
    train_loss: loss,
    train_accuracy: 0.5,
    test_loss: loss,
    test_accuracy: 0.5,
    seconds: 1.25,
    train_paper_loss: 1.5,
    test_paper_loss: 1.5,
  };
}

test('writeFileAtomic on a full disk: fails naming the file and ENOSPC, keeps the old content, leaves no temporary', (t) => {
  const mnt = mountTmpfs(t, '64k');
  const file = path.join(mnt, 'checkpoint.bin');
  const good = Buffer.alloc(20_000, 7);
  writeFileAtomic(file, good);
  const big = Buffer.alloc(100_000, 9);
  throwsLenet(
    () => writeFileAtomic(file, big),
    1,
    new RegExp(`cannot write ${file.replace(/[.]/g, '\\.')}: no space left on device \\(ENOSPC\\)`),
  );
  assert.ok(fs.readFileSync(file).equals(good), 'the good file is intact');
  assert.deepEqual(fs.readdirSync(mnt), ['checkpoint.bin'], 'no temporary left behind');
  // The next write that fits succeeds (the failed one freed its space).
  writeFileAtomic(file, Buffer.alloc(30_000, 1));
  assert.equal(fs.statSync(file).size, 30_000);
});

test('lock: a second writer is refused with the pid holding the folder; release frees it', () => {
  const dir = tempDir('lenet-lock-');
  const first = lockFolder(dir, 'lenet train');
  throwsLenet(
    () => lockFolder(dir, 'lenet train'),
    1,
    new RegExp(`cannot write into ${dir}: it is being written by pid ${process.pid} \\(lenet train, since `),
  );
  assert.match(lockHolder(dir) ?? '', new RegExp(`pid ${process.pid}`));
  first.release();
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
  assert.equal(lockHolder(dir), null);
  lockFolder(dir, 'again').release();
});

test('lock: a lock left by a dead process is taken over; one held on another host is refused with a hint', () => {
  const dir = tempDir('lenet-lock-');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ pid: deadPid, host: os.hostname(), command: 'lenet train', started: 'then' }),
  );
  assert.equal(lockHolder(dir), null, 'a dead owner holds nothing');
  const lock = lockFolder(dir, 'lenet train --resume');
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE], 'the stale lock is gone, not kept aside');
  lock.release();
  // A live pid that is not a Node process (the dead writer's pid reused by another program) holds nothing.
  const sleeper = spawn('sleep', ['30']);
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ pid: sleeper.pid, host: os.hostname(), command: 'lenet train', started: 'then' }),
  );
  try {
    assert.equal(lockHolder(dir), null);
    lockFolder(dir, 'lenet train').release();
  } finally {
    sleeper.kill();
  }
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ pid: 4242, host: 'node-17.cluster', command: 'lenet sweep', started: 'then' }),
  );
  throwsLenet(
    () => lockFolder(dir, 'lenet sweep'),
    1,
    /pid 4242 on host node-17\.cluster/,
    /if that process is gone, delete .*\.lenet\.lock/,
  );
});

test('lock: of many processes racing for one folder, exactly one wins each time', async () => {
  // Each process says whether it got the lock, then holds on until every one has tried.
  const script = `const { lockFolder } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'rundir', 'lock.js'))});
    try { lockFolder(process.argv[1], 'race'); process.stdout.write('won'); } catch (e) { process.stdout.write('lost'); }
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  for (let round = 0; round < 3; round++) {
    const dir = tempDir('lenet-race-');
    const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['-e', script, dir]));
    const said = await Promise.all(
      children.map((child) => new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))))),
    );
    const exited = children.map((child) => new Promise<void>((resolve) => child.on('exit', () => resolve())));
    for (const child of children) child.stdin.end();
    await Promise.all(exited);
    const results = said;
    assert.equal(results.filter((r) => r === 'won').length, 1, `round ${round}: ${results.join(',')}`);
    assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false, 'the winner released it at exit');
  }
});

test('epochs.csv: NaN and ±Infinity of a diverged run read back; an epoch listed twice is refused', () => {
  const file = path.join(work, 'epochs.csv');
  fs.writeFileSync(file, epochsCsvText([row(1, 2.3), row(2, Number.NaN), row(3, Infinity)]));
  const rows = readEpochsCsv(file);
  assert.equal(rows.length, 3);
  assert.ok(Number.isNaN(rows[1].train_loss));
  assert.equal(rows[2].train_loss, Infinity);
  fs.writeFileSync(file, epochsCsvText([row(1, 2), row(2, 1.9), row(3, 1.8), row(4, 1.7), row(4, 1.7), row(5, 1.6)]));
  throwsLenet(() => readEpochsCsv(file), 1, /line 6: epoch 4 does not follow epoch 4/);
});

test('summary.json of a diverged run: null in the JSON, NaN when read, diverged_epoch named; still complete', () => {
  const dir = tempDir('lenet-summary-');
  const config = resolveTrainConfig({ epochs: 3, averageLast: 2 });
  const s = buildSummary(config, 'native', 'MNIST', [row(1, 2.3), row(2, Number.NaN), row(3, Number.NaN)], true);
  assert.equal(s.diverged_epoch, 2);
  writeSummary(dir, s);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(json.final.train_loss, null);
  assert.equal(json.final.seconds, 1.25);
  const back = readSummary(path.join(dir, 'summary.json'));
  assert.ok(Number.isNaN(back.final.train_loss));
  assert.equal(back.diverged_epoch, 2);
  assert.equal(readCompleteSummary(dir)?.complete, true);
  assert.match(fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8'), /,2,NaN,0\.5,NaN,0\.5,1\.25,1\.5,1\.5,1\.25\n$/);
});

function manifestOf(config: TrainConfig, backend: string, dataset = 'MNIST') {
  return {
    config,
    backend: { name: backend },
    data: { files: Object.entries(KNOWN_DATASETS[dataset]).map(([name, sha256]) => ({ name, sha256 })) },
  };
}

test('protocol: --backend auto and --backend native that both ran native are one protocol; cpu, other data, other lr are not', () => {
  const auto = resolveTrainConfig({ backend: 'auto', seed: 1 });
  const native = resolveTrainConfig({ backend: 'native', seed: 2, threads: 1, dataDir: '/elsewhere', schedule: 'relu,relu,relu' });
  assert.deepEqual(protocolDifferences(protocolOf(manifestOf(auto, 'native')), protocolOf(manifestOf(native, 'native'))), []);
  assert.deepEqual(
    protocolDifferences(protocolOf(manifestOf(auto, 'native')), protocolOf(manifestOf(auto, 'cpu'))).map((d) => d.key),
    ['backend'],
  );
  const data = protocolDifferences(protocolOf(manifestOf(auto, 'native')), protocolOf(manifestOf(auto, 'native', 'Fashion-MNIST')));
  assert.deepEqual(
    data.map((d) => d.key),
    [
      'data file t10k-images-idx3-ubyte',
      'data file t10k-labels-idx1-ubyte',
      'data file train-images-idx3-ubyte',
      'data file train-labels-idx1-ubyte',
    ],
  );
  const lr = resolveTrainConfig({ lr: 0.001 });
  assert.deepEqual(protocolDifferences(protocolOf(manifestOf(auto, 'native')), protocolOf(manifestOf(lr, 'native'))), [
    { key: 'learningRate', a: '0.0001', b: '0.001' },
  ]);
});

test('protocol: every key of a resolved config is classified as protocol, per cell or local', () => {
  const keys = Object.keys(resolveTrainConfig({})).sort();
  const classified = [...PROTOCOL_CONFIG_KEYS, ...CELL_CONFIG_KEYS, ...LOCAL_CONFIG_KEYS].sort();
  assert.deepEqual(keys, classified, 'a new config key must be added to one list in src/rundir/protocol.ts');
});

test('data sets are recognised by their SHA-256: MNIST, Fashion-MNIST, otherwise custom', () => {
  const files = (d: string) => Object.entries(KNOWN_DATASETS[d]).map(([name, sha256]) => ({ name, sha256 }));
  assert.equal(recogniseDataset(files('MNIST')), 'MNIST');
  assert.equal(recogniseDataset(files('Fashion-MNIST')), 'Fashion-MNIST');
  assert.equal(recogniseDataset([...files('MNIST').slice(0, 3), files('Fashion-MNIST')[3]]), 'custom');
});

test('--force clears an earlier run and nothing else: foreign temporaries and a foreign model/ stay (or are refused)', () => {
  const dir = tempDir('lenet-force-');
  for (const f of [
    'epochs.csv',
    'summary.json',
    'summary.csv',
    'config.json',
    'checkpoint.bin',
    'confusion.csv',
    'confusion.png',
    '.epochs.csv.123.tmp',
    '.notes.md.swp.tmp',
    'notes.md',
  ])
    fs.writeFileSync(path.join(dir, f), 'x');
  fs.mkdirSync(path.join(dir, 'model'));
  fs.writeFileSync(
    path.join(dir, 'model', 'model.json'),
    JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'] }] }),
  );
  fs.writeFileSync(path.join(dir, 'model', 'weights.bin'), 'w');
  checkOutDir(dir, true);
  clearRunFiles(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['.notes.md.swp.tmp', 'notes.md']);
  fs.mkdirSync(path.join(dir, 'model'));
  fs.writeFileSync(path.join(dir, 'model', 'saved_model.pb'), 'someone else');
  throwsLenet(() => checkOutDir(dir, true), 2, /--force would write over .*model, which is not a lenet model/);
});

test('a campaign refuses a single run folder as --out; a file as --out is a usage error', () => {
  const run = tempDir('lenet-run-');
  fs.writeFileSync(path.join(run, 'config.json'), '{}');
  throwsLenet(() => checkOutDir(run, false, 'campaign'), 2, /holds a single run of lenet train, not a campaign/);
  const file = path.join(work, 'a-file');
  fs.writeFileSync(file, 'x');
  throwsLenet(() => checkOutDir(file, false, 'campaign'), 2, /exists and is not a directory/);
});

test('createOutDir on a read-only mount says EROFS, not ENOENT', (t) => {
  const mnt = mountTmpfs(t, '64k', true);
  throwsLenet(() => createOutDir(path.join(mnt, 'runs', 'a')), 1, /read-only file system \(EROFS\)/);
});

test('findRunDirs follows links to run folders, once each, and survives a link cycle', () => {
  const root = tempDir('lenet-links-');
  const real = tempDir('lenet-real-');
  for (const name of ['relu', 'tanh']) {
    fs.mkdirSync(path.join(real, name, 'seed-1'), { recursive: true });
    fs.writeFileSync(path.join(real, name, 'seed-1', 'summary.json'), '{}');
  }
  fs.mkdirSync(path.join(root, 'relu'));
  fs.cpSync(path.join(real, 'relu'), path.join(root, 'relu'), { recursive: true });
  fs.symlinkSync(path.join(real, 'tanh'), path.join(root, 'tanh'));
  fs.symlinkSync(root, path.join(root, 'loop'));
  const found = findRunDirs(root).runs.map((d) => path.relative(root, d));
  assert.deepEqual(found, ['relu/seed-1', 'tanh/seed-1']);
});

test('a checkpoint with a corrupt header is one error line naming the file', () => {
  const file = path.join(work, 'checkpoint.bin');
  const json = Buffer.from('{"state": {"epoch": 1,');
  const prefix = Buffer.alloc(12);
  prefix.writeUInt32LE(0x4b434e4c, 0);
  prefix.writeUInt32LE(1, 4);
  prefix.writeUInt32LE(json.byteLength, 8);
  fs.writeFileSync(file, Buffer.concat([prefix, json]));
  throwsLenet(() => readCheckpoint(file), 1, new RegExp(`${file.replace(/[.]/g, '\\.')} is corrupt: its header is not valid JSON`));
});
