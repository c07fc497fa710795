/**
 * Reading run folders back: one run (summary, epochs, manifest) or every run under a folder, with
 * the campaign files met on the way. The grouping and statistics are the report's business.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError, runtimeError, usageError } from '../errors';
import { readCampaignFile, CampaignFile } from './campaign-file';
import { EPOCHS_FILE, EpochRow, readEpochsCsv } from './epochs';
import { findRunDirs, MODEL_DIR } from './layout';
import { MANIFEST_FILE, readManifest, RunManifest } from './manifest';
import { divergedEpoch, readSummary, RunSummary, SUMMARY_FILE } from './summary';

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
  // Summaries of format 1 before diverged_epoch existed (and any that leave it null) leave it to the epochs.
  const summary = { ...read, diverged_epoch: read.diverged_epoch ?? divergedEpoch(epochs) };
  const config = fs.existsSync(path.join(dir, MANIFEST_FILE)) ? readManifest(dir) : null;
  const rel = path.relative(root, dir);
  return { dir, relDir: rel === '' ? '.' : rel.split(path.sep).join('/'), summary, epochs, config };
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
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch {
    throw usageError(`no such directory: ${dir}`);
  }
  if (!stat.isDirectory()) throw usageError(`not a directory: ${dir}`);
  const found = findRunDirs(root);
  const warnings: string[] = [];
  const runs: RunData[] = [];
  for (const d of found.runs) {
    if (!fs.existsSync(path.join(d, SUMMARY_FILE))) {
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
  if (runs.length === 0) {
    const why = warnings.length > 0 ? ` (${warnings[0]}${warnings.length > 1 ? `; and ${warnings.length - 1} more` : ''})` : '';
    throw runtimeError(`no runs found under ${dir}${why}`);
  }
  const campaigns = found.campaigns.map((c) => readCampaignFile(c)).filter((c): c is CampaignFile => c !== null);
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
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw usageError(`${dir}: no such run directory`);
  if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) throw usageError(`${dir} is not a lenet run (no config.json)`);
  const manifest = readManifest(dir);
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
  return { manifest, config: manifest.config, modelDir };
}
