import { download } from '../lib/download';
import { type Column, exportName, toCsv, toNdjson } from '../lib/export';

interface Props<T> {
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  /** What is exported, for the labels (`events`). */
  readonly what: string;
  /** File name parts: `trailwatch-<view>-<id>`. */
  readonly view: string;
  readonly id: string;
}

/** Saves what a table shows, as NDJSON (every key of every line) or CSV. */
export function ExportButtons<T>({ rows, columns, what, view, id }: Props<T>) {
  const disabled = rows.length === 0;
  return (
    <div class="tw-export">
      <button
        type="button"
        disabled={disabled}
        aria-label={`Export ${what} as NDJSON`}
        onClick={() => download(toNdjson(rows), exportName(view, id, 'ndjson'), 'application/x-ndjson')}
      >
        NDJSON
      </button>
      <button
        type="button"
        disabled={disabled}
        aria-label={`Export ${what} as CSV`}
        onClick={() => download(toCsv(rows, columns), exportName(view, id, 'csv'), 'text/csv')}
      >
        CSV
      </button>
    </div>
  );
}
