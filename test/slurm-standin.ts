/**
 * A stand-in for SLURM's `sbatch` and `squeue`, for `npm test` (the real cluster is test-slurm/):
 * `sbatch` runs the submitted script with bash at once, as SLURM would run it on a node, and
 * prints the job id as `--parsable` does. It reads the options it needs the way sbatch does
 * (command line over SBATCH_* environment over #SBATCH lines; a few options also as two
 * arguments, --comment VALUE): --array=A-B runs one task per index
 * with SLURM_ARRAY_TASK_ID/_MIN/_MAX/_COUNT/_STEP set, --output=PATTERN takes the task's stdout and
 * stderr (%A %a %j %x %%, and no patterns when it holds a backslash, as SLURM does),
 * --cpus-per-task sets SLURM_CPUS_PER_TASK, and --dependency=afterok:ID runs the job only if every
 * task of job ID exited 0 (otherwise it is recorded as never run). The script runs in the folder
 * sbatch was started from, as SLURM's default working folder is. Every job is recorded in the
 * state folder (argv, folder, environment, each task's exit status) for the tests to read.
 * `squeue` knows no queued job (every job ran to its end when submitted).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StandinTask {
  task: number | null;
  status: number | null;
  signal: string | null;
  log: string;
}

export interface StandinJob {
  id: number;
  argv: string[];
  cwd: string;
  script: string;
  /** The SBATCH_* variables sbatch saw. */
  sbatchEnv: Record<string, string>;
  cpusPerTask: string | null;
  array: string | null;
  /** False when its afterok dependency failed: the job never ran. */
  ran: boolean;
  tasks: StandinTask[];
}

export interface Standin {
  /** A folder to put first on PATH. */
  bin: string;
  state: string;
  /** Every job submitted so far, in order. */
  jobs(): StandinJob[];
}

const SBATCH = String.raw`
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  console.log('slurm 22.05.8 (lenet test stand-in)');
  process.exit(0);
}
const script = argv[argv.length - 1];
const words = argv.slice(0, -1);
if (words[words.length - 1] === '--') words.pop();
// The options as sbatch reads them: --name=value, or --name value for the options that take one.
const TAKES_VALUE = ['array', 'output', 'error', 'job-name', 'cpus-per-task', 'dependency', 'kill-on-invalid-dep', 'comment', 'time', 'partition'];
const opts = [];
for (let i = 0; i < words.length; i++) {
  const name = words[i].replace(/^--/, '');
  if (words[i].startsWith('--') && TAKES_VALUE.includes(name) && i + 1 < words.length) opts.push(words[i] + '=' + words[++i]);
  else opts.push(words[i]);
}
const last = (name) => {
  let v = null;
  for (const a of opts) if (a.startsWith('--' + name + '=')) v = a.slice(name.length + 3);
  return v;
};
let text;
try {
  text = fs.readFileSync(script, 'utf8');
} catch (e) {
  console.error('sbatch: error: Unable to open file ' + script);
  process.exit(1);
}
const directive = (name) => {
  let v = null;
  for (const line of text.split('\n')) {
    const m = /^#SBATCH --([\w-]+)=(\S*)$/.exec(line);
    if (m && m[1] === name) v = m[2];
  }
  return v;
};
const env = process.env;
const pick = (name, envName) => last(name) ?? (envName && env[envName] !== undefined ? env[envName] : null) ?? directive(name);
const array = pick('array', 'SBATCH_ARRAY_INX');
const output = pick('output', 'SBATCH_OUTPUT');
const jobName = pick('job-name', 'SBATCH_JOB_NAME') ?? path.basename(script);
const cpus = pick('cpus-per-task', null);
const dependency = last('dependency');
const idFile = path.join(STATE, 'next-id');
const id = fs.existsSync(idFile) ? Number(fs.readFileSync(idFile, 'utf8')) : 100;
fs.writeFileSync(idFile, String(id + 1));
if (process.env.STANDIN_REFUSE_DEPENDENT && dependency !== null) {
  console.error('sbatch: error: Batch job submission failed: stand-in refuses dependent jobs');
  process.exit(1);
}
const record = {
  id,
  argv,
  cwd: process.cwd(),
  script,
  sbatchEnv: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('SBATCH_'))),
  cpusPerTask: cpus,
  array,
  ran: true,
  tasks: [],
};
if (dependency !== null) {
  const m = /^afterok:(\d+)$/.exec(dependency);
  if (!m) {
    console.error('sbatch: error: stand-in: unsupported --dependency ' + dependency);
    process.exit(1);
  }
  const before = JSON.parse(fs.readFileSync(path.join(STATE, 'job-' + m[1] + '.json'), 'utf8'));
  record.ran = before.ran && before.tasks.every((t) => t.status === 0);
}
let tasks = [null];
if (array !== null) {
  const m = /^(\d+)-(\d+)$/.exec(array);
  if (!m) {
    console.error('sbatch: error: stand-in: unsupported --array ' + array);
    process.exit(1);
  }
  tasks = [];
  for (let t = Number(m[1]); t <= Number(m[2]); t++) tasks.push(t);
}
const fileName = (pattern, task) => {
  if (pattern.includes('\\')) return pattern.replace(/\\/g, '');
  return pattern.replace(/%([%Aajx])/g, (_, p) =>
    p === '%' ? '%' : p === 'A' ? String(id) : p === 'a' ? String(task) : p === 'j' ? String(task === null ? id : id + task) : jobName,
  );
};
if (record.ran) {
  for (const task of tasks) {
    const vars = { SLURM_JOB_ID: String(task === null ? id : id + task), SLURM_JOB_NAME: jobName, SLURM_SUBMIT_DIR: process.cwd() };
    if (cpus !== null) vars.SLURM_CPUS_PER_TASK = cpus;
    if (task !== null) {
      Object.assign(vars, {
        SLURM_ARRAY_JOB_ID: String(id),
        SLURM_ARRAY_TASK_ID: String(task),
        SLURM_ARRAY_TASK_MIN: String(tasks[0]),
        SLURM_ARRAY_TASK_MAX: String(tasks[tasks.length - 1]),
        SLURM_ARRAY_TASK_COUNT: String(tasks.length),
        SLURM_ARRAY_TASK_STEP: '1',
      });
    }
    const log = path.resolve(fileName(output ?? (task === null ? 'slurm-%j.out' : 'slurm-%A_%a.out'), task));
    const fd = fs.openSync(log, 'a');
    const r = spawnSync('bash', [script], { env: { ...env, ...vars }, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    record.tasks.push({ task, status: r.status, signal: r.signal, log });
  }
}
fs.writeFileSync(path.join(STATE, 'job-' + id + '.json'), JSON.stringify(record));
console.log(String(id));
`;

/** Writes the stand-in sbatch and squeue into `root`/bin (state in `root`/state). */
export function installStandin(root: string): Standin {
  const bin = path.join(root, 'bin');
  const state = path.join(root, 'state');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(state, { recursive: true });
  const shebang = `#!${process.execPath}\n`;
  fs.writeFileSync(path.join(bin, 'sbatch'), `${shebang}const STATE = ${JSON.stringify(state)};\n${SBATCH}`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'squeue'), `${shebang}process.exit(0);\n`, { mode: 0o755 });
  return {
    bin,
    state,
    jobs: () =>
      fs
        .readdirSync(state)
        .filter((f) => /^job-\d+\.json$/.test(f))
        .map((f) => JSON.parse(fs.readFileSync(path.join(state, f), 'utf8')) as StandinJob)
        .sort((a, b) => a.id - b.id),
  };
}
