import { usageError } from '../errors';
import { shellQuote } from './quote';

/**
 * `--sbatch-arg` values are read the way sbatch's getopt_long reads its command line, so that an
 * option lenet sets itself cannot be given in any spelling sbatch accepts: a unique prefix of a
 * long option (`--arr=1-3`, `--outp=x`, `--depend=...`), `--option value` as two arguments, a short
 * option with its value attached or separate (`-a1-3`, `-a 1-3`), or inside a cluster of short
 * options (`-Ha1-3`).
 *
 * The option table is the union of sbatch's options in SLURM 22.05 to 25.11 (src/common/slurm_opt.c:
 * the options with an sbatch setter). A prefix of several options is ambiguous to sbatch as well,
 * so it is refused; a long option this table lacks (a newer sbatch's, or a typo) is passed on and
 * read as taking no separate value, so the argument after it is still checked as an option.
 */

type Arg = 'none' | 'required' | 'optional';

const REQUIRED =
  'account acctg-freq array autocomplete batch bb bbf begin chdir cluster cluster-constraint clusters comment constraint ' +
  'container container-id context core-spec cores-per-socket cpu-freq cpus-per-gpu cpus-per-task deadline delay-boot ' +
  'dependency distribution error exclude export export-file extra extra-node-info gid gpu-bind gpu-freq gpus gpus-per-node ' +
  'gpus-per-socket gpus-per-task gres gres-flags hint input job-name kill-on-invalid-dep licenses mail-type mail-user ' +
  'mcs-label mem mem-bind mem-per-cpu mem-per-gpu mem-update mincpus network nodefile nodelist nodes ntasks ntasks-per-core ' +
  'ntasks-per-gpu ntasks-per-node ntasks-per-socket ntasks-per-tres open-mode output partition power prefer priority profile ' +
  'qos reservation resources runtime segment signal sockets-per-node switches tasks-per-node thread-spec threads-per-core ' +
  'time time-min tmp tres-bind tres-per-task uid wait-all-nodes wckey wrap';
// get-user-env and requeue changed between none and optional across versions: neither ever takes the next argument.
const OPTIONAL = 'exclusive get-user-env nice no-kill oom-kill-step propagate requeue resv-ports';
const NONE =
  'consolidate-segments contiguous external help hold ignore-pbs no-requeue overcommit oversubscribe parsable quiet reboot ' +
  'spread-job spread-segments stepmgr test-only usage use-min-nodes verbose version wait';

const LONG = new Map<string, Arg>([
  ...REQUIRED.split(' ').map((n) => [n, 'required'] as const),
  ...OPTIONAL.split(' ').map((n) => [n, 'optional'] as const),
  ...NONE.split(' ').map((n) => [n, 'none'] as const),
]);

/** sbatch's short options and the long option each stands for. */
const SHORT: Record<string, string> = {
  A: 'account',
  a: 'array',
  B: 'extra-node-info',
  b: 'begin',
  C: 'constraint',
  c: 'cpus-per-task',
  D: 'chdir',
  d: 'dependency',
  e: 'error',
  F: 'nodefile',
  G: 'gpus',
  H: 'hold',
  h: 'help',
  i: 'input',
  J: 'job-name',
  k: 'no-kill',
  L: 'licenses',
  M: 'clusters',
  m: 'distribution',
  N: 'nodes',
  n: 'ntasks',
  O: 'overcommit',
  o: 'output',
  p: 'partition',
  Q: 'quiet',
  q: 'qos',
  S: 'core-spec',
  s: 'oversubscribe',
  t: 'time',
  V: 'version',
  v: 'verbose',
  W: 'wait',
  w: 'nodelist',
  x: 'exclude',
};

/** The options lenet sets or depends on, and why a pass-through may not change them. */
const OWNED: Record<string, string> = {
  array: 'lenet sets the job array from --shards (--array=1-N)',
  output: 'lenet writes each job\u2019s log into DIR/slurm/, where its guide says they are',
  error: 'lenet writes each job\u2019s log into DIR/slurm/, where its guide says they are',
  dependency: 'lenet runs the merge job after the array (--dependency=afterok)',
  'kill-on-invalid-dep': 'lenet cancels the merge job when a task fails',
  'job-name': 'lenet names its jobs (lenet-sweep, lenet-compare and -merge)',
  parsable: 'lenet reads the job ids from sbatch --parsable',
  wrap: 'lenet submits its own batch scripts',
  chdir: 'the jobs run in the folder you submit from, where relative paths in the flags resolve',
  'cpus-per-task': 'lenet asks for --jobs \u00d7 --threads CPUs per task; say --threads (and --jobs)',
  wait: 'lenet submits the jobs and returns; sbatch --wait would block until they end',
  'test-only': 'lenet submits the jobs; sbatch --test-only would submit nothing',
  help: 'sbatch would print its help and submit nothing',
  usage: 'sbatch would print its usage and submit nothing',
  version: 'sbatch would print its version and submit nothing',
  autocomplete: 'sbatch would print completions and submit nothing',
};

/**
 * The environment variables sbatch reads for the options lenet owns (sbatch's env_vars table):
 * lenet runs sbatch without them, so a user's SBATCH_WAIT or SBATCH_ERROR cannot change them either.
 */
export const OWNED_SBATCH_ENV = ['SBATCH_ARRAY_INX', 'SBATCH_ERROR', 'SBATCH_JOB_NAME', 'SBATCH_OUTPUT', 'SBATCH_WAIT'];

/** One option as sbatch would read it from the pass-through arguments. */
export interface SbatchOption {
  /** sbatch's long name (`array`), or the name as given when the table does not know it. */
  name: string;
  /** As given, e.g. `-a1-3`, `--arr`. */
  given: string;
  value?: string;
  known: boolean;
}

/** A refusal naming the argument as the user would type it again (one line, whatever it holds). */
const refuse = (given: string, why: string) => usageError(`--sbatch-arg ${shellQuote(given)}: ${why}`);

/** The long option a name (before any `=`) means to getopt_long: exact, or the one option it is a prefix of. */
function longOption(name: string, given: string): { name: string; arg: Arg } | null {
  const exact = LONG.get(name);
  if (exact) return { name, arg: exact };
  const candidates = [...LONG.keys()].filter((n) => n.startsWith(name)).sort();
  if (candidates.length === 1) return { name: candidates[0], arg: LONG.get(candidates[0])! };
  if (candidates.length > 1) {
    const owned = candidates.filter((n) => n in OWNED);
    const shown = candidates
      .slice(0, 6)
      .map((n) => `--${n}`)
      .join(', ');
    throw refuse(
      given,
      `sbatch reads it as any of ${shown}${candidates.length > 6 ? ', ...' : ''}: write the option in full${owned.length > 0 ? ` (lenet sets --${owned[0]} itself)` : ''}`,
    );
  }
  return null;
}

/**
 * Reads the pass-through arguments as sbatch would and returns its options; a usage error (exit 2)
 * naming the option for anything that would change what lenet sets, or that sbatch would read as
 * something other than an option (a script name, the end of its options, a job separator).
 */
export function parseSbatchArgs(args: readonly string[]): SbatchOption[] {
  const options: SbatchOption[] = [];
  const valueOf = (i: number, given: string, name: string): string => {
    if (i + 1 >= args.length) {
      throw refuse(
        given,
        `--${name} needs a value: write --sbatch-arg=--${name}=VALUE (otherwise sbatch would take lenet's next option as its value)`,
      );
    }
    if (args[i + 1] === ':')
      throw refuse(given, `a lone ":" separates the jobs of a heterogeneous job for sbatch; write --sbatch-arg=--${name}=:`);
    return args[i + 1];
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') throw refuse(a, 'it ends sbatch\u2019s options; lenet ends them itself, before its batch script');
    if (a === ':') throw refuse(a, 'a lone ":" separates the jobs of a heterogeneous job for sbatch; lenet submits one job per script');
    if (!a.startsWith('-') || a === '-') {
      throw refuse(a, 'not an sbatch option (write one as --sbatch-arg=--partition=NAME)');
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const found = longOption(name, a);
      if (!found) {
        options.push({ name, given: a, known: false, ...(eq >= 0 ? { value: a.slice(eq + 1) } : {}) });
        continue;
      }
      if (eq >= 0) options.push({ name: found.name, given: a, value: a.slice(eq + 1), known: true });
      else if (found.arg === 'required') options.push({ name: found.name, given: a, value: valueOf(i++, a, found.name), known: true });
      else options.push({ name: found.name, given: a, known: true });
      continue;
    }
    // A cluster of short options: each letter an option until one that takes a value, which is the rest (or the next argument).
    for (let j = 1; j < a.length; j++) {
      const letter = a[j];
      const name = SHORT[letter];
      if (!name) throw refuse(a, `-${letter} is not an sbatch option`);
      const arg = LONG.get(name)!;
      const rest = a.slice(j + 1);
      if (arg === 'none') {
        options.push({ name, given: `-${letter}`, known: true });
        continue;
      }
      if (rest !== '') options.push({ name, given: `-${letter}${rest}`, value: rest, known: true });
      else if (arg === 'required') options.push({ name, given: `-${letter}`, value: valueOf(i++, a, name), known: true });
      else options.push({ name, given: `-${letter}`, known: true });
      break;
    }
  }
  return options;
}

/** Usage error naming the first pass-through option that sets what lenet sets itself (in whatever spelling). */
export function checkSbatchArgs(args: readonly string[]): void {
  for (const o of parseSbatchArgs(args)) {
    const why = OWNED[o.name];
    if (!why) continue;
    const spelled = o.given === `--${o.name}` || o.given.startsWith(`--${o.name}=`) ? '' : ` (sbatch reads it as --${o.name})`;
    throw refuse(o.given, `lenet sets --${o.name} itself${spelled}: ${why}`);
  }
}
