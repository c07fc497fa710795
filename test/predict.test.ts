import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { ROOT, runCli, tempDir, isOneLineError, escapeRegExp } from './helpers';
import { selectBackend } from '../src/backend/index';
import { loadModel } from '../src/model/io';
import { predictProbabilities } from '../src/model/predict';
import { imageToMnist, MNIST_SIDE } from '../src/data/image-input';
import { loadTestImages } from '../src/data/test-set';
import { resizeImages } from '../src/data/resize';
import { argmaxRows } from '../src/report/confusion';

const work = tempDir('lenet-predict-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

const SAMPLES = path.join(ROOT, 'data', 'samples');
const run = path.join(work, 'run');

/** A tiny real run: 3000 images, 2 epochs at lr 0.001 (about 90 % test accuracy). Trained once. */
function trainedRun(): string {
  if (!fs.existsSync(path.join(run, 'model', 'model.json'))) {
    const r = runCli(['train', '--limit', '3000', '--epochs', '2', '--lr', '0.001', '--out', run, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
  }
  return run;
}

interface Prediction {
  file: string;
  predicted: number;
  confidence: number;
  probabilities: number[];
  inverted: boolean;
}

test('lenet predict classifies the MNIST-derived samples and the hand-drawn 7', () => {
  const dir = trainedRun();
  const files = fs
    .readdirSync(SAMPLES)
    .filter((f) => /\.(png|jpg)$/.test(f))
    .sort()
    .map((f) => path.join('data', 'samples', f));
  assert.equal(files.length, 11, 'ten digits and the hand-drawn 7');
  const r = runCli(['predict', dir, ...files, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const results = JSON.parse(r.stdout) as Prediction[];
  assert.deepEqual(
    results.map((p) => p.file),
    files,
    'one result per image, in order',
  );
  for (const p of results) {
    assert.equal(p.probabilities.length, 10);
    const sum = p.probabilities.reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `${p.file}: probabilities sum to ${sum}`);
    assert.equal(p.predicted, p.probabilities.indexOf(Math.max(...p.probabilities)));
    assert.equal(p.confidence, p.probabilities[p.predicted]);
  }
  // The samples on light paper (or transparent) were inverted, the white-on-black ones not.
  const inverted = results
    .filter((p) => p.inverted)
    .map((p) => path.basename(p.file))
    .sort();
  assert.deepEqual(inverted, [
    'digit-1.png',
    'digit-2.png',
    'digit-4.png',
    'digit-5.png',
    'digit-7.png',
    'digit-9.png',
    'hand-drawn-7.jpg',
  ]);
  // This model reaches about 90 % on the test set; measured here: all 10 samples right (two at
  // 64 % and 77 % confidence). "Most" is 8 of 10: a model that missed 3 would be far below 90 %.
  const digits = results.filter((p) => /digit-\d\.png$/.test(p.file));
  const right = digits.filter((p) => p.predicted === Number(/digit-(\d)/.exec(p.file)![1]));
  assert.ok(right.length >= 8, `${right.length} of 10 right: ${digits.map((p) => `${path.basename(p.file)}→${p.predicted}`).join(' ')}`);
  const seven = results.find((p) => p.file.endsWith('hand-drawn-7.jpg'))!;
  assert.equal(seven.predicted, 7, `the hand-drawn 7: ${seven.probabilities.map((x) => x.toFixed(3)).join(' ')}`);
  // The human form: one line per image with the top class, its confidence and all ten probabilities.
  const human = runCli(['predict', dir, files[7], files[10]]);
  assert.equal(human.code, 0, human.stderr);
  const lines = human.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    new RegExp(`^${escapeRegExp(files[7])}: 7 \\(\\d+\\.\\d%\\)  0:\\d\\.\\d{3} 1:\\d\\.\\d{3} .* 9:\\d\\.\\d{3}  \\[inverted\\]$`),
  );
  assert.match(lines[1], /hand-drawn-7\.jpg: 7 \(/);
});

test('lenet predict: a bad file is one line on stderr and exit 1; the other images are still classified', () => {
  const dir = trainedRun();
  const empty = path.join(work, 'empty.png');
  fs.writeFileSync(empty, '');
  const text = path.join(work, 'notes.txt');
  fs.writeFileSync(text, 'not a picture\n');
  const cut = path.join(work, 'cut.png');
  fs.writeFileSync(cut, fs.readFileSync(path.join(SAMPLES, 'digit-2.png')).subarray(0, 200));
  const cutJpeg = path.join(work, 'cut.jpg');
  fs.writeFileSync(cutJpeg, fs.readFileSync(path.join(SAMPLES, 'hand-drawn-7.jpg')).subarray(0, 600));
  const blank = path.join(work, 'blank.png');
  const png = new PNG({ width: 40, height: 30 });
  png.data.fill(255);
  fs.writeFileSync(blank, PNG.sync.write(png));
  const missing = path.join(work, 'missing.png');
  const good = path.join('data', 'samples', 'digit-4.png');
  const r = runCli(['predict', dir, empty, good, text, cut, cutJpeg, blank, missing, work]);
  assert.equal(r.code, 1);
  const errors = r.stderr.trim().split('\n');
  assert.deepEqual(errors, [
    `lenet: ${empty}: empty file`,
    `lenet: ${text}: not a PNG or JPEG image`,
    `lenet: ${cut}: corrupt PNG (the file ends early)`,
    errors[3],
    `lenet: ${blank}: no digit found (the image is blank or has almost no contrast)`,
    `lenet: ${missing}: no such file`,
    `lenet: ${work}: is a directory`,
  ]);
  assert.match(errors[3], new RegExp(`^lenet: ${escapeRegExp(cutJpeg)}: corrupt JPEG \\(`));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.match(r.stdout, new RegExp(`^${escapeRegExp(good)}: \\d \\(`));
  assert.equal(r.stdout.trim().split('\n').length, 1);
  // --json keeps the order and marks the failures.
  const j = runCli(['predict', dir, text, good, '--json']);
  assert.equal(j.code, 1);
  const results = JSON.parse(j.stdout);
  assert.deepEqual(results[0], { file: text, error: 'not a PNG or JPEG image' });
  assert.equal(results[1].file, good);
  assert.equal(results[1].probabilities.length, 10);
});

test('lenet predict: no images, not a run, a run without its model: usage errors (exit 2)', () => {
  const dir = trainedRun();
  const sample = path.join('data', 'samples', 'digit-0.png');
  const noModel = path.join(work, 'no-model');
  fs.mkdirSync(noModel, { recursive: true });
  fs.copyFileSync(path.join(dir, 'config.json'), path.join(noModel, 'config.json'));
  const stale = path.join(work, 'stale');
  fs.cpSync(dir, stale, { recursive: true });
  const summary = JSON.parse(fs.readFileSync(path.join(stale, 'summary.json'), 'utf8'));
  fs.writeFileSync(path.join(stale, 'summary.json'), JSON.stringify({ ...summary, complete: false }));
  const cases: Array<[string[], RegExp]> = [
    [['predict', dir], /missing required argument 'images'/],
    [['predict', path.join(work, 'nope'), sample], /no such run directory/],
    [['predict', SAMPLES, sample], /is not a lenet run \(no config\.json\)/],
    [['predict', noModel, sample], /has no saved model/],
    [['predict', stale, sample], /did not finish \(summary\.json says complete: false\)/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});

test('the predict pipeline costs little accuracy: test digits drawn dark on light paper, upscaled, off-centre', async () => {
  const dir = trainedRun();
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).config;
  await selectBackend('auto', null);
  const model = await loadModel(path.join(dir, 'model'));
  const test = loadTestImages({ resize: config.resize, size: config.imageSize });
  const first = 1000;
  const n = 400;
  const size = config.imageSize;
  const direct = argmaxRows(predictProbabilities(model, test.images.slice(first * size * size, (first + n) * size * size), n, size));
  const redrawn = new Float32Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const px = test.raw.subarray((first + i) * 784, (first + i + 1) * 784);
    const up = resizeImages(px, 1, 28, 28, 70, 'bilinear');
    const png = new PNG({ width: 110, height: 90 });
    for (let y = 0; y < 90; y++) {
      for (let x = 0; x < 110; x++) {
        const yy = y - 12;
        const xx = x - 30;
        const a = yy >= 0 && yy < 70 && xx >= 0 && xx < 70 ? up[yy * 70 + xx] : 0;
        const o = 4 * (y * 110 + x);
        png.data[o] = Math.round(245 - 215 * a);
        png.data[o + 1] = Math.round(240 - 210 * a);
        png.data[o + 2] = Math.round(230 - 190 * a);
        png.data[o + 3] = 255;
      }
    }
    const digit = imageToMnist(PNG.sync.write(png), `test-${first + i}.png`);
    redrawn.set(resizeImages(digit.pixels, 1, MNIST_SIDE, MNIST_SIDE, size, config.resize), i * size * size);
  }
  const viaPictures = argmaxRows(predictProbabilities(model, redrawn, n, size));
  model.dispose();
  let directRight = 0;
  let picturesRight = 0;
  for (let i = 0; i < n; i++) {
    if (direct[i] === test.labels[first + i]) directRight++;
    if (viaPictures[i] === test.labels[first + i]) picturesRight++;
  }
  // Measured: 351 and 349 of 400 right (87.8 % and 87.3 %); the pictures may cost at most 3 points.
  assert.ok(directRight / n > 0.85, `direct ${directRight}/${n}`);
  assert.ok(picturesRight >= directRight - 12, `through pictures ${picturesRight}/${n} vs direct ${directRight}/${n}`);
});

test('lenet evaluate writes confusion.csv/svg/png whose counts sum to the test images and whose diagonal is the accuracy', () => {
  const dir = trainedRun();
  const r = runCli(['evaluate', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const ev = JSON.parse(r.stdout);
  assert.equal(ev.test_images, 500);
  const lines = fs.readFileSync(path.join(dir, 'confusion.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'true\\predicted,0,1,2,3,4,5,6,7,8,9');
  const m = lines.slice(1).map((l) => l.split(',').slice(1).map(Number));
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(',')[0]),
    ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  );
  assert.deepEqual(m, ev.confusion, 'the CSV holds the matrix --json prints');
  const total = m.flat().reduce((s, v) => s + v, 0);
  const diagonal = m.reduce((s, row, i) => s + row[i], 0);
  assert.equal(total, 500);
  assert.equal(diagonal / total, ev.test_accuracy);
  // The run's own last-epoch test accuracy, reproduced by the matrix.
  const last = fs.readFileSync(path.join(dir, 'epochs.csv'), 'utf8').trim().split('\n').pop()!.split(',');
  assert.ok(Math.abs(diagonal / total - Number(last[4])) < 1e-6);
  m.forEach((row, k) => {
    const n = row.reduce((s, v) => s + v, 0);
    assert.equal(ev.class_counts[k], n);
    assert.equal(ev.per_class_accuracy[k], row[k] / n);
  });
  for (const f of ['confusion.svg', 'confusion.png']) assert.ok(fs.statSync(path.join(dir, f)).size > 1000, f);
  assert.match(fs.readFileSync(path.join(dir, 'confusion.svg'), 'utf8'), /on 500 test images/);
  // Human form: the per-class line; --out puts the files elsewhere.
  const out = path.join(work, 'eval-out');
  const h = runCli(['evaluate', dir, '--full-test-set', '--out', out]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /^accuracy per class: 0 \d\.\d{4} {2}1 \d\.\d{4} .* 9 \d\.\d{4}$/m);
  const full = fs
    .readFileSync(path.join(out, 'confusion.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').slice(1).map(Number));
  assert.equal(
    full.flat().reduce((s, v) => s + v, 0),
    10000,
  );
  assert.deepEqual(
    full.map((row) => row.reduce((s, v) => s + v, 0)),
    [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    'MNIST test images per class',
  );
  // An --out that cannot be made: one runtime-error line.
  const blocked = path.join(work, 'a-file');
  fs.writeFileSync(blocked, '');
  const bad = runCli(['evaluate', dir, '--out', path.join(blocked, 'sub')]);
  assert.equal(bad.code, 1);
  assert.ok(isOneLineError(bad.stderr), bad.stderr);
  assert.match(bad.stderr, /cannot write confusion\.csv\/svg\/png into .*a-file\/sub: ENOTDIR/);
});

test('lenet report: a confusion matrix per schedule from the saved models, the gallery, the zoomed charts; a run without a model is left out with a note', () => {
  const cmp = path.join(work, 'cmp');
  const c = runCli([
    'compare',
    '--activations',
    'relu,tanh-relu',
    '--limit',
    '600',
    '--epochs',
    '2',
    '--lr',
    '0.001',
    '--seeds',
    '2',
    '--out',
    cmp,
    '--quiet',
  ]);
  assert.equal(c.code, 0, c.stderr);
  // One run as if it had not finished: no model.
  fs.rmSync(path.join(cmp, 'relu', 'seed-2', 'model'), { recursive: true });
  const r = runCli(['report', cmp]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /relu\/seed-2 left out of the confusion matrices and gallery: no saved model/);
  const html = fs.readFileSync(path.join(cmp, 'report.html'), 'utf8');
  const md = fs.readFileSync(path.join(cmp, 'report.md'), 'utf8');
  assert.match(html, /<h2>Where each schedule errs<\/h2>/);
  assert.match(md, /!\[confusion of relu\]\(confusion-relu\.png\)/);
  assert.match(md, /!\[most confident errors\]\(gallery\.png\)/);
  assert.match(md, /relu\/seed-2 left out/);
  assert.match(html, /Accuracy vs epoch, zoomed/);
  assert.match(html, /Loss vs epoch, zoomed: epochs 1-2, log scale/);
  // Each schedule's matrix: its models' predictions on 100 test images each (600 → 100), summed;
  // the diagonal is the mean of those runs' last-epoch test accuracy.
  const testAccuracy = (d: string) =>
    Number(
      fs
        .readFileSync(path.join(cmp, d, 'epochs.csv'), 'utf8')
        .trim()
        .split('\n')
        .pop()!
        .split(',')[4],
    );
  for (const [label, runs] of [
    ['relu', ['relu/seed-1']],
    ['tanh-relu', ['tanh-relu/seed-1', 'tanh-relu/seed-2']],
  ] as const) {
    const m = fs
      .readFileSync(path.join(cmp, `confusion-${label}.csv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').slice(1).map(Number));
    const total = m.flat().reduce((s, v) => s + v, 0);
    assert.equal(total, 100 * runs.length, label);
    const diagonal = m.reduce((s, row, i) => s + row[i], 0);
    const expected = runs.reduce((s, d) => s + testAccuracy(d), 0) / runs.length;
    assert.ok(Math.abs(diagonal / total - expected) < 1e-6, `${label}: ${diagonal}/${total} vs ${expected}`);
    assert.match(html, new RegExp(`<figcaption>Confusion: ${label}</figcaption>`));
  }
  // The gallery: one row per schedule, eight digits each (there are more errors than that), PNG beside the SVG.
  const gallery = fs.readFileSync(path.join(cmp, 'gallery.svg'), 'utf8');
  assert.equal((gallery.match(/<image /g) ?? []).length, 16);
  assert.equal((gallery.match(/>true \d → <tspan[^>]*>\d<\/tspan><\/text>/g) ?? []).length, 16);
  assert.match(gallery, /\d+\.\d % · s[12]/);
  assert.match(html, /data:image\/png;base64,/);
  const png = PNG.sync.read(fs.readFileSync(path.join(cmp, 'gallery.png')));
  assert.ok(png.width > 800 && png.height > 200, `${png.width}x${png.height}`);
});
