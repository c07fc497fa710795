import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProgram } from '../src/cli';
import { cliReference } from '../src/options/docs';
import { COMMANDS, OPTION_ENTRIES, OptionEntry, OptionId, TRAINING } from '../src/options/table';
import { optionValue, parseOptionValue } from '../src/options/parse';
import { campaignBase, commandDefaults, refuseOnResume, resolveTrainConfig, roleOf, trainingOptions } from '../src/options/resolve';
import { CONFIG_FILE_KEYS, fileTypes, readConfigFile } from '../src/options/config-file';
import { defaultText } from '../src/options/commander';
import { Arch, configKeysOf, TRAIN_CONFIG, TrainConfig, TrainConfigKey } from '../src/options/types';
import { CELL_CONFIG_KEYS, LOCAL_CONFIG_KEYS, PROTOCOL_CONFIG_KEYS, protocolDifferences, protocolOf } from '../src/rundir/protocol';
import { ROOT, throwsLenet } from './helpers';
import { tempDir } from './harness/tmp';

const ENTRIES = Object.entries(OPTION_ENTRIES) as [OptionId, OptionEntry][];
const program = buildProgram();
const commandNamed = (name: string) => program.commands.find((c) => c.name() === name)!;

test('docs/cli.md is the page `npm run docs:cli` writes from the option table', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
  assert.ok(committed === cliReference(buildProgram()), 'docs/cli.md differs from the option table: run npm run docs:cli');
});

test("every option of every command is the table's entry, under the key commander gives it", () => {
  assert.deepEqual(program.commands.map((c) => c.name()).sort(), [...COMMANDS].sort());
  for (const name of COMMANDS) {
    const options = commandNamed(name).options.filter((o) => o.long !== '--help');
    const expected = ENTRIES.filter(([, e]) => e.commands.includes(name) && e.flag !== null);
    assert.deepEqual(
      options.map((o) => o.long),
      expected.map(([, e]) => e.flag),
      name,
    );
    for (const o of options) {
      const id = o.attributeName();
      assert.equal(OPTION_ENTRIES[id as OptionId]?.flag, o.long, `${name} ${o.long} is the entry "${id}"`);
    }
  }
});

test('a value that lands in the configuration lands on a TrainConfig key; every key a user sets has an option', () => {
  const keys = Object.keys(TRAIN_CONFIG);
  const landed = new Set<string>();
  for (const [id, e] of ENTRIES) {
    if (e.lands === undefined) continue;
    const [key, sub] = e.lands.split('.');
    assert.ok(keys.includes(key), `${id} lands on ${e.lands}`);
    if (sub !== undefined) assert.ok(Object.hasOwn(TRAIN_CONFIG.arch.default, sub), `${id} lands on ${e.lands}`);
    landed.add(key);
  }
  // imageSize is fixed by the paper and scheduleLabel is derived from the schedule: no flag sets them.
  assert.deepEqual(
    keys.filter((k) => !landed.has(k)),
    ['scheduleLabel', 'imageSize'],
  );
});

test("resolved defaults are TRAIN_CONFIG's, in config.json's order, and never shared with it", () => {
  const c = resolveTrainConfig({});
  assert.deepEqual(Object.keys(c), Object.keys(TRAIN_CONFIG));
  for (const k of Object.keys(TRAIN_CONFIG) as TrainConfigKey[]) assert.deepEqual(c[k], TRAIN_CONFIG[k].default, k);
  c.arch.conv1Filters = 99;
  c.schedule[0] = 'elu';
  assert.equal(TRAIN_CONFIG.arch.default.conv1Filters, 6);
  assert.equal(TRAIN_CONFIG.schedule.default[0], 'relu');
  assert.equal(resolveTrainConfig({}).arch.conv1Filters, 6);
});

test('help states the default each training command really uses, written from the value', () => {
  for (const name of TRAINING) {
    const config = resolveTrainConfig(commandDefaults(name)) as unknown as Record<string, unknown>;
    const cmd = commandNamed(name);
    for (const [, e] of ENTRIES) {
      if (!e.commands.includes(name) || e.lands === undefined || e.hideDefault || e.defaultText !== undefined) continue;
      const [key, sub] = e.lands.split('.');
      const used = sub !== undefined ? (config[key] as Arch)[sub as keyof Arch] : key === 'schedule' ? config.scheduleLabel : config[key];
      const help = cmd.options.find((o) => o.long === e.flag)!.description;
      assert.match(
        help,
        new RegExp(`[(;] ?default ${String(used).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`),
        `${name} ${e.flag}: ${help}`,
      );
    }
  }
  assert.equal(defaultText('epochs', 'verify'), '2');
  assert.equal(defaultText('limit', 'verify'), '2000');
  assert.equal(defaultText('limit', 'train'), 'all');
});

test('any option reads from text by its key; a bad value names the flag and lists the valid values', () => {
  const text: Record<string, string> = { limit: '2000', threads: '3', arch: '' };
  for (const key of PROTOCOL_CONFIG_KEYS) {
    const entry = ENTRIES.find(([, e]) => e.lands === key);
    if (!entry || key === 'arch') continue; // arch: a file name; its sizes are the next entries
    const [id] = entry;
    const value = text[id] ?? String(TRAIN_CONFIG[key].default);
    assert.deepEqual(parseOptionValue(id, value), text[id] ? Number(value) : TRAIN_CONFIG[key].default, id);
  }
  for (const id of ['conv1Filters', 'conv2Filters', 'kernelSize', 'poolSize', 'denseUnits'] as const) {
    assert.equal(parseOptionValue(id, ' 12 '), 12);
    throwsLenet(() => parseOptionValue(id, '1.5'), 2, new RegExp(`^${OPTION_ENTRIES[id].flag} must be a positive integer up to 4096`));
  }
  throwsLenet(() => parseOptionValue('optimizer', 'adamw'), 2, /^--optimizer must be one of adam, sgd, momentum, got "adamw"$/);
  throwsLenet(() => parseOptionValue('loss', 'mse'), 2, /^--loss must be one of crossentropy, paper, got "mse"$/);
  throwsLenet(() => parseOptionValue('resize', 'nearest'), 2, /^--resize must be one of bilinear, pad, got "nearest"$/);
  throwsLenet(() => parseOptionValue('backend', 'gpu'), 2, /^--backend must be one of auto, native, cpu, tensorflow, got "gpu"$/);
  throwsLenet(() => parseOptionValue('rate', '0.1'), 2, /^unknown option "rate"; valid: activation, .*\blr\b/);
  // The names an option goes by: its key, its flag, where it lands in config.json.
  for (const name of ['lr', '--lr', 'learningRate']) assert.equal(parseOptionValue(name, '0.5'), 0.5, name);
  for (const name of ['denseUnits', 'dense-units', 'arch.denseUnits']) assert.equal(parseOptionValue(name, '64'), 64, name);
  assert.deepEqual(parseOptionValue('activation', 'tanh-relu'), ['relu', 'tanh', 'relu']);
  assert.deepEqual(parseOptionValue('schedule', 'elu,tanh,swish'), ['elu', 'tanh', 'swish']);
  assert.deepEqual(parseOptionValue('activations', 'relu,sigmoid/tanh/relu'), [
    ['relu', 'relu', 'relu'],
    ['sigmoid', 'tanh', 'relu'],
  ]);
  // Decimal numbers only: Number() alone reads "0x10" as 16.
  for (const bad of ['0x10', '0b1', '0o7', '1e400', '1,5', '.', ''])
    throwsLenet(() => parseOptionValue('lr', bad), 2, /^--lr must be a positive number/);
  for (const [good, n] of [
    ['1e-4', 0.0001],
    ['.5', 0.5],
    ['2.', 2],
    ['+0.25', 0.25],
    [' 3E-2 ', 0.03],
  ] as const)
    assert.equal(parseOptionValue('lr', good), n);
  throwsLenet(() => parseOptionValue('shard', '1/9007199254740993'), 2, /N must be at most 9007199254740991/);
  assert.deepEqual(parseOptionValue('seeds', '3'), [1, 2, 3]);
  assert.deepEqual(parseOptionValue('shard', ' 2/3 '), { k: 2, n: 3 });
  assert.equal(parseOptionValue('shard', 'k8s'), 'k8s');
  assert.equal(optionValue('jobs', undefined), null);
  assert.equal(optionValue('jobs', '4'), 4);
  assert.deepEqual(optionValue('seeds', undefined), [1]);
  assert.deepEqual(optionValue('grid', undefined), ['sigmoid', 'tanh', 'relu']);
  assert.equal(optionValue('activations', undefined).length, 4);
  for (const id of ['out', 'config', 'resume', 'dataDir'] as const) {
    throwsLenet(() => parseOptionValue(id, ''), 2, new RegExp(`^${OPTION_ENTRIES[id].flag} needs a file or folder name`));
  }
  assert.equal(parseOptionValue('dataDir', 'mnist'), path.resolve('mnist'));
});

test("the protocol rule's keys are the roles TRAIN_CONFIG gives them", () => {
  assert.deepEqual(PROTOCOL_CONFIG_KEYS, configKeysOf('protocol'));
  assert.deepEqual(CELL_CONFIG_KEYS, configKeysOf('cell'));
  assert.deepEqual(LOCAL_CONFIG_KEYS, configKeysOf('local'));
  // What "same protocol" meant before the table (f89e2f7) still holds; a key added later is classified where it is declared.
  for (const k of ['arch', 'imageSize', 'optimizer', 'learningRate', 'epochs', 'batchSize', 'limit', 'resize', 'averageLast', 'loss']) {
    assert.ok((PROTOCOL_CONFIG_KEYS as readonly string[]).includes(k), k);
  }
  for (const k of ['schedule', 'scheduleLabel', 'seed']) assert.ok((CELL_CONFIG_KEYS as readonly string[]).includes(k), k);
  for (const k of ['dataDir', 'backend', 'threads']) assert.ok((LOCAL_CONFIG_KEYS as readonly string[]).includes(k), k);
  // The engine asked for is local; the engine that ran is compared as the backend that ran is.
  assert.ok((LOCAL_CONFIG_KEYS as readonly string[]).includes('engine'));
  // An option has the role of the key it lands on.
  for (const [id, e] of ENTRIES) if (e.lands) assert.equal(roleOf(e), TRAIN_CONFIG[e.lands.split('.')[0] as TrainConfigKey].role, id);
});

test('a protocol key an older config.json lacks (an option added since) reads as its default, not as another protocol', () => {
  const manifest = (config: Partial<TrainConfig>) => ({
    config: config as TrainConfig,
    backend: { name: 'native' },
    engine: { name: 'fused' },
    data: { files: [] },
  });
  const now = resolveTrainConfig({});
  for (const key of PROTOCOL_CONFIG_KEYS) {
    const older: Partial<TrainConfig> = { ...now };
    delete older[key];
    assert.deepEqual(protocolDifferences(protocolOf(manifest(older)), protocolOf(manifest(now))), [], key);
  }
  const older: Partial<TrainConfig> = { ...now };
  delete older.loss;
  const paper = resolveTrainConfig({ loss: 'paper' });
  assert.deepEqual(
    protocolDifferences(protocolOf(manifest(older)), protocolOf(manifest(paper))).map((d) => d.key),
    ['loss'],
  );
});

test('--resume refuses every option of train that would change the run or where it goes, naming it', () => {
  const allowed = ENTRIES.filter(([, e]) => e.commands.includes('train') && e.resume).map(([id]) => id);
  // --threads changes no result (the same bits for any count): a run may resume with the CPUs it has now.
  assert.deepEqual(allowed, ['threads', 'resume', 'quiet', 'json']);
  refuseOnResume({ resume: 'r', quiet: true, json: true, threads: '1' });
  for (const [id, e] of ENTRIES) {
    if (!e.commands.includes('train') || e.resume) continue;
    const where = roleOf(e) === 'output' ? "writes into the run's own folder" : "continues with the run's saved configuration";
    throwsLenet(() => refuseOnResume({ resume: 'r', [id]: e.value ? 'x' : true }), 2, new RegExp(`^--resume ${where}; remove ${e.flag}$`));
  }
  throwsLenet(() => refuseOnResume({ lr: '1', batchSize: '2', out: 'o' }), 2, /configuration; remove --lr, --batch-size$/);
});

/** A valid value, of a JSON type a config file may give, for an entry. */
function sampleValue(e: OptionEntry): unknown {
  const { types } = fileTypes(e.parse);
  if (e.parse.kind === 'enum') return e.parse.values[0];
  if (e.parse.kind === 'schedules') return ['relu', 'tanh/tanh/relu'];
  if (e.parse.kind === 'seeds') return [1, 7];
  if (e.parse.kind === 'vary') return { lr: [0.001, 0.01] };
  if (types[0] === 'number') return 3;
  if (types[0] === 'object') return {};
  return 'x';
}

test("a campaign's config file: the table's keys and types; a single run's keys refused with what to write", () => {
  const dir = tempDir('lenet-options-');
  const file = (name: string, data: unknown) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify(data));
    return f;
  };
  const all = Object.fromEntries(CONFIG_FILE_KEYS.map((k) => [k, sampleValue(OPTION_ENTRIES[k])]));
  assert.deepEqual(readConfigFile(file('all.json', all)), all);
  // Every key listed as valid is accepted; the keys refused for a campaign are not listed.
  const err = throwsLenet(() => readConfigFile(file('bad.json', { bogus: 1 })), 2, /unknown key "bogus"; valid: /);
  assert.deepEqual(err.message.replace(/.*valid: /, '').split(', '), [...CONFIG_FILE_KEYS]);
  for (const key of ['activation', 'schedule', 'seed']) {
    assert.ok(!CONFIG_FILE_KEYS.includes(key as OptionId), key);
    throwsLenet(() => readConfigFile(file(`${key}.json`, { [key]: 1 })), 2, new RegExp(`key "${key}" does not apply to a campaign; use "`));
  }
  for (const key of CONFIG_FILE_KEYS) {
    const e = OPTION_ENTRIES[key];
    const wrong = fileTypes(e.parse).types.includes('number') ? true : 12;
    throwsLenet(() => readConfigFile(file(`${key}-wrong.json`, { [key]: wrong })), 2, new RegExp(`key "${key}" must be `));
  }
  readConfigFile(file('nulls.json', { limit: null, threads: null, dataDir: null }));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('what the cells of a campaign share: protocol and local options of file and flags, no cell keys, no notes', () => {
  const file = { activations: ['relu'], seeds: 3, description: 'd', paper: {}, lr: 0.1, threads: 2, epochs: 5 };
  const flags = trainingOptions({ epochs: '2', limit: '100', quiet: true, jobs: '2', out: 'o' }, 'compare');
  assert.deepEqual(flags, { epochs: '2', limit: '100' });
  assert.deepEqual(campaignBase(file, flags), { lr: 0.1, threads: 2, epochs: '2', limit: '100' });
  assert.deepEqual(trainingOptions({ seed: '4', activation: 'relu', out: 'o' }, 'train'), { seed: '4', activation: 'relu' });
  assert.deepEqual(commandDefaults('verify'), { epochs: 2, limit: 2000 });
});
