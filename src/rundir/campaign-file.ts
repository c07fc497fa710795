/**
 * comparison.json, the campaign file: the manifest of a comparison, sweep or merged folder — its
 * kind, the protocol every cell is trained with, the cells planned (written before any trains)
 * and, for a shard, the whole grid it belongs to. One type, one reader, one writer (campaigns and
 * merge); the rules about what may be written into a campaign folder are campaign-manifest.ts's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runtimeError } from '../errors';
import { READ_LIMITS, readJson, writeJsonAtomic } from './atomic';
import { FormatError, readFormat, stamped } from './format';
import { lockFolder } from './lock';
import { Protocol } from './protocol';

export const CAMPAIGN_FILE = 'comparison.json';
export type CampaignKind = 'comparison' | 'sweep';

export interface CampaignCell {
  schedule: string;
  seed: number;
  /** Relative to the campaign folder. */
  dir: string;
}

export interface CampaignFile {
  kind: CampaignKind;
  schedules: string[];
  seeds: number[];
  runs: CampaignCell[];
  /** A shard's whole grid (absent when the folder holds the whole campaign). */
  grid?: { schedules: string[]; seeds: number[] };
  /**
   * The protocol every cell is trained with (rundir/protocol's rule), as the first writer recorded
   * it. Absent in files written before lenet recorded it: the folder's runs then tell.
   */
  protocol?: Protocol;
  /** Written by lenet merge (the kind then says which table it holds: a merge of comparisons is a comparison). */
  merged?: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads dir/comparison.json of any format up to this lenet's, or null when absent; a malformed one,
 * or one of a newer format, is one runtime-error line. (Format 1 before shards recorded their grid:
 * a shard without one reads as a campaign of its own cells.)
 */
export function readCampaignFile(dir: string): CampaignFile | null {
  const file = path.join(dir, CAMPAIGN_FILE);
  if (!fs.existsSync(file)) return null;
  const data = readJson(file, READ_LIMITS.campaign) as Partial<CampaignFile> | null;
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !Array.isArray(data.schedules) || !Array.isArray(data.runs)) {
    throw runtimeError(`${file}: expected {kind, schedules: [...], seeds: [...], runs: [...]}`);
  }
  readFormat(file, data as Record<string, unknown>);
  const runs = data.runs.filter(
    (r): r is CampaignCell => typeof r?.schedule === 'string' && typeof r?.seed === 'number' && typeof r?.dir === 'string',
  );
  return {
    kind: data.kind === 'sweep' ? 'sweep' : 'comparison',
    schedules: data.schedules.map(String),
    seeds: Array.isArray(data.seeds) ? data.seeds.map(Number) : [],
    runs,
    ...(data.grid && Array.isArray(data.grid.schedules) && Array.isArray(data.grid.seeds)
      ? { grid: { schedules: data.grid.schedules.map(String), seeds: data.grid.seeds.map(Number) } }
      : {}),
    ...(isObject(data.protocol) && isObject(data.protocol.data) ? { protocol: data.protocol as Protocol } : {}),
    ...(data.merged === true ? { merged: true } : {}),
  };
}

/** Builds the file from its cells: schedules and seeds in the order the cells list them. */
export function campaignFileOf(
  kind: CampaignKind,
  runs: readonly CampaignCell[],
  grid?: CampaignFile['grid'],
  about: Pick<CampaignFile, 'protocol' | 'merged'> = {},
): CampaignFile {
  return {
    kind,
    schedules: [...new Set(runs.map((c) => c.schedule))],
    seeds: [...new Set(runs.map((c) => c.seed))],
    runs: [...runs],
    ...(grid ? { grid } : {}),
    ...(about.protocol ? { protocol: about.protocol } : {}),
    ...(about.merged ? { merged: true } : {}),
  };
}

/** Writes dir/comparison.json atomically (stamped with this version's format), replacing what was there. */
export function writeCampaignFile(dir: string, file: CampaignFile): void {
  writeJsonAtomic(path.join(dir, CAMPAIGN_FILE), stamped(file));
}

/**
 * Adds cells to dir/comparison.json: those listed before stay (a rerun with other schedules adds
 * to them). Shards of one campaign may share a folder, so the read-modify-write holds a short lock
 * of its own, waiting up to `waitMs` for another writer to finish.
 */
export async function addToCampaignFile(
  dir: string,
  kind: CampaignKind,
  cells: readonly CampaignCell[],
  grid?: CampaignFile['grid'],
  waitMs = 10_000,
  protocol?: Protocol,
  /** Refuses (throws) what the file holds now, read under its lock: campaign-manifest's rules. */
  verify?: (old: CampaignFile | null) => void,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let lock;
    try {
      lock = lockFolder(dir, 'update comparison.json', '.lenet-campaign-file.lock');
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    try {
      let old: CampaignFile | null = null;
      try {
        old = readCampaignFile(dir);
      } catch (err) {
        // A file of a format this lenet does not read (newer, or not a format at all) is not ours to
        // rewrite; anything else unreadable: this call's cells are the list.
        if (err instanceof FormatError) throw err;
      }
      verify?.(old);
      const previous = old && old.kind === kind ? old.runs : [];
      // The first writer's protocol stays (campaign-manifest.ts refused any other).
      const recorded = old?.protocol ?? protocol;
      const runs = new Map<string, CampaignCell>(previous.map((r) => [r.dir, r]));
      for (const c of cells) runs.set(c.dir, { schedule: c.schedule, seed: c.seed, dir: c.dir });
      writeCampaignFile(dir, campaignFileOf(kind, [...runs.values()], grid, { protocol: recorded }));
      return;
    } finally {
      lock.release();
    }
  }
}
