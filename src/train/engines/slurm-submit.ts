import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../../errors';

/**
 * `lenet sweep|compare ... --submit slurm --shards N --out DIR`: a job array of N tasks, task K
 * training shard K/N into DIR/.shards/K (`--shard slurm`), and a merge job that runs once every
 * task succeeded (`--dependency=afterok`) and merges the shards into DIR with its report.
 *
 * Shards live in a dot-folder because every reader of a campaign folder walks it recursively and
 * skips dot-folders: DIR's table then holds each cell once, merged. The scripts and logs go to
 * DIR/slurm/. Resubmitting the same command reruns each task into its own shard folder, where
 * finished cells are skipped and interrupted ones resume from their checkpoints.
 */
export const SHARDS_FOLDER = '.shards';
export const SLURM_FOLDER = 'slurm';
const JOBS_FILE = 'jobs.json';

export interface SlurmCampaign {
  command: 'sweep' | 'compare';
  /** The campaign's own flags as given, without --out, --shard, --submit, --shards, --sbatch-arg. */
  args: string[];
  /** Absolute; must be on storage every node of the cluster sees. */
  outDir: string;
  shards: number;
  /** Cells of the whole campaign (before sharding). */
  cells: number;
  /** Extra sbatch options for both jobs, e.g. --partition=x. */
  sbatchArgs: string[];
  /** Threads per task when the campaign sets them (flag or config); otherwise each task uses the CPUs SLURM gives it. */
  threads?: number;
  /** Absolute paths of node and of bin/lenet.js, as the submitting process runs them. */
  node: string;
  bin: string;
  /** Where sbatch runs, hence the jobs' working folder: relative paths in args resolve against it. */
  cwd: string;
}

export interface SlurmSubmission {
  arrayJobId: string;
  mergeJobId: string;
  scripts: { array: string; merge: string };
  logs: { shards: string; merge: string };
}

/** Options of ours that a pass-through sbatch option must not override. */
const OWNED_SBATCH_OPTIONS = ['--array', '-a', '--dependency', '-d', '--parsable', '--output', '-o', '--kill-on-invalid-dep'];

export function shardFolder(outDir: string, k: number): string {
  return path.join(outDir, SHARDS_FOLDER, String(k));
}

/** Usage errors before anything is written or submitted. */
export function checkSlurmCampaign(c: SlurmCampaign): void {
  if (!Number.isSafeInteger(c.shards) || c.shards < 1) throw usageError(`--shards must be a whole number of at least 1, got ${c.shards}`);
  if (c.shards > c.cells) throw usageError(`--shards ${c.shards}: the ${c.command} has only ${c.cells} cell(s)`);
  // #SBATCH lines cannot quote, and % starts one of sbatch's file-name patterns.
  if (/[\s%'"\\]/.test(c.outDir)) throw usageError(`--submit slurm: --out ${c.outDir} must not contain spaces, quotes, backslashes or %`);
  for (const a of c.sbatchArgs) {
    if (!a.startsWith('-')) throw usageError(`--sbatch-arg "${a}" is not an sbatch option (write it as --sbatch-arg=--partition=NAME)`);
    const name = a.split('=')[0];
    if (OWNED_SBATCH_OPTIONS.includes(name)) throw usageError(`--sbatch-arg ${name}: lenet sets that sbatch option itself`);
  }
}

/** A word for bash, quoted so nothing in it is expanded. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\-+=.,/:@]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function lenetLine(c: SlurmCampaign, words: string[]): string {
  return [c.node, c.bin, ...words].map(shellQuote).join(' ');
}

/** The two batch scripts, as text. */
export function slurmScripts(c: SlurmCampaign): { array: string; merge: string } {
  const logs = path.join(c.outDir, SLURM_FOLDER);
  const shardsRoot = path.join(c.outDir, SHARDS_FOLDER);
  const name = `lenet-${c.command}`;
  // Without --threads a task uses what it was given (sbatch --cpus-per-task), not every core of the node.
  const threads = c.threads === undefined ? ` --threads="\${SLURM_CPUS_PER_TASK:-1}"` : '';
  const array = [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=1-${c.shards}`,
    `#SBATCH --output=${path.join(logs, 'shard-%A_%a.log')}`,
    ...(c.threads !== undefined ? [`#SBATCH --cpus-per-task=${c.threads}`] : []),
    '#',
    `# Written by \`lenet ${c.command} --submit slurm --shards ${c.shards}\`. Task K trains shard K/${c.shards} of the`,
    `# ${c.cells} cells (cells i with i mod ${c.shards} = K-1) into ${shardsRoot}/K; lenet reads K and N from`,
    '# SLURM_ARRAY_TASK_ID, _MIN and _COUNT (--shard slurm). It runs in the folder it was submitted from:',
    `# ${c.cwd}`,
    '# Resubmitting the same lenet command skips finished cells and resumes interrupted ones.',
    `exec ${lenetLine(c, [c.command, ...c.args, '--shard=slurm'])} ${shellQuote(`--out=${shardsRoot}/`)}"\${SLURM_ARRAY_TASK_ID}"${threads}`,
    '',
  ].join('\n');
  const shardDirs = Array.from({ length: c.shards }, (_, i) => shardFolder(c.outDir, i + 1));
  const merge = [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}-merge`,
    `#SBATCH --output=${path.join(logs, 'merge-%j.log')}`,
    '#',
    `# Written by \`lenet ${c.command} --submit slurm\`: runs once every task of the array ended with exit 0`,
    `# (--dependency=afterok), merges the ${c.shards} shard folders into ${c.outDir} and writes the report.`,
    'set -euo pipefail',
    lenetLine(c, ['merge', ...shardDirs, `--out=${c.outDir}`]),
    // A comparison's own table and charts: every cell is complete by now, so nothing trains.
    ...(c.command === 'compare' ? [lenetLine(c, ['compare', ...c.args, `--out=${c.outDir}`, '--quiet'])] : []),
    lenetLine(c, ['report', c.outDir]),
    '',
  ].join('\n');
  return { array, merge };
}

interface Sbatch {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runSlurmCommand(command: string, args: string[], cwd: string): Sbatch {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw runtimeError(`--submit slurm needs ${command}, which is not on PATH (submit from a machine of the SLURM cluster)`);
    throw runtimeError(`cannot run ${command}: ${code ?? r.error.message}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

/** `sbatch --parsable` prints `<jobid>` or `<jobid>;<cluster>`. */
function sbatch(args: string[], cwd: string): string {
  const r = runSlurmCommand('sbatch', ['--parsable', ...args], cwd);
  const m = /^(\d+)(;\S+)?\s*$/.exec(r.stdout.trim());
  if (r.status !== 0 || !m)
    throw runtimeError(`sbatch refused the job: ${firstLine(r.stderr) || firstLine(r.stdout) || `exit ${r.status}`}`);
  return m[1];
}

interface JobsFile {
  submissions: Array<{ arrayJobId: string; mergeJobId: string; shards: number; submittedAt: string }>;
}

function readJobsFile(file: string): JobsFile {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (Array.isArray(data?.submissions)) return data as JobsFile;
  } catch {
    // no earlier submission (or an unreadable record: nothing to check)
  }
  return { submissions: [] };
}

/** Jobs of the last submission into this folder that SLURM still has queued or running. */
function activeEarlierJobs(jobs: JobsFile, cwd: string): string[] {
  const last = jobs.submissions[jobs.submissions.length - 1];
  if (!last) return [];
  return [last.arrayJobId, last.mergeJobId].filter((id) => {
    // An id SLURM has forgotten is an error for squeue: that job is long over.
    const r = runSlurmCommand('squeue', ['-h', '-o', '%i', '-j', id], cwd);
    return r.status === 0 && r.stdout.trim() !== '';
  });
}

/**
 * Writes the scripts into DIR/slurm/ and submits the array, then the merge job after it.
 * Refuses while jobs of an earlier submission into the same folder are still queued or running:
 * two tasks training one shard folder at once would spoil it.
 */
export function submitSlurm(c: SlurmCampaign): SlurmSubmission {
  checkSlurmCampaign(c);
  runSlurmCommand('sbatch', ['--version'], c.cwd); // a missing sbatch fails before anything is written
  const folder = path.join(c.outDir, SLURM_FOLDER);
  const jobsFile = path.join(folder, JOBS_FILE);
  const jobs = readJobsFile(jobsFile);
  const active = activeEarlierJobs(jobs, c.cwd);
  if (active.length > 0) {
    throw usageError(
      `jobs ${active.join(', ')} of an earlier submission into ${c.outDir} are still queued or running (squeue -j ${active.join(',')}); wait for them or scancel them, then resubmit`,
    );
  }
  const scripts = slurmScripts(c);
  const files = { array: path.join(folder, `${c.command}-shards.sbatch`), merge: path.join(folder, `${c.command}-merge.sbatch`) };
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(files.array, scripts.array, { mode: 0o755 });
    fs.writeFileSync(files.merge, scripts.merge, { mode: 0o755 });
  } catch (err) {
    throw runtimeError(`cannot write the batch scripts into ${folder}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const arrayJobId = sbatch([...c.sbatchArgs, files.array], c.cwd);
  let mergeJobId: string;
  try {
    // --kill-on-invalid-dep: when a task fails or is cancelled the merge job goes away instead of pending forever.
    mergeJobId = sbatch([`--dependency=afterok:${arrayJobId}`, '--kill-on-invalid-dep=yes', ...c.sbatchArgs, files.merge], c.cwd);
  } catch (err) {
    throw runtimeError(
      `${(err as Error).message} (the merge job); array job ${arrayJobId} was submitted: scancel ${arrayJobId}, or merge its shards with lenet merge ${path.join(c.outDir, SHARDS_FOLDER)}/* --out ${c.outDir}`,
    );
  }
  jobs.submissions.push({ arrayJobId, mergeJobId, shards: c.shards, submittedAt: new Date().toISOString() });
  fs.writeFileSync(jobsFile, JSON.stringify(jobs, null, 2) + '\n');
  return {
    arrayJobId,
    mergeJobId,
    scripts: files,
    logs: { shards: path.join(folder, `shard-${arrayJobId}_K.log`), merge: path.join(folder, `merge-${mergeJobId}.log`) },
  };
}

/** What the user reads after submitting: the job ids, where things go, how to watch and how to resume. */
export function submissionGuide(c: SlurmCampaign, s: SlurmSubmission, resubmit: string): string {
  return [
    `lenet: submitted the ${c.command} (${c.cells} cells in ${c.shards} shards) to SLURM`,
    `  array job ${s.arrayJobId}: ${c.shards} tasks, task K trains shard K/${c.shards} into ${path.join(c.outDir, SHARDS_FOLDER)}/K; logs ${s.logs.shards}`,
    `  merge job ${s.mergeJobId}: after every task succeeded, merges the shards into ${c.outDir} and writes report.html; log ${s.logs.merge}`,
    `watch:  squeue -j ${s.arrayJobId},${s.mergeJobId}`,
    `resume: once those jobs have ended, rerun the same command; finished cells are skipped, interrupted ones resume from their checkpoints:`,
    `        ${resubmit}`,
    `note:   ${c.outDir} must be on storage every node of the cluster sees: the tasks and the merge job write there.`,
    '',
  ].join('\n');
}
