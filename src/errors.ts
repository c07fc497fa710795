/**
 * The one error type the CLI turns into a message and an exit code.
 * exitCode 2 = usage error (bad flag, bad config), 1 = runtime failure (bad data file, I/O).
 */
export class LenetError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(message);
    this.name = 'LenetError';
    this.exitCode = exitCode;
  }
}

/** A usage error: exit code 2. */
export function usageError(message: string): LenetError {
  return new LenetError(message, 2);
}

/** A runtime failure: exit code 1. */
export function runtimeError(message: string): LenetError {
  return new LenetError(message, 1);
}

/**
 * A message as one line: every control character it carries — from a path, a file name, an option
 * value or a file's contents — is shown escaped as JSON writes it (`\n`, `\r`, `\t`, `\u001b`), so a
 * newline in `--out` or an ANSI sequence in a file name can neither break the line nor drive the
 * terminal. C0 and C1 controls, DEL and the Unicode line and paragraph separators are escaped;
 * everything else, backslashes included, is shown as it is.
 */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** What lenet prints on stderr for a message: `lenet: <one line>` and a newline. */
export function messageLine(message: string): string {
  return `lenet: ${oneLine(message)}\n`;
}

/**
 * The one way lenet writes a message on stderr: `lenet: <one line>` (messageLine). Every warning,
 * note and error goes through here (test/stderr-lint.test.ts holds src/ to it), so a folder name
 * with a newline or an escape sequence in a file can neither split a message nor drive the terminal.
 */
export function printMessage(message: string): void {
  process.stderr.write(messageLine(message));
}

/** A line on stderr that is not a message (a progress line), made one line the same way. */
export function printLine(line: string): void {
  process.stderr.write(`${oneLine(line)}\n`);
}

/**
 * What an error says, as one message: a LenetError's whole message (it may name a folder whose
 * name holds a newline: messageLine shows that escaped), anything else's first line (a bug or a
 * library's error; LENET_DEBUG shows the rest). The CLI, a --jobs worker and the pool all use it.
 */
export function errorText(err: unknown): string {
  if (err instanceof LenetError) return err.message;
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/**
 * The one way lenet writes results on stdout: each of `lines` is one line (a string alone is one
 * line), every control character in it shown escaped as oneLine does, so a folder or file name
 * with a newline or an escape sequence can neither add a line to a result nor drive the terminal.
 * Text whose line breaks are its own (a table lenet wrote) is passed as text.split('\n').
 */
export function printResult(lines: string | readonly string[]): void {
  process.stdout.write((typeof lines === 'string' ? [lines] : lines).map((l) => `${oneLine(l)}\n`).join(''));
}

/** A result as JSON on stdout (--json): JSON.stringify escapes every control character in a string. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Text meant to span lines (commander's help, LENET_DEBUG's stack), each line made safe by oneLine. */
export function printLines(text: string): void {
  process.stderr.write(
    text
      .split('\n')
      .map((l) => oneLine(l))
      .join('\n'),
  );
}
