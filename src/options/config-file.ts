/**
 * `--config FILE.json` of a campaign: the keys and JSON types it may hold come from the option
 * table (an entry with `file`), so a new option is accepted in a file by its entry alone.
 */
import { usageError } from '../errors';
import { parseWith, readJsonFile } from './parse';
import { RawOptions } from './resolve';
import { CommandName, OPTION_ENTRIES, OptionEntry, OptionId, Parser } from './table';

type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** The JSON types a config file may give for a parser, and what a list's items must be. */
export function fileTypes(p: Parser): { types: JsonType[]; items?: 'string' | 'number' } {
  const orNull = (types: JsonType[]): JsonType[] => ('nullable' in p && p.nullable ? [...types, 'null'] : types);
  switch (p.kind) {
    case 'int':
    case 'positive-number':
      return { types: orNull(['number']) };
    case 'enum':
    case 'path':
    case 'text':
    case 'schedule-name':
    case 'schedule':
    case 'shard':
      return { types: orNull(['string']) };
    case 'switch':
      return { types: ['boolean'] };
    case 'list':
      return { types: ['string', 'array'], items: 'string' };
    case 'schedules':
    case 'activation-set':
      return { types: ['string', 'array'], items: 'string' };
    case 'seeds':
      return { types: ['string', 'number', 'array'], items: 'number' };
    case 'arch':
    case 'object':
      return { types: ['object'] };
    case 'vary':
      return { types: ['object', 'string', 'array'], items: 'string' };
  }
}

const FILE_ENTRIES = (Object.entries(OPTION_ENTRIES) as [OptionId, OptionEntry][]).filter(([, e]) => e.file !== undefined);

/** The keys a campaign's config file may hold, in table order. */
export const CONFIG_FILE_KEYS: readonly OptionId[] = FILE_ENTRIES.filter(([, e]) => e.file === true).map(([id]) => id);

function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

/**
 * Reads `--config FILE.json` of `command`; unknown keys, a single run's keys, keys of another
 * command (a sweep's "vary" given to compare) and wrong types are refused, naming the key.
 */
export function readConfigFile(file: string, command?: CommandName): RawOptions {
  const data = readJsonFile(file, 'config file');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw usageError(`config file ${file} must hold a JSON object`);
  }
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const entry = Object.hasOwn(OPTION_ENTRIES, key) ? OPTION_ENTRIES[key as OptionId] : undefined;
    if (entry?.file !== undefined && entry.file !== true) {
      throw usageError(`config file ${file}: key "${key}" does not apply to a campaign; use ${entry.file.instead}`);
    }
    if (entry?.file !== true) throw usageError(`config file ${file}: unknown key "${key}"; valid: ${CONFIG_FILE_KEYS.join(', ')}`);
    // A note (description, paper) is for people; any other key must be one the command takes.
    if (command !== undefined && entry.role !== 'note' && !entry.commands.includes(command)) {
      throw usageError(
        `config file ${file}: key "${key}" does not apply to lenet ${command} (it is ${entry.commands.filter((c) => c === 'compare' || c === 'sweep').join(' and ') || 'not a campaign'}'s)`,
      );
    }
    const { types, items } = fileTypes(entry.parse);
    if (!types.includes(jsonType(value))) {
      throw usageError(`config file ${file}: key "${key}" must be ${types.join(' or ')}, got ${jsonType(value)}`);
    }
    if (Array.isArray(value)) {
      const bad = value.find((v) => typeof v !== items);
      if (bad !== undefined || value.length === 0) {
        throw usageError(
          `config file ${file}: key "${key}" must be a non-empty list of ${items}s${bad !== undefined ? `, got ${JSON.stringify(bad)}` : ''}`,
        );
      }
    }
    // Its value as the option's own parser reads it, so that a bad one is said as the file's key,
    // not as a flag the user did not give.
    parseWith(entry.parse, `config file ${file}: key "${key}"`, value);
  }
  return data as RawOptions;
}
