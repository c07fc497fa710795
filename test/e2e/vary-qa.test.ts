/**
 * The hostile QA of `sweep --vary` (issue 16), each finding as the CLI shows it: one line and exit 2
 * for what cannot be honoured, before anything is written; the file's and the flags' factors
 * combined; the factor charts instead of an overlaid heatmap; a malformed recorded vary refused.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../report-fixtures';
import { isOneLineError, runCli as lenet } from '../harness/cli';

function fails(args: string[], code: number, pattern: RegExp): void {
  const r = lenet(args);
  assert.equal(r.code, code, `exit code of lenet ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.ok(isOneLineError(r.stderr), `one line on stderr, no stack trace; got: ${r.stderr}`);
  assert.match(r.stderr.trim(), pattern);
}

const tiny = ['--limit', '100', '--epochs', '1', '--threads', '1', '--jobs', '1', '--quiet'];

test('a layer size set by --arch (file or config object) and varied: one line, exit 2, nothing written', () => {
  const dir = tempDir('lenet-vary-qa-');
  const arch = path.join(dir, 'arch.json');
  fs.writeFileSync(arch, JSON.stringify({ kernelSize: 7 }));
  const out = path.join(dir, 'o');
  fails(
    ['sweep', '--activations', 'relu', '--arch', arch, '--vary', 'kernel-size=5,3', '--out', out, ...tiny],
    2,
    /^lenet: --kernel-size is varied by --vary; remove "kernelSize" from --arch/,
  );
  const config = path.join(dir, 'c.json');
  fs.writeFileSync(config, JSON.stringify({ arch: { kernelSize: 7 }, vary: { 'kernel-size': [5, 3] } }));
  fails(
    ['sweep', '--activations', 'relu', '--config', config, '--out', out, ...tiny],
    2,
    /^lenet: --kernel-size is varied by --vary; remove "kernelSize"/,
  );
  // Another size in the file is fine to keep beside a varied one.
  fs.writeFileSync(arch, JSON.stringify({ denseUnits: 60 }));
  fs.writeFileSync(config, JSON.stringify({ vary: { lr: [[0.001], 0.01] } }));
  fails(
    ['sweep', '--activations', 'relu', '--config', config, '--out', out, ...tiny],
    2,
    /^lenet: config file .*c\.json: key "vary" lr: each value must be a number or a word, not a list/,
  );
  assert.ok(!fs.existsSync(out));
});

test("the config file's factors and the flags' combine (a flag replaces the file's factor of the same option); compare refuses a sweep's keys", () => {
  const dir = tempDir('lenet-vary-qa-');
  const config = path.join(dir, 'c.json');
  fs.writeFileSync(config, JSON.stringify({ vary: { lr: [0.001, 0.01], 'batch-size': [50, 100] } }));
  const out = path.join(dir, 'o');
  const r = lenet(['sweep', '--activations', 'relu', '--config', config, '--vary', 'batch-size=50,25', '--out', out, ...tiny]);
  assert.equal(r.code, 0, r.stderr);
  const file = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8'));
  assert.deepEqual(
    file.vary.factors.map((f: { flag: string; levels: string[] }) => `${f.flag}=${f.levels.join(',')}`),
    ['lr=0.001,0.01', 'batch-size=50,25'],
  );
  assert.deepEqual(
    fs
      .readdirSync(out)
      .filter((d) => fs.statSync(path.join(out, d)).isDirectory())
      .sort(),
    ['base', 'batch-size-25', 'lr-0.01', 'lr-0.01_batch-size-25'],
  );
  fs.writeFileSync(config, JSON.stringify({ activations: ['relu'], vary: { lr: [0.001, 0.01] } }));
  fails(
    ['compare', '--config', config, '--out', path.join(dir, 'c'), ...tiny],
    2,
    /^lenet: config file .*: key "vary" does not apply to lenet compare/,
  );
  fs.writeFileSync(config, JSON.stringify({ design: 'ofat' }));
  fails(['compare', '--config', config, '--out', path.join(dir, 'c'), ...tiny], 2, /key "design" does not apply to lenet compare/);
  assert.ok(!fs.existsSync(path.join(dir, 'c')));

  // plot of a varied sweep: the factor charts, never a heatmap of overlaid variants.
  fails(
    ['plot', out, '--heatmap', '--quiet'],
    2,
    /^lenet: --heatmap: .* is a sweep that varies lr, batch-size; its factor charts are drawn instead$/,
  );
  const p = lenet(['plot', out, '--json']);
  assert.equal(p.code, 0, p.stderr);
  const files: string[] = JSON.parse(p.stdout).files;
  assert.ok(files.some((f) => f.endsWith('factor-lr.png')) && files.some((f) => f.endsWith('factor-batch-size.svg')));
  assert.ok(!files.some((f) => f.includes('heatmap')));

  // A refused rerun is one line: nothing is said before the refusal.
  fails(
    ['sweep', '--activations', 'relu', '--vary', 'optimizer=adam,sgd', '--out', out, '--limit', '100', '--epochs', '1'],
    2,
    /holds a campaign that varies lr, batch-size; this one varies optimizer/,
  );

  // A recorded vary that names no protocol option is not trusted.
  file.vary.factors[0].lands = '__proto__';
  fs.writeFileSync(path.join(out, 'comparison.json'), JSON.stringify(file));
  // (without it the cells cannot be told apart: the file is the one line)
  fails(['report', out], 1, /^lenet: .*comparison\.json: "vary" must be \{design, factors/);
});

test('QA (issue 14): two variants that diverge in worker processes give two warnings, each naming its variant', () => {
  const dir = tempDir('lenet-vary-qa-');
  const r = lenet([
    'sweep',
    '--activations',
    'relu',
    '--vary',
    'lr=1e30,1e31',
    '--limit',
    '100',
    '--epochs',
    '1',
    '--jobs',
    '2',
    '--threads',
    '1',
    '--quiet',
    '--out',
    path.join(dir, 'o'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('diverged at epoch 1'));
  assert.deepEqual(warnings.map((l) => l.replace(/ diverged at .*/, '')).sort(), [
    'lenet: warning: [1/2] relu [base] seed 1',
    'lenet: warning: [2/2] relu [lr=1e+31] seed 1',
  ]);
});
