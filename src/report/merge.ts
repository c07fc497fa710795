/**
 * `lenet merge`: combines shard outputs of a sweep (or any campaigns of one protocol) into one folder
 * whose table and heatmap equal those of an unsharded run. Runs are copied to OUT/<label>/seed-<n>/;
 * they must share one protocol (rundir/protocol's rule: configuration, backend that ran, data).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError, runtimeError, usageError } from '../errors';
import { collectRuns, RunData } from './runs';
import { compareActivations, parseScheduleSpec } from '../model/activations';
import { CampaignFile, campaignFileOf, CampaignCell, CampaignKind, readCampaignFile, writeCampaignFile } from '../rundir/campaign-file';
import { METRIC_NAMES } from '../rundir/epochs';
import { checkCampaignProtocol, checkMergeFolders } from '../rundir/campaign-manifest';
import { cellDir, findRunDirs, MODEL_DIR } from '../rundir/layout';
import { readRegularFile } from '../rundir/atomic';
import { FormatError } from '../rundir/format';
import { lenetLayout } from '../model/lenet';
import { lockFolder } from '../rundir/lock';
import { describeDifferences, Protocol, protocolDifferences, protocolOf, stableJson } from '../rundir/protocol';
import { readRunTree } from '../rundir/run-folder';
import { readSummary, SUMMARY_FILE } from '../rundir/summary';
import { writeCharts, writeHeatmap } from './plot';
import { ComparisonRow, writeComparison } from './comparison';
import { SweepRow, writeSweepTable } from './sweep-table';

export interface MergeResult {
  outDir: string;
  /** A merge of comparison shards is a comparison (comparison.md, charts); anything else a sweep (sweep.md, heatmap). */
  kind: CampaignKind;
  /** The table written: comparison.md or sweep.md. */
  table: string;
  runs: number;
  copied: number;
  schedules: string[];
  seeds: number[];
  /** Cells of schedules × seeds that no input had ("relu seed 2"). */
  missing: string[];
  /** Cells merged whose run did not finish all its epochs. */
  incomplete: string[];
  /** Cells whose unfinished copy in OUT was replaced by a run that went further (a finished one, above all). */
  replaced: string[];
  /** Input folders that do not exist. */
  absent: string[];
  /** What to rerun so that the merge is whole, one entry per shard ("shard 2/3 (s2): relu seed 1"); empty when whole. */
  rerun: string[];
  warnings: string[];
  rows: SweepRow[] | ComparisonRow[];
  files: string[];
}

/**
 * A run's results, from the results alone: every epoch's numbers and the final means, seconds left
 * out. Never the metadata around them (the data set's name, diverged_epoch, the format), which
 * older lenets did not write: a copy from an older version is the same run when its numbers are.
 */
function resultsOf(r: RunData): string {
  const final = Object.fromEntries(METRIC_NAMES.filter((m) => m !== 'seconds').map((m) => [m, r.summary.final[m]]));
  return stableJson({ epochs: r.epochs.map((e) => ({ ...e, seconds: null })), final });
}

/**
 * The saved weights of a run (model/weights.bin), read through rundir's bounded reader at most the
 * size its configuration makes them; null when the run has none (unfinished, or a copy kept
 * without its model).
 */
function weightsOf(r: RunData): Buffer | null {
  const file = path.join(r.dir, MODEL_DIR, 'weights.bin');
  if (!fs.existsSync(file) || r.config === null) return null;
  const c = r.config.config;
  const params = lenetLayout(c.arch, c.schedule, c.imageSize)
    .flatMap((l) => l.weights)
    .reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
  return readRegularFile(file, 4 * params);
}

/**
 * Two copies of one cell hold the same results when every epoch's numbers (seconds aside), the final
 * means (seconds aside) and, where both kept them, the saved weights are the same.
 */
function sameResults(a: RunData, b: RunData): boolean {
  if (resultsOf(a) !== resultsOf(b)) return false;
  const wa = weightsOf(a);
  const wb = wa === null ? null : weightsOf(b);
  return wa === null || wb === null || wa.equals(wb);
}

/** How far a run got: a finished run beats an unfinished one, and an unfinished one that trained more epochs, one that trained fewer. */
function progress(r: RunData): number {
  return (r.summary.complete ? 1_000_000 : 0) + r.epochs.length;
}

function describeRun(r: RunData): string {
  return r.summary.complete ? 'finished' : `unfinished, ${r.epochs.length} of ${r.config?.config.epochs ?? '?'} epochs`;
}

/** A run found for the merge, and the input folder it came from (null: already in OUT). */
interface Candidate {
  run: RunData;
  from: number | null;
}

const cellName = (r: RunData) => `${r.summary.schedule} seed ${r.summary.seed}`;

export async function mergeSweeps(inputs: readonly string[], outDir: string): Promise<MergeResult> {
  if (inputs.length === 0) throw usageError('merge needs at least one folder to merge');
  checkMergeFolders(inputs, outDir);
  const outAbs = path.resolve(outDir);
  const warnings: string[] = [];
  // The whole grid the shards came from, where their comparison.json records it; a merge of
  // comparison shards stays a comparison (its table, its schedules in the order they were listed).
  const grid: MergeGrid = { kind: 'sweep', schedules: new Map(), seeds: new Set() };
  const campaigns = inputs.map((input) => readCampaignFile(input));
  // (A folder not there yet does not make a comparison's merge a sweep.)
  const present = campaigns.filter((_, i) => fs.existsSync(inputs[i]));
  if (present.length > 0 && present.every((c) => c?.kind === 'comparison')) grid.kind = 'comparison';
  // Shards of one campaign: a comparison's and a sweep's cells are not one table.
  const kinds = new Set(present.flatMap((c) => (c ? [c.kind] : [])));
  if (kinds.size > 1) {
    const which = (k: string) => inputs.find((_, i) => campaigns[i]?.kind === k && fs.existsSync(inputs[i]));
    throw usageError(
      `cannot merge a comparison (${which('comparison')}) with a sweep (${which('sweep')}): merge the shards of one campaign`,
    );
  }
  for (const c of campaigns) {
    for (const label of c?.grid?.schedules ?? (grid.kind === 'comparison' ? (c?.schedules ?? []) : [])) {
      if (!grid.schedules.has(label)) grid.schedules.set(label, parseScheduleSpec(label));
    }
    for (const seed of c?.grid?.seeds ?? []) grid.seeds.add(seed);
  }

  // Every input's runs. A shard folder that does not exist yet, or has no finished epoch yet, is
  // a shard to run, not a reason to merge nothing: its cells are missing.
  const absent: string[] = [];
  const candidates: Candidate[] = [];
  let firstError: unknown = null;
  inputs.forEach((input, i) => {
    if (!fs.existsSync(input)) {
      absent.push(input);
      firstError ??= usageError(`no such directory: ${input}`);
      return;
    }
    let c;
    try {
      c = collectRuns(input);
    } catch (err) {
      if (!(err instanceof LenetError && err.message.startsWith('no runs found under '))) throw err;
      warnings.push(err.message);
      firstError ??= err;
      return;
    }
    warnings.push(...c.warnings.filter((w) => !w.startsWith('runs differ in protocol')));
    for (const run of c.runs) candidates.push({ run, from: i });
  });
  if (candidates.length === 0) throw firstError;

  const reference = checkProtocols(candidates, null);
  // A folder that holds a campaign of another protocol is not merged into (its manifest, or its runs, tell).
  checkCampaignProtocol(outDir, reference!.protocol, grid.kind);
  const cells = chooseRuns(candidates);

  try {
    fs.mkdirSync(outAbs, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lock = lockFolder(outAbs, 'lenet merge');
  try {
    putBackInterruptedCopies(outAbs);
    checkCampaignFileFormat(outAbs);
    // The runs OUT holds already take part: an unfinished copy there gives way to a run that got
    // further, never the reverse; two different finished runs of one cell are refused.
    const inOut = runsInFolder(outAbs);
    checkProtocols(inOut, reference, outDir);
    const chosen = chooseRuns([...cells.values(), ...inOut], outDir);
    // The manifest first (kind, protocol, cells), then the runs it lists.
    const plan = planMerged(chosen, grid, reference!.protocol);
    writeCampaignFile(outAbs, plan.file);
    const { copied, replaced } = copyCells(chosen, outAbs, outDir);
    const result = await writeMerged(outAbs, outDir, plan, grid, warnings, copied);
    const incomplete = [...chosen.values()].filter((c) => !c.run.summary.complete);
    return {
      ...result,
      incomplete: incomplete.map((c) => cellName(c.run)),
      replaced,
      absent,
      rerun: whatToRerun(inputs, campaigns, incomplete, result.missing, absent),
    };
  } finally {
    lock.release();
  }
}

/** Refuses runs of another protocol than `reference` (the first run's when null); returns the reference. */
function checkProtocols(runs: readonly Candidate[], reference: { run: RunData; protocol: Protocol } | null, outDir?: string) {
  let ref = reference;
  for (const { run } of runs) {
    if (run.config === null) throw runtimeError(`cannot merge ${run.dir}: no config.json with its protocol`);
    const protocol = protocolOf(run.config);
    if (ref === null) ref = { run, protocol };
    const diff = protocolDifferences(ref.protocol, protocol);
    if (diff.length === 0) continue;
    // Another protocol is a usage error (exit 2), as the folder rules of every campaign command.
    if (outDir !== undefined) {
      throw usageError(
        `cannot merge into ${outDir}: it holds ${run.dir}, of another protocol than ${ref.run.dir} (${describeDifferences(diff)})`,
      );
    }
    throw usageError(`cannot merge: ${ref.run.dir} and ${run.dir} differ in protocol (${describeDifferences(diff)})`);
  }
  return ref;
}

/**
 * One run per cell: the one that got furthest. Copies with the same results are one cell (OUT's
 * copy is kept, so nothing is copied again); two runs of one cell that got equally far with
 * different results are refused.
 */
function chooseRuns(candidates: readonly Candidate[], outDir?: string): Map<string, Candidate> {
  const cells = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = cellDir(c.run.summary.schedule, c.run.summary.seed);
    const seen = cells.get(key);
    if (!seen) {
      cells.set(key, c);
      continue;
    }
    if (fs.realpathSync(seen.run.dir) === fs.realpathSync(c.run.dir)) continue;
    const ahead = progress(c.run) - progress(seen.run);
    if (ahead > 0 || (ahead === 0 && c.from === null && sameResults(seen.run, c.run))) cells.set(key, c);
    if (ahead !== 0 || sameResults(seen.run, c.run)) continue;
    const inOut = [seen, c].find((x) => x.from === null);
    if (inOut && outDir !== undefined) {
      const other = inOut === seen ? c : seen;
      throw runtimeError(
        `cannot merge: ${path.join(outDir, key)} already holds a different run of ${cellName(c.run)} (${describeRun(inOut.run)}) than ${other.run.dir} (${describeRun(other.run)})`,
      );
    }
    throw runtimeError(`cannot merge: ${cellName(c.run)} is in both ${seen.run.dir} and ${c.run.dir}, with different results`);
  }
  return cells;
}

/** The runs already in OUT (none when it holds none yet); OUT's dot-folders (.shards) are not walked. */
function runsInFolder(outAbs: string): Candidate[] {
  const { runs } = findRunDirs(outAbs);
  if (runs.length === 0) return [];
  try {
    return readRunTree(outAbs).runs.map((run) => ({ run, from: null }));
  } catch (err) {
    if (err instanceof LenetError && err.message.startsWith('no runs found under ')) return [];
    throw err;
  }
}

/**
 * OUT's comparison.json is rewritten by the merge: never one of a format this lenet does not read
 * (a newer lenet's, or a "format" that is not one), which would pass for this format afterwards.
 */
function checkCampaignFileFormat(outAbs: string): void {
  try {
    readCampaignFile(outAbs);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    // Anything else unreadable in it is what the merge writes anew.
  }
}

/** Temporaries of a merge that was killed while copying: `.seed-N.<pid>.partial` (and, of older lenets, `seed-N.<pid>.partial`). */
const PARTIAL = /^\.?(seed-\d+)\.\d+\.partial$/;
/** A copy set aside while its replacement was renamed into place. */
const OLD = /^\.(seed-\d+)\.\d+\.old$/;

/**
 * Undoes what a killed merge left (OUT is locked, so no merge is running): partial copies go, and
 * a copy set aside whose replacement never arrived is put back.
 */
function putBackInterruptedCopies(outAbs: string): void {
  for (const label of fs.readdirSync(outAbs)) {
    const dir = path.join(outAbs, label);
    if (label.startsWith('.') || !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue; // not ours to read; the copy below names the problem if it needs this folder
    }
    for (const entry of entries) {
      const p = path.join(dir, entry);
      if (PARTIAL.test(entry)) fs.rmSync(p, { recursive: true, force: true });
      const old = OLD.exec(entry);
      if (!old) continue;
      const dest = path.join(dir, old[1]);
      if (fs.existsSync(dest)) fs.rmSync(p, { recursive: true, force: true });
      else fs.renameSync(p, dest);
    }
  }
}

/**
 * Whether the copy of a run takes `src` (lenet's locks stay behind). Only folders and regular files
 * (links followed to one) are copied: a FIFO, a device or a socket in a run folder would hang the
 * copy or copy forever (a link to /dev/zero), so it is one error line naming it.
 */
function takenByCopy(src: string, runDir: string): boolean {
  if (path.basename(src).startsWith('.lenet')) return false;
  let st: fs.Stats;
  try {
    st = fs.statSync(src);
  } catch (err) {
    throw runtimeError(`cannot merge ${runDir}: cannot read ${src} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!st.isDirectory() && !st.isFile()) throw runtimeError(`cannot merge ${runDir}: ${src} is not a regular file or a folder`);
  return true;
}

/** Copies every chosen run to its place under OUT; an unfinished copy there is replaced. */
function copyCells(cells: Map<string, Candidate>, outAbs: string, outDir: string): { copied: number; replaced: string[] } {
  let copied = 0;
  const replaced: string[] = [];
  try {
    for (const [key, { run }] of cells) {
      const dest = path.join(outAbs, key);
      if (fs.existsSync(dest) && fs.realpathSync(run.dir) === fs.realpathSync(dest)) continue;
      const there = fs.existsSync(dest);
      const summary = path.join(dest, SUMMARY_FILE);
      const wasRun = there && fs.existsSync(summary);
      if (wasRun) {
        // Only a copy of this very cell that got less far gives way (see chooseRuns).
        const s = readSummary(summary);
        if (cellDir(s.schedule, s.seed) !== key) {
          throw runtimeError(
            `cannot merge: ${path.join(outDir, key)} holds a run of ${s.schedule} seed ${s.seed}; move it away and merge again`,
          );
        }
      } else if (there && fs.readdirSync(dest).length > 0) {
        throw runtimeError(`cannot merge: ${path.join(outDir, key)} is in the way (it is not a run); move it away and merge again`);
      }
      // Into a temporary beside the destination, then renamed: a merge killed mid-copy leaves no half run.
      const parent = path.dirname(dest);
      const name = path.basename(dest);
      fs.mkdirSync(parent, { recursive: true });
      const tmp = path.join(parent, `.${name}.${process.pid}.partial`);
      fs.rmSync(tmp, { recursive: true, force: true });
      try {
        fs.cpSync(run.dir, tmp, { recursive: true, dereference: true, filter: (src) => takenByCopy(src, run.dir) });
      } catch (err) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
      if (there) {
        // The copy there is one that got less far (chooseRuns): set aside, replaced, removed.
        const old = path.join(parent, `.${name}.${process.pid}.old`);
        fs.renameSync(dest, old);
        fs.renameSync(tmp, dest);
        fs.rmSync(old, { recursive: true, force: true });
        if (wasRun) replaced.push(cellName(run));
      } else {
        fs.renameSync(tmp, dest);
      }
      copied++;
    }
  } catch (err) {
    if (err instanceof Error && err.name === 'LenetError') throw err;
    throw runtimeError(`cannot copy runs into ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { copied, replaced };
}

/** The campaign the inputs belong to: its kind, every schedule (label → activations) and seed. */
interface MergeGrid {
  kind: CampaignKind;
  schedules: Map<string, string[]>;
  seeds: Set<number>;
}

type MergeCore = Omit<MergeResult, 'incomplete' | 'replaced' | 'absent' | 'rerun'>;

/** The merged folder's manifest (comparison.json) and what the grid lacks, from the runs chosen. */
interface MergePlan {
  file: CampaignFile;
  schedules: string[];
  seeds: number[];
  missing: string[];
}

function planMerged(cells: Map<string, Candidate>, grid: MergeGrid, protocol: Protocol): MergePlan {
  // comparison.json in the fixed order: a sweep's schedules by activation per layer, a comparison's
  // as listed; then seeds.
  const runs = [...cells.values()].map((c) => c.run);
  const labels = new Map<string, string[]>(grid.schedules);
  for (const r of runs) if (!labels.has(r.summary.schedule)) labels.set(r.summary.schedule, r.summary.activations);
  const byGrid = [...labels.entries()].map(([label, activations]) => ({ label, activations }));
  const schedules = (grid.kind === 'sweep' ? byGrid.sort((a, b) => compareActivations(a, b)) : byGrid).map((x) => x.label);
  const seeds = [...new Set([...grid.seeds, ...runs.map((r) => r.summary.seed)])].sort((a, b) => a - b);
  const missing: string[] = [];
  const listed: CampaignCell[] = [];
  for (const s of schedules) {
    for (const seed of seeds) {
      const key = cellDir(s, seed);
      if (cells.has(key)) listed.push({ schedule: s, seed, dir: key });
      else missing.push(`${s} seed ${seed}`);
    }
  }
  const file = { ...campaignFileOf(grid.kind, listed, undefined, { protocol, merged: true }), schedules, seeds };
  return { file, schedules, seeds, missing };
}

async function writeMerged(
  outAbs: string,
  outDir: string,
  plan: MergePlan,
  grid: MergeGrid,
  warnings: string[],
  copied: number,
): Promise<MergeCore> {
  const { schedules, seeds, missing } = plan;
  const runs = plan.file.runs;
  const merged = collectRuns(outAbs);
  const result = {
    outDir,
    kind: grid.kind,
    runs: runs.length,
    copied,
    schedules,
    seeds,
    missing,
    warnings: [...warnings, ...merged.warnings],
  };
  if (grid.kind === 'comparison') {
    const rows = writeComparison(outAbs, merged.groups);
    const { files } = await writeCharts(outAbs, merged.groups);
    return {
      ...result,
      table: path.join(outAbs, 'comparison.md'),
      rows,
      files: [path.join(outAbs, 'comparison.csv'), path.join(outAbs, 'comparison.md'), ...files],
    };
  }
  const { rows, files } = writeSweepTable(outAbs, merged.groups);
  files.push(...(await writeHeatmap(outAbs, merged.groups)).files);
  return { ...result, table: path.join(outAbs, 'sweep.md'), rows, files };
}

/** Shard K of N of a folder whose comparison.json records the whole grid, from the cells it lists (cell i is in shard i mod N + 1). */
interface FolderShard {
  k: number;
  /** null when the folder lists one cell only (any N ≥ its position would fit). */
  n: number | null;
}

/** The cells of a grid in the campaign's fixed order (schedules as recorded, then seeds): cell key → index. */
function gridIndex(g: { schedules: string[]; seeds: number[] }): Map<string, number> {
  const index = new Map<string, number>();
  g.schedules.forEach((s, i) => g.seeds.forEach((seed, j) => index.set(cellDir(s, seed), i * g.seeds.length + j)));
  return index;
}

function shardOfFolder(c: CampaignFile | null): FolderShard | null {
  if (!c?.grid) return null;
  const index = gridIndex(c.grid);
  const at = [...new Set(c.runs.map((r) => index.get(cellDir(r.schedule, r.seed))))]
    .filter((i): i is number => i !== undefined)
    .sort((a, b) => a - b);
  if (at.length === 0) return null;
  if (at.length === 1) return { k: at[0] + 1, n: null };
  const n = at[1] - at[0];
  return at.every((v, j) => v === at[0] + j * n) && at[0] < n ? { k: at[0] + 1, n } : null;
}

/**
 * What to rerun so that the merge is whole: for each shard with a cell missing or unfinished, the
 * shard (K/N where the folders tell) and its folder, with its cells. A cell no folder lists goes
 * to the shard it belongs to by the grid's order.
 */
function whatToRerun(
  inputs: readonly string[],
  campaigns: readonly (CampaignFile | null)[],
  incomplete: readonly Candidate[],
  missing: readonly string[],
  absent: readonly string[],
): string[] {
  const shards = campaigns.map(shardOfFolder);
  const ns = new Set(shards.map((s) => s?.n).filter((n): n is number => typeof n === 'number'));
  const n = ns.size === 1 ? [...ns][0] : null;
  const grid = campaigns.find((c) => c?.grid)?.grid;
  const index = grid ? gridIndex(grid) : new Map<string, number>();
  const used = new Set<number>();
  const folder = (i: number) => {
    used.add(i);
    const s = shards[i];
    const what = s ? `shard ${s.k}/${s.n ?? n ?? '?'}` : 'the campaign';
    return `${what} (${inputs[i]}${absent.includes(inputs[i]) ? ', which does not exist' : ''})`;
  };
  /** Where a cell is trained: the folder whose comparison.json lists it, else its shard by the grid's order. */
  const whereIs = (key: string) => {
    const lister = campaigns.findIndex((c) => c?.runs.some((r) => cellDir(r.schedule, r.seed) === key));
    if (lister >= 0) return folder(lister);
    const i = index.get(key);
    if (i === undefined || n === null) return 'the shard or campaign that trains it (no folder merged lists it)';
    const k = (i % n) + 1;
    const f = shards.findIndex((s) => s?.k === k);
    return f >= 0 ? folder(f) : `shard ${k}/${n} (no folder of it was merged)`;
  };
  const groups = new Map<string, string[]>();
  const add = (where: string, cell: string) => groups.set(where, [...(groups.get(where) ?? []), cell]);
  for (const c of incomplete) {
    const where = c.from === null ? whereIs(cellDir(c.run.summary.schedule, c.run.summary.seed)) : folder(c.from);
    add(where, `${cellName(c.run)} unfinished`);
  }
  for (const cell of missing) {
    const m = /^(.*) seed (-?\d+)$/.exec(cell);
    add(whereIs(m ? cellDir(m[1], Number(m[2])) : cell), `${cell} missing`);
  }
  inputs.forEach((input, i) => {
    if (absent.includes(input) && !used.has(i)) add(folder(i), 'nothing to merge');
  });
  return [...groups.entries()].map(
    ([where, list]) => `${where}: ${list.slice(0, 3).join(', ')}${list.length > 3 ? `, and ${list.length - 3} more` : ''}`,
  );
}

/**
 * The one line `lenet merge` fails with when the merged folder is not whole (cells missing or
 * unfinished, folders absent), after writing what it could; null when it is whole.
 */
export function mergeShortfall(r: MergeResult): string | null {
  if (r.missing.length === 0 && r.incomplete.length === 0 && r.absent.length === 0) return null;
  const parts = [
    ...(r.missing.length > 0 ? [`${r.missing.length} cell(s) missing`] : []),
    ...(r.incomplete.length > 0 ? [`${r.incomplete.length} unfinished`] : []),
    ...(r.absent.length > 0 ? [`${r.absent.length} folder(s) to merge do not exist`] : []),
  ];
  return `${r.outDir} is not whole: ${parts.join(', ')}; rerun ${r.rerun.join('; ')}; then merge again (what is there was merged)`;
}
