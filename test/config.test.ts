import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNamedSchedule, parseScheduleList, parseScheduleSpec, scheduleLabel, NAMED_SCHEDULES } from '../src/model/activations';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ARCH, featureMapSize } from '../src/options/types';
import { resolveTrainConfig } from '../src/options/resolve';
import { parseSeeds, resolveArch } from '../src/options/parse';
import { readConfigFile } from '../src/options/config-file';
import { throwsLenet } from './helpers';
import { paperLossOf } from '../src/train/metrics';
import { EpochRow, PAPER_LOSS_MINIMUM } from '../src/rundir/epochs';
import { averageLastEpochs } from '../src/rundir/summary';
import { LenetError } from '../src/errors';

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof LenetError && err.exitCode === 2 && pattern.test(err.message));
}

test('tanh-relu is relu after conv1, tanh after conv2, relu after the dense layer', () => {
  assert.deepEqual(parseNamedSchedule('tanh-relu'), ['relu', 'tanh', 'relu']);
  assert.deepEqual(parseNamedSchedule('sigmoid'), ['sigmoid', 'sigmoid', 'sigmoid']);
});

test('per-layer schedule lists parse, and take their name back when they have one', () => {
  assert.deepEqual(parseScheduleList('sigmoid, tanh,relu'), ['sigmoid', 'tanh', 'relu']);
  assert.equal(scheduleLabel(parseScheduleList('relu,tanh,relu')), 'tanh-relu');
  assert.equal(scheduleLabel(parseScheduleList('relu,sigmoid,tanh')), 'relu,sigmoid,tanh');
  assert.deepEqual(parseScheduleSpec('tanh'), ['tanh', 'tanh', 'tanh']);
  assert.deepEqual(parseScheduleSpec('elu,selu,swish'), ['elu', 'selu', 'swish']);
});

test('unknown activations are refused with the valid list (exit code 2)', () => {
  usage(() => parseNamedSchedule('bogus'), /unknown activation "bogus"; valid: sigmoid, tanh, relu, tanh-relu/);
  usage(() => parseScheduleList('relu,bogus,tanh'), /unknown activation "bogus".*sigmoid, tanh, relu/);
  usage(() => parseScheduleList('relu,tanh'), /needs 3/);
  for (const name of Object.keys(NAMED_SCHEDULES)) assert.equal(parseNamedSchedule(name).length, 3);
});

test("defaults are the paper's Table 1", () => {
  const c = resolveTrainConfig({});
  assert.deepEqual(c.schedule, ['relu', 'tanh', 'relu']);
  assert.equal(c.optimizer, 'adam');
  assert.equal(c.learningRate, 0.0001);
  assert.equal(c.epochs, 20);
  assert.equal(c.batchSize, 50);
  assert.equal(c.imageSize, 36);
  assert.equal(c.averageLast, 3);
  assert.deepEqual(c.arch, DEFAULT_ARCH);
  assert.equal(featureMapSize(c.arch, 36), 6);
});

test('bad numbers are usage errors naming the flag', () => {
  usage(() => resolveTrainConfig({ epochs: '0' }), /--epochs must be a positive integer/);
  usage(() => resolveTrainConfig({ epochs: '2.5' }), /--epochs/);
  usage(() => resolveTrainConfig({ batchSize: '-1' }), /--batch-size/);
  usage(() => resolveTrainConfig({ lr: '0' }), /--lr must be a positive number/);
  usage(() => resolveTrainConfig({ lr: 'abc' }), /--lr/);
  usage(() => resolveTrainConfig({ limit: '60001' }), /--limit must be a positive integer up to 60000/);
  usage(() => resolveTrainConfig({ limit: 'x' }), /--limit/);
  usage(() => resolveTrainConfig({ activation: 'relu', schedule: 'relu,relu,relu' }), /either --activation or --schedule/);
  usage(() => resolveTrainConfig({ kernelSize: '20' }), /architecture too large/);
  usage(() => resolveTrainConfig({ arch: { conv1Filter: 3 } }), /unknown arch key "conv1Filter"/);
});

test('seeds: a count or a list', () => {
  assert.deepEqual(parseSeeds('3'), [1, 2, 3]);
  assert.deepEqual(parseSeeds('1,7,42'), [1, 7, 42]);
  usage(() => parseSeeds('0'), /--seeds/);
  usage(() => parseSeeds('1,1'), /repeated/);
});

function row(epoch: number, v: number): EpochRow {
  return {
    epoch,
    train_loss: v,
    train_accuracy: v / 10,
    test_loss: v * 2,
    test_accuracy: v / 20,
    seconds: v + 1,
    train_paper_loss: v * 3,
    test_paper_loss: v * 4,
  };
}

test('the final value is the mean of the last K epochs (rounds 18-20 for K=3 of 20)', () => {
  const rows = Array.from({ length: 20 }, (_, i) => row(i + 1, i + 1));
  const m = averageLastEpochs(rows, 3);
  assert.equal(m.train_loss, 19); // (18+19+20)/3
  assert.equal(m.test_loss, 38);
  assert.equal(m.seconds, 20);
  assert.ok(Math.abs(m.train_accuracy - 1.9) < 1e-12);
  // Fewer epochs than K: the mean of all of them.
  assert.equal(averageLastEpochs(rows.slice(0, 2), 3).train_loss, 1.5);
});

test("the paper's loss of a one-hot probability vector is ln(1 + 9/e) = 1.4612", () => {
  const oneHot = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
  assert.ok(Math.abs(paperLossOf(oneHot, 2) - 1.4612) < 1e-4);
  assert.ok(Math.abs(PAPER_LOSS_MINIMUM - 1.4612) < 1e-4);
  const uniform = new Array(10).fill(0.1);
  assert.ok(Math.abs(paperLossOf(uniform, 0) - Math.log(10)) < 1e-12);
});

test('config keys named like built-in object properties are unknown keys, not "function Object()"', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-config-'));
  for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const file = path.join(dir, `${key}.json`);
    fs.writeFileSync(file, `{"${key}": 3}`);
    throwsLenet(() => readConfigFile(file), 2, new RegExp(`unknown key "${key}"; valid: activation`));
    throwsLenet(() => resolveArch(JSON.parse(`{"${key}": 3}`), 'arch.json'), 2, new RegExp(`unknown arch key "${key}"`));
    throwsLenet(() => parseNamedSchedule(key), 2, new RegExp(`unknown activation "${key.replace(/_/g, '_')}"`));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a config file with a UTF-8 byte-order mark reads like one without', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-config-'));
  const file = path.join(dir, 'bom.json');
  fs.writeFileSync(file, '\uFEFF{"epochs": 7, "activations": ["relu"]}');
  assert.deepEqual(readConfigFile(file), { epochs: 7, activations: ['relu'] });
  const arch = path.join(dir, 'arch.json');
  fs.writeFileSync(arch, '\uFEFF{"denseUnits": 64}');
  assert.equal(resolveTrainConfig({ arch }).arch.denseUnits, 64);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a config file's out-of-range value is said as the file's key, not as a flag that was not given", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-config-'));
  const cases: [string, RegExp][] = [
    ['{"epochs": 0}', /^config file .*bad\.json: key "epochs" must be a positive integer up to 100000, got "0"$/],
    ['{"lr": -1}', /^config file .*bad\.json: key "lr" must be a positive number, got "-1"$/],
    ['{"batchSize": 2.5}', /^config file .*bad\.json: key "batchSize" must be /],
    [
      '{"arch": {"conv1Filters": 0}}',
      /^config file .*bad\.json: key "arch": arch key "conv1Filters" must be a positive integer up to 4096, got "0"$/,
    ],
    ['{"seeds": "1,x"}', /^config file .*bad\.json: key "seeds" /],
  ];
  const file = path.join(dir, 'bad.json');
  for (const [json, message] of cases) {
    fs.writeFileSync(file, json);
    throwsLenet(() => readConfigFile(file, 'compare'), 2, message);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
