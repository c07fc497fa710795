/**
 * `npm run bench`: trains the default model (tanh-relu, batch 50, Adam 1e-4) on real MNIST for a
 * fixed number of steps on `native`, a few on `cpu`, and the identical PyTorch model when
 * /usr/bin/python3 has torch — side by side in one run, reported as ratios. Verifies first:
 * native and cpu start from the same weights and must agree on the first steps' losses.
 *
 * Each timed figure is the best of --reps passes (the machine may be shared; the best pass is the
 * least disturbed one), for lenet and PyTorch alike. PyTorch runs with --threads threads and with 1
 * (on 2 cores its second thread sometimes costs more than it brings): the faster is the reference.
 * A timed step includes gathering its batch, i.e. resizing 50 raw MNIST images as training does;
 * the gathering is also timed alone and shown as a share of a step.
 *
 * --memory also runs `lenet train --epochs 1` on the full default data (60000 / 10000 images at
 * 36x36) in a child process and reports its peak resident memory.
 *
 *   npm run bench -- [--steps 300] [--cpu-steps 3] [--threads N] [--reps 3] [--no-torch] [--memory] [--json]
 *
 * `npm run bench -- --campaign` times whole campaigns instead, one cell at a time versus --jobs
 * (bench/campaign.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ARCH } from '../src/options/types';
import { loadMnist, locateMnist, MnistData } from '../src/data/mnist';
import { buildLenet } from '../src/model/lenet';
import { selectBackend } from '../src/backend/index';
import { createOptimizer } from '../src/train/optimizer';
import { Rng } from '../src/train/rng';
import { trainBatch } from '../src/train/trainer';
import { emptyTally, tallyProbabilities } from '../src/train/loss';
import { campaignBench } from './campaign';

const BATCH = 50;
const EPOCH_IMAGES = 60000;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Timing {
  backend: string;
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  secondsPerEpoch: number;
  losses: number[];
}

/** Trains `reps` passes of `steps` batches (after `warmup` untimed ones) from seed 1; keeps the best pass. */
async function timeBackend(
  backend: string,
  data: MnistData,
  steps: number,
  warmup: number,
  threads: number | null,
  reps = 1,
): Promise<Timing> {
  await selectBackend(backend, threads);
  const model = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 1);
  const optimizer = createOptimizer('adam', 1e-4, backend);
  const losses: number[] = [];
  let next = 0;
  const step = () => {
    const start = (next++ * BATCH) % (data.train.count - BATCH);
    const labels = data.train.labels.slice(start, start + BATCH);
    const probs = trainBatch(model, optimizer, data.train.slice(start, start + BATCH), labels, 'crossentropy', 36);
    const t = emptyTally();
    tallyProbabilities(t, probs, labels);
    losses.push(t.loss / t.count);
  };
  for (let i = 0; i < warmup; i++) step();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const began = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) step();
    best = Math.min(best, Number(process.hrtime.bigint() - began) / 1e9);
  }
  model.dispose();
  optimizer.dispose();
  const imagesPerSecond = (steps * BATCH) / best;
  return { backend, steps, seconds: best, imagesPerSecond, secondsPerEpoch: EPOCH_IMAGES / imagesPerSecond, losses };
}

interface TorchTiming {
  threads: number;
  imagesPerSecond: number;
  secondsPerEpoch: number;
  torch: string;
}

function timeTorch(steps: number, threads: number, reps: number): { best: TorchTiming; all: TorchTiming[] } | { skipped: string } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: '/usr/bin/python3 has no torch' };
  const script = path.join(__dirname, '..', '..', 'bench', 'pytorch_lenet.py');
  const all: TorchTiming[] = [];
  for (const t of [...new Set([threads, 1])]) {
    const r = spawnSync('/usr/bin/python3', [script, locateMnist().dir, String(steps), String(t), String(reps)], { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `pytorch run failed: ${r.stderr.trim().split('\n').pop()}` };
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    all.push({ threads: t, imagesPerSecond: out.images_per_second, secondsPerEpoch: out.seconds_per_epoch, torch: out.torch });
  }
  const best = all.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  return { best, all };
}

/**
 * Batch gathering alone, as training does before each step: resizing 50 raw images, against
 * copying 50 images out of floats resized up front (what training did before it kept the bytes;
 * both allocate the same fresh batch buffer). Shuffled indices; best of `reps` passes of `batches`
 * batches each, after one untimed pass.
 */
function timeGather(data: MnistData, batches: number, reps: number): { resizeMs: number; copyMs: number } {
  const set = data.train;
  const per = set.size * set.size;
  const floats = set.slice(0, set.count);
  const copy = (indices: Int32Array): Float32Array => {
    const out = new Float32Array(indices.length * per);
    for (let i = 0; i < indices.length; i++) out.set(floats.subarray(indices[i] * per, (indices[i] + 1) * per), i * per);
    return out;
  };
  const time = (gather: (indices: Int32Array) => Float32Array): number => {
    const random = new Rng(1);
    const indices = new Int32Array(BATCH);
    let best = Infinity;
    for (let r = -1; r < reps; r++) {
      const began = process.hrtime.bigint();
      for (let b = 0; b < batches; b++) {
        for (let i = 0; i < BATCH; i++) indices[i] = Math.floor(random.next() * set.count);
        gather(indices);
      }
      if (r >= 0) best = Math.min(best, Number(process.hrtime.bigint() - began) / 1e9);
    }
    return (best * 1000) / batches;
  };
  return { resizeMs: time((indices) => set.gather(indices)), copyMs: time(copy) };
}

interface MemoryResult {
  peakRssMB: number;
  epochSeconds: number;
  trainImages: number;
  testImages: number;
  threads: number;
}

/** Peak RSS of `lenet train --epochs 1` on the full default data, in MB (10^6 bytes). */
function measureTrainMemory(threads: number): MemoryResult {
  const root = path.join(__dirname, '..', '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-bench-memory-'));
  try {
    const rssFile = path.join(dir, 'max-rss');
    const out = path.join(dir, 'run');
    const r = spawnSync(
      process.execPath,
      [
        '--require',
        path.join(__dirname, 'max-rss.js'),
        path.join(root, 'bin', 'lenet.js'),
        'train',
        '--epochs',
        '1',
        '--threads',
        String(threads),
        '--quiet',
        '--out',
        out,
      ],
      { encoding: 'utf8', env: { ...process.env, LENET_MAX_RSS_FILE: rssFile } },
    );
    if (r.status !== 0) throw new Error(`lenet train failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
    const kilobytes = Number(fs.readFileSync(rssFile, 'utf8'));
    const data = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).data;
    const csv = fs.readFileSync(path.join(out, 'epochs.csv'), 'utf8').trim().split('\n');
    const seconds = Number(csv[1].split(',')[csv[0].split(',').indexOf('seconds')]);
    return {
      peakRssMB: (kilobytes * 1024) / 1e6,
      epochSeconds: seconds,
      trainImages: data.trainCount,
      testImages: data.testCount,
      threads,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--campaign')) return campaignBench(flag, process.argv.includes('--json'));
  const steps = flag('--steps', 300);
  const cpuSteps = flag('--cpu-steps', 3);
  const threads = flag('--threads', os.cpus().length);
  const reps = flag('--reps', 3);
  const json = process.argv.includes('--json');
  const log = (s: string) => {
    if (!json) process.stdout.write(s + '\n');
  };
  const data = loadMnist({ resize: 'bilinear', limit: Math.min(60000, Math.max(steps + 20, cpuSteps) * BATCH) });

  // Verify before timing: the same first steps on cpu and native.
  log(`verifying: ${cpuSteps} steps on cpu and native from the same weights…`);
  const cpu = await timeBackend('cpu', data, cpuSteps, 0, null);
  const nativeCheck = await timeBackend('native', data, cpuSteps, 0, threads);
  const maxLossDiff = Math.max(...cpu.losses.map((l, i) => Math.abs(l - nativeCheck.losses[i])));
  if (!(maxLossDiff < 1e-3)) throw new Error(`native and cpu disagree: max loss difference ${maxLossDiff}`);
  log(`  per-step losses agree (max difference ${maxLossDiff.toExponential(2)})`);

  const native = await timeBackend('native', data, steps, 10, threads, reps);
  const gather = timeGather(data, 1200, reps);
  const torch = process.argv.includes('--no-torch') ? { skipped: '--no-torch' } : timeTorch(steps, threads, reps);
  const memory = process.argv.includes('--memory') ? measureTrainMemory(threads) : null;
  const result = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, threads },
    reps,
    native: { steps: native.steps, imagesPerSecond: native.imagesPerSecond, secondsPerEpoch: native.secondsPerEpoch },
    cpu: { steps: cpu.steps, imagesPerSecond: cpu.imagesPerSecond, secondsPerEpoch: cpu.secondsPerEpoch },
    gather: {
      msPerBatch: gather.resizeMs,
      msPerBatchCopyingFloats: gather.copyMs,
      extraShareOfStep: (gather.resizeMs - gather.copyMs) / ((BATCH * 1000) / native.imagesPerSecond),
    },
    pytorch: torch,
    memory,
    ratios: {
      nativeOverCpuSpeed: native.imagesPerSecond / cpu.imagesPerSecond,
      nativeOverPytorchTime: 'best' in torch ? native.secondsPerEpoch / torch.best.secondsPerEpoch : null,
    },
    verification: { steps: cpuSteps, maxLossDifference: maxLossDiff },
  };
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const row = (name: string, ips: number, spe: number) =>
    log(`  ${name.padEnd(28)} ${ips.toFixed(0).padStart(8)} img/s  ${spe.toFixed(2).padStart(9)} s/epoch`);
  log(`\ntraining speed, batch 50, tanh-relu, Adam (${result.machine.cpus} cores, ${threads} threads; best of ${reps} passes):`);
  row(`lenet native (${steps} steps)`, native.imagesPerSecond, native.secondsPerEpoch);
  row(`lenet cpu (${cpuSteps} steps)`, cpu.imagesPerSecond, cpu.secondsPerEpoch);
  if ('best' in torch)
    for (const t of torch.all)
      row(
        `pytorch ${t.torch}, ${t.threads} thread${t.threads > 1 ? 's' : ''}${t === torch.best ? ' *' : ''}`,
        t.imagesPerSecond,
        t.secondsPerEpoch,
      );
  else log(`  pytorch: skipped (${torch.skipped})`);
  log(
    `  gathering a batch: ${gather.resizeMs.toFixed(3)} ms resizing 50 raw images, ${gather.copyMs.toFixed(3)} ms copying resized floats;` +
      ` the difference is ${(100 * result.gather.extraShareOfStep).toFixed(1)}% of a native step`,
  );
  log(`\n  native / cpu speed:          ${result.ratios.nativeOverCpuSpeed.toFixed(0)}×`);
  if (result.ratios.nativeOverPytorchTime !== null)
    log(`  native / pytorch (*) epoch time: ${result.ratios.nativeOverPytorchTime.toFixed(2)}×`);
  if (memory) {
    log(`\nmemory: lenet train --epochs 1 on ${memory.trainImages} / ${memory.testImages} images, ${memory.threads} threads:`);
    log(`  peak RSS ${memory.peakRssMB.toFixed(0)} MB (epoch ${memory.epochSeconds.toFixed(1)} s)`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
