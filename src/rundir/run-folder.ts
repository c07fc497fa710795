/**
 * Reading run folders back: one run (summary, epochs, manifest) or every run under a folder, with
 * the campaign files met on the way. The grouping and statistics are the report's business.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { featureMapSize, INPUT_SCALES, RESIZE_MODES } from '../options/types';
import { LenetError, runtimeError, usageError } from '../errors';
import { readJson, shownValue } from './atomic';
import { readCampaignFile, CampaignFile, VaryError } from './campaign-file';
import { NewerFormatError } from './format';
import { EPOCHS_FILE, EpochRow, readEpochsCsv } from './epochs';
import { findRunDirs, MODEL_DIR, requireFolder } from './layout';
import { lockHolder } from './lock';
import { MANIFEST_FILE, readManifest, RunManifest } from './manifest';
import { divergedEpoch, lossOfRun, readSummary, RunSummary, SUMMARY_FILE } from './summary';

/** One run read from disk. */
export interface RunData {
  /** Absolute path of the run directory. */
  dir: string;
  /** Path relative to the directory that was collected ('.' for the directory itself). */
  relDir: string;
  summary: RunSummary;
  epochs: EpochRow[];
  /** config.json, or null when the folder has none. */
  config: RunManifest | null;
}

/** Reads one run directory; every problem is one runtime-error line naming the file. */
export function readRun(dir: string, root: string): RunData {
  const summaryFile = path.join(dir, SUMMARY_FILE);
  const epochsFile = path.join(dir, EPOCHS_FILE);
  if (!fs.existsSync(summaryFile)) throw runtimeError(`${dir} has epochs.csv but no summary.json`);
  if (!fs.existsSync(epochsFile)) throw runtimeError(`${dir} has summary.json but no epochs.csv`);
  const read = readSummary(summaryFile);
  const epochs = readEpochsCsv(epochsFile);
  const config = fs.existsSync(path.join(dir, MANIFEST_FILE)) ? readManifest(dir) : null;
  // The epochs decide, by today's rule, whatever the summary recorded (an older lenet's rule, or
  // none before diverged_epoch existed); an earlier epoch the summary names stays.
  const computed = divergedEpoch(epochs, lossOfRun(config?.config.loss, read.loss));
  const named = [read.diverged_epoch, computed].filter((e): e is number => e !== null);
  const summary = { ...read, diverged_epoch: named.length > 0 ? Math.min(...named) : null };
  const rel = path.relative(root, dir);
  return { dir, relDir: rel === '' ? '.' : rel.split(path.sep).join('/'), summary, epochs, config };
}

/**
 * Why a run is left out, from the error its files gave: lenet's own one-line message (it names the
 * file), or for anything else — a bug, not a bad file — what was being done and the error, so that
 * it is said rather than swallowed.
 */
export function leftOutBecause(err: unknown, doing: string): string {
  if (err instanceof LenetError) return err.message;
  const message = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err);
  return `unexpected error while ${doing} (${message}); please report it`;
}

/**
 * Why a run folder has epochs.csv but no summary.json (written when a run ends): its lock says
 * whether a process is still training it or whether it was interrupted (killed, cancelled, a node
 * lost); epochs.csv says how far it got.
 */
function unfinishedRun(dir: string): string {
  let done = 0;
  try {
    const rows = readEpochsCsv(path.join(dir, EPOCHS_FILE));
    done = rows.length > 0 ? rows[rows.length - 1].epoch : 0;
  } catch (err) {
    // a torn or foreign epochs.csv: neither a count nor a resume to offer (resume refuses it too)
    return `no summary.json, and ${leftOutBecause(err, `reading ${EPOCHS_FILE}`)}`;
  }
  let planned: number | null = null;
  try {
    planned = readManifest(dir).config.epochs;
  } catch {
    planned = null; // no or a bad config.json: the count is said without its plan
  }
  const of = planned === null ? '' : ` of ${planned}`;
  const holder = lockHolder(dir);
  if (holder !== null) return done === 0 ? `in its first epoch: ${holder}` : `still training (epoch ${done}${of} done): ${holder}`;
  const resume = 'rerun its campaign, or lenet train --resume, to resume it';
  if (done === 0) return `interrupted before its first epoch ended (epochs.csv without summary.json); ${resume}`;
  if (done === planned)
    return `interrupted after its last epoch (${done}${of}), before its summary was written (epochs.csv without summary.json); ${resume}`;
  return `interrupted after epoch ${done}${of} (epochs.csv without summary.json); ${resume}`;
}

export interface RunTree {
  /** Absolute path of the collected directory. */
  root: string;
  runs: RunData[];
  /** The campaign files found, outermost first. */
  campaigns: CampaignFile[];
  /** Folders passed over, and why. */
  warnings: string[];
}

/**
 * Every run under dir: a run folder, a comparison or sweep folder, or any folder above them (links
 * followed). A missing directory is a usage error; no runs at all, a runtime error saying why.
 */
export function readRunTree(dir: string): RunTree {
  const root = path.resolve(dir);
  requireFolder(root, `no such directory: ${dir}`, dir);
  const found = findRunDirs(root);
  const warnings: string[] = [];
  const runs: RunData[] = [];
  for (const d of found.runs) {
    const rel = path.relative(root, d) || '.';
    if (!fs.existsSync(path.join(d, SUMMARY_FILE))) {
      warnings.push(`skipped ${rel}: ${unfinishedRun(d)}`);
      continue;
    }
    // One run's unreadable or malformed file leaves that run out, said in a warning, never the others.
    let run: RunData;
    try {
      run = readRun(d, root);
    } catch (err) {
      // A file of a newer lenet is not a bad file: this lenet must be updated to read the folder.
      if (err instanceof NewerFormatError) throw err;
      warnings.push(`skipped ${rel}: ${leftOutBecause(err, 'reading the run')}`);
      continue;
    }
    if (run.epochs.length === 0) {
      warnings.push(`skipped ${run.relDir}: no epoch finished yet`);
      continue;
    }
    runs.push(run);
  }
  if (runs.length === 0) {
    const why = warnings.length > 0 ? ` (${warnings[0]}${warnings.length > 1 ? `; and ${warnings.length - 1} more` : ''})` : '';
    throw runtimeError(`no runs found under ${dir}${why}`);
  }
  const campaigns: CampaignFile[] = [];
  for (const c of found.campaigns) {
    try {
      const file = readCampaignFile(c);
      if (file) campaigns.push(file);
    } catch (err) {
      if (err instanceof NewerFormatError || err instanceof VaryError) throw err;
      // Without it the runs are still there; only the order of the schedules (and a sweep's kind) is lost.
      warnings.push(`ignored ${path.relative(root, c) || '.'}/comparison.json: ${leftOutBecause(err, 'reading it')}`);
    }
  }
  return { root, runs, campaigns, warnings };
}

/**
 * A finished run folder whose saved model can be reloaded: its manifest, and model/ when the run
 * completed. Not a folder or not a run is a usage error; a run without its model (or with a stale
 * one beside an unfinished summary) fails with `noModelExitCode` (evaluate: 1, a runtime state;
 * predict: 2, the wrong folder was named).
 */
export function openTrainedRun(
  dir: string,
  noModelExitCode: 1 | 2 = 1,
): { manifest: RunManifest; config: RunManifest['config']; modelDir: string } {
  requireFolder(dir, `${dir}: no such run directory`);
  if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) throw usageError(`${dir} is not a lenet run (no config.json)`);
  const modelDir = path.join(dir, MODEL_DIR);
  if (!fs.existsSync(path.join(modelDir, 'model.json')))
    throw new LenetError(`${dir} has no saved model (the run did not finish)`, noModelExitCode);
  // model/ is written when a run completes; beside an unfinished summary it is a leftover of an older run.
  const summaryFile = path.join(dir, SUMMARY_FILE);
  if (fs.existsSync(summaryFile) && !readSummary(summaryFile).complete) {
    throw new LenetError(
      `${dir} did not finish (summary.json says complete: false); its model/ is not this run's; resume it with lenet train --resume ${dir}`,
      noModelExitCode,
    );
  }
  // The folder holds a finished run's model: now its configuration, entry by entry, then as a whole.
  checkInferenceConfig(path.join(dir, MANIFEST_FILE));
  const manifest = readManifest(dir);
  return { manifest, config: manifest.config, modelDir };
}

const ARCH_KEYS = ['conv1Filters', 'conv2Filters', 'kernelSize', 'poolSize', 'denseUnits'] as const;

/**
 * The entries of a run's config.json that inference builds the model and its inputs from, each
 * checked with a message naming the file, the key and the value (readManifest checks the rest).
 */
function checkInferenceConfig(file: string): void {
  const m = readJson(file);
  const bad = (what: string) => runtimeError(`${file}: ${what}`);
  const show = (v: unknown, holder?: object, key?: string) => (v === undefined ? 'missing' : shownValue(v, holder, key));
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(m) || !isObject(m.config)) throw bad('holds no run configuration ("config" is missing)');
  const c = m.config;
  const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 4096;
  if (!positive(c.imageSize))
    throw bad(`"config.imageSize" must be a whole number of pixels from 1 to 4096, got ${show(c.imageSize, c, 'imageSize')}`);
  if (!isObject(c.arch)) throw bad(`"config.arch" must be an object of layer sizes, got ${show(c.arch, c, 'arch')}`);
  for (const key of ARCH_KEYS) {
    if (!positive(c.arch[key]))
      throw bad(`"config.arch.${key}" must be a whole number from 1 to 4096, got ${show(c.arch[key], c.arch as object, key)}`);
  }
  const arch = c.arch as Record<(typeof ARCH_KEYS)[number], number>;
  if (featureMapSize(arch, c.imageSize as number) < 1) {
    throw bad(
      `"config.arch" (kernel ${arch.kernelSize}, pool ${arch.poolSize}) leaves no feature map at imageSize ${c.imageSize as number}`,
    );
  }
  if (!Array.isArray(c.schedule) || c.schedule.length !== 3 || !c.schedule.every((a) => typeof a === 'string')) {
    throw bad(`"config.schedule" must list 3 activations (conv1, conv2, dense), got ${show(c.schedule, c, 'schedule')}`);
  }
  if (!(RESIZE_MODES as readonly unknown[]).includes(c.resize))
    throw bad(`"config.resize" must be one of ${RESIZE_MODES.join(', ')}, got ${show(c.resize, c, 'resize')}`);
  // Absent: a run from before --input-scale, trained on [0, 1].
  if (c.inputScale !== undefined && !(INPUT_SCALES as readonly unknown[]).includes(c.inputScale))
    throw bad(`"config.inputScale" must be one of ${INPUT_SCALES.join(', ')}, got ${show(c.inputScale, c, 'inputScale')}`);
}
