/**
 * `lenet merge`: combines shard outputs of a sweep (or any campaigns of one protocol) into one folder
 * whose table and heatmap equal those of an unsharded run. Runs are copied to OUT/<label>/seed-<n>/;
 * they must share one protocol (rundir/protocol's rule: configuration, backend that ran, data).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError, runtimeError, usageError } from '../errors';
import { collectRuns, configText, RunData, variantOfRun, variedFactors } from './runs';
import { writeFactorReport } from './factors';
import { compareActivations, parseScheduleSpec } from '../model/activations';
import {
  CampaignFile,
  campaignFileOf,
  CellRecord,
  CampaignKind,
  CampaignVary,
  readCampaignFile,
  writeCampaignFile,
} from '../rundir/campaign-file';
import { EPOCH_COLUMNS, METRIC_NAMES } from '../rundir/epochs';
import { checkCampaignProtocol, checkMergeFolders, variedKeys } from '../rundir/campaign-manifest';
import { cellDir, findRunDirs, MODEL_DIR, variantDirOf } from '../rundir/layout';
import { readRegularFile } from '../rundir/atomic';
import { FormatError } from '../rundir/format';
import { lenetLayout } from '../model/lenet';
import { lockFolder } from '../rundir/lock';
import { describeDifferences, Protocol, protocolDifferences, protocolOf, stableJson } from '../rundir/protocol';
import { readRunTree } from '../rundir/run-folder';
import { readSummary, SUMMARY_FILE } from '../rundir/summary';
import { MANIFEST_FILE, readManifest } from '../rundir/manifest';
import { writeCharts, writeHeatmap } from './plot';
import { ComparisonRow, writeComparison } from './comparison';
import { SweepRow, writeSweepTable } from './sweep-table';
import { agree, counted } from '../words';

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
  // The protocol's columns: the extra ones (EXTRA_COLUMNS) came later and follow from the same weights.
  const epochs = r.epochs.map((e) => Object.fromEntries(EPOCH_COLUMNS.filter((c) => c !== 'seconds').map((c) => [c, e[c]])));
  return stableJson({ epochs });
}

/**
 * Whether two runs' final means are the same numbers: to 7 significant digits, since lenet computes
 * them from the epochs as epochs.csv holds them (8 digits) and older lenets from the unrounded ones.
 */
function sameFinals(a: RunData, b: RunData): boolean {
  return METRIC_NAMES.filter((m) => m !== 'seconds').every((m) => {
    const x = a.summary.final[m];
    const y = b.summary.final[m];
    return Object.is(x, y) || Math.abs(x - y) <= 1e-7 * Math.max(Math.abs(x), Math.abs(y));
  });
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
  if (resultsOf(a) !== resultsOf(b) || !sameFinals(a, b)) return false;
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

/**
 * Where a run goes in a campaign folder, and what names it: `relu/seed-1`, or in a varied sweep
 * `lr-0.001/relu/seed-1` (its variant read from its config.json by the campaign's factors). The one
 * key of a cell in a merge: choosing, copying, listing, and telling what to rerun.
 */
interface CellKeys {
  key(r: RunData): string;
  name(r: RunData): string;
  variant(r: RunData): string;
}

function cellKeys(factors: CampaignVary['factors']): CellKeys {
  const variantOf = variantOfRun(factors);
  const variant = (r: RunData) => variantOf(r).name;
  return {
    variant,
    key: (r) => (factors.length === 0 ? '' : `${variantDirOf(variant(r))}/`) + cellDir(r.summary.schedule, r.summary.seed),
    name: (r) => `${r.summary.schedule}${factors.length === 0 ? '' : ` [${variant(r)}]`} seed ${r.summary.seed}`,
  };
}

/** The one vary of the inputs: every folder varies the same options (in one order, one base) or none. */
function mergeVaryOf(inputs: readonly string[], campaigns: readonly (CampaignFile | null)[]): CampaignVary | undefined {
  const present = campaigns.map((c, i) => ({ c, input: inputs[i] })).filter(({ c, input }) => c !== null && fs.existsSync(input));
  const shape = (v: CampaignVary | undefined) => (v ? v.factors.map((f) => `${f.flag}=${f.levels[0]}`).join(' ') : 'nothing');
  const first = present[0];
  for (const p of present) {
    if (shape(p.c!.vary) !== shape(first.c!.vary)) {
      throw usageError(
        `cannot merge ${first.input} (varies ${shape(first.c!.vary)}) with ${p.input} (varies ${shape(p.c!.vary)}): merge the shards of one campaign`,
      );
    }
  }
  if (!first?.c?.vary) return undefined;
  return { design: first.c.vary.design, factors: variedFactors(present.map((p) => p.c!)) };
}

export async function mergeSweeps(
  inputs: readonly string[],
  outDir: string,
  /** Where notices that are not warnings go, whatever --quiet says (a stale lock taken over): the command's printer. */
  say?: (line: string) => void,
): Promise<MergeResult> {
  if (inputs.length === 0) throw usageError('merge needs at least one folder to merge');
  checkMergeFolders(inputs, outDir);
  const outAbs = path.resolve(outDir);
  const warnings: string[] = [];
  // The whole grid the shards came from, where their comparison.json records it; a merge of
  // comparison shards stays a comparison (its table, its schedules in the order they were listed).
  const grid: MergeGrid = { kind: 'sweep', schedules: new Map(), seeds: new Set(), variants: new Set() };
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
  const vary = mergeVaryOf(inputs, campaigns);
  const keys = cellKeys(vary?.factors ?? []);
  for (const c of campaigns) {
    for (const label of c?.grid?.schedules ?? (grid.kind === 'comparison' ? (c?.schedules ?? []) : [])) {
      if (!grid.schedules.has(label)) grid.schedules.set(label, parseScheduleSpec(label));
    }
    for (const seed of c?.grid?.seeds ?? []) grid.seeds.add(seed);
    for (const v of c?.grid?.variants ?? []) grid.variants.add(v);
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

  const varied = variedKeys(vary);
  const reference = checkProtocols(candidates, null, undefined, varied);
  // A folder that holds a campaign of another protocol is not merged into (its manifest, or its runs, tell).
  checkCampaignProtocol(outDir, reference!.protocol, grid.kind, undefined, vary);
  const cells = chooseRuns(candidates, keys);

  try {
    fs.mkdirSync(outAbs, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lock = lockFolder(outAbs, 'lenet merge');
  if (lock.tookOver) say?.(lock.tookOver);
  try {
    putBackInterruptedCopies(outAbs);
    checkCampaignFileFormat(outAbs);
    // The runs OUT holds already take part: an unfinished copy there gives way to a run that got
    // further, never the reverse; two different finished runs of one cell are refused.
    const inOut = runsInFolder(outAbs);
    checkProtocols(inOut, reference, outDir, varied);
    const chosen = chooseRuns([...cells.values(), ...inOut], keys, outDir);
    // The manifest first (kind, protocol, cells), then the runs it lists.
    const plan = planMerged(chosen, grid, reference!.protocol, keys, vary);
    writeCampaignFile(outAbs, plan.file);
    const { copied, replaced } = copyCells(chosen, outAbs, outDir, keys);
    const result = await writeMerged(outAbs, outDir, plan, grid, warnings, copied);
    const incomplete = [...chosen.values()].filter((c) => !c.run.summary.complete);
    return {
      ...result,
      incomplete: incomplete.map((c) => keys.name(c.run)),
      replaced,
      absent,
      rerun: whatToRerun(
        inputs,
        campaigns,
        incomplete,
        plan.missingCells.map((key, i) => ({ key, text: plan.missing[i] })),
        absent,
        keys,
      ),
    };
  } finally {
    lock.release();
  }
}

/** Refuses runs of another protocol than `reference` (the first run's when null); returns the reference. */
function checkProtocols(
  runs: readonly Candidate[],
  reference: { run: RunData; protocol: Protocol } | null,
  outDir: string | undefined,
  varied: readonly string[],
) {
  let ref = reference;
  for (const { run } of runs) {
    if (run.config === null) throw runtimeError(`cannot merge ${run.dir}: no config.json with its protocol`);
    const protocol = protocolOf(run.config);
    if (ref === null) ref = { run, protocol };
    const diff = protocolDifferences(ref.protocol, protocol, varied);
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
function chooseRuns(candidates: readonly Candidate[], keys: CellKeys, outDir?: string): Map<string, Candidate> {
  const cells = new Map<string, Candidate>();
  const cellName = keys.name;
  for (const c of candidates) {
    const key = keys.key(c.run);
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
function copyCells(cells: Map<string, Candidate>, outAbs: string, outDir: string, keys: CellKeys): { copied: number; replaced: string[] } {
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
        const config = fs.existsSync(path.join(dest, MANIFEST_FILE)) ? readManifest(dest) : null;
        const there: RunData = { dir: dest, relDir: key, summary: s, epochs: [], config };
        if (keys.key(there) !== key) {
          throw runtimeError(`cannot merge: ${path.join(outDir, key)} holds a run of ${keys.name(there)}; move it away and merge again`);
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
        if (wasRun) replaced.push(keys.name(run));
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
  /** A varied sweep's variants (names), as its shards recorded them. */
  variants: Set<string>;
}

type MergeCore = Omit<MergeResult, 'incomplete' | 'replaced' | 'absent' | 'rerun'>;

/** The merged folder's manifest (comparison.json) and what the grid lacks, from the runs chosen. */
interface MergePlan {
  file: CampaignFile;
  schedules: string[];
  seeds: number[];
  missing: string[];
  /** The missing cells by key (their folder in OUT). */
  missingCells: string[];
}

function planMerged(
  cells: Map<string, Candidate>,
  grid: MergeGrid,
  protocol: Protocol,
  keys: CellKeys,
  vary: CampaignVary | undefined,
): MergePlan {
  // comparison.json in the fixed order: a sweep's schedules by activation per layer, a comparison's
  // as listed; then seeds.
  const runs = [...cells.values()].map((c) => c.run);
  const labels = new Map<string, string[]>(grid.schedules);
  for (const r of runs) if (!labels.has(r.summary.schedule)) labels.set(r.summary.schedule, r.summary.activations);
  const byGrid = [...labels.entries()].map(([label, activations]) => ({ label, activations }));
  const schedules = (grid.kind === 'sweep' ? byGrid.sort((a, b) => compareActivations(a, b)) : byGrid).map((x) => x.label);
  const seeds = [...new Set([...grid.seeds, ...runs.map((r) => r.summary.seed)])].sort((a, b) => a - b);
  // A varied sweep's variants: those its shards planned, then any other a run belongs to, in the grid's order.
  const variants = vary ? [...new Set([...grid.variants, ...runs.map(keys.variant)])] : [''];
  const byVariant = new Map(runs.map((r) => [keys.variant(r), r]));
  const missing: string[] = [];
  const missingCells: string[] = [];
  const listed: CellRecord[] = [];
  for (const v of variants) {
    const prefix = vary ? `${variantDirOf(v)}/` : '';
    const one = byVariant.get(v);
    const variant = vary && one ? { variant: Object.fromEntries(vary.factors.map((f) => [f.key, configText(one, f.lands)])) } : {};
    for (const s of schedules) {
      for (const seed of seeds) {
        const key = prefix + cellDir(s, seed);
        if (cells.has(key)) listed.push({ schedule: s, seed, dir: key, ...variant });
        else {
          missing.push(`${s}${vary ? ` [${v}]` : ''} seed ${seed}`);
          missingCells.push(key);
        }
      }
    }
  }
  const file = {
    ...campaignFileOf(grid.kind, listed, undefined, { protocol, merged: true, ...(vary ? { vary } : {}) }),
    schedules,
    seeds,
  };
  return { file, schedules, seeds, missing, missingCells };
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
  if (merged.factors.length === 0) files.push(...(await writeHeatmap(outAbs, merged.groups)).files);
  else files.push(...(await writeFactorReport(outAbs, merged.groups, merged.factors)).files);
  return { ...result, table: path.join(outAbs, 'sweep.md'), rows, files };
}

/** Shard K of N of a folder whose comparison.json records the whole grid, from the cells it lists (cell i is in shard i mod N + 1). */
interface FolderShard {
  k: number;
  /** null when the folder lists one cell only (any N ≥ its position would fit). */
  n: number | null;
}

/** The cells of a grid in the campaign's fixed order (variants, schedules as recorded, then seeds): cell key → index. */
function gridIndex(g: { schedules: string[]; seeds: number[]; variants?: string[] }): Map<string, number> {
  const index = new Map<string, number>();
  const variants = g.variants ?? [''];
  const per = g.schedules.length * g.seeds.length;
  variants.forEach((v, h) => {
    const prefix = g.variants ? `${variantDirOf(v)}/` : '';
    g.schedules.forEach((s, i) => g.seeds.forEach((seed, j) => index.set(prefix + cellDir(s, seed), h * per + i * g.seeds.length + j)));
  });
  return index;
}

function shardOfFolder(c: CampaignFile | null): FolderShard | null {
  if (!c?.grid) return null;
  const index = gridIndex(c.grid);
  const at = [...new Set(c.runs.map((r) => index.get(r.dir)))].filter((i): i is number => i !== undefined).sort((a, b) => a - b);
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
  missing: ReadonlyArray<{ key: string; text: string }>,
  absent: readonly string[],
  keys: CellKeys,
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
    const lister = campaigns.findIndex((c) => c?.runs.some((r) => r.dir === key));
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
    const where = c.from === null ? whereIs(keys.key(c.run)) : folder(c.from);
    add(where, `${keys.name(c.run)} unfinished`);
  }
  for (const m of missing) add(whereIs(m.key), `${m.text} missing`);
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
    ...(r.missing.length > 0 ? [`${counted(r.missing.length, 'cell')} missing`] : []),
    ...(r.incomplete.length > 0 ? [`${r.incomplete.length} unfinished`] : []),
    ...(r.absent.length > 0 ? [`${counted(r.absent.length, 'folder')} to merge ${agree(r.absent.length, 'does', 'do')} not exist`] : []),
  ];
  return `${r.outDir} is not whole: ${parts.join(', ')}; rerun ${r.rerun.join('; ')}; then merge again (what is there was merged)`;
}
