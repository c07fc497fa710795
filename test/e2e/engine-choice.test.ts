/**
 * --engine: which engine a run uses, what config.json records, and the protocol rule that keeps
 * runs of the two engines apart (they agree to rounding only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveTrainConfig } from '../../src/options/resolve';
import { readManifest } from '../../src/rundir/manifest';
import { protocolDifferences, protocolOf } from '../../src/rundir/protocol';
import { resolveEngine } from '../../src/train/engine';
import { readCheckpoint, saveCheckpoint } from '../../src/train/checkpoint';
import { isOneLineError, runCli } from '../harness/cli';
import { tempDir, throwsLenet } from '../helpers';

test('--engine: fused, tfjs or auto; a tfjs backend asked for by name cannot go with fused', () => {
  assert.equal(resolveTrainConfig({}).engine, 'auto');
  assert.equal(resolveTrainConfig({ engine: 'tfjs' }).engine, 'tfjs');
  assert.equal(resolveTrainConfig({ engine: 'fused', backend: 'native' }).engine, 'fused');
  throwsLenet(() => resolveTrainConfig({ engine: 'gpu' }), 2, /^--engine must be one of auto, fused, tfjs, got "gpu"$/);
  for (const backend of ['cpu', 'tensorflow']) {
    throwsLenet(
      () => resolveTrainConfig({ engine: 'fused', backend }),
      2,
      new RegExp(`--engine fused runs its own kernels; --backend ${backend}`),
    );
  }
  // auto: fused wherever the tfjs backend in use is the addon's
  assert.equal(resolveEngine('auto', 'native'), 'fused');
  assert.equal(resolveEngine('auto', 'cpu'), 'tfjs');
  assert.equal(resolveEngine('tfjs', 'native'), 'tfjs');
  assert.equal(resolveEngine('fused', 'cpu'), 'fused');
});

test('config.json records the engine that ran; fused and tfjs runs are two protocols, and a manifest from before engines ran tfjs', () => {
  const work = tempDir('lenet-engine-');
  const runs = Object.fromEntries(
    (['fused', 'tfjs'] as const).map((engine) => {
      const out = path.join(work, engine);
      const r = runCli(['train', '--limit', '300', '--epochs', '1', '--engine', engine, '--out', out, '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      return [engine, out];
    }),
  );
  const fused = readManifest(runs.fused);
  const tfjs = readManifest(runs.tfjs);
  assert.equal(fused.engine?.name, 'fused');
  assert.equal(fused.config.engine, 'fused');
  assert.equal(tfjs.engine?.name, 'tfjs');
  assert.ok(typeof fused.engine?.threads === 'number' && fused.engine.threads >= 1);
  assert.deepEqual(
    protocolDifferences(protocolOf(fused), protocolOf(tfjs)).map((d) => d.key),
    ['engine'],
  );
  // the same run's summary line names its engine's results; the default is fused where the addon is built
  const auto = path.join(work, 'auto');
  assert.equal(runCli(['train', '--limit', '300', '--epochs', '1', '--out', auto, '--quiet']).code, 0);
  assert.equal(readManifest(auto).engine?.name, 'fused');
  // the engine asked for is the run's own: --resume refuses it as it refuses --backend
  const again = runCli(['train', '--resume', auto, '--engine', 'tfjs']);
  assert.equal(again.code, 2);
  assert.ok(isOneLineError(again.stderr), again.stderr);
  assert.match(again.stderr, /--resume continues with the run's saved configuration; remove --engine$/m);
  assert.deepEqual(protocolDifferences(protocolOf(readManifest(auto)), protocolOf(fused)), []);
  // an old manifest (no engine anywhere) reads as a tfjs run that asked for tfjs
  const old = JSON.parse(fs.readFileSync(path.join(runs.tfjs, 'config.json'), 'utf8'));
  delete old.engine;
  delete old.config.engine;
  fs.writeFileSync(path.join(runs.tfjs, 'config.json'), JSON.stringify(old));
  const read = readManifest(runs.tfjs);
  assert.equal(read.config.engine, 'tfjs');
  assert.equal(protocolOf(read).engine, 'tfjs');
  // a checkpoint whose tensors do not fit the run's model: one line, exit 1, on either engine
  for (const engine of ['fused', 'tfjs'] as const) {
    const dir = engine === 'fused' ? auto : runs.tfjs;
    const file = path.join(dir, 'checkpoint.bin');
    const ckpt = readCheckpoint(file);
    ckpt.model[4] = { ...ckpt.model[4], shape: [10, 12], values: ckpt.model[4].values.slice(0, 120) };
    saveCheckpoint(file, ckpt, ckpt.state);
    fs.rmSync(path.join(dir, 'summary.json'));
    const r = runCli(['train', '--resume', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(r.stderr, /cannot resume .*checkpoint\.bin does not fit this run's model/);
  }
  // lenet info names the default engine
  const info = runCli(['info', '--json']);
  assert.equal(JSON.parse(info.stdout).engine, 'fused');
  // a bad engine is one usage line, nothing written
  const bad = runCli(['train', '--engine', 'gpu', '--out', path.join(work, 'bad')]);
  assert.equal(bad.code, 2);
  assert.ok(isOneLineError(bad.stderr), bad.stderr);
  assert.equal(fs.existsSync(path.join(work, 'bad')), false);
  fs.rmSync(work, { recursive: true, force: true });
});
