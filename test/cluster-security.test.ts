/**
 * Nothing a user names can run as code in what lenet writes for a cluster or prints to paste:
 * the batch scripts of `--submit slurm` (tried on their text and by running them through a
 * stand-in sbatch that executes them with bash, test/slurm-standin.ts), the sbatch options lenet
 * sets (no `--sbatch-arg` spelling changes them), the commands derived from the Kubernetes
 * manifests, and every printed command (one quoting function, shellQuote).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rerunCommand, shellQuote } from '../src/commands/options';
import { checkSlurmCampaign, resubmitLine, SlurmCampaign, slurmScripts, submissionGuide, submitSlurm } from '../src/cluster/slurm-submit';
import { prng, ROOT, throwsLenet } from './helpers';
import { tempDir } from './harness/tmp';
import { installStandin } from './slurm-standin';
import { bashWords, pwned } from './shell-payloads';

/** Names a hostile user gives a folder or a flag. Each one must reach lenet as itself and run nothing. */
const HOSTILE = [
  'work\ntouch PWNED',
  '$(touch PWNED)',
  '`touch PWNED`',
  "it's",
  "'; touch PWNED; '",
  '"$(touch PWNED)"',
  'back\\slash\\',
  '\\',
  'a;touch PWNED',
  'a&touch PWNED&',
  'a|touch PWNED',
  'a>PWNED',
  '-rf',
  '--out=elsewhere',
  '#comment',
  ' lead and trail ',
  'tab\there',
  'cr\rhere\r',
  'esc\u001b[31mred',
  'del\u007f',
  'nl at end\n',
  '%A_%a %% %j %x',
  '*?[a-z]{1,2}~!$HOME${IFS}',
  '=equals',
  '~tilde',
  'é中文🙂',
  'rlo\u202eevil\u202c',
  'line\u2028sep',
  `${'x'.repeat(180)}$(touch PWNED)\n\`touch PWNED\``,
];

test('shellQuote: bash reads every quoted word back as itself, on one line, with nothing expanded', () => {
  const rand = prng(13);
  const words = [
    ...HOSTILE,
    '',
    ' ',
    "'",
    '"',
    '\\',
    '\\\\n',
    "$'\\n'",
    '!!',
    'a!b',
    ...Array.from({ length: 255 }, (_, i) => String.fromCodePoint(i + 1)),
    ...Array.from({ length: 255 }, (_, i) => `a${String.fromCodePoint(i + 1)}b\u0001c`),
    '\u0085\u00a0\u00ad\u061c\u200b\u200e\u2066\u2069\ufeff',
    ...Array.from({ length: 40 }, () =>
      Array.from({ length: 1 + Math.floor(rand() * 30) }, () => String.fromCodePoint(1 + Math.floor(rand() * 0x2100))).join(''),
    ),
    'x'.repeat(100_000),
  ];
  const quoted = words.map(shellQuote);
  for (const [i, q] of quoted.entries()) {
    assert.ok(
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(q),
      `one visible line for ${JSON.stringify(words[i])}: ${q}`,
    );
  }
  const dir = tempDir('lenet-quote-');
  const script = path.join(dir, 'words.sh');
  fs.writeFileSync(script, `printf '%s\\0' ${quoted.join(' ')}\n`);
  const r = spawnSync('bash', [script], { cwd: dir, maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, String(r.stderr));
  assert.ok(r.stdout.equals(Buffer.concat(words.map((w) => Buffer.from(`${w}\0`)))), 'bash printed every word as itself');
  // What needs no ANSI-C form is plain POSIX quoting: dash reads it the same.
  const posix = words.filter((_, i) => !quoted[i].startsWith("$'"));
  fs.writeFileSync(script, `printf '%s\\0' ${posix.map(shellQuote).join(' ')}\n`);
  const d = spawnSync('sh', [script], { cwd: dir, maxBuffer: 1 << 24 });
  assert.equal(d.status, 0, String(d.stderr));
  assert.ok(d.stdout.equals(Buffer.concat(posix.map((w) => Buffer.from(`${w}\0`)))), 'sh printed every word as itself');
  assert.deepEqual(pwned(dir), []);
  // Plain words stay as they are; others are quoted.
  assert.equal(shellQuote('--grid=relu,tanh'), '--grid=relu,tanh');
  assert.equal(shellQuote('/shared/runs/s1'), '/shared/runs/s1');
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('a\nb'), `$'a\\nb'`);
  assert.equal(shellQuote(''), `''`);
});

test('a printed rerun command is one line and bash reads back the same arguments', () => {
  // (rerunCommand drops every word that starts with --out=: its own rule, not the quoting's.)
  for (const h of HOSTILE.filter((w) => !w.startsWith('--out='))) {
    const line = rerunCommand(`runs/${h}`, ['sweep', '--grid', h, '--out', 'old']);
    assert.ok(!line.includes('\n') && !line.includes('\r'), JSON.stringify(line));
    assert.deepEqual(bashWords(line, tempDir('lenet-rerun-')), ['sweep', '--grid', h, '--out', `runs/${h}`]);
  }
});

/** A campaign of 2 shards whose node is a stand-in that records its arguments and folder (no training). */
function fakeNode(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'node');
  fs.writeFileSync(
    file,
    [
      '#!/bin/bash',
      '# Records the folder and the arguments it was started with, NUL-separated, one file per call.',
      'f="$LENET_DUMP/$(date +%s%N)-$$"',
      `printf '%s\\0' "$PWD" "$@" > "$f"`,
      // Fails the command named by LENET_FAIL_ON (the word after lenet.js) outside array tasks (the merge job).
      'if [ -n "${LENET_FAIL_ON:-}" ] && [ "$2" = "$LENET_FAIL_ON" ] && [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then exit 3; fi',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return file;
}

/** The calls the fake node recorded, in order: [folder, ...argv]. */
function calls(dump: string): string[][] {
  return fs
    .readdirSync(dump)
    .sort((a, b) => (BigInt(a.split('-')[0]) < BigInt(b.split('-')[0]) ? -1 : 1))
    .map((f) => fs.readFileSync(path.join(dump, f), 'utf8').split('\0').slice(0, -1));
}

/** Runs fn with these environment variables set (undefined: removed), restored afterwards. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (vs: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vs)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return fn();
  } finally {
    set(before);
  }
}

/** The #-lines of a script: comments and #SBATCH directives, which must hold no value. */
const hashLines = (script: string) => script.split('\n').filter((l) => l.startsWith('#'));

test('--submit slurm scripts with hostile folders, paths and flags: the text holds no value outside a quoted word, and run by the stand-in sbatch every job gets exactly its arguments in the right folder', () => {
  const root = tempDir('lenet-hostile-');
  const standin = installStandin(path.join(root, 'standin'));
  const plainNode = fakeNode(path.join(root, 'plain-node'));
  const plain: SlurmCampaign = {
    command: 'sweep',
    args: ['--grid=relu', '--seeds=2', '--data-dir=data'],
    outDir: path.join(root, 'plain-out'),
    shards: 2,
    cells: 2,
    sbatchArgs: ['--comment=x'],
    node: plainNode,
    bin: path.join(root, 'plain-bin', 'lenet.js'),
    cwd: path.join(root, 'plain-cwd'),
  };
  const reference = slurmScripts(plain);
  HOSTILE.forEach((h, i) => {
    const at = (kind: string) => path.join(root, `${i}`, kind, h);
    const cwd = at('cwd');
    fs.mkdirSync(cwd, { recursive: true });
    const outAllowed = !h.includes('\n') && !h.includes('\\');
    const c: SlurmCampaign = {
      ...plain,
      args: [`--grid=relu`, '--seeds=2', `--data-dir=${h}`],
      outDir: outAllowed ? path.join(at('out'), 'campaign') : path.join(root, `${i}`, 'out'),
      sbatchArgs: [`--comment=${h}`],
      node: fakeNode(at('node')),
      bin: path.join(at('bin'), 'lenet.js'),
      cwd,
    };
    if (!outAllowed) {
      // SLURM drops a backslash from --output (and takes no %-patterns then); it cuts the path at a newline.
      throwsLenet(
        () => checkSlurmCampaign({ ...c, outDir: path.join(at('out'), 'campaign') }),
        2,
        /^--submit slurm: --out .* holds a (backslash|newline), which SLURM cannot take in a log file's path \(--output\)$/,
      );
    }
    const scripts = slurmScripts(c);
    for (const job of ['array', 'merge'] as const) {
      assert.deepEqual(
        hashLines(scripts[job]),
        hashLines(reference[job]),
        `${JSON.stringify(h)}: comments and #SBATCH lines hold no value`,
      );
      assert.equal(scripts[job].split('\n').length, reference[job].split('\n').length, `${JSON.stringify(h)}: no value adds a line`);
    }

    const dump = path.join(root, `${i}`, 'dump');
    fs.mkdirSync(dump);
    const s = withEnv({ PATH: `${standin.bin}:${process.env.PATH}`, LENET_DUMP: dump }, () => submitSlurm(c));
    const [array, merge] = standin.jobs().slice(-2);
    assert.equal(String(array.id), s.arrayJobId);
    assert.equal(array.cwd, cwd, 'sbatch ran in the folder lenet was started from');
    assert.deepEqual(
      array.tasks.map((t) => t.status),
      [0, 0],
    );
    assert.deepEqual(
      merge.tasks.map((t) => t.status),
      [0],
    );
    const shard = (k: number) => path.join(c.outDir, '.shards', String(k));
    assert.deepEqual(calls(dump), [
      [cwd, c.bin, 'sweep', ...c.args, '--shard=slurm', `--out=${shard(1)}`, '--threads=1'],
      [cwd, c.bin, 'sweep', ...c.args, '--shard=slurm', `--out=${shard(2)}`, '--threads=1'],
      [cwd, c.bin, 'merge', shard(1), shard(2), `--out=${c.outDir}`],
      [cwd, c.bin, 'report', c.outDir],
    ]);
    // The logs are where the guide says, whatever %-patterns the folder's name holds.
    assert.deepEqual(
      [...array.tasks, ...merge.tasks].map((t) => t.log),
      [
        path.join(c.outDir, 'slurm', `shard-${array.id}_1.log`),
        path.join(c.outDir, 'slurm', `shard-${array.id}_2.log`),
        path.join(c.outDir, 'slurm', `merge-${merge.id}.log`),
      ],
    );
    assert.equal(array.argv[array.argv.length - 1], s.scripts.array);
    assert.ok(array.argv.includes(`--comment=${h}`), 'the pass-through option reached sbatch as itself');
    // The guide: one line per item whatever the names hold, each path as shellQuote writes it.
    const guide = submissionGuide(c, s, 'RESUBMIT');
    assert.equal(guide.split('\n').length, 8, guide);
    assert.ok(guide.includes(`merges the shards into ${shellQuote(c.outDir)} and`), guide);
    // The command to resubmit (cluster/'s resubmitLine, which the guide prints): pasted into bash, the same words.
    assert.deepEqual(bashWords(resubmitLine(c), cwd), [
      'sweep',
      ...c.args,
      '--submit=slurm',
      '--shards=2',
      ...c.sbatchArgs.map((a) => `--sbatch-arg=${a}`),
      `--out=${c.outDir}`,
    ]);
    assert.ok(submissionGuide(c, s).includes(`        ${resubmitLine(c)}\n`));
  });
  assert.deepEqual(pwned(root), [], 'no payload ran');
});

test('a merge command lenet prints when the merge job was refused is one line and pastes back as itself', () => {
  const root = tempDir('lenet-hint-');
  const standin = installStandin(path.join(root, 'standin'));
  const outDir = path.join(root, 'o$(touch${IFS}PWNED7)', 'x');
  const c: SlurmCampaign = {
    command: 'sweep',
    args: ['--grid=relu', '--seeds=2'],
    outDir,
    shards: 2,
    cells: 2,
    sbatchArgs: [],
    node: fakeNode(path.join(root, 'node')),
    bin: '/opt/lenet/bin/lenet.js',
    cwd: root,
  };
  const dump = path.join(root, 'dump');
  fs.mkdirSync(dump);
  let message = '';
  withEnv({ PATH: `${standin.bin}:${process.env.PATH}`, LENET_DUMP: dump, STANDIN_REFUSE_DEPENDENT: '1' }, () => {
    message = throwsLenet(
      () => submitSlurm(c),
      1,
      /\(the merge job\); array job \d+ was submitted: scancel \d+, or merge its shards with lenet merge /,
    ).message;
  });
  const hint = message.slice(message.indexOf('lenet merge '));
  const words = bashWords(hint, root);
  assert.equal(words[0], 'merge');
  assert.deepEqual(words.slice(-2), ['--out', outDir]);
  assert.deepEqual(pwned(root), [], 'no payload ran');
});

test('--sbatch-arg: no spelling sbatch accepts changes an option lenet sets (one line naming it, exit 2); other options pass', () => {
  const c: SlurmCampaign = {
    command: 'sweep',
    args: [],
    outDir: '/shared/runs/s1',
    shards: 2,
    cells: 8,
    sbatchArgs: [],
    node: '/opt/node/bin/node',
    bin: '/opt/lenet/bin/lenet.js',
    cwd: '/home/me',
  };
  const refused: Array<[string[], RegExp]> = [
    [['--array=1-3'], /^--sbatch-arg --array=1-3: lenet sets --array itself: /],
    [['--arr=1-3'], /^--sbatch-arg --arr=1-3: lenet sets --array itself \(sbatch reads it as --array\)/],
    [['--arr', '1-3'], /lenet sets --array itself/],
    [['-a1-3'], /^--sbatch-arg -a1-3: lenet sets --array itself \(sbatch reads it as --array\)/],
    [['-a', '1-3'], /^--sbatch-arg -a: lenet sets --array itself/],
    [['-Ha1-3'], /^--sbatch-arg -a1-3: lenet sets --array/],
    [['-vHa', '1-3'], /^--sbatch-arg -a: lenet sets --array/],
    [
      ['--a=1'],
      /^--sbatch-arg --a=1: sbatch reads it as any of --account, --acctg-freq, --array, --autocomplete: write the option in full \(lenet sets --array itself\)/,
    ],
    [['--outp=/x'], /lenet sets --output itself \(sbatch reads it as --output\)/],
    [['--out=/x'], /lenet sets --output itself/],
    [['-o/x'], /lenet sets --output/],
    [['-o', '/x'], /lenet sets --output/],
    [['-e/x'], /lenet sets --error/],
    [['--err=/x'], /lenet sets --error/],
    [['--error', '/x'], /lenet sets --error/],
    [['--depend=afterok:1'], /lenet sets --dependency itself \(sbatch reads it as --dependency\)/],
    [['-d', 'after:1'], /lenet sets --dependency/],
    [['-dafterany:1'], /lenet sets --dependency/],
    [['--kill-on=no'], /lenet sets --kill-on-invalid-dep/],
    [['-J', 'x'], /lenet sets --job-name/],
    [['-Jx'], /lenet sets --job-name/],
    [['--job=x'], /lenet sets --job-name/],
    [['--pars'], /lenet sets --parsable/],
    [['--parsable'], /lenet sets --parsable/],
    [['--wr=true'], /lenet sets --wrap/],
    [['-D/tmp'], /lenet sets --chdir/],
    [['--ch=/tmp'], /lenet sets --chdir/],
    [['-c4'], /lenet sets --cpus-per-task itself .*say --threads/],
    [['--cpus-per-t=4'], /lenet sets --cpus-per-task/],
    [['-W'], /lenet sets --wait/],
    [['-QW'], /lenet sets --wait/],
    [['--test'], /lenet sets --test-only/],
    [['-h'], /lenet sets --help/],
    [['--usage'], /lenet sets --usage/],
    [['-V'], /lenet sets --version/],
    [['--autoc=x'], /lenet sets --autocomplete/],
    [['--par=x'], /sbatch reads it as any of --parsable, --partition: write the option in full \(lenet sets --parsable itself\)/],
    [['--'], /^--sbatch-arg --: it ends sbatch.s options/],
    [[':'], /^--sbatch-arg :: a lone ":" separates the jobs of a heterogeneous job/],
    [['--comment', ':'], /a lone ":" separates/],
    [['--partition'], /^--sbatch-arg --partition: --partition needs a value: write --sbatch-arg=--partition=VALUE/],
    [['-p'], /--partition needs a value/],
    [['--time=1', '--comment'], /--comment needs a value/],
    [['partition=x'], /^--sbatch-arg partition=x: not an sbatch option/],
    [['--nice', '5'], /^--sbatch-arg 5: not an sbatch option/],
    [[''], /^--sbatch-arg '': not an sbatch option/],
    [['-'], /^--sbatch-arg -: not an sbatch option/],
    [['-Z'], /^--sbatch-arg -Z: -Z is not an sbatch option/],
    [['-vZ'], /-Z is not an sbatch option/],
    // An option lenet does not know is read as taking no value: what follows is still checked.
    [['--newer-option', '--array=1-3'], /lenet sets --array/],
    [['--comment=a\nb', '-a1'], /^--sbatch-arg -a1: lenet sets --array/],
    [['--arr=\n$(x)'], /^--sbatch-arg \$'--arr=\\n\$\(x\)': lenet sets --array/],
  ];
  for (const [args, pattern] of refused) throwsLenet(() => checkSlurmCampaign({ ...c, sbatchArgs: args }), 2, pattern);
  const allowed = [
    ['--partition=cpu'],
    ['-p', 'cpu'],
    ['-pcpu'],
    ['--part=cpu'],
    ['--time', '10'],
    ['-t10'],
    // The value of --comment, not an option: sbatch takes the next argument whatever it looks like.
    ['--comment', '--array=1-3'],
    ['--comment=--array=1-3'],
    ['-Qv'],
    ['--mem=1G', '--nice', '--nice=5', '--exclusive', '-k', '--hold', '--requeue'],
    ['--newer-option=1'],
    ['--export=ALL,X=--array=1'],
    ['--mail-type', 'END', '-A', 'acct'],
    ['--clusters=a'],
  ];
  for (const args of allowed) checkSlurmCampaign({ ...c, sbatchArgs: args });
});

test('sbatch gets lenet\u2019s options on its command line, the pass-through ones after them and -- before the script; SBATCH_* variables of lenet\u2019s options do not reach it', () => {
  const root = tempDir('lenet-sbatch-argv-');
  const standin = installStandin(path.join(root, 'standin'));
  const dump = path.join(root, 'dump');
  fs.mkdirSync(dump);
  const c: SlurmCampaign = {
    command: 'sweep',
    args: ['--grid=relu', '--seeds=2'],
    outDir: path.join(root, 'o'),
    shards: 2,
    cells: 2,
    sbatchArgs: ['--comment', '--array=1-5', '--time=10'],
    node: fakeNode(path.join(root, 'node')),
    bin: '/opt/lenet/bin/lenet.js',
    cwd: root,
  };
  const s = withEnv(
    {
      PATH: `${standin.bin}:${process.env.PATH}`,
      LENET_DUMP: dump,
      SBATCH_ARRAY_INX: '1-5',
      SBATCH_OUTPUT: '/tmp/elsewhere-%j',
      SBATCH_ERROR: '/tmp/elsewhere-%j',
      SBATCH_JOB_NAME: 'other',
      SBATCH_WAIT: '1',
      SBATCH_PARTITION: 'cpu',
    },
    () => submitSlurm(c),
  );
  const [array, merge] = standin.jobs();
  const logs = path.join(c.outDir, 'slurm');
  assert.deepEqual(array.argv, [
    '--parsable',
    '--job-name=lenet-sweep',
    '--array=1-2',
    '--cpus-per-task=1',
    `--output=${logs}/shard-%A_%a.log`,
    '--comment',
    '--array=1-5',
    '--time=10',
    '--',
    s.scripts.array,
  ]);
  assert.deepEqual(merge.argv, [
    '--parsable',
    '--job-name=lenet-sweep-merge',
    `--output=${logs}/merge-%j.log`,
    `--dependency=afterok:${array.id}`,
    '--kill-on-invalid-dep=yes',
    '--comment',
    '--array=1-5',
    '--time=10',
    '--',
    s.scripts.merge,
  ]);
  assert.deepEqual(array.sbatchEnv, { SBATCH_PARTITION: 'cpu' }, 'only the variables of options lenet does not set');
  assert.equal(array.tasks.length, 2, 'two tasks for --shards 2');
  const jobsFile = JSON.parse(fs.readFileSync(path.join(logs, 'jobs.json'), 'utf8'));
  assert.deepEqual(jobsFile.submissions[0].sbatch.passThrough, c.sbatchArgs);
});

test('--submit slurm --jobs N: a task asks SLURM for jobs × threads CPUs (no more jobs than its largest shard has cells) and runs that many', () => {
  const root = tempDir('lenet-cpus-');
  const standin = installStandin(path.join(root, 'standin'));
  const cases: Array<{ jobs?: number; threads?: number; cells: number; shards: number; args: string[]; cpus: number; extra: string[] }> = [
    { jobs: 3, threads: 2, cells: 8, shards: 2, args: ['--jobs=3', '--threads=2'], cpus: 6, extra: [] },
    { jobs: 8, cells: 8, shards: 4, args: ['--jobs=8'], cpus: 2, extra: ['--threads=1'] },
    { threads: 4, cells: 8, shards: 2, args: ['--threads=4'], cpus: 4, extra: [] },
    { threads: 2, cells: 8, shards: 2, args: ['--jobs=auto', '--threads=2'], cpus: 2, extra: [] },
    { cells: 8, shards: 2, args: [], cpus: 1, extra: ['--threads=1'] },
  ];
  cases.forEach((k, i) => {
    const dump = path.join(root, `dump-${i}`);
    fs.mkdirSync(dump);
    const c = {
      command: 'sweep',
      args: ['--grid=relu,tanh', ...k.args],
      outDir: path.join(root, `o${i}`),
      shards: k.shards,
      cells: k.cells,
      sbatchArgs: [],
      node: fakeNode(path.join(root, `node-${i}`)),
      bin: '/opt/lenet/bin/lenet.js',
      cwd: root,
      ...(k.threads !== undefined ? { threads: k.threads } : {}),
      ...(k.jobs !== undefined ? { jobs: k.jobs } : {}),
    } as SlurmCampaign;
    assert.match(slurmScripts(c).array, new RegExp(`^#SBATCH --cpus-per-task=${k.cpus}$`, 'm'), JSON.stringify(k));
    withEnv({ PATH: `${standin.bin}:${process.env.PATH}`, LENET_DUMP: dump }, () => submitSlurm(c));
    const array = standin.jobs().slice(-2)[0];
    assert.equal(array.cpusPerTask, String(k.cpus), JSON.stringify(k));
    assert.deepEqual(calls(dump)[0].slice(2), ['sweep', ...c.args, '--shard=slurm', `--out=${c.outDir}/.shards/1`, ...k.extra]);
  });
});

test('the merge job ends with the exit status of the first of its commands that fails, and runs nothing after it', () => {
  const root = tempDir('lenet-merge-fails-');
  const standin = installStandin(path.join(root, 'standin'));
  for (const [command, failing] of [
    ['sweep', 'merge'],
    ['sweep', 'report'],
    ['compare', 'merge'],
    ['compare', 'compare'],
    ['compare', 'report'],
  ] as const) {
    const dump = path.join(root, `dump-${command}-${failing}`);
    fs.mkdirSync(dump);
    const c: SlurmCampaign = {
      command,
      args: ['--seeds=2'],
      outDir: path.join(root, `o-${command}-${failing}`),
      shards: 2,
      cells: 2,
      sbatchArgs: [],
      node: fakeNode(path.join(root, `node-${command}-${failing}`)),
      bin: '/opt/lenet/bin/lenet.js',
      cwd: root,
    };
    withEnv({ PATH: `${standin.bin}:${process.env.PATH}`, LENET_DUMP: dump, LENET_FAIL_ON: failing }, () => submitSlurm(c));
    const [array, merge] = standin.jobs().slice(-2);
    assert.deepEqual(
      array.tasks.map((t) => t.status),
      [0, 0],
    );
    assert.deepEqual(
      merge.tasks.map((t) => t.status),
      [3],
      `${command}: the merge job fails when ${failing} fails`,
    );
    const run = calls(dump)
      .slice(2)
      .map((call) => call[2]);
    const steps = command === 'compare' ? ['merge', 'compare', 'report'] : ['merge', 'report'];
    assert.deepEqual(run, steps.slice(0, steps.indexOf(failing) + 1), 'nothing runs after the failure');
  }
});

test('experiments/k8s: every word of the containers\u2019 commands is written as shellQuote writes it, and the pod index reaches lenet as one word', () => {
  const dir = path.join(ROOT, 'experiments', 'k8s');
  const command = (file: string) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const lines = text.split('\n');
    const i = lines.findIndex((l) => /^\s*- -c$/.test(l));
    const next = lines[i + 1];
    if (!/^\s*- >-$/.test(next)) return next.replace(/^\s*- /, '');
    const body: string[] = [];
    const indent = (l: string) => l.length - l.trimStart().length;
    for (let j = i + 2; j < lines.length && indent(lines[j]) > indent(next); j++) body.push(lines[j].trim());
    return body.join(' ');
  };
  const shards = command('sweep-shards.yaml');
  const merge = command('sweep-merge.yaml');
  for (const word of `${shards} ${merge}`.split(' ')) {
    if (word === '&&') continue;
    const variable = /^(.*)"\$([A-Z_]+)"$/.exec(word);
    const literal = variable ? variable[1] : word;
    assert.equal(shellQuote(literal), literal, `${word}: a plain word (or a plain word and a double-quoted variable)`);
  }
  // The Job controller sets the index; were it ever not a number, it would still reach lenet as one word.
  const root = tempDir('lenet-k8s-words-');
  const dump = path.join(root, 'dump');
  fs.mkdirSync(dump);
  const node = fakeNode(path.join(root, 'n o$(touch PWNED)de'));
  const local = shards.replace(/node \/opt\/lenet\/bin\/lenet\.js/, `${shellQuote(node)} lenet.js`);
  const r = spawnSync('sh', ['-c', local], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LENET_DUMP: dump, JOB_COMPLETION_INDEX: '0 --out=/elsewhere *', LENET_SHARD_COUNT: '6' },
  });
  assert.equal(r.status, 0, r.stderr);
  const [call] = calls(dump);
  assert.equal(call[call.length - 1], '--out=/runs/sweep/.shards/0 --out=/elsewhere *');
  assert.deepEqual(pwned(root), []);
});
