import { padToWidth, sliceToWidth, textWidth } from './text-width';

/**
 * Tables that fit the terminal. Without a width (stdout is not a terminal and COLUMNS is unset, or
 * `--wide`), every cell is printed in full. With one, when the cells' natural widths do not fit:
 * 1. columns are left out, the least useful first (those with nothing to say, every cell `-`; then
 *    the lowest `priority`; on a tie the rightmost), until
 *    the others fit at their narrowest (`min`, or for a `keep` column its shortest whole form); then
 *    a column left out comes back if it fits without narrowing a more useful one;
 * 2. the columns shown are narrowed, the least useful first, each down to its narrowest, until the
 *    table fits; rather than cut a column below its natural width, those with nothing to say are
 *    left out;
 * 3. a cell wider than its column takes the first of its shorter forms that fits (whole IDs of a
 *    list and a count of the others; a principal without its role), else is cut with `…`, except in a
 *    `keep` column (IDs, fingerprints, IP addresses): those are never cut;
 * 4. each column is narrowed to what its cells then take, and the room that leaves goes to the
 *    columns left out, then to those cut short, the most useful first.
 * Cells are clean text (see `clean` in output.ts): this module only measures and pads them.
 */

/** How a column gives way when the table is too wide. */
export interface ColumnFit {
  readonly header: string;
  /** Higher is more useful: the lowest gives way first. */
  readonly priority: number;
  /** The narrowest the column is cut to before it is left out (at least its header). @default the header's width */
  readonly min?: number;
  /** Never cut with `…`: shown whole or in one of its shorter forms, or left out. */
  readonly keep?: boolean;
}

/** One cell: its full text, and shorter forms of it, most telling first. */
export interface Cell {
  readonly text: string;
  readonly shorter?: readonly string[];
}

export interface FittedTable {
  /** The header line and a line per row, trailing spaces trimmed. */
  readonly lines: string[];
  /** The headers of the columns left out. */
  readonly dropped: string[];
  /** Some cell is shown shortened or cut. */
  readonly shortened: boolean;
}

const GAP = 2;
/** What a cell holds when it has nothing to say. */
const EMPTY: ReadonlySet<string> = new Set(['', '-']);

/** Lays out `rows` (a cell per column) in `width` terminal columns, or in full without a width. */
export function fitTable(
  columns: readonly ColumnFit[],
  rows: readonly (readonly Cell[])[],
  width?: number,
): FittedTable {
  const natural = columns.map((c, i) =>
    Math.max(textWidth(c.header), ...rows.map((r) => textWidth(r[i]?.text ?? ''))),
  );
  const floor = columns.map((c, i) => floorOf(c, i, rows, natural[i] ?? 0));
  const empty = columns.map((_, i) => rows.every((r) => EMPTY.has(r[i]?.text ?? '')));
  const widths: (number | undefined)[] =
    width === undefined ? [...natural] : narrowed(columns, { natural, floor, empty }, width);
  const shown: (FittedCell[] | undefined)[] = columns.map((c, i) => fitColumn(c, i, rows, widths[i]));
  if (width !== undefined) fillRoomLeft(columns, rows, { natural, floor, empty, widths, shown }, width);
  const lines = [-1, ...rows.keys()].map((r) =>
    shown
      .flatMap((cells, i) => (cells ? [padToWidth(cells[r + 1]?.text ?? '', widths[i] ?? 0)] : []))
      .join(' '.repeat(GAP))
      .trimEnd(),
  );
  return {
    lines,
    dropped: columns.filter((_, i) => !shown[i]).map((c) => c.header),
    shortened: shown.some((cells) => cells?.some((c) => c.shortened)),
  };
}

interface FittedCell {
  readonly text: string;
  readonly shortened: boolean;
}

/** The header and cells of a column shown `width` wide, unpadded (undefined: left out). */
function fitColumn(
  c: ColumnFit,
  i: number,
  rows: readonly (readonly Cell[])[],
  width: number | undefined,
): FittedCell[] | undefined {
  if (width === undefined) return undefined;
  return [
    { text: c.header, shortened: false },
    ...rows.map((r) => fitCell(r[i] ?? { text: '' }, width, c.keep === true)),
  ];
}

/**
 * Sets each column's width to what its cells take; then hands the room that leaves out, the most
 * useful column first (those with nothing to say last): to the columns left out, at their floor, then
 * to the columns cut short, up to their full width.
 */
function fillRoomLeft(
  columns: readonly ColumnFit[],
  rows: readonly (readonly Cell[])[],
  t: {
    natural: readonly number[];
    floor: readonly number[];
    empty: readonly boolean[];
    widths: (number | undefined)[];
    shown: (FittedCell[] | undefined)[];
  },
  width: number,
): void {
  // a shorter form can leave a column wider than its cells
  const refit = (i: number, w: number): void => {
    const cells = fitColumn(columns[i] as ColumnFit, i, rows, w);
    t.shown[i] = cells;
    t.widths[i] = cells ? Math.max(...cells.map((c) => textWidth(c.text))) : undefined;
  };
  columns.forEach((_, i) => {
    const w = t.widths[i];
    if (w !== undefined) refit(i, w);
  });
  const room = (): number => {
    const ws = t.widths.filter((w, i) => w !== undefined && t.shown[i]) as number[];
    return width - ws.reduce((a, b) => a + b, 0) - GAP * Math.max(0, ws.length - 1);
  };
  const order = columns
    .map((c, i) => ({ p: t.empty[i] ? Number.NEGATIVE_INFINITY : c.priority, i }))
    .sort((a, b) => b.p - a.p || a.i - b.i)
    .map((o) => o.i);
  // first the columns left out, at their floor (a whole column tells more than a longer cell) …
  for (const i of order) if (!t.shown[i] && room() - GAP >= (t.floor[i] ?? 0)) refit(i, t.floor[i] ?? 0);
  // … then the columns cut short, up to their full width
  for (const i of order) {
    const w = t.widths[i];
    const natural = t.natural[i] ?? 0;
    if (w !== undefined && t.shown[i] && w < natural && room() > 0) refit(i, Math.min(natural, w + room()));
  }
}

/** How wide the shortest form of a cell may make its column's floor, in a column that may cut it. */
const WHOLE_SHORT_FORM = 32;

/**
 * The narrowest a column gets: a keep column, its widest shortest form; another, its `min`, or
 * its widest shortest form up to 32 columns (a principal's session name, e.g. an e-mail, stays whole).
 */
function floorOf(c: ColumnFit, i: number, rows: readonly (readonly Cell[])[], natural: number): number {
  const header = textWidth(c.header);
  const shortest = (cell: Cell | undefined): number =>
    Math.min(...[cell?.text ?? '', ...(cell?.shorter ?? [])].map(textWidth));
  const widestShortest = Math.max(header, ...rows.map((r) => shortest(r[i])));
  if (c.keep) return widestShortest;
  const shortForms = rows.some((r) => (r[i]?.shorter?.length ?? 0) > 0);
  const min = Math.max(header, c.min ?? header, shortForms ? Math.min(WHOLE_SHORT_FORM, widestShortest) : 0);
  return Math.min(natural, min);
}

/** The width of each column shown in `width` columns (undefined: left out). */
function narrowed(
  columns: readonly ColumnFit[],
  t: { natural: readonly number[]; floor: readonly number[]; empty: readonly boolean[] },
  width: number,
): (number | undefined)[] {
  const { natural, floor, empty } = t;
  // the order in which columns give way: those with nothing to say (every cell `-`), then the lowest
  // priority first, on a tie the rightmost
  const order = columns
    .map((c, i) => ({ p: empty[i] ? Number.NEGATIVE_INFINITY : c.priority, i }))
    .sort((a, b) => a.p - b.p || b.i - a.i)
    .map((o) => o.i);
  const shown = columns.map(() => true);
  const total = (w: readonly number[]): number => {
    const ws = w.filter((_, i) => shown[i]);
    return ws.reduce((a, b) => a + b, 0) + GAP * Math.max(0, ws.length - 1);
  };
  for (const i of order) {
    if (total(floor) <= width || shown.filter(Boolean).length === 1) break;
    shown[i] = false;
  }
  // a column left out comes back when it fits without narrowing a more useful one
  for (const i of [...order].reverse()) {
    if (shown[i]) continue;
    const rank = order.indexOf(i);
    shown[i] = true;
    const needed = natural.map((n, j) => (order.indexOf(j) > rank ? n : (floor[j] ?? 0)));
    if (total(needed) > width) shown[i] = false;
  }
  const shrink = (): number[] => {
    const widths = [...natural];
    let excess = total(widths) - width;
    for (const i of order) {
      if (excess <= 0) break;
      if (!shown[i]) continue;
      const give = Math.min(excess, (widths[i] ?? 0) - (floor[i] ?? 0));
      widths[i] = (widths[i] ?? 0) - give;
      excess -= give;
    }
    return widths;
  };
  let widths = shrink();
  // rather than cut a column that has something to say, leave out one that has not (all `-`)
  const cut = (): boolean => widths.some((w, i) => shown[i] && !empty[i] && w < (natural[i] ?? 0));
  for (const i of order) {
    if (!cut()) break;
    if (!shown[i] || !empty[i]) continue;
    shown[i] = false;
    widths = shrink();
  }
  return widths.map((w, i) => (shown[i] ? w : undefined));
}

/** A cell in `width` columns: whole, a shorter form, or (unless `keep`) cut with `…`. */
function fitCell(cell: Cell, width: number, keep: boolean): FittedCell {
  if (textWidth(cell.text) <= width) return { text: cell.text, shortened: false };
  const form = cell.shorter?.find((s) => textWidth(s) <= width);
  if (form !== undefined) return { text: form, shortened: true };
  if (keep) return { text: cell.text, shortened: false };
  // the shortest form is the most telling part (a principal's session name): cut that
  const base = cell.shorter?.at(-1) ?? cell.text;
  return { text: `${sliceToWidth(base, Math.max(0, width - 1))}…`, shortened: true };
}

/** `text` broken at spaces into lines of at most `width` columns (a longer word stays whole). */
export function wrapText(text: string, width: number | undefined): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .map((paragraph) => {
      const lines: string[] = [];
      let current = '';
      for (const word of paragraph.split(' ')) {
        const next = current === '' ? word : `${current} ${word}`;
        if (current !== '' && textWidth(next) > width) {
          lines.push(current);
          current = word;
        } else current = next;
      }
      lines.push(current);
      return lines.join('\n');
    })
    .join('\n');
}

/** A column of a table of `T`s: what each cell shows, and how the column gives way. */
export interface Column<T> extends ColumnFit {
  /** The cell's full text (made clean for the terminal by the renderer). */
  readonly value: (row: T) => string;
  /** The cell with `--wide`, when other than `value` (a principal's full ARN). */
  readonly wide?: (row: T) => string;
  /** Shorter forms of the cell, most telling first, tried before cutting it. */
  readonly shorter?: (row: T) => readonly string[];
}

/**
 * A list of IDs as one cell: all of them (and `+N` for those the event names beyond the ones kept),
 * and shorter forms with fewer whole IDs and the count of the others: `i-0a…,vol-0b… +3`, `i-0a… +4`.
 */
export function listCell(
  items: readonly string[],
  total = items.length,
): { text: string; shorter: string[] } {
  const more = (shown: number): string => (total > shown ? ` +${total - shown}` : '');
  if (items.length === 0) return { text: total > 0 ? `+${total}` : '-', shorter: [] };
  const shorter: string[] = [];
  for (let k = items.length - 1; k >= 1; k--) shorter.push(`${items.slice(0, k).join(',')}${more(k)}`);
  return { text: `${items.join(',')}${more(items.length)}`, shorter };
}
