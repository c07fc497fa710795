/**
 * `npm run bench`: the default model (tanh-relu, batch 50, Adam 1e-4) on real MNIST, in one run:
 * training steps on the fused engine, on the tfjs engine with the native and the pure-JS cpu
 * backends, and the identical PyTorch model (when /usr/bin/python3 has torch); a thread-scaling
 * table from 1 thread to every core for fused, tfjs+native and PyTorch; and the CLI's own epoch,
 * `lenet train --epochs 1` on the full data (60 000 training images and the 10 000-image test
 * pass), with its peak resident memory. Ratios side by side.
 *
 * Verifies before it times: the three lenet contenders start from the same weights and must agree
 * on the first steps' losses. The machine may be shared: every timed figure is the best of --reps
 * passes taken in turn (fused, tfjs+native, PyTorch, for each thread count, then again), and the
 * range of the passes is shown beside it. A timed lenet step includes gathering its batch, as
 * training does (the fused engine resizes the raw images itself; tfjs gets floats from
 * ImageSet.gather); PyTorch's steps read images resized up front.
 *
 *   npm run bench -- [--steps 300] [--cpu-steps 3] [--reps 3] [--threads N] [--no-torch] [--no-epoch] [--json]
 *
 * `npm run bench -- --campaign` times whole campaigns instead, one cell at a time versus --jobs
 * (bench/campaign.ts); `npm run bench -- --agreement` trains whole epochs on both engines and
 * compares their losses (bench/agreement.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ARCH } from '../src/options/types';
import { loadMnist, locateMnist, MnistData } from '../src/data/mnist';
import { Schedule } from '../src/model/activations';
import { buildLenet } from '../src/model/lenet';
import { selectBackend } from '../src/backend/index';
import { loadNativeAddon } from '../src/backend/native';
import { TrainingEngine, tfjsEngine } from '../src/train/engine';
import { fusedEngine } from '../src/train/fused-engine';
import { createOptimizer } from '../src/train/optimizer';
import { emptyTally, tallyProbabilities } from '../src/inference/predictions';
import { campaignBench } from './campaign';
import { agreementBench } from './agreement';

const BATCH = 50;
const EPOCH_IMAGES = 60000;
const SCHEDULE: Schedule = ['relu', 'tanh', 'relu'];
const LR = 1e-4;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

type Contender = 'fused' | 'tfjs+native' | 'tfjs+cpu';

/** The engine of a contender with `threads` kernel threads, from the seed-1 weights. */
async function engineFor(contender: Contender, threads: number): Promise<{ engine: TrainingEngine; dispose(): void }> {
  const backend = contender === 'tfjs+cpu' ? 'cpu' : 'native';
  await selectBackend(backend, contender === 'tfjs+cpu' ? null : threads);
  loadNativeAddon()?.setThreads(threads);
  const model = buildLenet(DEFAULT_ARCH, SCHEDULE, 36, 1);
  if (contender === 'fused') {
    const engine = fusedEngine(model, {
      arch: DEFAULT_ARCH,
      schedule: SCHEDULE,
      imageSize: 36,
      loss: 'crossentropy',
      optimizer: 'adam',
      learningRate: LR,
    });
    return { engine, dispose: () => model.dispose() };
  }
  const optimizer = createOptimizer('adam', LR, backend);
  return {
    engine: tfjsEngine(model, optimizer, 'crossentropy', 36),
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
}

/** Batch i of the bench: consecutive images, as indices into the training set. */
function batchIndices(data: MnistData, i: number): Uint32Array {
  const start = (i * BATCH) % (data.train.count - BATCH);
  return Uint32Array.from({ length: BATCH }, (_, k) => start + k);
}

interface Pass {
  imagesPerSecond: number;
  losses: number[];
}

/** `steps` training steps after `warmup` untimed ones; the losses of the timed steps. */
async function pass(contender: Contender, data: MnistData, steps: number, warmup: number, threads: number): Promise<Pass> {
  const { engine, dispose } = await engineFor(contender, threads);
  const losses: number[] = [];
  let next = 0;
  const step = () => {
    const indices = batchIndices(data, next++);
    const labels = Uint8Array.from(indices, (k) => data.train.labels[k]);
    const tally = emptyTally();
    tallyProbabilities(tally, engine.trainIndices(data.train, indices, labels), labels);
    losses.push(tally.loss / tally.count);
  };
  for (let i = 0; i < warmup; i++) step();
  losses.length = 0;
  const began = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) step();
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  dispose();
  return { imagesPerSecond: (steps * BATCH) / seconds, losses };
}

/** A pause after a child process: its exit and the kernel's reclaim of its memory run on into the next pass otherwise. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, Number(process.env.BENCH_SETTLE_MS ?? 2000)));

interface TorchPass {
  imagesPerSecond: number;
  torch: string;
}

function torchAvailable(): string | null {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

function torchPass(steps: number, threads: number): TorchPass {
  const script = path.join(__dirname, '..', '..', 'bench', 'pytorch_lenet.py');
  const r = spawnSync('/usr/bin/python3', [script, locateMnist().dir, String(steps), String(threads), '1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pytorch run failed: ${r.stderr.trim().split('\n').pop()}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { imagesPerSecond: out.images_per_second, torch: out.torch };
}

interface EpochRun {
  seconds: number;
  peakRssMB: number;
  engine: string;
  trainImages: number;
  testImages: number;
}

/** `lenet train --epochs 1` on the full default data: its epoch seconds (epochs.csv) and peak RSS (MB = 10^6 bytes). */
function cliEpoch(threads: number): EpochRun {
  const root = path.join(__dirname, '..', '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-bench-epoch-'));
  try {
    const rssFile = path.join(dir, 'max-rss');
    const out = path.join(dir, 'run');
    const args = ['train', '--epochs', '1', '--threads', String(threads), '--quiet', '--out', out];
    const r = spawnSync(process.execPath, ['--require', path.join(__dirname, 'max-rss.js'), path.join(root, 'bin', 'lenet.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, LENET_MAX_RSS_FILE: rssFile },
    });
    if (r.status !== 0) throw new Error(`lenet train failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    const csv = fs.readFileSync(path.join(out, 'epochs.csv'), 'utf8').trim().split('\n');
    return {
      seconds: Number(csv[1].split(',')[csv[0].split(',').indexOf('seconds')]),
      peakRssMB: (Number(fs.readFileSync(rssFile, 'utf8')) * 1024) / 1e6,
      engine: manifest.engine?.name ?? 'tfjs',
      trainImages: manifest.data.trainCount,
      testImages: manifest.data.testCount,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Best (largest) of a list and its range. */
function summary(values: number[]): { best: number; min: number; max: number } {
  return { best: Math.max(...values), min: Math.min(...values), max: Math.max(...values) };
}

async function main(): Promise<void> {
  if (process.argv.includes('--campaign')) return campaignBench(flag, process.argv.includes('--json'));
  if (process.argv.includes('--agreement')) return agreementBench();
  const steps = flag('--steps', 300);
  const cpuSteps = flag('--cpu-steps', 3);
  const reps = flag('--reps', 3);
  const cores = flag('--threads', os.cpus().length);
  const json = process.argv.includes('--json');
  const log = (s: string) => {
    if (!json) process.stdout.write(s + '\n');
  };
  const threadCounts = [...new Set([1, 2, 4, 8, 16, 32, 64].filter((t) => t < cores).concat([cores]))];
  const data = loadMnist({ resize: 'bilinear', limit: Math.min(60000, Math.max(steps + 20, cpuSteps) * BATCH) });
  const torchVersion = process.argv.includes('--no-torch') ? null : torchAvailable();

  // Verify before timing: the same first steps on the three lenet contenders.
  log(`verifying: ${cpuSteps} steps on tfjs+cpu, tfjs+native and fused from the same weights…`);
  const cpu = await pass('tfjs+cpu', data, cpuSteps, 0, 1);
  const verify = { native: await pass('tfjs+native', data, cpuSteps, 0, cores), fused: await pass('fused', data, cpuSteps, 0, cores) };
  const lossDiff = Math.max(...cpu.losses.flatMap((l, i) => [Math.abs(l - verify.native.losses[i]), Math.abs(l - verify.fused.losses[i])]));
  if (!(lossDiff < 1e-4)) throw new Error(`the contenders disagree: max loss difference ${lossDiff}`);
  log(`  per-step losses agree (max difference ${lossDiff.toExponential(2)})`);

  // Timed passes, interleaved: every contender and thread count once per round.
  const timings: Record<string, number[]> = {};
  const record = (name: string, threads: number, ips: number) => (timings[`${name}@${threads}`] ??= []).push(ips);
  const epochs: EpochRun[] = [];
  for (let r = 0; r < reps; r++) {
    log(`round ${r + 1} of ${reps}…`);
    for (const t of threadCounts) {
      record('fused', t, (await pass('fused', data, steps, 10, t)).imagesPerSecond);
      record('tfjs+native', t, (await pass('tfjs+native', data, steps, 10, t)).imagesPerSecond);
      if (torchVersion) record('pytorch', t, torchPass(steps, t).imagesPerSecond);
      await settle();
    }
    if (!process.argv.includes('--no-epoch')) epochs.push(cliEpoch(cores));
    await settle();
  }
  loadNativeAddon()?.setThreads(0);

  const at = (name: string, t: number) => summary(timings[`${name}@${t}`] ?? [0]);
  const contenders = ['fused', 'tfjs+native', ...(torchVersion ? ['pytorch'] : [])];
  const best = (name: string) => Math.max(...threadCounts.map((t) => at(name, t).best));
  const torchBest = torchVersion ? best('pytorch') : null;
  const epochBest = epochs.length ? Math.min(...epochs.map((e) => e.seconds)) : null;
  const fused1 = at('fused', 1).best;
  const result = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, simd: loadNativeAddon()?.simdInUse() ?? null },
    reps,
    steps,
    verification: { steps: cpuSteps, maxLossDifference: lossDiff },
    pytorch: torchVersion,
    imagesPerSecond: Object.fromEntries(contenders.map((c) => [c, Object.fromEntries(threadCounts.map((t) => [t, at(c, t)]))])),
    cpu: { steps: cpuSteps, imagesPerSecond: cpu.imagesPerSecond },
    cliEpoch: epochs.length
      ? {
          threads: cores,
          engine: epochs[0].engine,
          images: `${epochs[0].trainImages} + ${epochs[0].testImages} test`,
          seconds: { best: epochBest, min: epochBest, max: Math.max(...epochs.map((e) => e.seconds)) },
          peakRssMB: { min: Math.min(...epochs.map((e) => e.peakRssMB)), max: Math.max(...epochs.map((e) => e.peakRssMB)) },
        }
      : null,
    ratios: {
      msPerStepFused1Thread: (BATCH * 1000) / fused1,
      fusedOverTfjsNativeSpeed: Object.fromEntries(threadCounts.map((t) => [t, at('fused', t).best / at('tfjs+native', t).best])),
      fusedSpeedupOver1Thread: Object.fromEntries(threadCounts.map((t) => [t, at('fused', t).best / fused1])),
      pytorchSpeedupOver1Thread: torchVersion
        ? Object.fromEntries(threadCounts.map((t) => [t, at('pytorch', t).best / at('pytorch', 1).best]))
        : null,
      fusedEpochOverPytorchEpoch: torchBest ? torchBest / best('fused') : null,
      cliEpochOverPytorchEpoch: torchBest && epochBest ? epochBest / (EPOCH_IMAGES / torchBest) : null,
      fusedOverCpuSpeed: best('fused') / cpu.imagesPerSecond,
    },
  };
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const range = (s: { min: number; max: number }, digits = 0) => `${s.min.toFixed(digits)}–${s.max.toFixed(digits)}`;
  const cell = (v: string, w: number) => v.padStart(w);
  log(
    `\ntraining steps, batch 50, tanh-relu, Adam (${result.machine.cpus} cores, ${result.machine.cpuModel}, ${result.machine.simd}; best of ${reps} interleaved passes, range after it):`,
  );
  log(`  ${'contender'.padEnd(24)} ${'threads'.padStart(7)} ${'img/s'.padStart(8)} ${'range'.padStart(13)} ${'s/epoch'.padStart(8)}`);
  for (const c of contenders)
    for (const t of threadCounts) {
      const s = at(c, t);
      const name = c === 'pytorch' ? `pytorch ${torchVersion}` : c;
      log(
        `  ${name.padEnd(24)} ${cell(String(t), 7)} ${cell(s.best.toFixed(0), 8)} ${cell(range(s), 13)} ${cell((EPOCH_IMAGES / s.best).toFixed(2), 8)}`,
      );
    }
  log(
    `  ${'tfjs+cpu'.padEnd(24)} ${cell('1', 7)} ${cell(cpu.imagesPerSecond.toFixed(1), 8)} ${cell(`(${cpuSteps} steps)`, 13)} ${cell((EPOCH_IMAGES / cpu.imagesPerSecond).toFixed(0), 8)}`,
  );
  if (!torchVersion) log(`  pytorch: skipped (${process.argv.includes('--no-torch') ? '--no-torch' : '/usr/bin/python3 has no torch'})`);

  log(`\nthread scaling (speed over 1 thread, best passes):`);
  log(`  ${'threads'.padStart(7)} ${'fused'.padStart(7)} ${'tfjs+native'.padStart(12)}${torchVersion ? ' pytorch'.padStart(9) : ''}`);
  for (const t of threadCounts)
    log(
      `  ${cell(String(t), 7)} ${cell(`${(at('fused', t).best / fused1).toFixed(2)}×`, 7)} ${cell(`${(at('tfjs+native', t).best / at('tfjs+native', 1).best).toFixed(2)}×`, 12)}${
        torchVersion ? cell(`${(at('pytorch', t).best / at('pytorch', 1).best).toFixed(2)}×`, 9) : ''
      }`,
    );

  if (result.cliEpoch) {
    const e = result.cliEpoch;
    log(`\nthe CLI's epoch: lenet train --epochs 1, ${e.images} images, engine ${e.engine}, ${e.threads} threads:`);
    log(
      `  ${e.seconds.best!.toFixed(2)} s (range ${range(e.seconds as { min: number; max: number }, 2)} s), peak RSS ${range(e.peakRssMB)} MB`,
    );
  }
  log(`\nratios (same run):`);
  log(`  fused at 1 thread: ${result.ratios.msPerStepFused1Thread.toFixed(2)} ms per step of 50 images`);
  for (const t of threadCounts)
    log(`  fused / tfjs+native speed, ${t} thread${t > 1 ? 's' : ''}: ${result.ratios.fusedOverTfjsNativeSpeed[t].toFixed(2)}×`);
  log(`  fused ${cores} threads / 1 thread: ${result.ratios.fusedSpeedupOver1Thread[cores].toFixed(2)}×`);
  if (result.ratios.fusedEpochOverPytorchEpoch !== null)
    log(
      `  fused training-step epoch / PyTorch's (both at their best thread count): ${result.ratios.fusedEpochOverPytorchEpoch.toFixed(3)}`,
    );
  if (result.ratios.cliEpochOverPytorchEpoch !== null)
    log(`  the CLI's epoch (test pass included) / PyTorch's training epoch: ${result.ratios.cliEpochOverPytorchEpoch.toFixed(3)}`);
  log(`  fused / tfjs+cpu speed: ${result.ratios.fusedOverCpuSpeed.toFixed(0)}×`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
