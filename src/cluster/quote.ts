import { usageError } from '../errors';

/**
 * The one way lenet writes a value into a shell command: every word of the batch scripts of
 * `--submit slurm` and every command lenet prints for the user to paste (resume, rerun, merge).
 * The words are for bash (the scripts start with #!/bin/bash) and read the same in zsh.
 *
 * - A word of plain characters stays as it is: `--grid=relu,tanh`, `/shared/runs/s1`.
 * - Anything else is single-quoted (`'it'\''s'`): nothing inside is expanded, no `$( )`,
 *   backquote, `;`, glob or `~`.
 * - A word holding a character a terminal or editor does not show as itself (newline, tab, any
 *   other control character, DEL, the C1 controls, Unicode line separators and bidirectional
 *   controls) is written in bash's ANSI-C form, `$'a\nb'`, as `printf %q` does: the word stays on
 *   one line, so a value can never end a comment or a line and start a command of its own, and a
 *   printed command looks like what it runs.
 */
export function shellQuote(word: string): string {
  if (PLAIN.test(word)) return word;
  const bad = unwritable(word);
  if (bad) throw usageError(`cannot write ${JSON.stringify(word)} into a shell command: it holds ${bad}`);
  if (!UNSEEN.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const ch of word) {
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (ch in C_ESCAPES) out += C_ESCAPES[ch];
    else if (UNSEEN.test(ch)) for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/**
 * A value for a generated script, quoted by shellQuote, or a usage error naming it (`what`) when
 * the script could not hold it faithfully. Node reads a folder name or argument whose bytes are
 * not valid UTF-8 as U+FFFD, so such a path written back names another folder: refused, as is
 * anything shellQuote refuses.
 */
export function scriptWord(value: string, what: string): string {
  const bad = unwritable(value) ?? (value.includes('\ufffd') ? 'bytes that are not valid UTF-8 (read as U+FFFD)' : null);
  if (bad) {
    throw usageError(`${what} ${JSON.stringify(value)} holds ${bad}: lenet cannot write it into a batch script faithfully`);
  }
  return shellQuote(value);
}

/** Characters no shell needs quoted (a leading = is zsh's path expansion, so not plain). */
const PLAIN = /^[A-Za-z0-9_./:@%+,-][A-Za-z0-9_./:=@%+,-]*$/;

/** Characters shown as something else or nothing: C0 and C1 controls, DEL, soft hyphen, zero-width and bidirectional controls, line and paragraph separators, BOM. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSEEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/u;

const C_ESCAPES: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** What no shell word can hold: a NUL byte ends a C string; an unpaired surrogate has no UTF-8 form. */
function unwritable(s: string): string | null {
  if (s.includes('\u0000')) return 'a NUL character';
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) return 'an unpaired UTF-16 surrogate';
  return null;
}
