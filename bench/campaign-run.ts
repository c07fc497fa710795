/**
 * One campaign of the campaign bench (bench/campaign.ts), in a process of its own so that each
 * configuration starts cold: trains the cells with runGrid (the code path of `lenet compare`,
 * without the table and charts) and prints, as one JSON line, the wall-clock time of the training
 * and the peak resident memory of this process and of each worker.
 *
 *   node dist/bench/campaign-run.js '{"outDir": "...", "jobs": 2, "threads": 1, "limit": 12000, "epochs": 1, "schedules": ["relu"]}'
 */
import { parseScheduleSpec } from '../src/model/activations';
import { gridCells } from '../src/train/grid';
import { runGrid } from '../src/train/campaign';

interface CampaignRun {
  outDir: string;
  jobs: number;
  threads: number;
  limit: number;
  epochs: number;
  schedules: string[];
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as CampaignRun;
  const cells = gridCells(
    o.schedules.map((s) => parseScheduleSpec(s, 'schedules')),
    [1],
  );
  const began = process.hrtime.bigint();
  const results = await runGrid({
    kind: 'comparison',
    cells,
    outDir: o.outDir,
    jobs: o.jobs,
    base: { limit: o.limit, epochs: o.epochs, threads: o.threads, backend: 'native' },
  });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  if (results.failed || results.stopped || results.length !== cells.length)
    throw new Error(`the campaign did not finish: ${JSON.stringify(results.failed ?? 'stopped')}`);
  process.stdout.write(
    JSON.stringify({
      seconds,
      cells: cells.length,
      parentMaxRssBytes: process.resourceUsage().maxRSS * 1024,
      workers: (results.workers ?? []).map((w) => ({ cells: w.cells, maxRssBytes: w.maxRssBytes })),
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`campaign-run: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
