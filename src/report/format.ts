/** Text helpers shared by the report writers: numbers, CSV cells, Markdown and HTML tables. */

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

/** One CSV cell: quoted when it holds a comma, quote or newline. */
export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text from a header and rows (LF line ends, trailing newline). */
export function csvText(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** A number for a CSV cell: full precision trimmed to 6 significant decimals, '' for null. */
export function csvNumber(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined) return '';
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toFixed(digits)));
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A Markdown pipe table; columns whose alignment is 'r' are right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: string): string {
  const sep = header.map((_, i) => (align && align[i] === 'r' ? '---:' : '---'));
  const line = (cells: readonly string[]) => `| ${cells.map(mdEscape).join(' | ')} |`;
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
