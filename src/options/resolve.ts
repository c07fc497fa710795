/**
 * Raw options (commander's parsed flags, a config file's values) → one resolved TrainConfig:
 * flags win over file values, file values over TRAIN_CONFIG's defaults. Every value goes through
 * its table entry's parser. Used by commands/ and train/ only.
 */
import { usageError } from '../errors';
import { scheduleLabel } from '../model/activations';
import { parseOptionValue } from './parse';
import { CommandName, ConfigPath, OPTION_ENTRIES, OptionEntry, OptionId, OptionRole } from './table';
import { Arch, featureMapSize, TRAIN_CONFIG, TrainConfig, TrainConfigKey } from './types';

/** Raw option values as commander hands them over (strings) or as a JSON config holds them. */
export type RawOptions = Record<string, unknown>;

const ENTRIES = Object.entries(OPTION_ENTRIES) as [OptionId, OptionEntry][];

/** The options whose values land in a run's configuration, in table order. */
const LANDING = ENTRIES.filter(([, e]) => e.lands !== undefined) as [OptionId, OptionEntry & { lands: ConfigPath }][];

/** The role of an option: TRAIN_CONFIG's for one that lands in the configuration, else its own. */
export function roleOf(entry: OptionEntry): OptionRole {
  return entry.lands !== undefined ? TRAIN_CONFIG[entry.lands.split('.')[0] as TrainConfigKey].role : entry.role;
}

/** A fresh copy of the defaults (nothing shared with TRAIN_CONFIG), in config.json's order. */
function defaultConfig(): TrainConfig {
  const config = {} as Record<string, unknown>;
  for (const [key, { default: value }] of Object.entries(TRAIN_CONFIG)) {
    config[key] = Array.isArray(value) ? [...value] : value !== null && typeof value === 'object' ? { ...value } : value;
  }
  return config as TrainConfig;
}

/**
 * One resolved training config from raw options. `activation` (a named schedule) and `schedule`
 * (a list) are exclusive; `arch` (a file or an object) comes before the single layer sizes, which
 * win over it.
 */
export function resolveTrainConfig(raw: RawOptions): TrainConfig {
  if (raw.schedule !== undefined && raw.activation !== undefined) {
    throw usageError('give either --activation or --schedule, not both');
  }
  const config = defaultConfig();
  for (const [id, entry] of LANDING) {
    const value = raw[id];
    if (value === undefined || (value === null && !('nullable' in entry.parse))) continue;
    const parsed = parseOptionValue(id, value);
    const [key, sub] = entry.lands.split('.') as [TrainConfigKey, keyof Arch | undefined];
    if (sub === undefined) (config as Record<string, unknown>)[key] = parsed;
    else config.arch[sub] = parsed as number;
  }
  // fused runs its own kernels, so it cannot honour a tfjs backend asked for by name
  if (config.engine === 'fused' && (config.backend === 'cpu' || config.backend === 'tensorflow')) {
    throw usageError(`--engine fused runs its own kernels; --backend ${config.backend} chooses the tfjs engine's: give one or the other`);
  }
  config.scheduleLabel = scheduleLabel(config.schedule);
  if (featureMapSize(config.arch, config.imageSize) < 1) {
    throw usageError(
      `architecture too large for ${config.imageSize}x${config.imageSize} images: kernel ${config.arch.kernelSize} and pool ${config.arch.poolSize} leave no feature map`,
    );
  }
  return config;
}

/** The given options of `command` that land in a run's configuration (commander leaves the others undefined). */
export function trainingOptions(opts: RawOptions, command: CommandName): RawOptions {
  const out: RawOptions = {};
  for (const [id, entry] of LANDING) if (entry.commands.includes(command) && opts[id] !== undefined) out[id] = opts[id];
  return out;
}

/** The defaults a command has of its own (verify: a short run). */
export function commandDefaults(command: CommandName): RawOptions {
  const out: RawOptions = {};
  for (const [id, entry] of ENTRIES) {
    const own = entry.per?.[command]?.default;
    if (own !== undefined) out[id] = own;
  }
  return out;
}

/**
 * What every cell of a campaign shares: the protocol and local options of a config file and the
 * flags (flags win). What varies per cell (schedules, seeds) and a file's notes are left out.
 */
export function campaignBase(file: RawOptions, flags: RawOptions): RawOptions {
  const merged = { ...file, ...flags };
  const out: RawOptions = {};
  for (const [id, entry] of LANDING) if (roleOf(entry) !== 'cell' && merged[id] !== undefined) out[id] = merged[id];
  return out;
}

/**
 * `lenet train --resume` continues with the run's saved configuration in the run's own folder:
 * the options that would change either are refused, naming them.
 */
export function refuseOnResume(opts: RawOptions): void {
  const given = ENTRIES.filter(([id, e]) => e.commands.includes('train') && !e.resume && opts[id] !== undefined && opts[id] !== false);
  const config = given.filter(([, e]) => roleOf(e) !== 'output').map(([, e]) => e.flag);
  if (config.length > 0) throw usageError(`--resume continues with the run's saved configuration; remove ${config.join(', ')}`);
  const output = given.filter(([, e]) => roleOf(e) === 'output').map(([, e]) => e.flag);
  if (output.length > 0) throw usageError(`--resume writes into the run's own folder; remove ${output.join(', ')}`);
}
