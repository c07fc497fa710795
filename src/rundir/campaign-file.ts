/**
 * comparison.json, the campaign file: the manifest of a comparison, sweep or merged folder — its
 * kind, the protocol every cell is trained with, the cells planned (written before any trains)
 * and, for a shard, the whole grid it belongs to. One type, one reader, one writer (campaigns and
 * merge); the rules about what may be written into a campaign folder are campaign-manifest.ts's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LenetError, runtimeError } from '../errors';
import { READ_LIMITS, readJson, writeJsonAtomic } from './atomic';
import { FormatError, readFormat, stamped } from './format';
import { lockFolder } from './lock';
import { Protocol } from './protocol';
import { DEFAULT_ARCH, TRAIN_CONFIG, TrainConfigKey } from '../options/types';

export const CAMPAIGN_FILE = 'comparison.json';
export type CampaignKind = 'comparison' | 'sweep';

/** A campaign's cell (train/grid.ts Cell) as this file records it: what merge and report read back. */
export interface CellRecord {
  schedule: string;
  seed: number;
  /** Relative to the campaign folder. */
  dir: string;
  /** A varied campaign's cell: option key → its level, as text (absent without --vary). */
  variant?: Record<string, string>;
}

/**
 * What `sweep --vary` varies: each option (its table key, and where it lands in a run's
 * configuration) with its levels as text, the first being the base; and how they combine.
 */
export interface CampaignVary {
  /** mixed: cells of both designs were added to the folder. */
  design: 'cross' | 'ofat' | 'mixed';
  /** key: the option's table key; flag: its flag without dashes, as folder and variant names write it. */
  factors: Array<{ key: string; flag: string; lands: string; levels: string[] }>;
}

export interface CampaignFile {
  kind: CampaignKind;
  schedules: string[];
  seeds: number[];
  runs: CellRecord[];
  /** A shard's whole grid (absent when the folder holds the whole campaign); a varied sweep's variants by name. */
  grid?: { schedules: string[]; seeds: number[]; variants?: string[] };
  /**
   * The protocol every cell is trained with (rundir/protocol's rule), as the first writer recorded
   * it. Absent in files written before lenet recorded it: the folder's runs then tell.
   */
  protocol?: Protocol;
  /** Written by lenet merge (the kind then says which table it holds: a merge of comparisons is a comparison). */
  merged?: boolean;
  /** The varied options of `sweep --vary` (absent: none). Their keys are the grid, not the protocol. */
  vary?: CampaignVary;
}

/**
 * A campaign file whose `vary` is malformed: its cells cannot be told apart without it (two runs of
 * one schedule and seed in two variants), so readers stop here instead of passing over the file.
 */
export class VaryError extends LenetError {}

/** A configuration key a factor may land in: a protocol key of TrainConfig, or one layer size. */
function isVariedKey(lands: unknown): boolean {
  if (typeof lands !== 'string') return false;
  const [key, sub, more] = lands.split('.');
  if (more !== undefined || !Object.hasOwn(TRAIN_CONFIG, key) || TRAIN_CONFIG[key as TrainConfigKey].role !== 'protocol') return false;
  return sub === undefined ? key !== 'arch' : key === 'arch' && Object.hasOwn(DEFAULT_ARCH, sub);
}

/** A campaign file's `vary`, checked (absent: undefined); a malformed one is one runtime-error line naming the file. */
function readVary(v: unknown, file: string): CampaignVary | undefined {
  if (v === undefined || v === null) return undefined;
  const ok =
    isObject(v) &&
    Array.isArray(v.factors) &&
    v.factors.length > 0 &&
    (v.design === 'cross' || v.design === 'ofat' || v.design === 'mixed') &&
    v.factors.every(
      (f) =>
        isObject(f) &&
        typeof f.key === 'string' &&
        /^[A-Za-z0-9]+$/.test(f.key) &&
        typeof f.flag === 'string' &&
        /^[a-z0-9][a-z0-9-]*$/.test(f.flag) &&
        isVariedKey(f.lands) &&
        Array.isArray(f.levels) &&
        f.levels.length > 0 &&
        f.levels.every((l) => typeof l === 'string' && /^[A-Za-z0-9.+-]+$/.test(l)),
    );
  if (!ok) throw new VaryError(`${file}: "vary" must be {design, factors: [{key, flag, lands, levels}]} naming protocol options`, 1);
  return v as unknown as CampaignVary;
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
  const runs = data.runs
    .filter((r): r is CellRecord => typeof r?.schedule === 'string' && typeof r?.seed === 'number' && typeof r?.dir === 'string')
    .map((r) => ({
      schedule: r.schedule,
      seed: r.seed,
      dir: r.dir,
      ...(isObject(r.variant) && Object.values(r.variant).every((t) => typeof t === 'string') ? { variant: r.variant } : {}),
    }));
  const vary = readVary((data as Record<string, unknown>).vary, file);
  return {
    kind: data.kind === 'sweep' ? 'sweep' : 'comparison',
    schedules: data.schedules.map(String),
    seeds: Array.isArray(data.seeds) ? data.seeds.map(Number) : [],
    runs,
    ...(data.grid && Array.isArray(data.grid.schedules) && Array.isArray(data.grid.seeds)
      ? {
          grid: {
            schedules: data.grid.schedules.map(String),
            seeds: data.grid.seeds.map(Number),
            ...(Array.isArray(data.grid.variants) ? { variants: data.grid.variants.map(String) } : {}),
          },
        }
      : {}),
    ...(isObject(data.protocol) && isObject(data.protocol.data) ? { protocol: data.protocol as Protocol } : {}),
    ...(data.merged === true ? { merged: true } : {}),
    ...(vary ? { vary } : {}),
  };
}

/** Builds the file from its cells: schedules and seeds in the order the cells list them. */
export function campaignFileOf(
  kind: CampaignKind,
  runs: readonly CellRecord[],
  grid?: CampaignFile['grid'],
  about: Pick<CampaignFile, 'protocol' | 'merged' | 'vary'> = {},
): CampaignFile {
  return {
    kind,
    schedules: [...new Set(runs.map((c) => c.schedule))],
    seeds: [...new Set(runs.map((c) => c.seed))],
    runs: [...runs],
    ...(grid ? { grid } : {}),
    ...(about.protocol ? { protocol: about.protocol } : {}),
    ...(about.merged ? { merged: true } : {}),
    ...(about.vary ? { vary: about.vary } : {}),
  };
}

/** Writes dir/comparison.json atomically (stamped with this version's format), replacing what was there. */
export function writeCampaignFile(dir: string, file: CampaignFile): void {
  writeJsonAtomic(path.join(dir, CAMPAIGN_FILE), stamped(file));
}

/**
 * The vary of a campaign file once cells of `now` are added: the same options (campaign-manifest
 * refused others), each with the levels recorded before and then any new ones.
 */
export function mergeVary(old: CampaignVary | undefined, now: CampaignVary | undefined): CampaignVary | undefined {
  if (!old || !now) return now ?? old;
  return {
    design: old.design === now.design ? old.design : 'mixed',
    factors: old.factors.map((f) => {
      const more = now.factors.find((n) => n.key === f.key)?.levels ?? [];
      return { ...f, levels: [...new Set([...f.levels, ...more])] };
    }),
  };
}

/**
 * Adds cells to dir/comparison.json: those listed before stay (a rerun with other schedules adds
 * to them). Shards of one campaign may share a folder, so the read-modify-write holds a short lock
 * of its own, waiting up to `waitMs` for another writer to finish. Returns the lock's takeover
 * notice, if it took over a stale one (FolderLock.tookOver), for the caller to say.
 */
export async function addToCampaignFile(
  dir: string,
  kind: CampaignKind,
  cells: readonly CellRecord[],
  grid?: CampaignFile['grid'],
  waitMs = 10_000,
  protocol?: Protocol,
  /** Refuses (throws) what the file holds now, read under its lock: campaign-manifest's rules. */
  verify?: (old: CampaignFile | null) => void,
  vary?: CampaignVary,
): Promise<string | null> {
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
      const runs = new Map<string, CellRecord>(previous.map((r) => [r.dir, r]));
      for (const c of cells)
        runs.set(c.dir, { schedule: c.schedule, seed: c.seed, dir: c.dir, ...(c.variant ? { variant: c.variant } : {}) });
      writeCampaignFile(dir, campaignFileOf(kind, [...runs.values()], grid, { protocol: recorded, vary: mergeVary(old?.vary, vary) }));
      return lock.tookOver;
    } finally {
      lock.release();
    }
  }
}
