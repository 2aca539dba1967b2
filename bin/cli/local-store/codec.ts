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
 *
 * The index items of an event differ only in their key and kind (`buildItems`): the rest of their
 * JSON, the event's summary, is the same text, which the store keeps once for all of them
 * (./entries.ts). Such a row comes in two parts, `item` and `rest`; `encodeItems` gives consecutive
 * items with the same rest the same string, serialized once.
 */

/** The attributes that begin an item whose rest may be shared, in this order. */
export const OWN_ATTRIBUTES = [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey, 'kind'] as const;
/** How JSON.stringify writes them: `{"pk":`, `,"sk":`, `,"kind":`. */
const OWN_NAMES = OWN_ATTRIBUTES.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
/** The least length of a rest worth sharing (a row of its own). */
const MIN_SHARED_LENGTH = 128;

/** An item as a row of the store. */
export interface Row {
  readonly pk: string;
  readonly sk: string;
  /**
   * JSON of the whole item (key attributes included), string sets as arrays; or, with `rest`, its
   * first part: `{"pk":…,"sk":…,"kind":…,`.
   */
  readonly item: string;
  /** The rest of the JSON after `item` (the other attributes and the closing brace), which other items may share. */
  readonly rest?: string;
  /** JSON array of the attributes that are string sets; null when there are none. */
  readonly sets: string | null;
  /** Epoch seconds after which reads skip the item; null: kept forever. */
  readonly expires: number | null;
}

/** The whole JSON of a row. */
export function wholeJson(row: Row): string {
  return row.rest === undefined ? row.item : row.item + row.rest;
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
 * The row of an item; with `share`, in two parts when it has a rest to share (see `Row`).
 * @throws StoreWriteError naming `source` when its key attributes are not non-empty strings
 * (DynamoDB refuses such an item too)
 */
export function encodeItem(item: Record<string, unknown>, source: string, share = false): Row {
  const { pk, sk } = keysOf(item, source);
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
  const text = JSON.stringify(body);
  const own = share ? ownPart(item) : undefined;
  const split = own !== undefined && text.length - own.length >= MIN_SHARED_LENGTH && text.startsWith(own);
  return {
    pk,
    sk,
    item: split ? own : text,
    ...(split ? { rest: text.slice(own.length) } : {}),
    sets: sets ? JSON.stringify(sets) : null,
    expires: expiresOf(item),
  };
}

/**
 * The rows of items, as `encodeItem`; an item whose attributes after its own are those of the item
 * before (the same values, in the same order: an event's index items) gets that item's `rest`
 * without serializing it again.
 */
export function encodeItems(items: readonly Record<string, unknown>[], source: string): Row[] {
  let base: { item: Record<string, unknown>; names: string[]; row: Row } | undefined;
  return items.map((item) => {
    if (base && sameRest(item, base.item, base.names)) {
      const { pk, sk } = keysOf(item, source);
      return { ...base.row, pk, sk, item: ownPart(item) as string };
    }
    const row = encodeItem(item, source, true);
    base = row.rest === undefined ? undefined : { item, names: Object.keys(item), row };
    return row;
  });
}

function keysOf(item: Record<string, unknown>, source: string): { pk: string; sk: string } {
  const pk = item[TABLE_SCHEMA.partitionKey];
  const sk = item[TABLE_SCHEMA.sortKey];
  if (typeof pk !== 'string' || typeof sk !== 'string' || pk === '' || sk === '')
    throw new StoreWriteError('an item needs non-empty string keys (pk, sk)', source);
  return { pk, sk };
}

/**
 * `{"pk":…,"sk":…,"kind":…,` as JSON.stringify begins the item, when it begins with its own
 * attributes (`kind` a string); else undefined.
 */
function ownPart(item: Record<string, unknown>): string | undefined {
  const kind = item.kind;
  if (typeof kind !== 'string') return undefined;
  let i = 0;
  for (const key in item) {
    if (key !== OWN_ATTRIBUTES[i]) return undefined;
    if (++i === OWN_ATTRIBUTES.length) break;
  }
  if (i < OWN_ATTRIBUTES.length) return undefined;
  const [pk, sk] = OWN_ATTRIBUTES;
  return `${OWN_NAMES[0]}${JSON.stringify(item[pk])}${OWN_NAMES[1]}${JSON.stringify(item[sk])}${OWN_NAMES[2]}${JSON.stringify(kind)},`;
}

/**
 * Whether `item` has the attributes of `base` after the own ones, the same values (the same
 * objects: the same JSON), in the same order (`names`: base's).
 */
function sameRest(
  item: Record<string, unknown>,
  base: Record<string, unknown>,
  names: readonly string[],
): boolean {
  let i = 0;
  for (const key in item) {
    if (key !== names[i]) return false;
    if (i >= OWN_ATTRIBUTES.length && item[key] !== base[key]) return false;
    i++;
  }
  return i === names.length && typeof item.kind === 'string';
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
