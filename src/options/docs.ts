/**
 * docs/cli.md, generated from the option table and the program's commands (`npm run docs:cli`);
 * a test fails when the committed page differs from this.
 */
import { Command } from 'commander';
import { fileTypes } from './config-file';
import { defaultShown, entriesOf, flagText, helpText, valuesText } from './commander';
import { roleOf } from './resolve';
import { CommandName, COMMANDS, OPTION_ENTRIES, OptionEntry, OptionId, TRAINING } from './table';
import { TRAIN_CONFIG, TrainConfigKey } from './types';

/** A table cell: pipes escaped, lines joined. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => '`' + s + '`';
/** Text outside code spans: angle brackets are not HTML. */
const text = (s: string) => s.replace(/</g, '&lt;').replace(/>/g, '&gt;');

function defaultCell(id: OptionId, command: CommandName): string {
  const shown = defaultShown(id, command);
  if (shown === undefined) return '';
  return shown.words ? text(shown.text) : code(shown.text);
}

function meaning(id: OptionId, command: CommandName, e: OptionEntry): string {
  const values = valuesText(e.parse);
  const line = text(helpText(id, command)) + (values ? ` (one of ${values})` : '');
  return e.details ? `${line}. ${e.details}` : line;
}

function markdownTable(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

function commandSection(cmd: Command): string {
  const name = cmd.name() as CommandName;
  const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}]`));
  const lines = [
    `## lenet ${name}`,
    '',
    cmd.description(),
    '',
    '```',
    `lenet ${name} [options]${args.length ? ' ' + args.join(' ') : ''}`,
    '```',
    '',
  ];
  if (cmd.registeredArguments.length > 0) {
    lines.push(...cmd.registeredArguments.map((a) => `- ${code(a.name() + (a.variadic ? '...' : ''))}: ${a.description}`), '');
  }
  // The config-file key (and where the value lands in config.json) matters to the commands that train.
  const training = (TRAINING as readonly string[]).includes(name);
  const rows = entriesOf(name).map(([id, e]) => [
    code(flagText(e)),
    defaultCell(id, name),
    ...(training ? [fileKeyText(id, e)] : []),
    roleOf(e),
    meaning(id, name, e),
  ]);
  lines.push(markdownTable(['option', 'default', ...(training ? ['config key → config.json'] : []), 'role', 'meaning'], rows));
  if (name === 'train') {
    const allowed = entriesOf('train')
      .filter(([, e]) => e.resume)
      .map(([, e]) => code(String(e.flag)));
    lines.push('', `With ${code('--resume')} only ${allowed.join(', ')} may be given: every other option is refused, naming it.`);
  }
  return lines.join('\n');
}

/** `lr → learningRate`: the key a config file holds, and where it lands in config.json when that differs. */
function fileKeyText(id: OptionId, e: OptionEntry): string {
  if (e.file === undefined) return '';
  if (e.file !== true) return `single run: ${e.file.instead} in a campaign file`;
  return e.lands !== undefined && e.lands !== id ? `${code(id)} → ${code(e.lands)}` : code(id);
}

function configFileSection(): string {
  const rows = (Object.entries(OPTION_ENTRIES) as [OptionId, OptionEntry][])
    .filter(([, e]) => e.file === true)
    .map(([id, e]) => {
      const { types, items } = fileTypes(e.parse);
      return [
        code(id),
        types.map((t) => (t === 'array' ? `array of ${items}s` : t)).join(', '),
        e.flag ? code(e.flag) : '',
        e.lands ? code(e.lands) : '',
        roleOf(e),
      ];
    });
  const refused = (Object.entries(OPTION_ENTRIES) as [OptionId, OptionEntry][])
    .filter(([, e]) => e.file !== undefined && e.file !== true)
    .map(([id, e]) => `${code(id)} (use ${(e.file as { instead: string }).instead})`);
  return [
    '## Config files',
    '',
    `${code('lenet compare --config FILE.json')} and ${code('lenet sweep --config FILE.json')} read a JSON object of these keys (flags given on the command line override them). An unknown key or a wrong type is refused, naming the key; a single run's keys are refused with what to write instead: ${refused.join(', ')}.`,
    '',
    markdownTable(['key', 'JSON type', 'flag', 'in config.json', 'role'], rows),
  ].join('\n');
}

function protocolSection(): string {
  const keys = (role: string) =>
    (Object.keys(TRAIN_CONFIG) as TrainConfigKey[])
      .filter((k) => TRAIN_CONFIG[k].role === role)
      .map(code)
      .join(', ');
  return [
    '## Roles and the same protocol',
    '',
    `Each run writes its resolved configuration to ${code('config.json')}. Two runs are the same protocol (compare, sweep, merge and report put them side by side) when they have the same values of the ${code('protocol')} keys, ran on the same backend and the same engine (the backend and engine that ran, recorded in ${code('config.json')}; a run from before engines ran tfjs), and read the same data (by SHA-256):`,
    '',
    `- protocol: ${keys('protocol')}`,
    `- cell (varies from cell to cell of a campaign): ${keys('cell')}`,
    `- local (where and how it ran, not what it computed): ${keys('local')}`,
    '',
    `Other options are ${code('cell')} (what a campaign's cells vary), ${code('local')} (where and how it runs), ${code('input')} (what is read), ${code('output')} (where results go and what is printed) or ${code('note')} (a config file's comments).`,
  ].join('\n');
}

/** The whole page. */
export function cliReference(program: Command): string {
  const commands = COMMANDS.map((name) => program.commands.find((c) => c.name() === name)).filter((c): c is Command => c !== undefined);
  return (
    [
      '# lenet command line',
      '',
      '<!-- Generated by `npm run docs:cli` from src/options/table.ts and the commands; edit those, not this page. -->',
      '',
      program.description() + '.',
      '',
      'Every command prints `lenet: <one line>` on stderr and exits 2 for a usage error (bad flag, bad value, bad config file) or 1 for a runtime failure. Each option is declared once, in `src/options/table.ts`; its default, its config-file key and its role below come from there.',
      '',
      ...commands.map((c) => `- [lenet ${c.name()}](#lenet-${c.name()}): ${c.description()}`),
      '',
      ...commands.map((c) => commandSection(c) + '\n'),
      configFileSection(),
      '',
      protocolSection(),
    ].join('\n') + '\n'
  );
}
