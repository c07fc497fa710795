/**
 * `npm run bench -- --campaign`: campaign throughput, one cell at a time with every core versus
 * cells side by side (--jobs), on the same small campaign (4 schedules × 1 epoch × 12 000 images by
 * default) — jobs × threads = 1 × cores and cores × 1, in one run. Verifies first: both must give
 * every cell the same epochs.csv (seconds aside) and bit-identical weights. Then times each, passes
 * interleaved (the machine may be shared), and prints cells per hour, the ratio, and the peak
 * resident memory of the campaign process and of each worker.
 *
 *   npm run bench -- --campaign [--limit 12000] [--epochs 1] [--reps 3] [--verify-limit 1200] [--json]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCHEDULES = ['sigmoid', 'tanh', 'relu', 'tanh-relu'];
const CELL_DIRS = ['sigmoid/seed-1', 'tanh/seed-1', 'relu/seed-1', 'tanh-relu/seed-1'];

interface Layout {
  jobs: number;
  threads: number;
}
interface Pass {
  seconds: number;
  parentMaxRssBytes: number;
  workers: { cells: number; maxRssBytes: number | null }[];
}

function runCampaign(layout: Layout, limit: number, epochs: number, outDir: string): Pass {
  const driver = path.join(__dirname, 'campaign-run.js');
  const args = JSON.stringify({ outDir, ...layout, limit, epochs, schedules: SCHEDULES });
  const r = spawnSync(process.execPath, [driver, args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`campaign ${layout.jobs}×${layout.threads} failed: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Pass;
}

function withoutSeconds(file: string): string {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const at = lines[0].split(',').indexOf('seconds');
  return lines
    .map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== at)
        .join(','),
    )
    .join('\n');
}

/** Every cell of b equals a's: epochs.csv but for seconds, and the weights bit for bit. */
function sameCells(a: string, b: string): string | null {
  for (const c of CELL_DIRS) {
    if (withoutSeconds(path.join(a, c, 'epochs.csv')) !== withoutSeconds(path.join(b, c, 'epochs.csv'))) return `${c}: epochs.csv differs`;
    if (!fs.readFileSync(path.join(a, c, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(b, c, 'model', 'weights.bin'))))
      return `${c}: weights differ`;
  }
  return null;
}

/** MB = 10⁶ bytes, as in docs/performance.md. */
const mb = (bytes: number | null) => (bytes === null ? '?' : `${Math.round(bytes / 1e6)} MB`);

export function campaignBench(flag: (name: string, fallback: number) => number, json: boolean): void {
  const limit = flag('--limit', 12000);
  const epochs = flag('--epochs', 1);
  const reps = flag('--reps', 3);
  const verifyLimit = flag('--verify-limit', 1200);
  const cores = os.availableParallelism();
  const layouts: Layout[] = [
    { jobs: 1, threads: cores },
    { jobs: Math.min(cores, SCHEDULES.length), threads: Math.max(1, Math.floor(cores / Math.min(cores, SCHEDULES.length))) },
  ];
  const name = (l: Layout) => `${l.jobs}×${l.threads}`;
  const log = (s: string) => {
    if (!json) process.stdout.write(s + '\n');
  };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet-bench-campaign-'));
  try {
    log(
      `verifying: ${layouts.map(name).join(' and ')} (jobs × threads) on ${SCHEDULES.length} cells × ${epochs} epoch × ${verifyLimit} images…`,
    );
    const dirs = layouts.map((l) => path.join(scratch, `verify-${name(l)}`));
    layouts.forEach((l, i) => runCampaign(l, verifyLimit, epochs, dirs[i]));
    const diff = sameCells(dirs[0], dirs[1]);
    if (diff) throw new Error(`${name(layouts[0])} and ${name(layouts[1])} disagree: ${diff}`);
    log('  every cell: the same epochs.csv (seconds aside) and bit-identical weights');

    const passes: Pass[][] = layouts.map(() => []);
    for (let r = 0; r < reps; r++) {
      layouts.forEach((l, i) => {
        const out = path.join(scratch, `time-${name(l)}-${r}`);
        passes[i].push(runCampaign(l, limit, epochs, out));
        fs.rmSync(out, { recursive: true, force: true });
      });
    }
    const summary = layouts.map((l, i) => {
      const secs = passes[i].map((p) => p.seconds);
      const best = Math.min(...secs);
      return {
        jobs: l.jobs,
        threads: l.threads,
        seconds: secs,
        bestSeconds: best,
        cellsPerHour: (SCHEDULES.length * 3600) / best,
        parentMaxRssBytes: Math.max(...passes[i].map((p) => p.parentMaxRssBytes)),
        workerMaxRssBytes: passes[i].flatMap((p) => p.workers.map((w) => w.maxRssBytes ?? 0)),
      };
    });
    const perPass = passes[0].map((p, r) => p.seconds / passes[1][r].seconds);
    const result = {
      machine: { cores, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg() },
      campaign: { cells: SCHEDULES.length, schedules: SCHEDULES, epochs, images: limit, reps },
      verification: { images: verifyLimit, identical: true },
      layouts: summary,
      ratio: { cellsPerHour: summary[1].cellsPerHour / summary[0].cellsPerHour, perPass },
    };
    if (json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    log(
      `\ncampaign throughput: ${SCHEDULES.length} cells (${SCHEDULES.join(', ')}) × ${epochs} epoch × ${limit} images, ${cores} cores, ` +
        `load average ${os.loadavg()[0].toFixed(1)}; training time of the whole campaign, best of ${reps} interleaved passes:`,
    );
    for (const s of summary) {
      const rss =
        s.jobs > 1
          ? `campaign process ${mb(s.parentMaxRssBytes)}, workers ${mb(Math.min(...s.workerMaxRssBytes))}–${mb(Math.max(...s.workerMaxRssBytes))}`
          : `${mb(s.parentMaxRssBytes)}`;
      log(
        `  jobs × threads ${`${s.jobs} × ${s.threads}`.padEnd(7)} ${s.bestSeconds.toFixed(1).padStart(6)} s (passes ${s.seconds.map((x) => x.toFixed(1)).join(', ')})  ` +
          `${s.cellsPerHour.toFixed(0).padStart(6)} cells/h   peak RSS ${rss}`,
      );
    }
    log(
      `\n  ${name(layouts[1])} / ${name(layouts[0])} cells per hour: ${result.ratio.cellsPerHour.toFixed(2)}× (pass by pass ${Math.min(...perPass).toFixed(2)}–${Math.max(...perPass).toFixed(2)}×)`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
