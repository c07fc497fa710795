/**
 * `npm run bench -- --agreement`: the fused engine against the tfjs engine over whole epochs of
 * the full data — the same seed, initial weights and batch order — epoch by epoch: train and test
 * loss and accuracy side by side, and the largest relative difference of the losses. Fails (exit
 * 1) when a loss differs by more than --tolerance (default 1 %). Too long for `npm test`; the
 * one-step and few-step agreement is tested there (test/fused-engine.test.ts).
 *
 *   npm run bench -- --agreement [--epochs 2] [--schedule relu,tanh,relu] [--seed 1] [--limit N] [--tolerance 0.01] [--json]
 */
import { DEFAULT_ARCH, LossName, OptimizerName } from '../src/options/types';
import { loadMnist } from '../src/data/mnist';
import { parseScheduleSpec } from '../src/model/activations';
import { buildLenet } from '../src/model/lenet';
import { selectBackend } from '../src/backend/index';
import { EpochRow } from '../src/rundir/epochs';
import { tfjsEngine, TrainingEngine } from '../src/train/engine';
import { fusedEngine } from '../src/train/fused-engine';
import { createOptimizer } from '../src/train/optimizer';
import { Rng } from '../src/train/rng';
import { trainWithEngine } from '../src/train/trainer';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export async function agreementBench(): Promise<void> {
  const epochs = Number(arg('--epochs', '2'));
  const seed = Number(arg('--seed', '1'));
  const tolerance = Number(arg('--tolerance', '0.01'));
  const limit = process.argv.includes('--limit') ? Number(arg('--limit', '60000')) : undefined;
  const schedule = parseScheduleSpec(arg('--schedule', 'tanh-relu'));
  const loss: LossName = arg('--loss', 'crossentropy') === 'paper' ? 'paper' : 'crossentropy';
  const optimizer = arg('--optimizer', 'adam') as OptimizerName;
  const lr = Number(arg('--lr', '0.0001'));
  const json = process.argv.includes('--json');
  const data = loadMnist({ resize: 'bilinear', size: 36, limit });
  const backend = await selectBackend('native', null);
  const rows: Record<string, EpochRow[]> = {};
  for (const name of ['fused', 'tfjs'] as const) {
    const model = buildLenet(DEFAULT_ARCH, schedule, 36, seed);
    const opt = name === 'tfjs' ? createOptimizer(optimizer, lr, backend.name) : null;
    const engine: TrainingEngine =
      name === 'tfjs'
        ? tfjsEngine(model, opt, loss, 36)
        : fusedEngine(model, { arch: DEFAULT_ARCH, schedule, imageSize: 36, loss, optimizer, learningRate: lr });
    const result = await trainWithEngine(
      engine,
      data.train,
      data.test,
      { epochs, batchSize: 50, loss, imageSize: 36 },
      { epoch: 0, rngState: new Rng(seed).state },
    );
    rows[name] = result.rows;
    model.dispose();
    opt?.dispose();
  }
  const metrics = ['train_loss', 'test_loss', 'train_accuracy', 'test_accuracy'] as const;
  const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  let worst = 0;
  const table = rows.tfjs.map((t, i) => {
    const f = rows.fused[i];
    const lossDiff = Math.max(relative(f.train_loss, t.train_loss), relative(f.test_loss, t.test_loss));
    worst = Math.max(worst, lossDiff);
    return { epoch: t.epoch, fused: f, tfjs: t, lossDiff };
  });
  if (json) {
    process.stdout.write(
      JSON.stringify({ data: `${data.train.count} / ${data.test.count}`, schedule, seed, worst, tolerance, table }, null, 2) + '\n',
    );
  } else {
    process.stdout.write(
      `fused vs tfjs (native backend), ${schedule.join(',')}, ${loss}, ${optimizer} ${lr}, seed ${seed}, ${data.train.count} / ${data.test.count} images:\n`,
    );
    for (const r of table) {
      const cells = metrics.map((m) => `${m} ${r.fused[m].toFixed(5)} / ${r.tfjs[m].toFixed(5)}`).join('  ');
      process.stdout.write(
        `  epoch ${r.epoch}: ${cells}  (losses within ${(100 * r.lossDiff).toFixed(3)} %; s ${r.fused.seconds.toFixed(1)} / ${r.tfjs.seconds.toFixed(1)})\n`,
      );
    }
    process.stdout.write(`  largest loss difference ${(100 * worst).toFixed(3)} % (tolerance ${(100 * tolerance).toFixed(1)} %)\n`);
  }
  if (!(worst <= tolerance)) {
    process.stderr.write(
      `bench: the engines' losses differ by ${(100 * worst).toFixed(3)} %, more than ${(100 * tolerance).toFixed(1)} %\n`,
    );
    process.exitCode = 1;
  }
}
