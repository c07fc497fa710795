/**
 * Option values as a user gives them, through the real CLI: one parser per option, so a flag's
 * value and a config file's are refused alike — the flag or the file's key named as the user wrote
 * it — before anything is read or written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isOneLineError, runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

const work = tempDir('lenet-options-cli-');

function refused(args: string[], pattern: RegExp): void {
  const r = runCli(args, { cwd: work });
  assert.equal(r.code, 2, `lenet ${args.join(' ')}: ${r.stderr}`);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.match(r.stderr, pattern, `lenet ${args.join(' ')}`);
}

function configFile(name: string, data: unknown): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, JSON.stringify(data));
  return file;
}

test('a bad choice is refused alike from a flag and from a config file: the flag or the key, the valid values, the value', () => {
  const out = path.join(work, 'never');
  for (const [flag, key, values] of [
    ['--optimizer', 'optimizer', 'adam, sgd, momentum'],
    ['--loss', 'loss', 'crossentropy, paper'],
    ['--resize', 'resize', 'bilinear, pad'],
    ['--backend', 'backend', 'auto, native, cpu, tensorflow'],
  ]) {
    refused(['train', flag, 'nope', '--out', out], new RegExp(`^lenet: ${flag} must be one of ${values}, got "nope"\\n$`));
    const file = configFile(`${key}.json`, { [key]: 'nope' });
    refused(
      ['compare', '--config', file, '--out', out],
      new RegExp(`^lenet: config file .*${key}\\.json: key "${key}" must be one of ${values}, got "nope"\\n$`),
    );
  }
  refused(['sweep', '--submit', 'pbs', '--shards', '2', '--out', out], /^lenet: --submit must be one of slurm, got "pbs"\n$/);
  assert.equal(fs.existsSync(out), false);
});

test('evaluate, predict and report check --backend before reading anything', () => {
  const empty = tempDir('lenet-options-empty-');
  const message = /^lenet: --backend must be one of auto, native, cpu, tensorflow, got "gpu"\n$/;
  refused(['report', empty, '--backend', 'gpu'], message);
  refused(['evaluate', empty, '--backend', 'gpu'], message);
  refused(['predict', empty, 'digit.png', '--backend', 'gpu'], message);
  assert.deepEqual(fs.readdirSync(empty), []);
});

test("a config file's unknown key lists only the keys a campaign's file accepts", () => {
  const r = runCli(['compare', '--config', configFile('bogus.json', { bogus: 1 })], { cwd: work });
  assert.equal(r.code, 2, r.stderr);
  const valid = /valid: (.*)$/.exec(r.stderr.trim())![1].split(', ');
  for (const key of ['activation', 'schedule', 'seed'])
    assert.ok(!valid.includes(key), `"${key}" is refused in a campaign file, not valid`);
  for (const key of ['activations', 'seeds', 'lr', 'epochs', 'conv1Filters', 'dataDir', 'description']) assert.ok(valid.includes(key), key);
});

test('an empty file or folder name is refused, not taken as the current folder', () => {
  const out = path.join(work, 'never');
  refused(['train', '--data-dir', '', '--limit', '100', '--epochs', '1', '--out', out], /^lenet: --data-dir needs a file or folder name/);
  refused(
    ['compare', '--config', configFile('empty-dir.json', { dataDir: '' }), '--out', out],
    /^lenet: config file .*empty-dir\.json: key "dataDir" needs a file or folder name/,
  );
  refused(['train', '--out', '', '--limit', '100', '--epochs', '1'], /^lenet: --out needs a file or folder name/);
  refused(['compare', '--config', ''], /^lenet: --config needs a file or folder name/);
  assert.equal(fs.existsSync(out), false);
});

test('--lr reads decimal numbers only: 0x10 is refused, not trained as 16', () => {
  const out = path.join(work, 'hex');
  for (const bad of ['0x10', '0b1'])
    refused(['train', '--lr', bad, '--limit', '100', '--epochs', '1', '--out', out], /^lenet: --lr must be a positive number/);
  assert.equal(fs.existsSync(out), false);
});
