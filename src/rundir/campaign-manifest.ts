/**
 * The campaign as one object: the one owner every command asks before it writes a run or campaign
 * folder (train, compare, sweep and their shards, merge, --submit), and that report asks which
 * campaigns a folder holds.
 *
 * A campaign folder's manifest is its comparison.json (campaign-file.ts reads and writes it): its
 * kind (comparison or sweep, `merged` when lenet merge wrote it), the protocol every cell is
 * trained with, the cells planned and its format version. compare and sweep write it before any
 * cell trains, merge before it copies a run. Folders written before the manifest recorded a
 * protocol are read as before: their runs' config.json tells the protocol.
 *
 * The rules:
 * - a campaign folder holds one protocol: writing cells of another into it is refused (exit 2,
 *   naming the keys that differ). --force does not lift it: --force (lenet train's only) replaces
 *   an earlier run's own files in --out, it never mixes two protocols in one folder;
 * - folders do not nest where a walk would mix them up: a run is not written at or inside a
 *   campaign or another run, nor above runs or campaigns; a campaign is not written at or inside a
 *   run, nor inside another campaign; a merge's output is not inside one of its inputs, nor above
 *   one (OUT itself may be named among the inputs: its runs take part in a merge into it anyway).
 *   A folder whose name starts with a dot is not walked (findRunDirs), so what lies in
 *   one does not count as inside: a SLURM campaign's shards in DIR/.shards/K merge into DIR.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { usageError } from '../errors';
import { TRAIN_CONFIG } from '../options/types';
import { CAMPAIGN_FILE, CampaignFile, CampaignKind, CampaignVary, readCampaignFile, VaryError } from './campaign-file';
import { findRunDirs, isRunDir } from './layout';
import { NewerFormatError } from './format';
import { MANIFEST_FILE, readManifest } from './manifest';
import { describeDifferences, Protocol, PROTOCOL_CONFIG_KEYS, protocolDifferences, protocolOf } from './protocol';

/** What lenet made of a folder: a run, a campaign, or neither. */
export type FolderKind = 'run' | 'campaign' | null;

export function folderKind(dir: string): FolderKind {
  if (fs.existsSync(path.join(dir, CAMPAIGN_FILE))) {
    try {
      if (readCampaignFile(dir)) return 'campaign';
    } catch (err) {
      if (err instanceof NewerFormatError || err instanceof VaryError) return 'campaign';
      // another program's comparison.json: not a campaign of ours
    }
  }
  if (isRunDir(dir)) return 'run';
  // A run still starting has only its config.json: a lenet manifest, not any config.json.
  if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) return null;
  try {
    readManifest(dir);
    return 'run';
  } catch {
    return null;
  }
}

/** The folders at and above dir (dir first), as absolute paths; links in the existing part resolved. */
function selfAndAncestors(dir: string): string[] {
  let p = path.resolve(dir);
  const tail: string[] = [];
  while (!fs.existsSync(p) && path.dirname(p) !== p) {
    tail.unshift(path.basename(p));
    p = path.dirname(p);
  }
  const real = path.join(fs.realpathSync(p), ...tail);
  const out: string[] = [];
  for (let q = real; ; q = path.dirname(q)) {
    out.push(q);
    if (path.dirname(q) === q) return out;
  }
}

/** An absolute path with the existing part's links resolved (selfAndAncestors' first). */
function resolved(dir: string): string {
  return selfAndAncestors(dir)[0];
}

/** Whether a walk of `outer` (findRunDirs) reaches `inner`: inner lies below it through no dot-folder. */
function walkReaches(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return rel === '';
  return rel.split(path.sep).every((part) => !part.startsWith('.') && part !== 'node_modules' && part !== 'model');
}

/** The nearest run or campaign folder strictly above dir that a walk of it would reach dir from (a run: any). */
function enclosingFolder(dir: string): { dir: string; kind: 'run' | 'campaign' } | null {
  const [self, ...above] = selfAndAncestors(dir);
  for (const a of above) {
    const kind = folderKind(a);
    if (kind === 'run') return { dir: a, kind };
    if (kind === 'campaign' && walkReaches(a, self)) return { dir: a, kind };
  }
  return null;
}

/**
 * `lenet train --out DIR`: refused (usage error) when DIR is a campaign folder or lies inside a
 * run or campaign folder, or holds runs or campaigns below it — whatever --force says.
 */
export function checkRunOut(outDir: string): void {
  const abs = resolved(outDir);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    if (folderKind(abs) === 'campaign') {
      throw usageError(`--out ${outDir} is a campaign folder (it holds ${CAMPAIGN_FILE}); a single run goes in a folder of its own`);
    }
    const below = findRunDirs(abs);
    const other = [...below.runs, ...below.campaigns].find((d) => resolved(d) !== abs);
    if (other) {
      throw usageError(`--out ${outDir} holds other runs or campaigns (${other}); a single run goes in a folder of its own`);
    }
  }
  const outer = enclosingFolder(abs);
  if (outer) {
    throw usageError(
      `--out ${outDir} lies inside the ${outer.kind === 'run' ? 'run' : 'campaign'} folder ${outer.dir}; a single run goes in a folder of its own`,
    );
  }
}

/**
 * `compare`, `sweep` (and their shards, and --submit) and `merge --out DIR`: refused (usage error)
 * when DIR is a single run's folder or lies inside a run or another campaign.
 */
export function checkCampaignOut(outDir: string): void {
  const abs = resolved(outDir);
  if (folderKind(abs) === 'run') {
    throw usageError(`--out ${outDir} holds a single run of lenet train, not a campaign; choose another --out`);
  }
  const outer = enclosingFolder(abs);
  if (outer) {
    throw usageError(
      `--out ${outDir} lies inside the ${outer.kind === 'run' ? 'run' : 'campaign'} folder ${outer.dir}; a campaign goes in a folder of its own`,
    );
  }
  // Nor above one: a walk of the campaign would meet another campaign's runs, or a run that is not
  // one of its cells (a campaign's cells are LABEL/seed-N, straight below it).
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    const below = findRunDirs(abs);
    const campaign = below.campaigns.find((d) => resolved(d) !== abs);
    if (campaign) {
      throw usageError(`--out ${outDir} holds another campaign (${campaign}); a campaign goes in a folder of its own`);
    }
    // A varied sweep's cells lie one level deeper: VARIANT/LABEL/seed-N (its manifest says it varies).
    let varied = false;
    try {
      varied = readCampaignFile(abs)?.vary !== undefined;
    } catch {
      // unreadable: its runs are judged as a plain campaign's
    }
    const foreign = below.runs.find((d) => {
      const parts = path.relative(abs, d).split(path.sep);
      // (seed-N.PID.partial: what a killed merge of an older lenet left; the merge itself clears it.)
      return parts.length !== (varied ? 3 : 2) || !/^seed-\d+(\.\d+\.partial)?$/.test(parts[parts.length - 1]);
    });
    if (foreign) {
      throw usageError(`--out ${outDir} holds a run that is not a cell of a campaign (${foreign}); a campaign goes in a folder of its own`);
    }
  }
}

/**
 * `lenet merge INPUT... --out DIR`: DIR must be a campaign's place (checkCampaignOut), and not
 * inside or above an input (where a walk of the outer one would reach the inner; DIR itself may be
 * named among the inputs).
 */
export function checkMergeFolders(inputs: readonly string[], outDir: string): void {
  const out = resolved(outDir);
  for (const input of inputs) {
    if (!fs.existsSync(input)) continue; // merge names it among the folders to rerun
    const inp = resolved(input);
    // OUT named among the inputs is harmless (its runs take part in every merge into it anyway): a rerun may name it.
    if (inp === out) continue;
    if (walkReaches(inp, out)) throw usageError(`--out ${outDir} lies inside ${input}, one of the folders to merge; choose another --out`);
    // Inside --out as given, too: a link inside it to a folder elsewhere would be walked as part of it.
    if (walkReaches(out, inp) || walkReaches(path.resolve(outDir), path.resolve(input))) {
      throw usageError(`${input}, one of the folders to merge, lies inside --out ${outDir}; choose another --out`);
    }
  }
  // Then the rules of any campaign's --out (the merge's own cases first: their message names the input).
  checkCampaignOut(outDir);
}

/** A protocol as recorded in comparison.json, its keys completed as protocolOf completes an older config.json's. */
function normalised(p: Protocol): Protocol {
  const out = { ...p } as Record<string, unknown>;
  for (const k of PROTOCOL_CONFIG_KEYS) out[k] = p[k] ?? TRAIN_CONFIG[k].default;
  out.storedData = p.storedData ?? {};
  return out as Protocol;
}

/**
 * The protocol a campaign folder holds: its manifest's, else (a folder written before the manifest
 * recorded it) that of the first run below it with a config.json; null when it holds neither.
 */
export function campaignProtocol(
  dir: string,
  manifest: CampaignFile | null = readCampaignFile(dir),
): { protocol: Protocol; from: string } | null {
  if (manifest?.protocol) return { protocol: normalised(manifest.protocol), from: path.join(dir, CAMPAIGN_FILE) };
  if (!fs.existsSync(dir)) return null;
  for (const run of findRunDirs(dir).runs) {
    if (!fs.existsSync(path.join(run, MANIFEST_FILE))) continue;
    return { protocol: protocolOf(readManifest(run)), from: run };
  }
  return null;
}

/**
 * Before cells of `protocol` are written into the campaign folder dir: refused (usage error,
 * naming the keys that differ) when it holds a campaign of another protocol, or (`kind` given: a
 * compare or sweep adding cells) a campaign of another kind, whose manifest would lose its cells.
 * Asked before the folder is written, and again with `manifest` as read under the manifest's lock
 * (shards of one folder start side by side).
 */
export function checkCampaignProtocol(
  dir: string,
  protocol: Protocol,
  kind?: CampaignKind,
  manifest: CampaignFile | null = fs.existsSync(dir) ? readCampaignFile(dir) : null,
  vary?: CampaignVary,
): void {
  const held = campaignProtocol(dir, manifest);
  if (held !== null) checkSameGrid(dir, manifest?.vary, vary);
  const diff = held === null ? [] : protocolDifferences(held.protocol, protocol, variedKeys(vary));
  if (diff.length > 0) {
    throw usageError(
      `${dir} holds a ${manifest?.kind ?? 'campaign'} of another protocol (${describeDifferences(diff, ['there', 'now'])}); choose another --out`,
    );
  }
  if (kind !== undefined && manifest !== null && manifest.kind !== kind) {
    throw usageError(`${dir} holds a ${manifest.kind}, not a ${kind}; a ${kind} goes in a folder of its own: choose another --out`);
  }
}

/** The configuration keys a campaign's --vary varies (`learningRate`, `arch.denseUnits`). */
export function variedKeys(vary: CampaignVary | undefined | null): string[] {
  return vary ? vary.factors.map((f) => f.lands) : [];
}

/** `lr (base 0.0001), optimizer (base adam), one at a time`, or `nothing`. */
function describeVary(v: CampaignVary | undefined): string {
  if (!v) return 'nothing';
  return v.factors.map((f) => f.flag).join(', ');
}

/**
 * Cells added to a campaign vary the same options, in the same order (sweep aligns a rerun's
 * options to the folder's), as those already there; new levels and combinations may be added (a
 * screening's one-at-a-time cells, then some combinations of them, in one folder). The folder's
 * recorded first level of each option stays its base, which names the folders.
 */
export function checkSameGrid(dir: string, there: CampaignVary | undefined, now: CampaignVary | undefined): void {
  const same =
    (there === undefined && now === undefined) ||
    (there !== undefined &&
      now !== undefined &&
      there.factors.length === now.factors.length &&
      there.factors.every((f, i) => f.lands === now.factors[i].lands));
  if (!same) {
    throw usageError(
      `${dir} holds a campaign that varies ${describeVary(there)}; this one varies ${describeVary(now)}: choose another --out`,
    );
  }
}

/**
 * What `lenet report DIR` reports: DIR itself, unless it is neither a run nor inside a campaign
 * and holds several campaigns (outermost ones), each then reported on its own; `left` are the runs
 * below DIR outside every campaign (not reported then; the caller says so).
 */
export function reportUnits(dir: string): { units: string[]; left: string[] } {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory() || folderKind(abs) !== null || enclosingFolder(abs) !== null) {
    return { units: [dir], left: [] };
  }
  const found = findRunDirs(abs);
  const outer = found.campaigns.filter((c) => !found.campaigns.some((o) => o !== c && walkReaches(o, c)));
  if (outer.length < 2) return { units: [dir], left: [] };
  const left = found.runs.filter((r) => !outer.some((c) => walkReaches(c, r)));
  return { units: outer.map((c) => path.join(dir, path.relative(abs, c))), left: left.map((r) => path.join(dir, path.relative(abs, r))) };
}
