import { type FindingLine, itemToFinding } from '../../lambda/core/findings';
import { keys } from '../../lambda/core/items';
import type { QueryOptions, QueryPage } from '../../lambda/store/event-store';

/**
 * Findings newest first from one or more finding partitions (`FINDINGS`, or some `FINDINGS#<rule>`),
 * merged in the order of the `FINDINGS` partition, kept or not by a filter, read page by page until
 * `limit` lines are found: a selective filter reads on, rather than answering fewer lines than there are.
 */

export interface FindingsRead {
  /** `FINDINGS`, or `FINDINGS#<rule>` of each rule wanted. */
  readonly partitions: readonly string[];
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit: number;
  readonly nowMs: number;
  /** Lines to keep. @default all */
  readonly keep?: (line: FindingLine) => boolean;
}

/** One page of a partition, newest first (`TrailStore.queryPage`). */
export type PageReader = (pk: string, options: QueryOptions) => Promise<QueryPage>;

/** Items read per page when a filter may drop many (DynamoDB stops at 1 MB anyway). */
const FILTERED_PAGE = 1000;

/** Where an item of a finding falls among all findings: the sort key its `FINDINGS` item has. */
function order(item: Readonly<Record<string, unknown>>): string {
  const sk = String(item.sk);
  return item.pk === keys.findings() ? sk : `${sk}#${String(item.rule)}`;
}

class Cursor {
  private items: Record<string, unknown>[] = [];
  private at = 0;
  private nextKey: Record<string, unknown> | undefined;
  private started = false;

  constructor(
    private readonly pk: string,
    private readonly read: PageReader,
    private readonly options: QueryOptions,
  ) {}

  /** The next item, read when needed; undefined at the end. */
  async head(): Promise<Record<string, unknown> | undefined> {
    while (this.at >= this.items.length && (!this.started || this.nextKey)) {
      const page = await this.read(this.pk, {
        ...this.options,
        ...(this.nextKey ? { startKey: this.nextKey } : {}),
      });
      this.started = true;
      this.items = page.items;
      this.at = 0;
      this.nextKey = page.nextKey;
    }
    return this.items[this.at];
  }

  advance(): void {
    this.at++;
  }
}

/** Up to `limit` finding lines, newest first; `more` when at least one more would follow. */
export async function readFindings(
  read: PageReader,
  query: FindingsRead,
): Promise<{ lines: FindingLine[]; more: boolean }> {
  const pageSize = query.keep ? FILTERED_PAGE : Math.min(query.limit + 1, FILTERED_PAGE);
  const options: QueryOptions = {
    ...(query.sinceMs !== undefined ? { sinceMs: query.sinceMs } : {}),
    ...(query.untilMs !== undefined ? { untilMs: query.untilMs } : {}),
    nowMs: query.nowMs,
    limit: pageSize,
  };
  const cursors = query.partitions.map((pk) => new Cursor(pk, read, options));
  // the first page of every partition at once (a severity reads a partition per rule)
  await Promise.all(cursors.map((c) => c.head()));
  const lines: FindingLine[] = [];
  for (;;) {
    let newest: { cursor: Cursor; item: Record<string, unknown>; order: string } | undefined;
    for (const cursor of cursors) {
      const item = await cursor.head();
      if (item && (!newest || order(item) > newest.order)) newest = { cursor, item, order: order(item) };
    }
    if (!newest) return { lines, more: false };
    newest.cursor.advance();
    const line = itemToFinding(newest.item);
    if (query.keep && !query.keep(line)) continue;
    if (lines.length === query.limit) return { lines, more: true };
    lines.push(line);
  }
}
