import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { printMessage, usageError } from '../errors';
import { parseShard, Shard } from '../train/grid';
import { isShardEngine, shardFromEnv } from '../train/engines/shard-env';
import { shellQuote } from '../train/engines/quote';
import { SlurmCampaign, submissionGuide, submitSlurm } from '../train/engines/slurm-submit';
import { parseJobs } from '../train/workers';

/**
 * The options `compare` and `sweep` share for running on a cluster: `--shard` (by hand or from a
 * SLURM / Kubernetes array's environment) and `--submit slurm --shards N [--sbatch-arg ...]`.
 */
export function addClusterOptions(cmd: Command): Command {
  return cmd
    .option(
      '--shard <K/N|slurm|k8s|auto>',
      'run only shard K of N (cells i with i mod N = K-1 of the fixed order); slurm, k8s or auto: K/N from the SLURM job array task or Kubernetes Indexed Job pod this runs in; merge shard folders with lenet merge',
    )
    .addOption(
      new Option(
        '--submit <engine>',
        'submit the whole campaign to a cluster: an array job of --shards tasks, then a merge and report job',
      ).choices(['slurm']),
    )
    .option('--shards <n>', 'number of array tasks for --submit')
    .option(
      '--sbatch-arg <option>',
      'an extra sbatch option for both jobs of --submit slurm, e.g. --sbatch-arg=--partition=cpu (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    );
}

/** The shard this process runs: all cells, `--shard K/N`, or K/N from the engine's environment. */
export function campaignShard(opts: Record<string, unknown>): Shard {
  if (opts.submit !== undefined) {
    if (opts.shard !== undefined) throw usageError('--submit runs every shard as an array task: leave out --shard');
    return { k: 1, n: 1 };
  }
  if (opts.shards !== undefined) throw usageError('--shards goes with --submit slurm');
  if (opts.sbatchArg !== undefined) throw usageError('--sbatch-arg goes with --submit slurm');
  if (opts.shard === undefined) return { k: 1, n: 1 };
  const value = String(opts.shard).trim();
  if (isShardEngine(value)) {
    const s = shardFromEnv(value, process.env);
    if (!opts.quiet && !opts.json) printMessage(`--shard ${value}: shard ${s.k}/${s.n} (${s.from})`);
    return { k: s.k, n: s.n };
  }
  if (!/^\d+\s*\/\s*\d+$/.test(value)) throw usageError(`--shard must look like K/N (e.g. 1/4), or be slurm, k8s or auto; got "${value}"`);
  return parseShard(value);
}

/** Options that describe how to run, not what: the array tasks get their own. */
const NOT_FORWARDED = ['out', 'shard', 'submit', 'shards', 'sbatchArg'];

/** The campaign's flags exactly as given on the command line (commander knows their source), for the array tasks. */
function givenFlags(cmd: Command): string[] {
  const out: string[] = [];
  for (const o of cmd.options) {
    const name = o.attributeName();
    if (NOT_FORWARDED.includes(name) || cmd.getOptionValueSource(name) !== 'cli' || !o.long) continue;
    const v: unknown = cmd.getOptionValue(name);
    if (v === undefined || v === false) continue;
    out.push(v === true ? o.long : `${o.long}=${String(v)}`);
  }
  return out;
}

/** The bin/lenet.js this process runs (through npx's symlink, if so). */
function runningBin(): string {
  const argv1 = process.argv[1] ? fs.realpathSync(process.argv[1]) : '';
  return path.basename(argv1) === 'lenet.js' ? argv1 : path.resolve(__dirname, '..', '..', '..', 'bin', 'lenet.js');
}

/**
 * `--submit slurm`: writes and submits the jobs instead of training here, prints the job ids and
 * how to watch and resume (or JSON). False when nothing was asked to be submitted.
 */
export function submitIfAsked(
  cmd: Command,
  opts: Record<string, unknown>,
  what: { command: 'sweep' | 'compare'; cells: number; threads: number | null },
): boolean {
  if (opts.submit === undefined) return false;
  if (opts.shards === undefined) throw usageError('--submit slurm needs --shards N (the number of array tasks)');
  if (opts.out === undefined) throw usageError('--submit slurm needs --out DIR, on storage every node of the cluster sees');
  const shards = String(opts.shards).trim();
  if (!/^\d+$/.test(shards) || Number(shards) < 1) throw usageError(`--shards must be a whole number of at least 1, got "${shards}"`);
  const args = givenFlags(cmd);
  const campaign: SlurmCampaign = {
    command: what.command,
    args,
    outDir: path.resolve(String(opts.out)),
    shards: Number(shards),
    cells: what.cells,
    sbatchArgs: (opts.sbatchArg as string[] | undefined) ?? [],
    threads: what.threads ?? undefined,
    jobs: parseJobs(opts.jobs) ?? undefined,
    node: process.execPath,
    bin: runningBin(),
    cwd: process.cwd(),
  };
  const submission = submitSlurm(campaign);
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({ engine: 'slurm', outDir: campaign.outDir, cells: campaign.cells, shards: campaign.shards, ...submission }, null, 2) +
        '\n',
    );
  } else {
    const again = [
      'lenet',
      what.command,
      ...args,
      '--submit=slurm',
      `--shards=${shards}`,
      ...campaign.sbatchArgs.map((a) => `--sbatch-arg=${a}`),
      `--out=${campaign.outDir}`,
    ];
    process.stdout.write(submissionGuide(campaign, submission, again.map(shellQuote).join(' ')));
  }
  return true;
}
