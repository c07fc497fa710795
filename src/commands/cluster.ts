import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { usageError, printMessage, printJson, printResult } from '../errors';
import { optionValue, parseOptionValue } from '../options/parse';
import { Shard } from '../options/types';
import { shardFromEnv } from '../cluster/shard-env';
import { SlurmCampaign, submissionGuide, submitSlurm } from '../cluster/slurm-submit';

/**
 * The shard this process runs: all cells, `--shard K/N`, or K/N from the engine's environment
 * (`compare` and `sweep` share these options: `--shard`, and `--submit slurm --shards N [--sbatch-arg ...]`).
 */
export function campaignShard(opts: Record<string, unknown>): Shard {
  if (opts.submit !== undefined) {
    parseOptionValue('submit', opts.submit);
    if (opts.shard !== undefined) throw usageError('--submit runs every shard as an array task: leave out --shard');
    return { k: 1, n: 1 };
  }
  if (opts.shards !== undefined) throw usageError('--shards goes with --submit slurm');
  if (opts.sbatchArg !== undefined) throw usageError('--sbatch-arg goes with --submit slurm');
  if (opts.shard === undefined) return { k: 1, n: 1 };
  const shard = parseOptionValue('shard', opts.shard);
  if (typeof shard !== 'string') return shard;
  const s = shardFromEnv(shard, process.env);
  if (!opts.quiet && !opts.json) printMessage(`--shard ${shard}: shard ${s.k}/${s.n} (${s.from})`);
  return { k: s.k, n: s.n };
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
    // A repeatable option (--vary, --sbatch-arg) is given once per value, as the user gave it.
    if (Array.isArray(v)) for (const item of v) out.push(`${o.long}=${String(item)}`);
    else out.push(v === true ? o.long : `${o.long}=${String(v)}`);
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
  const shards = optionValue('shards', opts.shards);
  const args = givenFlags(cmd);
  const campaign: SlurmCampaign = {
    command: what.command,
    args,
    outDir: path.resolve(String(opts.out)),
    shards,
    cells: what.cells,
    sbatchArgs: (opts.sbatchArg as string[] | undefined) ?? [],
    threads: what.threads ?? undefined,
    jobs: optionValue('jobs', opts.jobs) ?? undefined,
    node: process.execPath,
    bin: runningBin(),
    cwd: process.cwd(),
  };
  const submission = submitSlurm(campaign);
  if (opts.json) {
    printJson({ engine: 'slurm', outDir: campaign.outDir, cells: campaign.cells, shards: campaign.shards, ...submission });
  } else {
    printResult(submissionGuide(campaign, submission).replace(/\n$/, '').split('\n'));
  }
  return true;
}
