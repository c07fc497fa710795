/**
 * `npm run bench`: trains the default model (tanh-relu, batch 50, Adam 1e-4) on real MNIST for a
 * fixed number of steps on `native`, a few on `cpu`, and the identical PyTorch model when
 * /usr/bin/python3 has torch — side by side in one run, reported as ratios. Verifies first:
 * native and cpu start from the same weights and must agree on the first steps' losses.
 *
 *   npm run bench -- [--steps 300] [--cpu-steps 3] [--threads N] [--torch-steps 300] [--no-torch] [--json]
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_ARCH } from '../src/config';
import { loadMnist, locateMnist, MnistData } from '../src/data/mnist';
import { buildLenet } from '../src/model/lenet';
import { selectBackend } from '../src/backend/index';
import { createOptimizer } from '../src/train/optimizer';
import { trainBatch } from '../src/train/trainer';
import { emptyTally, tallyProbabilities } from '../src/train/loss';

const BATCH = 50;
const EPOCH_IMAGES = 60000;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Timing { backend: string; steps: number; seconds: number; imagesPerSecond: number; secondsPerEpoch: number; losses: number[] }

/** Trains `steps` batches (after `warmup` untimed ones) on the given backend from seed 1. */
async function timeBackend(backend: string, data: MnistData, steps: number, warmup: number, threads: number | null): Promise<Timing> {
  await selectBackend(backend, threads);
  const model = buildLenet(DEFAULT_ARCH, ['relu', 'tanh', 'relu'], 36, 1);
  const optimizer = createOptimizer('adam', 1e-4, backend);
  const pixels = 36 * 36;
  const losses: number[] = [];
  const step = (i: number) => {
    const start = (i * BATCH) % (data.train.count - BATCH);
    const labels = data.train.labels.slice(start, start + BATCH);
    const probs = trainBatch(model, optimizer, data.train.images.slice(start * pixels, (start + BATCH) * pixels), labels, 'crossentropy', 36);
    const t = emptyTally();
    tallyProbabilities(t, probs, labels);
    losses.push(t.loss / t.count);
  };
  for (let i = 0; i < warmup; i++) step(i);
  const began = process.hrtime.bigint();
  for (let i = warmup; i < warmup + steps; i++) step(i);
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  model.dispose();
  optimizer.dispose();
  const imagesPerSecond = (steps * BATCH) / seconds;
  return { backend, steps, seconds, imagesPerSecond, secondsPerEpoch: EPOCH_IMAGES / imagesPerSecond, losses };
}

function timeTorch(steps: number, threads: number): { imagesPerSecond: number; secondsPerEpoch: number; torch: string } | { skipped: string } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: '/usr/bin/python3 has no torch' };
  const script = path.join(__dirname, '..', '..', 'bench', 'pytorch_lenet.py');
  const r = spawnSync('/usr/bin/python3', [script, locateMnist().dir, String(steps), String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `pytorch run failed: ${r.stderr.trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { imagesPerSecond: out.images_per_second, secondsPerEpoch: out.seconds_per_epoch, torch: out.torch };
}

async function main(): Promise<void> {
  const steps = flag('--steps', 300);
  const cpuSteps = flag('--cpu-steps', 3);
  const threads = flag('--threads', os.cpus().length);
  const torchSteps = flag('--torch-steps', 300);
  const json = process.argv.includes('--json');
  const log = (s: string) => { if (!json) process.stdout.write(s + '\n'); };
  const data = loadMnist({ resize: 'bilinear', limit: Math.min(60000, Math.max(steps + 20, cpuSteps) * BATCH) });

  // Verify before timing: the same first steps on cpu and native.
  log(`verifying: ${cpuSteps} steps on cpu and native from the same weights…`);
  const cpu = await timeBackend('cpu', data, cpuSteps, 0, null);
  const nativeCheck = await timeBackend('native', data, cpuSteps, 0, threads);
  const maxLossDiff = Math.max(...cpu.losses.map((l, i) => Math.abs(l - nativeCheck.losses[i])));
  if (!(maxLossDiff < 1e-3)) throw new Error(`native and cpu disagree: max loss difference ${maxLossDiff}`);
  log(`  per-step losses agree (max difference ${maxLossDiff.toExponential(2)})`);

  const native = await timeBackend('native', data, steps, 10, threads);
  const torch = process.argv.includes('--no-torch') ? { skipped: '--no-torch' } : timeTorch(torchSteps, threads);
  const result = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, threads },
    native: { steps: native.steps, imagesPerSecond: native.imagesPerSecond, secondsPerEpoch: native.secondsPerEpoch },
    cpu: { steps: cpu.steps, imagesPerSecond: cpu.imagesPerSecond, secondsPerEpoch: cpu.secondsPerEpoch },
    pytorch: torch,
    ratios: {
      nativeOverCpuSpeed: native.imagesPerSecond / cpu.imagesPerSecond,
      nativeOverPytorchTime: 'secondsPerEpoch' in torch ? native.secondsPerEpoch / torch.secondsPerEpoch : null,
    },
    verification: { steps: cpuSteps, maxLossDifference: maxLossDiff },
  };
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const row = (name: string, ips: number, spe: number) => log(`  ${name.padEnd(28)} ${ips.toFixed(0).padStart(8)} img/s  ${spe.toFixed(2).padStart(9)} s/epoch`);
  log(`\ntraining speed, batch 50, tanh-relu, Adam (${result.machine.cpus} cores, ${threads} threads):`);
  row(`lenet native (${steps} steps)`, native.imagesPerSecond, native.secondsPerEpoch);
  row(`lenet cpu (${cpuSteps} steps)`, cpu.imagesPerSecond, cpu.secondsPerEpoch);
  if ('secondsPerEpoch' in torch) row(`pytorch ${torch.torch} (${torchSteps} steps)`, torch.imagesPerSecond, torch.secondsPerEpoch);
  else log(`  pytorch: skipped (${torch.skipped})`);
  log(`\n  native / cpu speed:          ${result.ratios.nativeOverCpuSpeed.toFixed(0)}×`);
  if (result.ratios.nativeOverPytorchTime !== null) log(`  native / pytorch epoch time: ${result.ratios.nativeOverPytorchTime.toFixed(2)}×`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
