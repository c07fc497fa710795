/**
 * The layout of run and campaign folders: which files a run owns, where a campaign puts its cells,
 * how an output folder is checked, created and (with --force) cleared, and how run folders are
 * found under any folder.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../errors';
import { fileError, isTemporaryOf, READ_LIMITS, readRegularFile } from './atomic';
import { EPOCHS_FILE } from './epochs';
import { isLockEntry, lockHolder } from './lock';
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

/** The longest name pathComponent gives (bytes; every file system allows 255). */
export const MAX_COMPONENT_LENGTH = 96;

/** A name kept as it is (its commas as underscores): lower-case letters, digits, `-`, `+`, `.` and `,`, not starting with a dot. */
const PLAIN_NAME = /^[a-z0-9][a-z0-9.,+-]*$/;

/**
 * The one way a name that comes from data — a schedule label, a value read from a file — becomes a
 * file or folder name: one path component, never a separator, `.` or `..`, a control character or
 * more than MAX_COMPONENT_LENGTH bytes. A label as lenet writes them (`relu`, `tanh-relu`,
 * `relu,sigmoid,tanh` → `relu_sigmoid_tanh`, the layout of every run folder so far) is kept; any other
 * text becomes its safe characters (others as `_`, cut short) then `~` and 16 hex digits of its
 * SHA-256, so two different labels never share a name (a kept name has no `~` and no `_` of its
 * own), not even on a file system that ignores case.
 */
export function pathComponent(text: string): string {
  if (PLAIN_NAME.test(text) && text.length <= MAX_COMPONENT_LENGTH) return text.replace(/,/g, '_');
  const slug =
    text
      .replace(/[^A-Za-z0-9.+-]+/g, '_')
      .replace(/^[._+-]+/, '')
      .slice(0, MAX_COMPONENT_LENGTH - 17) || 'x';
  return `${slug}~${crypto.createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)}`;
}

/**
 * The one check of a folder the user names (a campaign to read, a run to resume, a copy of the
 * data): one usage-error line saying what is there instead — nothing, or a file (or a FIFO, a
 * device) that is not a folder. `missing` is the line for nothing there.
 */
export function requireFolder(dir: string, missing: string, named: string = dir): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw usageError(missing);
    throw usageError(`${named}: cannot be read (${code ?? (err as Error).message})`);
  }
  if (!st.isDirectory()) throw usageError(`${named} is ${st.isFile() ? 'a file' : 'not a regular file'}, not a directory`);
}

/** The folder of one cell of a campaign, relative to the campaign folder: always two safe components (pathComponent). */
export function cellDir(label: string, seed: number): string {
  return `${pathComponent(label)}/${pathComponent(`seed-${seed}`)}`;
}

/** `lr=0.001 optimizer=sgd`: the levels of a variant that are not their factor's first, or `base`. */
export function variantName(levels: ReadonlyArray<{ flag: string; text: string; first: boolean }>): string {
  const named = levels.filter((l) => !l.first).map((l) => `${l.flag}=${l.text}`);
  return named.length === 0 ? 'base' : named.join(' ');
}

/** The variant's folder: its name with `=` as `-` and spaces as `_`, one safe component (pathComponent). */
export function variantDirOf(name: string): string {
  return pathComponent(name.replace(/=/g, '-').replace(/ /g, ','));
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
    const m = JSON.parse(readRegularFile(path.join(dir, 'model.json'), READ_LIMITS.json).toString('utf8'));
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
  checkOutDirContents(dir, force);
}

/**
 * The part of checkOutDir a writer repeats once it holds the folder's lock: another writer may have
 * filled the folder between the first check and the lock (it trained and let go), and what it wrote
 * must not be overwritten without --force.
 */
export function checkOutDirContents(dir: string, force: boolean): void {
  const entries = fs.readdirSync(dir).filter((e) => !isLockEntry(e));
  if (entries.length > 0 && !force) {
    throw usageError(`output directory ${dir} exists and is not empty (use --force to overwrite, or --resume ${dir} to continue)`);
  }
  const model = path.join(dir, MODEL_DIR);
  if (force && fs.existsSync(model) && !isLenetModelDir(model) && fs.readdirSync(model).length > 0) {
    throw usageError(`--force would write over ${model}, which is not a lenet model; move it away first`);
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
