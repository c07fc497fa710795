/**
 * Protocol identity: the one rule deciding whether two runs were trained the same way, so that a
 * campaign folder, a merge and a report may put them side by side. Used by compare, sweep, merge
 * and report alike.
 *
 * Same protocol = same values of the config keys whose role is `protocol` (TRAIN_CONFIG in
 * options/types.ts gives each key its role), same backend and engine *that ran* (cells asked for
 * `auto` and `native` both ran on native and give bit-identical numbers; the fused engine and the
 * tfjs engine agree to rounding only, so they are two protocols) and the same data (by SHA-256,
 * wherever the files lie). What varies per cell (schedule, seed) and what is local to a machine
 * (the data folder's path, the thread count: kernels are bit-identical across thread counts, the
 * backend and engine asked for) is not part of it. A manifest from before engines ran tfjs.
 */
import { ConfigKeyOf, configKeysOf, TRAIN_CONFIG, TrainConfig } from '../options/types';
import { DataFileDigest, sameDataFile } from '../datasets';
import { RunManifest } from './manifest';

/** Config keys that decide what a run computes. */
export const PROTOCOL_CONFIG_KEYS: readonly ConfigKeyOf<'protocol'>[] = configKeysOf('protocol');
/** Config keys that vary from cell to cell of one campaign. */
export const CELL_CONFIG_KEYS: readonly ConfigKeyOf<'cell'>[] = configKeysOf('cell');
/** Config keys that say where and how a run ran, not what it computed (see the file comment). */
export const LOCAL_CONFIG_KEYS: readonly ConfigKeyOf<'local'>[] = configKeysOf('local');

export type Protocol = Pick<TrainConfig, ConfigKeyOf<'protocol'>> & {
  /** The backend that ran. */
  backend: string;
  /** The engine that ran. */
  engine: string;
  /** Data file name → SHA-256. */
  data: Record<string, string>;
  /** Data file name → SHA-256 of the stored bytes, for gzipped files (a format 1 run recorded that as its sha256). */
  storedData: Record<string, string>;
};

/** What protocolOf reads: a manifest, or the same facts of a run about to start. */
export interface ProtocolSource {
  config: Pick<TrainConfig, ConfigKeyOf<'protocol'>>;
  backend: { name: string };
  /**
   * The engine that runs. Required here: a run about to start always knows it (left out, the protocol
   * would read tfjs, as a manifest from before engines does). A RunManifest may lack it.
   */
  engine: { name: string };
  data: { files: readonly ({ name: string } & DataFileDigest)[] };
}

export function protocolOf(manifest: ProtocolSource | RunManifest): Protocol {
  const p = {} as Record<string, unknown>;
  // A key an older config.json lacks was not an option yet: that run was trained as its default
  // trains now (a new option's default keeps the old behaviour, bit for bit).
  for (const k of PROTOCOL_CONFIG_KEYS) p[k] = manifest.config[k] ?? TRAIN_CONFIG[k].default;
  p.backend = manifest.backend.name;
  p.engine = manifest.engine?.name ?? 'tfjs';
  p.data = Object.fromEntries(manifest.data.files.map((f) => [f.name, f.sha256]));
  p.storedData = Object.fromEntries(manifest.data.files.flatMap((f) => (f.storedSha256 ? [[f.name, f.storedSha256]] : [])));
  return p as Protocol;
}

/** Stable JSON (sorted keys), so key order never makes two equal values differ. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export interface ProtocolDifference {
  key: string;
  a: string;
  b: string;
}

/**
 * Where two protocols differ; data differences name the file. Empty: the same protocol. `varied`:
 * the keys a campaign's grid varies (`learningRate`, `arch.denseUnits`), not part of its protocol.
 */
export function protocolDifferences(a: Protocol, b: Protocol, varied: readonly string[] = []): ProtocolDifference[] {
  const out: ProtocolDifference[] = [];
  for (const k of [...PROTOCOL_CONFIG_KEYS, 'backend', 'engine'] as const) {
    if (varied.includes(k)) continue;
    const av: unknown = a[k];
    const bv: unknown = b[k];
    // An object-valued key (arch) differs by its fields: `arch.denseUnits: 120 vs 60`, not two clipped JSON texts.
    if (isPlainObject(av) && isPlainObject(bv)) {
      for (const sub of [...new Set([...Object.keys(av), ...Object.keys(bv)])].sort()) {
        if (varied.includes(`${k}.${sub}`)) continue;
        const x = stableJson(av[sub] ?? null);
        const y = stableJson(bv[sub] ?? null);
        if (x !== y) out.push({ key: `${k}.${sub}`, a: x, b: y });
      }
      continue;
    }
    const x = stableJson(av);
    const y = stableJson(bv);
    if (x !== y) out.push({ key: k, a: x, b: y });
  }
  for (const name of [...new Set([...Object.keys(a.data), ...Object.keys(b.data)])].sort()) {
    const x = a.data[name] ?? 'absent';
    const y = b.data[name] ?? 'absent';
    const same = sameDataFile({ sha256: x, storedSha256: a.storedData?.[name] }, { sha256: y, storedSha256: b.storedData?.[name] });
    if (!same) out.push({ key: `data file ${name}`, a: `sha256 ${x.slice(0, 12)}`, b: `sha256 ${y.slice(0, 12)}` });
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "learningRate: 0.0001 vs 0.001; data file …: sha256 … vs …", or with the sides named: "epochs: 2 there, 3 now". */
export function describeDifferences(diff: readonly ProtocolDifference[], names?: [string, string]): string {
  const shown = diff
    .slice(0, 3)
    .map((d) => (names ? `${d.key}: ${clip(d.a)} ${names[0]}, ${clip(d.b)} ${names[1]}` : `${d.key}: ${clip(d.a)} vs ${clip(d.b)}`));
  return shown.join('; ') + (diff.length > 3 ? `; and ${diff.length - 3} more` : '');
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}
