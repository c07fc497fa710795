/**
 * CSV text: the one way every CSV file of lenet is written (epochs.csv, summary.csv,
 * comparison.csv, sweep.csv, confusion*.csv). Cells are quoted as RFC 4180 says, and every cell
 * that is text goes through OWASP's rule against CSV injection, because labels, names and paths
 * come from files a user can change (a schedule "=HYPERLINK(…)" in a summary.json must reach a
 * spreadsheet as text, not as a formula). Numbers stay numbers.
 */

/** A number as lenet writes it: JavaScript's own form (1e-7, -0.0003) and NaN, Infinity, -Infinity. */
const NUMBER = /^(?:-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|Infinity|-Infinity)$/;

/**
 * What makes a spreadsheet read a cell as a formula (OWASP): a leading =, +, -, @, tab or carriage
 * return. Also caught: the same signs after leading blanks or control characters (some programs
 * skip those), and their full-width forms (＝ ＋ － ＠, which some input methods turn into formulas).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const FORMULA = /^(?:[\t\r]|[\s\u0000-\u001f\u007f-\u009f\u200b\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20])/;

/** Cells that must be quoted: a separator (a comma, or the semicolon of some locales), a quote, a line break or a tab. */
const NEEDS_QUOTES = /[",;\r\n\t]/;

/**
 * One CSV cell. A number (or a string that is one, as the number formatters give) is written as
 * is; text that a spreadsheet would take for a formula gets a leading single quote, and text is
 * quoted when it holds a separator, a quote, a line break, a tab, or was neutralised.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = String(value);
  if (NUMBER.test(text)) return text;
  const formula = FORMULA.test(text);
  if (formula) text = `'${text}`;
  return formula || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (no line end). */
export function csvLine(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',');
}

/** CSV text from a header and rows: LF line ends, a trailing newline. */
export function csvText(header: readonly unknown[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map(csvLine).join('\n') + '\n';
}
