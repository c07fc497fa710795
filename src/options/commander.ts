/**
 * The commander options of every command, from the option table: one call per command. No
 * commander defaults and no commander choices: a config file may set a value, and every value
 * goes through the table's parser (one message format, from the flag or from a file). The default
 * and the valid values are written into each help line from the entry, never by hand.
 */
import { Command, Option } from 'commander';
import { NAMED_SCHEDULES } from './types';
import { configDefault, parseOptionValue } from './parse';
import { CommandName, OPTION_ENTRIES, OptionEntry, OptionId, Parser, TRAINING } from './table';

/** The table's entries a command takes, in table (= help) order. */
export function entriesOf(command: CommandName): [OptionId, OptionEntry][] {
  return (Object.entries(OPTION_ENTRIES) as [OptionId, OptionEntry][]).filter(([, e]) => e.commands.includes(command));
}

/** `tanh-relu (= relu,tanh,relu)`: a named schedule, with its layers where the name does not say them. */
function scheduleName(name: string): string {
  const layers = NAMED_SCHEDULES[name];
  return layers.every((a) => a === name) ? name : `${name} (= ${layers.join(',')})`;
}

/** The valid values a help line lists, or null. */
export function valuesText(p: Parser): string | null {
  if (p.kind === 'enum') return p.values.join(', ');
  if (p.kind === 'schedule-name') return p.values.map(scheduleName).join(', ');
  return null;
}

/** A default value as a person writes it on the command line. */
function showValue(value: unknown, p: Parser): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (p.kind === 'schedule-name') {
      const name = Object.keys(NAMED_SCHEDULES).find((n) => NAMED_SCHEDULES[n].every((a, i) => a === value[i]));
      if (name) return name;
    }
    return value.join(',');
  }
  return String(value);
}

/** The default an option shows in help and docs (`command`'s own where it has one): a value, or words for one. */
export function defaultShown(id: OptionId, command?: CommandName): { text: string; words: boolean } | undefined {
  const entry = OPTION_ENTRIES[id];
  if (entry.hideDefault) return undefined;
  const own = command ? entry.per?.[command] : undefined;
  const words = own?.defaultText ?? (own?.default === undefined ? entry.defaultText : undefined);
  if (words !== undefined) return { text: words, words: true };
  const value = own?.default ?? entry.default ?? (entry.lands !== undefined ? configDefault(entry.lands) : undefined);
  const text = showValue(value, entry.parse);
  return text === undefined ? undefined : { text, words: false };
}

/** The default as help writes it, or undefined. */
export function defaultText(id: OptionId, command?: CommandName): string | undefined {
  return defaultShown(id, command)?.text;
}

/** The help line an option has in one command (its own, where it has one). */
export function helpText(id: OptionId, command: CommandName): string {
  const entry = OPTION_ENTRIES[id];
  return entry.per?.[command]?.help ?? entry.help;
}

/** The help of an option for one command: its line, then the valid values and the default in parentheses. */
export function helpLine(id: OptionId, command: CommandName): string {
  const def = defaultText(id, command);
  const extra = [valuesText(OPTION_ENTRIES[id].parse), def !== undefined ? `default ${def}` : null].filter((x) => x !== null);
  return `${helpText(id, command)}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
}

/** `--lr <rate>`: the flag and its value's name, as commander and the docs write it. */
export function flagText(entry: OptionEntry): string {
  return entry.value ? `${entry.flag} ${entry.value}` : String(entry.flag);
}

/**
 * Adds every option of `command` from the table to commander's command, and checks every value
 * given before the command runs, with the option's parser. Options that a training command
 * resolves into a TrainConfig are left to resolveTrainConfig, which checks them in its own order
 * (after `--resume`'s refusals).
 */
export function addOptions(cmd: Command, command: CommandName): Command {
  const checked: [OptionId, OptionEntry][] = [];
  for (const [id, entry] of entriesOf(command)) {
    if (entry.flag === null) continue;
    const option = new Option(flagText(entry), helpLine(id, command));
    if (entry.parse.kind === 'list' || entry.parse.kind === 'vary')
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    cmd.addOption(option);
    if (entry.lands === undefined || !(TRAINING as readonly string[]).includes(command)) checked.push([id, entry]);
  }
  return cmd.hook('preAction', (_program, action) => {
    const opts = action.opts();
    for (const [id] of checked) if (opts[id] !== undefined) parseOptionValue(id, opts[id]);
  });
}
