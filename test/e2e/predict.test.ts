import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { escapeRegExp, throwsLenet } from '../helpers';
import { BIN, ROOT, runCli, isOneLineError } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { writeHostilePictures } from '../hostile-pictures';
import { selectBackend } from '../../src/backend/index';
import { loadModel, openTrainedModel } from '../../src/inference/trained-model';
import { predictProbabilities } from '../../src/model/predict';
import { imageToMnist, MNIST_SIDE } from '../../src/data/image-input';
import { loadTestImages } from '../../src/data/test-set';
import { resizeImages } from '../../src/data/resize';
import { argmaxRows } from '../../src/report/confusion';

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
    `lenet: ${cut}: corrupt PNG (the file ends early, after 16 of 140 rows)`,
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
  const model = await loadModel(path.join(dir, 'model'), { ...config, source: 'config.json' });
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
    const digit = await imageToMnist(PNG.sync.write(png), `test-${first + i}.png`);
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
  // A run whose weights.bin was tampered with is checked as predict and evaluate check it: left out with
  // a note naming the file, and the rest of the report written.
  const tampered = path.join(work, 'cmp-tampered');
  fs.cpSync(cmp, tampered, { recursive: true });
  fs.appendFileSync(path.join(tampered, 'tanh-relu', 'seed-2', 'model', 'weights.bin'), Buffer.alloc(8));
  const t = runCli(['report', tampered]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(
    t.stderr,
    /tanh-relu\/seed-2 left out of the confusion matrices and gallery: .*tanh-relu\/seed-2\/model\/weights\.bin: holds \d+ bytes, .*\(extra bytes\)/,
  );
  assert.match(fs.readFileSync(path.join(tampered, 'report.md'), 'utf8'), /tanh-relu\/seed-2 left out/);
});

/** Runs lenet in a child and reads back its peak resident set size (getrusage, as /usr/bin/time -f %M). */
function runCliMeasured(args: string[]): { code: number | null; stdout: string; stderr: string; peakMB: number } {
  const rssFile = path.join(work, `rss-${process.hrtime.bigint()}.txt`);
  const r = runCli(args, {
    nodeArgs: ['--require', path.join(__dirname, '..', 'rss-probe.js')],
    env: { LENET_RSS_FILE: rssFile },
    // Far above what the pictures need (about 30 s here); the code before the bounded decoders ran for many minutes.
    timeoutMs: 300_000,
  });
  const peakMB = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) / 1024 : Infinity;
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, peakMB };
}

test('lenet predict on hostile pictures: peak memory under 600 MB, one line per picture that cannot be a digit', async () => {
  const dir = trainedRun();
  const pictures = await writeHostilePictures(path.join(work, 'hostile'));
  assert.equal(pictures.length, 16);
  // All in one process: memory is given back between pictures, so the peak is the costliest one's.
  const r = runCliMeasured(['predict', dir, ...pictures.map((p) => p.file), '--json']);
  // Measured: 230 MB (the progressive 6000 × 6600 JPEG); before the bounded decoders 1.0-1.6 GB for
  // each of the large pictures and more than 5 GB for the 1 × 39 000 000 strip.
  assert.ok(r.peakMB <= 600, `peak RSS ${r.peakMB.toFixed(0)} MB`);
  assert.equal(r.code, 1, r.stderr);
  const results = JSON.parse(r.stdout) as Array<Prediction | { file: string; error: string }>;
  const stderr = r.stderr.trim().split('\n');
  assert.equal(stderr.length, pictures.filter((p) => p.error).length, r.stderr);
  pictures.forEach((p, i) => {
    const got = results[i];
    assert.equal(got.file, p.file);
    if (p.error) {
      assert.ok('error' in got, `${p.name}: classified, expected ${p.error}`);
      assert.match(got.error, p.error, p.name);
      assert.ok(stderr.includes(`lenet: ${p.file}: ${got.error}`), `${p.name}: its line on stderr`);
    } else {
      assert.ok(!('error' in got), `${p.name}: ${'error' in got ? got.error : ''}`);
      // Each large picture holds the same 7 (a top bar and a stem): all four decoders see it.
      assert.equal(got.predicted, 7, `${p.name}: ${got.probabilities.map((x) => x.toFixed(3)).join(' ')}`);
    }
  });
});

test('pictures with transparency: dark, white and coloured digits on a transparent canvas, alpha or grey anti-aliasing, classified as the digits', async () => {
  const dir = trainedRun();
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).config;
  await selectBackend('auto', null);
  const model = await loadModel(path.join(dir, 'model'), { ...config, source: 'config.json' });
  const test = loadTestImages({ resize: config.resize, size: config.imageSize });
  const first = 3000;
  const n = 150;
  const size = config.imageSize;
  const direct = argmaxRows(predictProbabilities(model, test.images.slice(first * size * size, (first + n) * size * size), n, size));
  // Each style: RGBA of a pixel from its ink (0..1), the digit drawn twice as large, off-centre on a 90 × 80 canvas.
  const styles: Array<[string, (ink: number) => [number, number, number, number]]> = [
    ['black, anti-aliased by alpha', (a) => [0, 0, 0, Math.round(255 * a)]],
    ['white, anti-aliased by alpha', (a) => [255, 255, 255, Math.round(255 * a)]],
    ['blue, anti-aliased by alpha', (a) => [40, 70, 220, Math.round(255 * a)]],
    [
      'yellow, anti-aliased by alpha, on a white transparent canvas',
      (a) => (a > 0 ? [250, 230, 40, Math.round(255 * a)] : [255, 255, 255, 0]),
    ],
    [
      'white, anti-aliased by grey, opaque strokes',
      (a) => (a > 0.02 ? [Math.round(255 * a), Math.round(255 * a), Math.round(255 * a), 255] : [0, 0, 0, 0]),
    ],
  ];
  const directRight = direct.filter((p, i) => p === test.labels[first + i]).length;
  for (const [label, rgba] of styles) {
    const batch = new Float32Array(n * size * size);
    for (let i = 0; i < n; i++) {
      const px = test.raw.subarray((first + i) * 784, (first + i + 1) * 784);
      const up = resizeImages(px, 1, 28, 28, 56, 'bilinear');
      const png = new PNG({ width: 90, height: 80 });
      for (let y = 0; y < 80; y++) {
        for (let x = 0; x < 90; x++) {
          const yy = y - 9;
          const xx = x - 25;
          const a = yy >= 0 && yy < 56 && xx >= 0 && xx < 56 ? Math.min(1, Math.max(0, up[yy * 56 + xx])) : 0;
          png.data.set(rgba(a), 4 * (y * 90 + x));
        }
      }
      const digit = await imageToMnist(PNG.sync.write(png), `${label} ${first + i}.png`);
      batch.set(resizeImages(digit.pixels, 1, MNIST_SIDE, MNIST_SIDE, size, config.resize), i * size * size);
    }
    const viaPictures = argmaxRows(predictProbabilities(model, batch, n, size));
    const right = viaPictures.filter((p, i) => p === test.labels[first + i]).length;
    // Measured: every style within 2 of the direct count (137 of 150 direct).
    assert.ok(right >= directRight - 8, `${label}: ${right}/${n} right through pictures, ${directRight}/${n} direct`);
  }
  model.dispose();
});

test("a run's tampered config.json or model files: one line naming the file and what is wrong, never tfjs' own words", () => {
  const dir = trainedRun();
  const sample = path.join('data', 'samples', 'digit-3.png');
  // A JSON file as the tests edit it: any shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = any;
  const edit = (file: string, change: (j: Json) => void) => (d: string) => {
    const f = path.join(d, file);
    const j = JSON.parse(fs.readFileSync(f, 'utf8'));
    change(j);
    fs.writeFileSync(f, JSON.stringify(j));
  };
  const layers = (j: Json): Json[] => j.modelTopology.config.layers;
  const cases: Array<[string, (d: string) => void, RegExp]> = [
    [
      'imageSize 28',
      edit('config.json', (j) => (j.config.imageSize = 28)),
      /model\/model\.json: layer "conv1" has batch_input_shape \[null,36,36,1\], but .*config\.json makes it \[null,28,28,1\]/,
    ],
    [
      'imageSize null',
      edit('config.json', (j) => (j.config.imageSize = null)),
      /config\.json: "config\.imageSize" must be a whole number of pixels from 1 to 4096, got null/,
    ],
    ['imageSize "36"', edit('config.json', (j) => (j.config.imageSize = '36')), /config\.json: "config\.imageSize" must be .* got "36"/],
    [
      'arch.denseUnits 0',
      edit('config.json', (j) => (j.config.arch.denseUnits = 0)),
      /config\.json: "config\.arch\.denseUnits" must be a whole number from 1 to 4096, got 0/,
    ],
    [
      'arch.kernelSize 40',
      edit('config.json', (j) => (j.config.arch.kernelSize = 40)),
      /config\.json: "config\.arch" \(kernel 40, pool 2\) leaves no feature map at imageSize 36/,
    ],
    [
      'an unknown activation',
      edit('config.json', (j) => (j.config.schedule[1] = 'gelu')),
      /config\.json: unknown activation "gelu" for layer 2 of the schedule/,
    ],
    ['a schedule of 2', edit('config.json', (j) => j.config.schedule.pop()), /config\.json: "config\.schedule" must list 3 activations/],
    [
      'another schedule',
      edit('config.json', (j) => (j.config.schedule = ['tanh', 'tanh', 'tanh'])),
      /model\/model\.json: layer "act1" has activation "relu", but .*config\.json makes it "tanh"/,
    ],
    [
      'resize "nearest"',
      edit('config.json', (j) => (j.config.resize = 'nearest')),
      /config\.json: "config\.resize" must be one of bilinear, pad, got "nearest"/,
    ],
    ['config.json not JSON', (d) => fs.writeFileSync(path.join(d, 'config.json'), '{"config": '), /config\.json is not valid JSON/],
    [
      '3 output units',
      edit('model/model.json', (j) => (layers(j)[9].config.units = 3)),
      /model\/model\.json: layer "output" has units 3, but .*config\.json makes it 10/,
    ],
    [
      '3 output units, weights to match',
      edit('model/model.json', (j) => {
        layers(j)[9].config.units = 3;
        j.weightsManifest[0].weights[6].shape = [120, 3];
      }),
      /layer "output" has units 3/,
    ],
    [
      'a renamed layer',
      edit('model/model.json', (j) => (layers(j)[3].config.name = 'conv9')),
      /model\/model\.json: layer 4 is "Conv2D" named "conv9"; a lenet model has Conv2D "conv2" there/,
    ],
    [
      'a renamed weight',
      edit('model/model.json', (j) => (j.weightsManifest[0].weights[2].name = 'conv9/kernel')),
      /model\/model\.json: lists a weight "conv9\/kernel" that a lenet model does not have/,
    ],
    [
      'a weight left out',
      edit('model/model.json', (j) => j.weightsManifest[0].weights.pop()),
      /model\/model\.json: has no weight "output\/bias"/,
    ],
    [
      'a wrong shape',
      edit('model/model.json', (j) => (j.weightsManifest[0].weights[0].shape = [5, 5, 1, 7])),
      /the weight "conv1\/kernel" has shape \[5,5,1,7\], but .*config\.json makes it \[5,5,1,6\]/,
    ],
    [
      'an extra layer',
      edit('model/model.json', (j) => layers(j).push({ class_name: 'Dropout', config: { name: 'drop', rate: 0.5 } })),
      /model\/model\.json: has 11 layers; a lenet model has 10/,
    ],
    [
      'int32 weights',
      edit('model/model.json', (j) => (j.weightsManifest[0].weights[1].dtype = 'int32')),
      /the weight "conv1\/bias" is "int32"; lenet saves float32/,
    ],
    ['model.json not JSON', (d) => fs.writeFileSync(path.join(d, 'model', 'model.json'), '<html>'), /model\/model\.json: not valid JSON/],
    [
      'model.json an array',
      (d) => fs.writeFileSync(path.join(d, 'model', 'model.json'), '[]'),
      /model\/model\.json: does not hold a JSON object/,
    ],
    [
      '4 extra bytes in weights.bin',
      (d) => fs.appendFileSync(path.join(d, 'model', 'weights.bin'), Buffer.alloc(4)),
      /model\/weights\.bin: holds \d+ bytes, but model\.json's 8 weights take \d+ \(extra bytes\)/,
    ],
    [
      '1 extra byte in weights.bin',
      (d) => fs.appendFileSync(path.join(d, 'model', 'weights.bin'), Buffer.alloc(1)),
      /model\/weights\.bin: holds .* \(extra bytes\)/,
    ],
    [
      'weights.bin cut short',
      (d) => fs.truncateSync(path.join(d, 'model', 'weights.bin'), 1000),
      /model\/weights\.bin: holds 1000 bytes, but model\.json's 8 weights take \d+ \(missing bytes\)/,
    ],
    ['weights.bin missing', (d) => fs.rmSync(path.join(d, 'model', 'weights.bin')), /model\/weights\.bin: cannot read it \(ENOENT\)/],
    [
      'NaN in weights.bin',
      (d) => {
        const f = path.join(d, 'model', 'weights.bin');
        const b = fs.readFileSync(f);
        b.writeFloatLE(NaN, 8);
        fs.writeFileSync(f, b);
      },
      /model\/weights\.bin: the weight "conv1\/kernel" holds NaN or infinite values/,
    ],
  ];
  const tampered = (tamper: (d: string) => void) => {
    const copy = path.join(work, 'tampered');
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(dir, copy, { recursive: true });
    tamper(copy);
    return copy;
  };
  // Some cases through the commands...
  const throughCli = new Set([
    'imageSize 28',
    'imageSize null',
    '3 output units',
    '4 extra bytes in weights.bin',
    'a renamed weight',
    'model.json not JSON',
  ]);
  for (const [label, tamper, message] of cases.filter(([l]) => throughCli.has(l))) {
    const copy = tampered(tamper);
    for (const args of [
      ['predict', copy, sample],
      ['evaluate', copy, '--json'],
    ]) {
      const r = runCli(args);
      assert.equal(r.code, 1, `${label}, ${args[0]}: ${r.stderr}`);
      assert.ok(isOneLineError(r.stderr), `${label}, ${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, message, `${label}, ${args[0]}`);
      assert.match(r.stderr, new RegExp(`^lenet: ${escapeRegExp(copy)}/`), `${label}, ${args[0]}: names the file`);
      assert.equal(r.stdout, '', `${label}, ${args[0]}`);
    }
  }
  // ...and every case through the function that opens a run for inference (predict, evaluate and report use it).
  for (const [label, tamper, message] of cases) {
    const copy = tampered(tamper);
    const err = throwsLenet(() => openTrainedModel(copy), 1, message);
    assert.match(err.message, new RegExp(`^${escapeRegExp(copy)}/`), `${label}: names the file`);
    assert.doesNotMatch(err.message, /tfjs|Error:|undefined|\bat \w+ \(/, label);
  }
});

test('file names with newlines and escape sequences: one escaped line each, on stdout and on stderr', () => {
  const dir = trainedRun();
  const named = path.join(work, 'two\nlines.png');
  fs.copyFileSync(path.join(SAMPLES, 'digit-3.png'), named);
  const missing = path.join(work, '\u001b[2J\rgone.png');
  const r = runCli(['predict', dir, named, missing]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.stderr.split('\n'), [`lenet: ${work}/\\u001b[2J\\rgone.png: no such file`, '']);
  assert.equal(r.stdout.split('\n').length, 2, r.stdout);
  assert.match(r.stdout, new RegExp(`^${escapeRegExp(work)}/two\\\\nlines\\.png: \\d \\(`));
});

test('evaluate and predict of a fused run where the addon is not built: the tfjs model on the pure-JS backend, and they say so', () => {
  // A copy of lenet without build/: the same code, no addon.
  const bare = tempDir('lenet-no-addon-');
  for (const d of ['dist', 'bin']) fs.cpSync(path.join(ROOT, d), path.join(bare, d), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(bare, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(bare, 'node_modules'));
  const run = path.join(tempDir('lenet-no-addon-run-'), 'run');
  const trained = spawnSync(process.execPath, [BIN, 'train', '--limit', '200', '--epochs', '1', '--quiet', '--out', run], {
    encoding: 'utf8',
  });
  assert.equal(trained.status, 0, trained.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')).engine.name, 'fused');
  const note = /^lenet: native addon not available \(.*\); using the slow pure-JS cpu backend$/m;
  const evaluated = spawnSync(process.execPath, [path.join(bare, 'bin', 'lenet.js'), 'evaluate', run], { encoding: 'utf8' });
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.match(evaluated.stderr, note);
  assert.match(evaluated.stdout, / test images, loss /);
  const png = path.join(ROOT, 'test', 'fixtures', 'pictures', 'progressive-grey.jpg');
  const predicted = spawnSync(process.execPath, [path.join(bare, 'bin', 'lenet.js'), 'predict', run, png], { encoding: 'utf8' });
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.match(predicted.stderr, note);
});
