/**
 * Reading an option's value, from a flag's text or a config file's JSON value, by the parser its
 * table entry names. Every message names the option by its flag and, where there is a list of valid
 * values, lists them. `parseOptionValue(key, value)` reads any option by its key, so a later
 * feature (e.g. `sweep --vary KEY=V1,V2`) validates keys and values through the same table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { usageError } from '../errors';
import { parseNamedSchedule, parseScheduleList, parseScheduleSpec, scheduleLabel } from '../model/activations';
import { CommandName, ConfigPath, OPTION_ENTRIES, OPTIONS, OptionId, Parser } from './table';
import { ActivationName, Arch, DEFAULT_ARCH, Schedule, Shard, ShardEngine, TRAIN_CONFIG, TrainConfigKey } from './types';

/** The value a parser gives. */
export type ParsedBy<P> = P extends { kind: 'int'; auto: true }
  ? number | null
  : P extends { kind: 'int'; nullable: true }
    ? number | null
    : P extends { kind: 'int' | 'positive-number' }
      ? number
      : P extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : P extends { kind: 'path'; nullable: true }
          ? string | null
          : P extends { kind: 'path' | 'text' }
            ? string
            : P extends { kind: 'switch' }
              ? boolean
              : P extends { kind: 'list' }
                ? string[]
                : P extends { kind: 'schedule-name' | 'schedule' }
                  ? Schedule
                  : P extends { kind: 'schedules' }
                    ? Schedule[]
                    : P extends { kind: 'activation-set' }
                      ? ActivationName[]
                      : P extends { kind: 'seeds' }
                        ? number[]
                        : P extends { kind: 'shard' }
                          ? Shard | ShardEngine
                          : P extends { kind: 'arch' }
                            ? Arch
                            : P extends { kind: 'object' }
                              ? Record<string, unknown>
                              : P extends { kind: 'vary' }
                                ? VaryFactor[]
                                : never;

/** One factor of `sweep --vary`: a protocol option and its levels, in the order given. */
export interface VaryFactor {
  /** The option's key in the table (`lr`, `batchSize`, `inputScale`). */
  key: OptionId;
  /** Where its value lands in TrainConfig (`learningRate`, `arch.denseUnits`). */
  lands: ConfigPath;
  /** The levels, parsed. */
  values: unknown[];
  /** The levels as text, as folder names and tables show them (`0.001`, `sgd`). */
  texts: string[];
}

/** The options `--vary` accepts: every protocol option a single value sets (not the --arch file: its fields are options of their own). */
export function varyableOptions(): OptionId[] {
  return (Object.keys(OPTIONS) as OptionId[]).filter((id) => {
    const e = OPTION_ENTRIES[id];
    if (e.lands === undefined || e.parse.kind === 'arch') return false;
    return TRAIN_CONFIG[e.lands.split('.')[0] as TrainConfigKey].role === 'protocol';
  });
}

/** The value of option K once parsed. */
export type OptionValue<K extends OptionId> = ParsedBy<(typeof OPTIONS)[K]['parse']>;

export function isOptionId(key: string): key is OptionId {
  return Object.hasOwn(OPTIONS, key);
}

/**
 * The option a name means: its key (`lr`, `conv1Filters`), its flag with or without dashes
 * (`--lr`, `conv1-filters`) or, where one option lands there, its place in TrainConfig
 * (`learningRate`, `arch.conv1Filters`). An unknown name is a usage error listing the keys.
 */
export function findOption(name: string): OptionId {
  if (isOptionId(name)) return name;
  const ids = Object.keys(OPTIONS) as OptionId[];
  const flag = name.startsWith('--') ? name : `--${name}`;
  const byFlag = ids.find((id) => OPTION_ENTRIES[id].flag === flag);
  if (byFlag) return byFlag;
  const landing = ids.filter((id) => OPTION_ENTRIES[id].lands === name);
  if (landing.length === 1) return landing[0];
  throw usageError(`unknown option "${name}"; valid: ${ids.join(', ')}`);
}

/** How messages name an option: its flag, or for a key only a config file holds, the key. */
export function optionName(key: OptionId): string {
  return OPTION_ENTRIES[key].flag ?? `"${key}"`;
}

/**
 * Parses one value of the option `key` (see findOption for the names it goes by), from a flag's
 * text or a config file's JSON value, by its table entry; a bad value is a usage error naming the
 * flag (and the valid values, where listed).
 */
export function parseOptionValue<K extends OptionId>(key: K, value: unknown): OptionValue<K>;
export function parseOptionValue(key: string, value: unknown): unknown;
export function parseOptionValue(key: string, value: unknown): unknown {
  const id = findOption(key);
  return parseWith(OPTION_ENTRIES[id].parse, optionName(id), value);
}

/**
 * The value of an option when it is not given to `command`, parsed; undefined: none. An option
 * that lands in TrainConfig has TRAIN_CONFIG's default (a command's own, e.g. verify's short run,
 * is raw: resolveTrainConfig parses it); the others' defaults are written as a user would write them.
 */
export function optionDefault(key: OptionId, command?: CommandName): unknown {
  const entry = OPTION_ENTRIES[key];
  const raw = (command ? entry.per?.[command]?.default : undefined) ?? entry.default;
  if (raw !== undefined) return parseOptionValue(key, raw);
  if (entry.lands !== undefined) return configDefault(entry.lands);
  return undefined;
}

/** An option's value: the one given, or its default; parsed. */
export function optionValue<K extends OptionId>(key: K, given: unknown, command?: CommandName): OptionValue<K> {
  return (given === undefined ? optionDefault(key, command) : parseOptionValue(key, given)) as OptionValue<K>;
}

/** The default of a TrainConfig key or of one layer size (`arch.denseUnits`). */
export function configDefault(where: string): unknown {
  const [key, sub] = where.split('.') as [TrainConfigKey, keyof Arch | undefined];
  const value = TRAIN_CONFIG[key].default;
  return sub === undefined ? value : (value as Arch)[sub];
}

export function parseWith(p: Parser, name: string, value: unknown): unknown {
  switch (p.kind) {
    case 'int':
      return parseInteger(p, name, value);
    case 'positive-number': {
      // Decimal only: Number() would also read "0x10" as 16 and "0b1" as 1.
      const decimal = typeof value === 'number' || /^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(String(value).trim());
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (!decimal || !Number.isFinite(n) || n <= 0) throw usageError(`${name} must be a positive number, got "${value}"`);
      return n;
    }
    case 'enum':
      return oneOf(name, value, p.values);
    case 'path': {
      if (value === null && p.nullable) return null;
      if (typeof value !== 'string' || value === '') throw usageError(`${name} needs a file or folder name, got ${JSON.stringify(value)}`);
      return p.absolute ? path.resolve(value) : value;
    }
    case 'text':
      if (typeof value !== 'string') throw usageError(`${name} must be text, got ${JSON.stringify(value)}`);
      return value;
    case 'switch':
      if (typeof value !== 'boolean') throw usageError(`${name} takes no value, got ${JSON.stringify(value)}`);
      return value;
    case 'list':
      return (Array.isArray(value) ? value : [value]).map(String);
    case 'schedule-name':
      return parseNamedSchedule(String(value));
    case 'schedule':
      return parseScheduleList(String(value), name);
    case 'schedules':
      return parseSchedules(name, value);
    case 'activation-set':
      return parseActivationSet(name, value, p.values as readonly ActivationName[]);
    case 'seeds':
      return parseSeeds(value, name, p.max);
    case 'shard':
      return parseShard(name, value, p.engines as readonly ShardEngine[]);
    case 'arch':
      // A flag names a JSON file; a config file holds the object itself.
      if (typeof value === 'string') return resolveArch(readJsonFile(value, 'arch file'), value);
      return resolveArch(value, name);
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`${name} must be a JSON object`);
      return value;
    case 'vary':
      return parseVary(name, value);
  }
}

/** How a level reads back as text: numbers as JavaScript writes them, the rest as given. */
function levelText(v: unknown): string {
  return typeof v === 'number' ? String(v) : v === null ? 'null' : String(v);
}

/**
 * `--vary KEY=V1,V2` (repeatable) or a config file's `{"KEY": [V1, V2]}` → one factor per key, in
 * the order given. The key must be a protocol option (varyableOptions), each value valid for it,
 * no key and no value twice; every problem is one usage error listing what is valid.
 */
function parseVary(name: string, value: unknown): VaryFactor[] {
  const valid = varyableOptions();
  const validText = valid.map((id) => OPTION_ENTRIES[id].flag!.slice(2)).join(', ');
  let items: [string, unknown[]][];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    items = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]);
  } else {
    items = (Array.isArray(value) ? value : [value]).map((spec) => {
      const text = String(spec);
      const eq = text.indexOf('=');
      if (eq <= 0) throw usageError(`${name} must look like KEY=V1,V2 (e.g. lr=0.001,0.0001), got "${text}"; KEY is one of ${validText}`);
      return [
        text.slice(0, eq).trim(),
        text
          .slice(eq + 1)
          .split(',')
          .map((v) => v.trim()),
      ];
    });
  }
  const factors: VaryFactor[] = [];
  for (const [keyText, raw] of items) {
    const id = (Object.keys(OPTIONS) as OptionId[]).find(
      (k) => k === keyText || OPTION_ENTRIES[k].flag === `--${keyText.replace(/^--/, '')}` || OPTION_ENTRIES[k].lands === keyText,
    );
    if (id === undefined || !valid.includes(id)) {
      throw usageError(`${name}: "${keyText}" is not an option a sweep can vary; valid: ${validText}`);
    }
    const flag = OPTION_ENTRIES[id].flag!;
    if (factors.some((f) => f.key === id)) throw usageError(`${name} varies ${flag} twice; give all its values in one --vary`);
    if (raw.some((v) => typeof v === 'object' && v !== null)) {
      throw usageError(`${name} ${flag.slice(2)}: each value must be a number or a word, not a list or an object`);
    }
    if (raw.length === 0 || raw.some((v) => v === '' || v === null || v === undefined)) {
      throw usageError(`${name} ${flag.slice(2)}: needs values separated by commas, with none empty`);
    }
    const values = raw.map((v) => parseWith(OPTION_ENTRIES[id].parse, `${name} ${flag.slice(2)}`, v));
    const texts = values.map(levelText);
    if (new Set(texts).size !== texts.length) throw usageError(`${name} ${flag.slice(2)} names a value twice: ${texts.join(',')}`);
    factors.push({ key: id, lands: OPTION_ENTRIES[id].lands!, values, texts });
  }
  if (factors.length === 0) throw usageError(`${name} needs KEY=V1,V2`);
  return factors;
}

/** Whole numbers only: "1.5", "1e3", "0x10" and " " are refused, whatever Number() makes of them. */
function parseInteger(p: Extract<Parser, { kind: 'int' }>, name: string, value: unknown): number | null {
  if (p.auto && String(value).trim() === 'auto') return null;
  if (p.nullable && value === null) return null;
  const max = p.max ?? Number.MAX_SAFE_INTEGER;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  const digits = typeof value !== 'string' || /^\+?\d+$/.test(value.trim());
  if (digits && Number.isInteger(n) && n >= p.min && n <= max) return n;
  if (p.auto) throw usageError(`${name} must be a whole number from ${p.min} to ${max}, or auto; got "${String(value).trim()}"`);
  if (p.min === 0) throw usageError(`${name} must be an integer from 0 to ${max}, got "${value}"`);
  throw usageError(`${name} must be a positive integer${p.max !== undefined ? ` up to ${p.max}` : ''}, got "${value}"`);
}

function oneOf(name: string, value: unknown, allowed: readonly string[]): string {
  const s = String(value);
  if (!allowed.includes(s)) throw usageError(`${name} must be one of ${allowed.join(', ')}, got "${s}"`);
  return s;
}

/** `sigmoid,tanh,relu,tanh-relu`: named schedules, or per-layer lists written a/b/c; none twice. */
function parseSchedules(name: string, value: unknown): Schedule[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const specs = items.map((s) => s.trim()).filter((s) => s.length > 0);
  if (specs.length === 0) throw usageError(`${name} is empty`);
  const schedules = specs.map((s) => (s.includes('/') ? parseScheduleList(s, name, '/') : parseScheduleSpec(s, name)));
  const labels = schedules.map(scheduleLabel);
  if (new Set(labels).size !== labels.length) throw usageError(`${name} names a schedule twice: ${specs.join(',')}`);
  return schedules;
}

/** `--grid a,b,c` → the set of activations, in ACTIVATIONS order (so the grid order does not depend on spelling). */
function parseActivationSet(name: string, value: unknown, valid: readonly ActivationName[]): ActivationName[] {
  const items = String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw usageError(`${name} needs at least one activation, e.g. sigmoid,tanh,relu`);
  for (const a of items) {
    if (!(valid as readonly string[]).includes(a)) throw usageError(`unknown activation "${a}" in ${name}; valid: ${valid.join(', ')}`);
  }
  if (new Set(items).size !== items.length) throw usageError(`${name} names an activation twice: "${String(value)}"`);
  return valid.filter((a) => items.includes(a));
}

/** `--seeds 3` → [1,2,3]; `--seeds 1,7,42` → [1,7,42]. */
export function parseSeeds(value: unknown, name = '--seeds', max = 1000): number[] {
  const s = Array.isArray(value) ? value.join(',') : String(value).trim();
  const seed = { kind: 'int', min: 0, max: 2 ** 31 - 1 } as const;
  if (Array.isArray(value) || s.includes(',')) {
    const items = Array.isArray(value) ? value : s.split(',');
    if (items.length === 0) throw usageError(`${name} is an empty list`);
    const seeds = items.map((p) => {
      if (typeof p === 'string' && p.trim() === '') throw usageError(`${name} has an empty item: "${s}"`);
      if (typeof p !== 'number' && typeof p !== 'string') throw usageError(`${name} items must be integers, got ${JSON.stringify(p)}`);
      return parseInteger(seed, name, p) as number;
    });
    if (new Set(seeds).size !== seeds.length) throw usageError(`${name} has a repeated seed: "${s}"`);
    return seeds;
  }
  const n = parseInteger({ kind: 'int', min: 1, max }, name, s) as number;
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** `--shard K/N` with 1 ≤ K ≤ N, or an engine word (its K/N comes from the environment). */
function parseShard(name: string, value: unknown, engines: readonly ShardEngine[]): Shard | ShardEngine {
  const s = String(value ?? '').trim();
  if ((engines as readonly string[]).includes(s)) return s as ShardEngine;
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(s);
  if (!m) {
    const words = `${engines.slice(0, -1).join(', ')} or ${engines[engines.length - 1]}`;
    throw usageError(`${name} must look like K/N (e.g. 1/4), or be ${words}; got "${s}"`);
  }
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1) throw usageError(`${name} ${s}: N must be at least 1`);
  if (!Number.isSafeInteger(n)) throw usageError(`${name} ${s}: N must be at most ${Number.MAX_SAFE_INTEGER}`);
  if (!Number.isSafeInteger(k) || k < 1 || k > n) throw usageError(`${name} ${s}: K must be from 1 to ${n}`);
  return { k, n };
}

/** `--arch FILE.json` or a config file's object: any subset of Arch keys; unknown keys are refused. */
export function resolveArch(raw: unknown, source: string): Arch {
  if (raw === undefined || raw === null) return { ...DEFAULT_ARCH };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw usageError(`${source}: arch must be a JSON object`);
  const arch = { ...DEFAULT_ARCH };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!Object.hasOwn(DEFAULT_ARCH, key)) {
      throw usageError(`${source}: unknown arch key "${key}"; valid: ${Object.keys(DEFAULT_ARCH).join(', ')}`);
    }
    if (typeof value !== 'number') throw usageError(`${source}: arch key "${key}" must be a number`);
    arch[key as keyof Arch] = parseInteger({ kind: 'int', min: 1, max: 4096 }, `${source}: arch key "${key}"`, value) as number;
  }
  return arch;
}

/** Reads a JSON file the user named; any problem is one usage-error line naming the file. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw usageError(`${what} ${file} is a directory, not a JSON file`);
    // A UTF-8 byte-order mark (Notepad adds one) is not part of the JSON.
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    if (err instanceof Error && err.name === 'LenetError') throw err;
    throw usageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
