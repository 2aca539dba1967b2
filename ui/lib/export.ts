/**
 * What the page exports: NDJSON (the API's lines as they are) and CSV (one column per chosen field).
 * Pure (no DOM): test/unit/ui-export.test.ts runs it under Node.
 */

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

/** One line of JSON per row, each ended by a newline. */
export function toNdjson(rows: readonly unknown[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"): such a cell gets a
 * leading `'` and quotes, so that it is shown as the text it is and never evaluated. A text that begins
 * with `'` itself gets one too: a spreadsheet takes the first `'` as the text marker, so `'@` must be
 * written `''@` to read back as `'@` rather than `@`.
 */
const FORMULA_START = /^[=+\-@\t\r']/;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cellText).join('; ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One CSV cell (RFC 4180 quoting), neutralised against formula injection. */
export function csvCell(value: unknown): string {
  let text = cellText(value);
  const formula = FORMULA_START.test(text);
  if (formula) text = `'${text}`;
  if (formula || /[",\r\n]/.test(text)) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** A header line and one line per row, CRLF-terminated (RFC 4180). */
export function toCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name of safe characters only: `trailwatch-<view>-<what>.<ext>`. */
export function exportName(view: string, what: string, ext: 'ndjson' | 'csv'): string {
  const safe = `${view}-${what}`
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
  return `trailwatch-${safe}.${ext}`;
}
