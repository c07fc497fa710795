/**
 * The layout of run and campaign folders: which files a run owns, where a campaign puts its cells,
 * how an output folder is checked, created and (with --force) cleared, and how run folders are
 * found under any folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../errors';
import { fileError, isTemporaryOf } from './atomic';
import { EPOCHS_FILE } from './epochs';
import { lockHolder, LOCK_FILE } from './lock';
import { MANIFEST_FILE } from './manifest';
import { SUMMARY_CSV_FILE, SUMMARY_FILE } from './summary';
import { CAMPAIGN_FILE } from './campaign-file';

export const CHECKPOINT_FILE = 'checkpoint.bin';
export const MODEL_DIR = 'model';
export const MODEL_FILES = ['model.json', 'weights.bin'] as const;

/** What `lenet evaluate` writes into a run folder: it belongs to that run's model, so --force clears it too. */
export const EVALUATION_FILES = ['confusion.csv', 'confusion.svg', 'confusion.png'] as const;

/** The files a run writes into its folder (model/ aside). */
export const RUN_FILES = [EPOCHS_FILE, SUMMARY_FILE, SUMMARY_CSV_FILE, MANIFEST_FILE, CHECKPOINT_FILE, ...EVALUATION_FILES] as const;

/** The folder of one cell of a campaign, relative to the campaign folder. */
export function cellDir(label: string, seed: number): string {
  return `${label.replace(/,/g, '_')}/seed-${seed}`;
}

/** UTC timestamp for default output folders: 20261128T174832Z. */
export function timestamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function isRunDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, SUMMARY_FILE)) || fs.existsSync(path.join(dir, EPOCHS_FILE));
}

/** A folder that `lenet train` wrote (its own config.json), as opposed to a campaign folder. */
export function isTrainRunDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, MANIFEST_FILE)) || isRunDir(dir);
}

/** A model/ folder written by saveModel: its model.json is a tfjs layers model naming weights.bin. */
export function isLenetModelDir(dir: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    return (
      m.format === 'layers-model' && JSON.stringify(m.weightsManifest?.map((w: { paths: string[] }) => w.paths)) === '[["weights.bin"]]'
    );
  } catch {
    return false;
  }
}

/**
 * Refuses an output folder that is a file, is being written by another process, or is not empty
 * (unless --force). `campaign` refuses a single run's folder too: a campaign writes cells below it.
 */
export function checkOutDir(dir: string, force: boolean, what: 'run' | 'campaign' = 'run'): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return; // created later
  }
  if (!stat.isDirectory()) throw usageError(`--out ${dir} exists and is not a directory`);
  const holder = lockHolder(dir);
  if (holder) throw runtimeError(`cannot write into ${dir}: ${holder}`);
  if (what === 'campaign') {
    if (isTrainRunDir(dir) && !fs.existsSync(path.join(dir, CAMPAIGN_FILE))) {
      throw usageError(`--out ${dir} holds a single run of lenet train, not a campaign; choose another --out`);
    }
    return; // a campaign folder is rerun into: finished cells are skipped
  }
  checkEmptyOutDir(dir, force);
  const model = path.join(dir, MODEL_DIR);
  if (force && fs.existsSync(model) && !isLenetModelDir(model) && fs.readdirSync(model).length > 0) {
    throw usageError(`--force would write over ${model}, which is not a lenet model; move it away first`);
  }
}

/**
 * A new run's folder holds nothing but a lock (unless --force). Checked before the folder is
 * locked and again once it is: another lenet may have filled it in between.
 */
export function checkEmptyOutDir(dir: string, force: boolean): void {
  const entries = fs.readdirSync(dir).filter((e) => e !== LOCK_FILE);
  if (entries.length > 0 && !force) {
    throw usageError(`output directory ${dir} exists and is not empty (use --force to overwrite, or --resume ${dir} to continue)`);
  }
}

/** Creates the output folder and checks it can be written; a read-only mount says so. */
export function createOutDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    let code = (err as NodeJS.ErrnoException).code;
    // mkdir -p below a read-only mount can report ENOENT; the truth is in the nearest existing parent.
    if (code === 'ENOENT' || code === 'EACCES') code = writableProbe(dir) ?? code;
    throw fileError('write to output directory', dir, Object.assign(new Error(code ?? ''), { code }));
  }
}

/** The error code a write would meet in the nearest existing ancestor of dir, or null. */
function writableProbe(dir: string): string | null {
  let p = path.resolve(dir);
  while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
  try {
    const probe = path.join(p, `.lenet-probe-${process.pid}`);
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? null;
  }
}

/**
 * --force: removes an earlier run's files and nothing else — the run's own files, model/'s two files
 * when model/ is a lenet model, and temporaries of those files (`.<file>.<pid>.tmp`); an editor's
 * swap file or any other file stays.
 */
export function clearRunFiles(dir: string): void {
  for (const f of RUN_FILES) fs.rmSync(path.join(dir, f), { force: true });
  removeStaleTemporaries(dir);
  const model = path.join(dir, MODEL_DIR);
  if (isLenetModelDir(model)) {
    for (const f of MODEL_FILES) fs.rmSync(path.join(model, f), { force: true });
  }
  if (fs.existsSync(model)) {
    removeStaleTemporaries(model);
    if (fs.readdirSync(model).length === 0) fs.rmdirSync(model);
  }
}

/** Half-written files of a process killed mid-write (see writeFileAtomic); only ours. */
export function removeStaleTemporaries(dir: string): void {
  const names = [...RUN_FILES, ...MODEL_FILES, CAMPAIGN_FILE];
  for (const f of fs.readdirSync(dir)) if (isTemporaryOf(f, names)) fs.rmSync(path.join(dir, f), { force: true });
}

const SKIP_DIRS = new Set([MODEL_DIR, 'node_modules', '.git']);

/**
 * Run folders under dir (dir itself if it is one), sorted, following symbolic links (a folder of
 * links to runs is a normal way to assemble a comparison), each real folder once; plus the campaign
 * folders met on the way, in walk order.
 */
export function findRunDirs(dir: string): { runs: string[]; campaigns: string[] } {
  const runs: string[] = [];
  const campaigns: string[] = [];
  const seen = new Set<string>();
  const walk = (d: string) => {
    let real: string;
    try {
      real = fs.realpathSync(d);
    } catch {
      return; // a dangling link
    }
    if (seen.has(real)) return;
    seen.add(real);
    if (isRunDir(d)) {
      runs.push(d);
      return;
    }
    if (fs.existsSync(path.join(d, CAMPAIGN_FILE))) campaigns.push(d);
    let entries: string[];
    try {
      entries = fs.readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
      const child = path.join(d, name);
      if (fs.statSync(child, { throwIfNoEntry: false })?.isDirectory()) walk(child);
    }
  };
  walk(dir);
  return { runs, campaigns };
}
