import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../errors';
import { scriptWord, shellQuote } from './quote';
import { checkSbatchArgs, OWNED_SBATCH_ENV } from './sbatch-options';
import { READ_LIMITS, readRegularFile, writeJsonAtomic } from '../rundir/atomic';
import { counted } from '../words';

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
  /** Threads per run when the campaign sets them (flag or config); otherwise each run gets 1. */
  threads?: number;
  /** `--jobs N` as given (cells a task trains at once); absent for auto or no --jobs: one at a time. */
  jobs?: number;
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
  /** The options lenet gave sbatch for each job, before the pass-through ones and the script. */
  sbatch: { array: string[]; merge: string[] };
}

export function shardFolder(outDir: string, k: number): string {
  return path.join(outDir, SHARDS_FOLDER, String(k));
}

/**
 * What each array task runs and asks SLURM for: --jobs cells at once (never more than the largest
 * shard has), each with --threads threads (1 unless the campaign sets it), so a task asks for
 * jobs × threads CPUs (--cpus-per-task) and uses no more.
 */
export function taskResources(c: Pick<SlurmCampaign, 'cells' | 'shards' | 'jobs' | 'threads'>): {
  jobs: number;
  threads: number;
  cpus: number;
} {
  const threads = c.threads ?? 1;
  const jobs = Math.max(1, Math.min(c.jobs ?? 1, Math.ceil(c.cells / c.shards)));
  return { jobs, threads, cpus: jobs * threads };
}

/** A file name pattern for sbatch --output: `%` is one of its patterns' start, written `%%` to mean itself. */
function logPattern(folder: string, file: string): string {
  return `${folder.replace(/%/g, '%%')}/${file}`;
}

/** The options lenet gives sbatch for the array job and for the merge job (after array job `arrayJobId`). */
export function sbatchOptions(c: SlurmCampaign, job: 'array' | 'merge', arrayJobId = '<array>'): string[] {
  const logs = path.join(c.outDir, SLURM_FOLDER);
  const name = `lenet-${c.command}`;
  if (job === 'array') {
    return [
      '--parsable',
      `--job-name=${name}`,
      `--array=1-${c.shards}`,
      `--cpus-per-task=${taskResources(c).cpus}`,
      `--output=${logPattern(logs, 'shard-%A_%a.log')}`,
    ];
  }
  return [
    '--parsable',
    `--job-name=${name}-merge`,
    `--output=${logPattern(logs, 'merge-%j.log')}`,
    `--dependency=afterok:${arrayJobId}`,
    // When a task fails or is cancelled the merge job goes away instead of pending forever.
    '--kill-on-invalid-dep=yes',
  ];
}

/**
 * Usage errors before anything is written or submitted: the shard count, a folder SLURM cannot
 * take, a value no batch script can hold faithfully, a pass-through option that would change one of
 * lenet's own (sbatch-options.ts).
 */
export function checkSlurmCampaign(c: SlurmCampaign): void {
  if (!Number.isSafeInteger(c.shards) || c.shards < 1) throw usageError(`--shards must be a whole number of at least 1, got ${c.shards}`);
  if (c.shards > c.cells) throw usageError(`--shards ${c.shards}: the ${c.command} has only ${counted(c.cells, 'cell')}`);
  for (const [what, p] of [
    ['--out', c.outDir],
    ['the folder you submit from', c.cwd],
  ] as const) {
    if (!path.isAbsolute(p)) throw usageError(`--submit slurm: ${what} ${shellQuote(p)} is not an absolute path`);
  }
  // SLURM reads any backslash in --output as "no %-patterns here" and drops it; it cuts the path at a newline.
  if (c.outDir.includes('\\')) {
    throw usageError(
      `--submit slurm: --out ${shellQuote(c.outDir)} holds a backslash, which SLURM cannot take in a log file's path (--output)`,
    );
  }
  if (c.outDir.includes('\n')) {
    throw usageError(
      `--submit slurm: --out ${shellQuote(c.outDir)} holds a newline, which SLURM cannot take in a log file's path (--output)`,
    );
  }
  checkSbatchArgs(c.sbatchArgs);
  slurmScripts(c); // every value quoted, or refused
}

/** The lenet command line of a script: every word quoted; `what` names a value the user can change. */
function lenetLine(c: SlurmCampaign, words: Array<[string, string]>): string {
  return [scriptWord(c.node, "node's path"), scriptWord(c.bin, "lenet's path"), ...words.map(([w, what]) => scriptWord(w, what))].join(' ');
}

/** The campaign's own flags, each named by its flag in a refusal. */
const flagWords = (args: string[]): Array<[string, string]> => args.map((a) => [a, `the flag ${a.split('=')[0]}`]);

/**
 * The two batch scripts, as text. No value reaches a comment or an #SBATCH line: those hold only
 * lenet's own words and numbers; every path and flag is a word of a command, quoted by shellQuote.
 */
export function slurmScripts(c: SlurmCampaign): { array: string; merge: string } {
  const shardsRoot = path.join(c.outDir, SHARDS_FOLDER);
  const name = `lenet-${c.command}`;
  const res = taskResources(c);
  const cd = `cd -- ${scriptWord(c.cwd, 'the folder you submit from')}`;
  // Without --threads a run would use every core of its node, not the CPUs its task was given.
  const threads = c.threads === undefined ? ' --threads=1' : '';
  const array = [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=1-${c.shards}`,
    `#SBATCH --cpus-per-task=${res.cpus}`,
    '#',
    `# Written by \`lenet ${c.command} --submit slurm --shards ${c.shards}\`, which submits it with these options and`,
    "# --output (DIR/slurm/shard-<array>_<task>.log) on sbatch's command line. Task K trains shard K/N",
    `# of the ${c.cells} cells (cells i with i mod ${c.shards} = K-1) into DIR/.shards/K, ${counted(res.jobs, 'cell')} at once with`,
    `# ${counted(res.threads, 'thread')} each (${counted(res.cpus, 'CPU')}); lenet reads K and N from SLURM_ARRAY_TASK_ID, _MIN and _COUNT`,
    '# (--shard slurm). It runs in the folder it was submitted from (the cd below). Every path and flag',
    '# below is quoted for bash. Resubmitting the same lenet command skips finished cells and resumes',
    '# interrupted ones.',
    'set -euo pipefail',
    cd,
    `exec ${lenetLine(c, [[c.command, 'the command'], ...flagWords(c.args), ['--shard=slurm', '--shard']])} ${scriptWord(`--out=${shardsRoot}/`, '--out')}"\${SLURM_ARRAY_TASK_ID}"${threads}`,
    '',
  ].join('\n');
  const shardDirs = Array.from({ length: c.shards }, (_, i): [string, string] => [shardFolder(c.outDir, i + 1), '--out']);
  const merge = [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}-merge`,
    '#',
    `# Written by \`lenet ${c.command} --submit slurm --shards ${c.shards}\`, which submits it with --output`,
    '# (DIR/slurm/merge-<job>.log), --dependency=afterok:<array> and --kill-on-invalid-dep=yes: it runs once',
    `# every task of the array ended with exit 0, merges the ${c.shards} shard folders into DIR and writes the`,
    '# report. set -e: the first command that fails ends the job with its exit status, so SLURM (and a job',
    '# chained after this one with afterok) sees the failure; lenet merge fails when it cannot merge.',
    'set -euo pipefail',
    cd,
    lenetLine(c, [['merge', 'the command'], ...shardDirs, [`--out=${c.outDir}`, '--out']]),
    // A comparison's own table and charts: every cell is complete by now, so nothing trains.
    ...(c.command === 'compare'
      ? [lenetLine(c, [['compare', 'the command'], ...flagWords(c.args), [`--out=${c.outDir}`, '--out'], ['--quiet', '--quiet']])]
      : []),
    lenetLine(c, [
      ['report', 'the command'],
      [c.outDir, '--out'],
    ]),
    '',
  ].join('\n');
  return { array, merge };
}

interface Sbatch {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a SLURM command (no shell: every argument reaches it as is). sbatch reads some of its options
 * from SBATCH_* variables too; those of the options lenet sets are left out of its environment.
 */
function runSlurmCommand(command: string, args: string[], cwd: string): Sbatch {
  const env = { ...process.env };
  for (const name of OWNED_SBATCH_ENV) delete env[name];
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env });
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

/**
 * Submits a script: lenet's options first, the pass-through ones after them (checked: none changes
 * lenet's), then `--` so that nothing before the script can be read as the script or take it as a
 * value. `sbatch --parsable` prints `<jobid>` or `<jobid>;<cluster>`.
 */
function sbatch(own: string[], c: SlurmCampaign, script: string): string {
  const r = runSlurmCommand('sbatch', [...own, ...c.sbatchArgs, '--', script], c.cwd);
  const m = /^(\d+)(;\S+)?\s*$/.exec(r.stdout.trim());
  if (r.status !== 0 || !m)
    throw runtimeError(`sbatch refused the job: ${firstLine(r.stderr) || firstLine(r.stdout) || `exit ${r.status}`}`);
  return m[1];
}

interface JobsFile {
  submissions: Array<{
    arrayJobId: string;
    mergeJobId: string;
    shards: number;
    submittedAt: string;
    sbatch?: { array: string[]; merge: string[]; passThrough: string[] };
  }>;
}

function readJobsFile(file: string): JobsFile {
  try {
    const data = JSON.parse(readRegularFile(file, READ_LIMITS.json).toString('utf8'));
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
  // A job id is a number; anything else in the record was not written by lenet.
  return [last.arrayJobId, last.mergeJobId].filter((id) => {
    if (typeof id !== 'string' || !/^\d+$/.test(id)) return false;
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
      `jobs ${active.join(', ')} of an earlier submission into ${shellQuote(c.outDir)} are still queued or running (squeue -j ${active.join(',')}); wait for them or scancel them, then resubmit`,
    );
  }
  const scripts = slurmScripts(c);
  const files = { array: path.join(folder, `${c.command}-shards.sbatch`), merge: path.join(folder, `${c.command}-merge.sbatch`) };
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(files.array, scripts.array, { mode: 0o755 });
    fs.writeFileSync(files.merge, scripts.merge, { mode: 0o755 });
  } catch (err) {
    throw runtimeError(
      `cannot write the batch scripts into ${shellQuote(folder)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const arrayOptions = sbatchOptions(c, 'array');
  const arrayJobId = sbatch(arrayOptions, c, files.array);
  const mergeOptions = sbatchOptions(c, 'merge', arrayJobId);
  let mergeJobId: string;
  try {
    mergeJobId = sbatch(mergeOptions, c, files.merge);
  } catch (err) {
    const merge = `lenet merge ${shellQuote(path.join(c.outDir, SHARDS_FOLDER))}/* --out ${shellQuote(c.outDir)}`;
    throw runtimeError(
      `${(err as Error).message} (the merge job); array job ${arrayJobId} was submitted: scancel ${arrayJobId}, or merge its shards with ${merge}`,
    );
  }
  jobs.submissions.push({
    arrayJobId,
    mergeJobId,
    shards: c.shards,
    submittedAt: new Date().toISOString(),
    sbatch: { array: arrayOptions, merge: mergeOptions, passThrough: c.sbatchArgs },
  });
  writeJsonAtomic(jobsFile, jobs);
  return {
    arrayJobId,
    mergeJobId,
    scripts: files,
    logs: { shards: path.join(folder, `shard-${arrayJobId}_K.log`), merge: path.join(folder, `merge-${mergeJobId}.log`) },
    sbatch: { array: arrayOptions, merge: mergeOptions },
  };
}

/**
 * What the user reads after submitting: the job ids, where things go, how to watch and how to
 * resume. Every path is written as shellQuote writes it, so each stays on its line and can be pasted.
 */
/** The command that submits the same campaign again (a rerun resumes it): one line, every word quoted for a shell. */
export function resubmitLine(c: SlurmCampaign): string {
  return [
    'lenet',
    c.command,
    ...c.args,
    '--submit=slurm',
    `--shards=${c.shards}`,
    ...c.sbatchArgs.map((a) => `--sbatch-arg=${a}`),
    `--out=${c.outDir}`,
  ]
    .map(shellQuote)
    .join(' ');
}

export function submissionGuide(c: SlurmCampaign, s: SlurmSubmission, resubmit = resubmitLine(c)): string {
  const out = shellQuote(c.outDir);
  const res = taskResources(c);
  return [
    `lenet: submitted the ${c.command} (${counted(c.cells, 'cell')} in ${counted(c.shards, 'shard')}) to SLURM`,
    `  array job ${s.arrayJobId}: ${counted(c.shards, 'task')} of ${counted(res.cpus, 'CPU')} (${counted(res.jobs, 'cell')} at once × ${counted(res.threads, 'thread')}), task K trains shard K/${c.shards} into ${shellQuote(path.join(c.outDir, SHARDS_FOLDER))}/K; logs ${shellQuote(path.join(c.outDir, SLURM_FOLDER))}/shard-${s.arrayJobId}_K.log`,
    `  merge job ${s.mergeJobId}: after every task succeeded, merges the shards into ${out} and writes report.html; log ${shellQuote(s.logs.merge)}`,
    `watch:  squeue -j ${s.arrayJobId},${s.mergeJobId}`,
    `resume: once those jobs have ended, rerun the same command; finished cells are skipped, interrupted ones resume from their checkpoints:`,
    `        ${resubmit}`,
    `note:   ${out} must be on storage every node of the cluster sees: the tasks and the merge job write there.`,
    '',
  ].join('\n');
}
