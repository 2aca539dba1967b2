import type { IndexedEvent } from './event';
import type { FindingStore } from './findings';
import { principalName } from './identity';
import { EVENT_FIELD_ORDER, findingList, keys, RECORD_HASH_ATTRIBUTE, type TableItem } from './items';
import { bound, boundOpt, LIMITS } from './limits';
import { TABLE_SCHEMA } from './table-schema';

/**
 * An event is written once. Its event item is created only if absent; a later record with the same
 * eventID is a copy when its content hash (`recordHash`) is the event item's, and a conflict
 * otherwise: it is not written (neither its event item nor its index items), and a conflict item
 * records it in the event's partition, where `trailwatch event ID` shows it.
 *
 * | item     | pk                | sk                  |
 * | -------- | ----------------- | ------------------- |
 * | conflict | `EVENT#<eventID>` | `CONFLICT#<hash>`   |
 *
 * One conflict item per distinct conflicting record (its hash), written once: only the write that
 * creates it counts in the `EventConflicts` metric.
 */

export const CONFLICT_SK_PREFIX = 'CONFLICT#';

/** What a conflict item holds (what `trailwatch event` prints). */
export interface EventConflict {
  readonly eventID: string;
  /** The content hash of the conflicting record. */
  readonly recordHash: string;
  /** The file that holds the conflicting record. */
  readonly source?: string;
  /** When the conflict was first recorded (ISO 8601). */
  readonly detectedAt: string;
  /** What the conflicting record claims. */
  readonly eventTime: string;
  readonly eventName: string;
  readonly principalArn: string;
  readonly sourceIPAddress?: string;
  readonly errorCode?: string;
  /** The content hash of the indexed record (absent when it was written before hashes were kept). */
  readonly originalHash?: string;
  /** The file of the indexed record. */
  readonly originalSource?: string;
}

/** A store that can create an item only if absent, and say what is there otherwise. */
export interface EventItemWriter {
  /**
   * Writes the item unless an item with its key exists; otherwise returns that item, read strongly
   * consistent. A write whose answer was lost and that is retried finds its own item: same content.
   */
  createItem(
    item: TableItem,
  ): Promise<
    { readonly created: true } | { readonly created: false; readonly existing: Record<string, unknown> }
  >;
}

/** The outcome of writing one event's event item. */
export type EventWrite =
  /** Newly written. */
  | { readonly kind: 'created' }
  /**
   * The same record was written before (a redelivery, a duplicate, a retried write): index items
   * follow. `findings`: the rules its event item lists.
   */
  | {
      readonly kind: 'identical';
      readonly expiresAt: number | undefined;
      readonly findings: readonly string[];
    }
  /** Another record holds the eventID: nothing of this one is written. */
  | { readonly kind: 'conflict'; readonly conflict: EventConflict; readonly recorded: boolean };

/**
 * What identifies a call, compared for event items written before content hashes were kept (their
 * IDs are not compared: the bounds on IDs changed since).
 */
/** The fields of an event summary that are not its identity, IDs, findings or file. */
const NOT_COMPARED: ReadonlySet<string> = new Set([
  'eventID',
  'instanceIds',
  'instanceCount',
  'resourceIds',
  'resourceCount',
  'idsTruncated',
  'findings',
  'source',
]);
const LEGACY_COMPARED = EVENT_FIELD_ORDER.filter((k) => !NOT_COMPARED.has(k));

/** Whether an existing event item holds the record of `candidate` (an event item built from it). */
export function sameRecord(existing: Readonly<Record<string, unknown>>, candidate: TableItem): boolean {
  const hash = existing[RECORD_HASH_ATTRIBUTE];
  if (typeof hash === 'string') return hash === candidate[RECORD_HASH_ATTRIBUTE];
  return LEGACY_COMPARED.every((k) => deepEqual(existing[k], candidate[k]));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The conflict item of a record (`event`, hash `hash`) that reuses the eventID of `existing`. */
export function conflictItem(
  event: IndexedEvent,
  hash: string,
  existing: Readonly<Record<string, unknown>>,
  nowMs: number,
  expiresAt?: number,
): TableItem {
  const originalHash = existing[RECORD_HASH_ATTRIBUTE];
  const originalSource = existing.source;
  const item: Record<string, unknown> = {
    pk: keys.event(event.eventID),
    sk: `${CONFLICT_SK_PREFIX}${hash}`,
    kind: 'conflict',
    recordHash: hash,
    detectedAt: new Date(nowMs).toISOString(),
    eventTime: event.eventTime,
    eventName: event.eventName,
    principalArn: bound(principalName(event.principal), LIMITS.arn),
  };
  if (event.source !== undefined) item.source = event.source;
  if (event.sourceIPAddress !== undefined) item.sourceIPAddress = event.sourceIPAddress;
  if (event.errorCode !== undefined) item.errorCode = event.errorCode;
  if (typeof originalHash === 'string') item.originalHash = bound(originalHash, 64);
  if (typeof originalSource === 'string') item.originalSource = boundOpt(originalSource, LIMITS.source);
  if (expiresAt !== undefined) item[TABLE_SCHEMA.timeToLiveAttribute] = expiresAt;
  return item as TableItem;
}

export function isConflictItem(item: Readonly<Record<string, unknown>>): boolean {
  return String(item[TABLE_SCHEMA.sortKey] ?? '').startsWith(CONFLICT_SK_PREFIX);
}

const NOT_COPIED = new Set([
  TABLE_SCHEMA.partitionKey,
  TABLE_SCHEMA.sortKey,
  'kind',
  TABLE_SCHEMA.timeToLiveAttribute,
  TABLE_SCHEMA.writeIdAttribute,
]);

export function itemToConflict(item: Readonly<Record<string, unknown>>): EventConflict {
  const pk = String(item[TABLE_SCHEMA.partitionKey] ?? '');
  const out: Record<string, unknown> = { eventID: pk.slice(pk.indexOf('#') + 1) };
  for (const [k, v] of Object.entries(item)) if (!NOT_COPIED.has(k)) out[k] = v;
  return out as unknown as EventConflict;
}

const CREATED: EventWrite = { kind: 'created' };

/**
 * Writes an event item unless its eventID is taken. A copy of the same record is `identical` (its
 * TTL is the stored one, so that the event's index items expire with it); another record is a
 * conflict, recorded once.
 */
export async function writeEventItem(
  store: EventItemWriter & Pick<FindingStore, 'putItemIfAbsent'>,
  eventItem: TableItem,
  event: IndexedEvent,
  nowMs: number,
  expiresAt?: number,
): Promise<EventWrite> {
  const outcome = await store.createItem(eventItem);
  if (outcome.created) return CREATED;
  const { existing } = outcome;
  if (sameRecord(existing, eventItem)) {
    const ttl = existing[TABLE_SCHEMA.timeToLiveAttribute];
    return {
      kind: 'identical',
      expiresAt: typeof ttl === 'number' ? ttl : undefined,
      findings: findingList(existing.findings),
    };
  }
  const item = conflictItem(
    event,
    String(eventItem[RECORD_HASH_ATTRIBUTE] ?? ''),
    existing,
    nowMs,
    expiresAt,
  );
  const recorded = await store.putItemIfAbsent(item);
  return { kind: 'conflict', conflict: itemToConflict(item), recorded };
}
