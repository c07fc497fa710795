/**
 * config.json, the run's manifest: the resolved configuration plus everything needed to reproduce
 * and to trust the run — the backend that ran, the data files (absolute paths and SHA-256), versions
 * and machine. One type, one writer, one reader (used by resume, evaluate, campaigns, merge, report).
 */
import * as path from 'node:path';
import { TrainConfig } from '../config';
import { runtimeError } from '../errors';
import { readJson, writeJsonAtomic } from './atomic';

export const MANIFEST_FILE = 'config.json';

export interface DataFileIdentity {
  name: string;
  /** Absolute path at the time of the run. */
  path: string;
  bytes: number;
  /** SHA-256 of the decompressed contents: the same data raw or gzipped. */
  sha256: string;
}

export interface RunManifest {
  config: TrainConfig;
  backend: { name: string; threads: number | null; simd: string | null; cpuFeatures: string[] };
  /** The engine that ran (absent in manifests written before engines: those ran tfjs). */
  engine?: { name: string; threads: number | null; simd: string | null };
  data: {
    source: string;
    /** 'MNIST', 'Fashion-MNIST' (recognised by their SHA-256) or 'custom'. */
    dataset: string;
    /** Absolute folder of the files. */
    dir: string;
    files: DataFileIdentity[];
    trainCount: number;
    testCount: number;
    size: number;
  };
  versions: Record<string, string>;
  machine: Record<string, unknown>;
  created: string;
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  writeJsonAtomic(path.join(dir, MANIFEST_FILE), manifest);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads and checks dir/config.json; anything missing or malformed is one runtime-error line naming
 * the file. Manifests of earlier versions (no data.dir or data.dataset, no engine) read with those derived.
 */
export function readManifest(dir: string): RunManifest {
  const file = path.join(dir, MANIFEST_FILE);
  const m = readJson(file);
  if (!isObject(m)) throw runtimeError(`${file} must hold a JSON object`);
  const c = m.config;
  if (
    !isObject(c) ||
    !Array.isArray(c.schedule) ||
    typeof c.scheduleLabel !== 'string' ||
    typeof c.imageSize !== 'number' ||
    !isObject(c.arch)
  ) {
    throw runtimeError(`${file} holds no run configuration`);
  }
  const backend = isObject(m.backend) ? m.backend : {};
  if (typeof backend.name !== 'string') throw runtimeError(`${file}: "backend.name" must be a string`);
  const data = isObject(m.data) ? m.data : {};
  const files = Array.isArray(data.files) ? data.files : null;
  if (
    !files ||
    !files.every((f) => isObject(f) && typeof f.name === 'string' && typeof f.sha256 === 'string' && typeof f.path === 'string')
  ) {
    throw runtimeError(`${file}: "data.files" must list the data files with name, path and sha256`);
  }
  const first = files[0] as DataFileIdentity | undefined;
  if (m.engine !== undefined && (!isObject(m.engine) || typeof m.engine.name !== 'string')) {
    throw runtimeError(`${file}: "engine.name" must be a string`);
  }
  return {
    ...(m as unknown as RunManifest),
    // runs from before engines asked for none and ran tfjs: they resume on it
    config: { ...(c as unknown as TrainConfig), engine: typeof c.engine === 'string' ? c.engine : 'tfjs' },
    data: {
      ...(data as unknown as RunManifest['data']),
      dataset: typeof data.dataset === 'string' ? data.dataset : 'unknown',
      dir: typeof data.dir === 'string' ? data.dir : first ? path.dirname(first.path) : '',
    },
  };
}
