import { StoreWriteError } from '../../../lambda/core/errors';
import { TABLE_SCHEMA } from '../../../lambda/core/table-schema';

/**
 * Items as rows of the local store, and back, so that an item reads back exactly as the DynamoDB
 * document client returns it: numbers as numbers, string sets as `Set<string>`, no undefined.
 *
 * The row keeps the item as plain JSON (readable by `sqlite3`, `jq` or DuckDB's sqlite extension):
 * a string set is stored as a JSON array, and the names of the attributes that are sets are kept
 * beside it (`sets`). Only top-level attributes are string sets in trailwatch's items (`findings`).
 * The TTL (`expiresAt`) is copied to its own column, so that reads filter on it without parsing.
 */

/** One row of the `items` table, in the order of its columns. */
export interface Row {
  readonly pk: string;
  readonly sk: string;
  /** JSON of the whole item (key attributes included), string sets as arrays. */
  readonly item: string;
  /** JSON array of the attributes that are string sets; null when there are none. */
  readonly sets: string | null;
  /** Epoch seconds after which reads skip the item; null: kept forever. */
  readonly expires: number | null;
}

/** A row as read back: the stored JSON and its set attributes. */
export interface StoredRow {
  readonly item: string;
  readonly sets: string | null;
}

/**
 * The TTL column of an item. DynamoDB's read filter (`attribute_not_exists(expiresAt) OR
 * expiresAt > :now`) hides an item whose `expiresAt` is present but not a number (the comparison
 * fails): 0 does the same here.
 */
export function expiresOf(item: Record<string, unknown>): number | null {
  const ttl = item[TABLE_SCHEMA.timeToLiveAttribute];
  if (ttl === undefined) return null;
  return typeof ttl === 'number' && Number.isFinite(ttl) ? ttl : 0;
}

/**
 * The row of an item.
 * @throws StoreWriteError naming `source` when its key attributes are not non-empty strings
 * (DynamoDB refuses such an item too)
 */
export function encodeItem(item: Record<string, unknown>, source: string): Row {
  const pk = item[TABLE_SCHEMA.partitionKey];
  const sk = item[TABLE_SCHEMA.sortKey];
  if (typeof pk !== 'string' || typeof sk !== 'string' || pk === '' || sk === '')
    throw new StoreWriteError('an item needs non-empty string keys (pk, sk)', source);
  let sets: string[] | undefined;
  for (const key in item)
    if (item[key] instanceof Set) {
      sets ??= [];
      sets.push(key);
    }
  let body = item;
  if (sets) {
    body = { ...item };
    for (const key of sets) body[key] = [...(item[key] as Set<unknown>)];
  }
  return {
    pk,
    sk,
    item: JSON.stringify(body),
    sets: sets ? JSON.stringify(sets) : null,
    expires: expiresOf(item),
  };
}

/** The item of a stored row, string sets as `Set<string>`. */
export function decodeItem(row: StoredRow): Record<string, unknown> {
  const item = JSON.parse(row.item) as Record<string, unknown>;
  if (row.sets !== null)
    for (const key of JSON.parse(row.sets) as string[]) {
      const values = item[key];
      if (Array.isArray(values)) item[key] = new Set(values);
    }
  return item;
}
