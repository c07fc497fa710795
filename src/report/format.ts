/** Text helpers shared by the report writers: numbers, CSV cells, Markdown and HTML tables. */
import { csvCell, csvText } from '../rundir/csv';

/** CSV cells and text are rundir's (one writer for every CSV of lenet, formulas neutralised). */
export { csvCell, csvText };

/** A number with a fixed number of decimals; '' for null/undefined, 'n/a' for NaN (a diverged run), 'inf' spelled out. */
export function fixed(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined) return '';
  if (Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const s = x.toFixed(digits);
  return s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
}

/** A signed number: +0.0123 / -0.0123. */
export function signed(x: number, digits: number): string {
  const s = fixed(x, digits);
  return x >= 0 && !s.startsWith('-') ? `+${s}` : s;
}

/** "mean ± std" when there are several values, the mean alone for one: the one way tables show a spread over seeds. */
export function meanStd(v: { mean: number; std: number; n: number }, digits: number): string {
  if (v.n <= 1) return fixed(v.mean, digits);
  return `${fixed(v.mean, digits)} ± ${fixed(v.std, digits)}`;
}

/** An interval as "[−0.0200, −0.0046]" (signed ends). */
export function intervalText(ci: { low: number; high: number }, digits: number): string {
  return `[${signed(ci.low, digits)}, ${signed(ci.high, digits)}]`;
}

/**
 * A gap with its interval, the one way tables show a difference: "−0.0123 [−0.0200, −0.0046]";
 * "−0.0123 (CI n/a)" when there is no interval (`noCi` replaces that note, e.g. '' in a table with
 * no intervals at all); "best" for the row the gaps are measured to (null). `tag` is appended to an
 * interval to say how it was made when a table mixes methods (" (Welch)").
 */
export function gapText(
  gap: { diff: number; ci: { low: number; high: number } | null } | null,
  digits: number,
  tag = '',
  noCi = ' (CI n/a)',
): string {
  if (gap === null) return 'best';
  const d = signed(gap.diff, digits);
  return gap.ci ? `${d} ${intervalText(gap.ci, digits)}${tag}` : `${d}${noCi}`;
}

/** A p-value: "0.012", "< 0.001". */
export function pValueText(p: number): string {
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

/** A number for a CSV cell: full precision trimmed to 6 significant decimals, '' for null. */
export function csvNumber(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined) return '';
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toFixed(digits)));
}

/** Control characters (and Unicode's line and paragraph separators) as visible escapes: "\n", "\u001b". */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED_CONTROLS: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from a file or a user, made safe for one line of Markdown, in a table cell or a list item:
 * a line break or other control character is shown as an escape ("\n") instead of ending the row
 * (or sending a terminal an escape sequence when the table is printed), a pipe cannot end the cell,
 * and nothing can start raw HTML ("<script"), an autolink or a link ("](", "][") . Backslashes are
 * doubled so that the text reads back as it was. Plain text (numbers, names, "< 0.001",
 * "[+0.01, +0.02]") is left as it is.
 */
export function mdInline(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(CONTROL, (c) => `\\${NAMED_CONTROLS[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`}`)
    .replace(/\|/g, '\\|')
    .replace(/<(?=[A-Za-z/!?])/g, '\\<')
    .replace(/\]([([])/g, ']\\$1');
}

/** A Markdown pipe table; columns whose alignment is 'r' are right-aligned. Every cell goes through mdInline. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: string): string {
  const sep = header.map((_, i) => (align && align[i] === 'r' ? '---:' : '---'));
  const line = (cells: readonly string[]) => `| ${cells.map(mdInline).join(' | ')} |`;
  return [line(header), `| ${sep.join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An HTML table (escaped cells). */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[], align?: string): string {
  const cls = (i: number) => (align && align[i] === 'r' ? ' class="r"' : '');
  const head = `<tr>${header.map((h, i) => `<th${cls(i)}>${htmlEscape(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${htmlEscape(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
