import { INDEXES } from '../../lambda/core/indexes';
import { dynamoItemSize, type TableItem } from '../../lambda/core/items';

/** Write units as DynamoDB bills them: one per started KB of each item written (`dynamoItemSize`). */

/** The index kinds trailwatch had before issue 12. */
export const ORIGINAL_INDEX_KINDS: ReadonlySet<string> = new Set(['instance', 'user', 'resource', 'key']);
const INDEX_KINDS: ReadonlySet<string> = new Set(INDEXES.map((i) => i.kind));

/**
 * Write units of `items`; with `kinds`, the index items of the other indexes (of the registry,
 * `INDEXES`) are left out, as if only those indexes existed: event items and anything else count.
 */
export function writeUnits(items: Iterable<TableItem>, kinds?: ReadonlySet<string>): number {
  let units = 0;
  for (const item of items) {
    if (kinds && INDEX_KINDS.has(item.kind) && !kinds.has(item.kind)) continue;
    units += Math.ceil(dynamoItemSize(item) / 1024);
  }
  return units;
}
