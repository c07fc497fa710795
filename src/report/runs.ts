/**
 * Reading finished (or interrupted) training runs back from disk and grouping them by schedule.
 *
 * A run directory holds epochs.csv and summary.json (and config.json, model/). collectRuns accepts a
 * run directory itself or any directory above run directories (a comparison, a sweep, a shard, a
 * folder of several), walking it recursively; comparison.json files found on the way give the order
 * of the schedules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError, usageError } from '../errors';
import { EPOCH_COLUMNS, EpochRow, METRIC_NAMES, MetricMeans, MetricName } from '../train/metrics';
import { RunSummary } from '../train/summary-types';
import { ACTIVATIONS, PAPER_ACTIVATIONS } from '../model/activations';
import { mean, std } from './stats';

/** One run read from disk. */
export interface RunData {
  /** Absolute path of the run directory. */
  dir: string;
  /** Path relative to the directory that was collected ('.' for the directory itself). */
  relDir: string;
  summary: RunSummary;
  epochs: EpochRow[];
  /** config.json as written by the trainer (keys config, versions, backend, machine), or null if absent. */
  config: Record<string, unknown> | null;
}

/** Mean and sample std over seeds of every metric at one epoch. */
export interface EpochStats {
  epoch: number;
  /** Number of runs that reached this epoch. */
  n: number;
  mean: MetricMeans;
  std: MetricMeans;
}

/** The runs of one schedule (one per seed). */
export interface RunGroup {
  label: string;
  activations: string[];
  runs: RunData[];
  seeds: number[];
  /** Per-epoch mean ± std over the seeds. */
  epochs: EpochStats[];
  /** Per-seed values of summary.final (the mean of the last K epochs), in the order of `runs`. */
  finals: Record<MetricName, number[]>;
  /** Per-seed seconds per epoch. */
  secondsPerEpoch: number[];
  /** Runs whose summary says complete: false. */
  incomplete: number;
}

export interface RunCollection {
  /** Absolute path of the collected directory. */
  root: string;
  runs: RunData[];
  groups: RunGroup[];
  /** 'comparison' / 'sweep' when a comparison.json was found, else null. */
  kind: 'comparison' | 'sweep' | null;
  /** Things worth telling the user (skipped directories, mixed protocols). */
  warnings: string[];
}

const SKIP_DIRS = new Set(['model', 'node_modules', '.git']);

function isRunDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'summary.json')) || fs.existsSync(path.join(dir, 'epochs.csv'));
}

/**
 * Parses one epochs.csv; any problem is one runtime-error line naming the file. `maxRows` reads
 * only the first rows (a resumed run trusts the rows its checkpoint covers, and nothing after).
 */
export function readEpochsCsv(file: string, maxRows = Infinity): EpochRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw runtimeError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 1 + maxRows);
  if (lines.length === 0) throw runtimeError(`${file} is empty (expected header ${EPOCH_COLUMNS.join(',')})`);
  const header = lines[0].split(',').map((h) => h.trim());
  const missing = EPOCH_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw runtimeError(`${file} has a bad header: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected ${EPOCH_COLUMNS.join(',')})`);
  }
  const index = EPOCH_COLUMNS.map((c) => header.indexOf(c));
  const rows: EpochRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    if (cells.length !== header.length) {
      throw runtimeError(`${file} line ${i + 1}: ${cells.length} fields, header has ${header.length}`);
    }
    const row = {} as Record<string, number>;
    EPOCH_COLUMNS.forEach((c, j) => {
      const cell = cells[index[j]].trim();
      const v = Number(cell);
      if (cell === '' || (Number.isNaN(v) && cell !== 'NaN')) {
        throw runtimeError(`${file} line ${i + 1}: ${c} is not a number: "${cell}"`);
      }
      row[c] = v;
    });
    const prev = rows.length > 0 ? rows[rows.length - 1].epoch : 0;
    if (!Number.isInteger(row.epoch) || row.epoch <= prev) {
      throw runtimeError(`${file} line ${i + 1}: epoch ${cells[index[0]].trim()} does not follow epoch ${prev}`);
    }
    rows.push(row as unknown as EpochRow);
  }
  return rows;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw runtimeError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw runtimeError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Parses and checks one summary.json; problems are one runtime-error line naming the file. */
export function readSummary(file: string): RunSummary {
  const data = readJson(file);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw runtimeError(`${file} must hold a JSON object`);
  const s = data as Record<string, unknown>;
  const need = (key: string, type: string) => {
    if (typeof s[key] !== type) throw runtimeError(`${file}: "${key}" must be a ${type}, got ${JSON.stringify(s[key]) ?? 'nothing'}`);
  };
  need('schedule', 'string');
  need('seed', 'number');
  need('complete', 'boolean');
  need('seconds_per_epoch', 'number');
  if (!Array.isArray(s.activations) || s.activations.length !== 3 || !s.activations.every((a) => typeof a === 'string')) {
    throw runtimeError(`${file}: "activations" must be a list of 3 activation names`);
  }
  const final = s.final as Record<string, unknown> | undefined;
  if (typeof final !== 'object' || final === null) throw runtimeError(`${file}: "final" must be an object of metric means`);
  for (const m of METRIC_NAMES) {
    if (typeof final[m] !== 'number') throw runtimeError(`${file}: "final.${m}" must be a number`);
  }
  return data as RunSummary;
}

/** Reads one run directory. */
export function readRun(dir: string, root: string): RunData {
  const summaryFile = path.join(dir, 'summary.json');
  const epochsFile = path.join(dir, 'epochs.csv');
  if (!fs.existsSync(summaryFile)) throw runtimeError(`${dir} has epochs.csv but no summary.json`);
  if (!fs.existsSync(epochsFile)) throw runtimeError(`${dir} has summary.json but no epochs.csv`);
  const summary = readSummary(summaryFile);
  const epochs = readEpochsCsv(epochsFile);
  const configFile = path.join(dir, 'config.json');
  let config: Record<string, unknown> | null = null;
  if (fs.existsSync(configFile)) {
    const c = readJson(configFile);
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw runtimeError(`${configFile} must hold a JSON object`);
    config = c as Record<string, unknown>;
  }
  const rel = path.relative(root, dir);
  return { dir, relDir: rel === '' ? '.' : rel.split(path.sep).join('/'), summary, epochs, config };
}

interface ComparisonFile {
  kind: 'comparison' | 'sweep';
  schedules: string[];
  seeds: number[];
  /** A sweep shard's whole grid (absent in comparisons and older folders). */
  grid?: { schedules: string[]; seeds: number[] };
  runs: Array<{ schedule: string; seed: number; dir: string }>;
}

/** Reads a comparison.json, or null when the file is absent; a malformed one is a runtime error. */
export function readComparisonFile(dir: string): ComparisonFile | null {
  const file = path.join(dir, 'comparison.json');
  if (!fs.existsSync(file)) return null;
  const data = readJson(file) as Partial<ComparisonFile> | null;
  if (typeof data !== 'object' || data === null || !Array.isArray(data.schedules) || !Array.isArray(data.runs)) {
    throw runtimeError(`${file}: expected {kind, schedules: [...], seeds: [...], runs: [...]}`);
  }
  return {
    kind: data.kind === 'sweep' ? 'sweep' : 'comparison',
    schedules: data.schedules.map(String),
    seeds: Array.isArray(data.seeds) ? data.seeds.map(Number) : [],
    runs: data.runs,
    ...(data.grid && Array.isArray(data.grid.schedules) && Array.isArray(data.grid.seeds)
      ? { grid: { schedules: data.grid.schedules.map(String), seeds: data.grid.seeds.map(Number) } } : {}),
  };
}

/** Run directories under dir (dir itself if it is one), sorted; plus the comparison.json files met. */
function walk(dir: string, found: string[], comparisons: ComparisonFile[]): void {
  if (isRunDir(dir)) {
    found.push(dir);
    return;
  }
  const comparison = readComparisonFile(dir);
  if (comparison) comparisons.push(comparison);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name), found, comparisons);
  }
}

/** The canonical order of schedules: the paper's four first, then by activation index (conv1, conv2, dense). */
export function compareLabels(a: { label: string; activations: string[] }, b: { label: string; activations: string[] }): number {
  const pa = PAPER_ACTIVATIONS.indexOf(a.label);
  const pb = PAPER_ACTIVATIONS.indexOf(b.label);
  if (pa >= 0 || pb >= 0) {
    if (pa < 0) return 1;
    if (pb < 0) return -1;
    return pa - pb;
  }
  return compareActivations(a, b) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

/** Per-epoch mean ± std over the runs of one group. */
export function epochStats(runs: readonly RunData[]): EpochStats[] {
  const maxEpoch = Math.max(0, ...runs.map((r) => (r.epochs.length ? r.epochs[r.epochs.length - 1].epoch : 0)));
  const out: EpochStats[] = [];
  for (let e = 1; e <= maxEpoch; e++) {
    const rows = runs.map((r) => r.epochs.find((x) => x.epoch === e)).filter((x): x is EpochRow => x !== undefined);
    if (rows.length === 0) continue;
    const m = {} as MetricMeans;
    const s = {} as MetricMeans;
    for (const name of METRIC_NAMES) {
      const values = rows.map((r) => r[name]);
      m[name] = mean(values);
      s[name] = std(values);
    }
    out.push({ epoch: e, n: rows.length, mean: m, std: s });
  }
  return out;
}

/** Order of a sweep's grid: by the activation after conv1, then conv2, then dense (ACTIVATIONS order). */
export function compareActivations(a: { activations: string[] }, b: { activations: string[] }): number {
  const key = (acts: string[]) => acts.map((x) => (ACTIVATIONS as readonly string[]).indexOf(x));
  const ka = key(a.activations);
  const kb = key(b.activations);
  for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
}

/**
 * Groups runs by schedule label, in the given label order (others after it, in canonical order);
 * with gridOrder, purely in the sweep's grid order (so shards, merges and whole sweeps agree).
 */
export function groupRuns(runs: readonly RunData[], order: readonly string[] = [], gridOrder = false): RunGroup[] {
  const byLabel = new Map<string, RunData[]>();
  for (const r of runs) {
    const list = byLabel.get(r.summary.schedule) ?? [];
    list.push(r);
    byLabel.set(r.summary.schedule, list);
  }
  const groups: RunGroup[] = [];
  for (const [label, list] of byLabel) {
    list.sort((a, b) => a.summary.seed - b.summary.seed);
    for (let i = 1; i < list.length; i++) {
      if (list[i].summary.seed === list[i - 1].summary.seed) {
        throw runtimeError(`two runs of ${label} with seed ${list[i].summary.seed}: ${list[i - 1].dir} and ${list[i].dir}`);
      }
    }
    const finals = {} as Record<MetricName, number[]>;
    for (const m of METRIC_NAMES) finals[m] = list.map((r) => r.summary.final[m]);
    groups.push({
      label,
      activations: [...list[0].summary.activations],
      runs: list,
      seeds: list.map((r) => r.summary.seed),
      epochs: epochStats(list),
      finals,
      secondsPerEpoch: list.map((r) => r.summary.seconds_per_epoch),
      incomplete: list.filter((r) => !r.summary.complete).length,
    });
  }
  groups.sort((a, b) => {
    if (gridOrder) return compareActivations(a, b) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
    const ia = order.indexOf(a.label);
    const ib = order.indexOf(b.label);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return compareLabels(a, b);
  });
  return groups;
}

/** The protocol part of a run's config.json: the resolved TrainConfig minus what varies by cell. */
export function protocolOf(run: RunData, ignore: readonly string[] = ['seed', 'schedule', 'scheduleLabel']): Record<string, unknown> | null {
  const config = run.config?.config;
  if (typeof config !== 'object' || config === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) if (!ignore.includes(k)) out[k] = v;
  return out;
}

/** Stable JSON (sorted keys) to compare protocols. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Keys on which two protocols differ. */
export function protocolDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => stableJson(a[k]) !== stableJson(b[k]));
}

/**
 * Every run under dir, grouped by schedule. dir may be a run directory, a comparison or sweep
 * directory, or any folder above them. A missing directory is a usage error; no runs, a runtime error.
 */
export function collectRuns(dir: string): RunCollection {
  const root = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch {
    throw usageError(`no such directory: ${dir}`);
  }
  if (!stat.isDirectory()) throw usageError(`not a directory: ${dir}`);
  const dirs: string[] = [];
  const comparisons: ComparisonFile[] = [];
  walk(root, dirs, comparisons);
  const warnings: string[] = [];
  const runs: RunData[] = [];
  for (const d of dirs) {
    if (!fs.existsSync(path.join(d, 'summary.json'))) {
      warnings.push(`skipped ${path.relative(root, d) || '.'}: epochs.csv without summary.json (run still starting?)`);
      continue;
    }
    const run = readRun(d, root);
    if (run.epochs.length === 0) {
      warnings.push(`skipped ${run.relDir}: no epoch finished yet`);
      continue;
    }
    runs.push(run);
  }
  if (runs.length === 0) throw runtimeError(`no runs found under ${dir}${warnings.length > 0 ? ` (${warnings[0]}${warnings.length > 1 ? `; and ${warnings.length - 1} more` : ''})` : ''}`);
  const order: string[] = [];
  for (const c of comparisons) for (const s of c.schedules) if (!order.includes(s)) order.push(s);
  const kinds = new Set(comparisons.map((c) => c.kind));
  const kind = kinds.has('sweep') ? 'sweep' : kinds.has('comparison') ? 'comparison' : null;
  // Mixed protocols make the comparison meaningless: say so (merge refuses them outright).
  const withProtocol = runs.map((r) => ({ r, p: protocolOf(r, ['seed', 'schedule', 'scheduleLabel', 'dataDir', 'threads']) }));
  const first = withProtocol.find((x) => x.p !== null);
  if (first) {
    for (const x of withProtocol) {
      if (x.p === null) continue;
      const diff = protocolDifferences(first.p!, x.p);
      if (diff.length > 0) {
        warnings.push(`runs differ in protocol (${diff.join(', ')}): ${first.r.relDir} vs ${x.r.relDir}`);
        break;
      }
    }
  }
  return { root, runs, groups: groupRuns(runs, order, kind === 'sweep'), kind, warnings };
}
