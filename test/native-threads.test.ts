/**
 * The thread pool's size without --threads: one thread per CPU this process may use (its affinity
 * mask: taskset, a SLURM allocation, a cgroup's cpuset), at most 256, whatever the hardware holds.
 * A machine of 300 CPUs is played by a preloaded library that makes sched_getaffinity() and
 * get_nprocs() say 300, compiled here with the C compiler node-gyp needs anyway. Training gives
 * the same bits as on 1 thread either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';
import { tempDir } from './harness/tmp';
import * as os from 'node:os';
import { selectBackend } from '../src/backend/index';

const SHIM = `#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
static int n(void) { const char* s = getenv("FAKE_NPROCS"); return s ? atoi(s) : 2; }
int get_nprocs(void) { return n(); }
int get_nprocs_conf(void) { return n(); }
int sched_getaffinity(pid_t pid, size_t size, cpu_set_t* set) {
  (void)pid;
  CPU_ZERO_S(size, set);
  for (int i = 0; i < n() && (size_t)i < size * 8; ++i) CPU_SET_S(i, size, set);
  return 0;
}
`;

/** Five fused steps from the seed-1 weights, with the pool as the environment sizes it (or `threads`); prints the pool size and a hash of every step's probabilities. */
const STEPS = (threads: number | null) => `
const dist = ${JSON.stringify(path.join(ROOT, 'dist', 'src'))};
const crypto = require('node:crypto');
const { loadMnist } = require(dist + '/data/mnist');
const { buildLenet } = require(dist + '/model/lenet');
const { loadNativeAddon } = require(dist + '/backend/native-addon');
const { fusedEngine } = require(dist + '/train/fused-engine');
const { DEFAULT_ARCH } = require(dist + '/options/types');
const addon = loadNativeAddon();
${threads === null ? '' : `addon.setThreads(${threads});`}
const data = loadMnist({ resize: 'bilinear', limit: 300 });
const schedule = ['relu', 'tanh', 'relu'];
const model = buildLenet(DEFAULT_ARCH, schedule, 36, 1);
const engine = fusedEngine(model, { arch: DEFAULT_ARCH, schedule, imageSize: 36, loss: 'crossentropy', optimizer: 'adam', learningRate: 1e-3 });
const hash = crypto.createHash('sha256');
for (let s = 0; s < 5; s++) {
  const idx = Uint32Array.from({ length: 50 }, (_, k) => s * 50 + k);
  const labels = Uint8Array.from(idx, (k) => data.train.labels[k]);
  const p = engine.trainIndices(data.train, idx, labels);
  hash.update(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
}
process.stdout.write(JSON.stringify({ threads: addon.getThreads(), hash: hash.digest('hex') }));
`;

function cCompiler(): string | null {
  for (const cc of ['cc', 'gcc', 'clang']) if (spawnSync(cc, ['--version']).status === 0) return cc;
  return null;
}

test('a machine of 300 hardware threads: the pool takes 256 and trains the same bits as 1 thread (no --threads given)', (t) => {
  const cc = cCompiler();
  if (cc === null) return t.skip('no C compiler to build the get_nprocs stand-in (node-gyp needs one: CI has it)');
  const dir = tempDir('lenet-nprocs-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'shim.c'), SHIM);
  const built = spawnSync(cc, ['-shared', '-fPIC', '-O1', '-o', path.join(dir, 'shim.so'), path.join(dir, 'shim.c')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const run = (threads: number | null, env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, ['-e', STEPS(threads)], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `exit ${r.status} (${r.signal ?? 'no signal'}): ${r.stderr}`);
    return JSON.parse(r.stdout) as { threads: number; hash: string };
  };
  const one = run(1, {});
  const many = run(null, { LD_PRELOAD: path.join(dir, 'shim.so'), FAKE_NPROCS: '300' });
  assert.equal(many.threads, 256, 'the pool keeps to the most threads it takes');
  assert.equal(many.hash, one.hash, 'the same bits as on 1 thread');
  // And the stand-in works: a machine of 3 hardware threads gets a pool of 3, the same bits again.
  const three = run(null, { LD_PRELOAD: path.join(dir, 'shim.so'), FAKE_NPROCS: '3' });
  assert.deepEqual(three, { threads: 3, hash: one.hash });
});

test('a process allowed one CPU (taskset) gets a pool of one thread by default, as --jobs plans (os.availableParallelism)', (t) => {
  if (spawnSync('taskset', ['--version']).status !== 0) return t.skip('no taskset (util-linux) here');
  const r = spawnSync('taskset', ['-c', '0', process.execPath, '-e', STEPS(null)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const one = spawnSync(process.execPath, ['-e', STEPS(1)], { encoding: 'utf8', timeout: 120_000 });
  assert.deepEqual(JSON.parse(r.stdout), { threads: 1, hash: JSON.parse(one.stdout).hash });
  const parallelism = spawnSync('taskset', ['-c', '0', process.execPath, '-p', 'require("node:os").availableParallelism()'], {
    encoding: 'utf8',
  });
  assert.equal(parallelism.stdout.trim(), '1');
});

test('--threads above the CPUs this process may use trains with those CPUs, and says so once (64 threads on 2 CPUs ran 3.4x slower)', async () => {
  const usable = os.availableParallelism();
  try {
    const over = await selectBackend('native', usable + 62);
    assert.equal(over.threads, usable);
    assert.equal(
      over.note,
      `${usable + 62} threads asked for, more than the ${usable} CPU${usable === 1 ? '' : 's'} this process may use: training with ${usable} (the results are the same for any thread count)`,
    );
    // once per process and count: a campaign's next cell does not repeat it
    assert.equal((await selectBackend('native', usable + 62)).note, null);
    assert.equal((await selectBackend('native', usable + 62)).threads, usable);
    const within = await selectBackend('native', usable);
    assert.equal(within.threads, usable);
    assert.equal(within.note, null);
    assert.equal((await selectBackend('native', 1)).threads, 1);
  } finally {
    await selectBackend('native', 0);
  }
});
