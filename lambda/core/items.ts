import type { IndexedEvent } from './event';
import { principalLookupKeys } from './identity';
import { bound, LIMITS } from './limits';
import { TABLE_SCHEMA } from './table-schema';
import { sortableTime } from './time';

/**
 * Single-table design (README "Table design"). Every access pattern is one `Query` on `pk`, newest
 * first by `sk`, bounded by time with `sk BETWEEN`:
 *
 * | item            | pk                         | sk                        |
 * | --------------- | -------------------------- | ------------------------- |
 * | event           | `EVENT#<eventID>`          | `EVENT`                   |
 * | instance index  | `INSTANCE#<i-…>`           | `<ISO time>#<eventID>`    |
 * | user index      | `USER#<lookup key>`        | `<ISO time>#<eventID>`    |
 * | resource index  | `RESOURCE#<vol-/snap-/ami-/sg-…>` | `<ISO time>#<eventID>` |
 * | SSH key index   | `KEY#<fingerprint>`        | `<ISO time>#<eventID>`    |
 *
 * Index items carry the event summary (so a query needs no second read) with at most
 * `LIMITS.idsPerIndexItem` IDs; the event item carries all IDs (its index partitions follow from them:
 * `indexPartitions`).
 * Keys derive from `eventID` and `eventTime` only, so writing an event twice overwrites the same items.
 */

export type ItemKind = 'event' | 'instance' | 'user' | 'resource' | 'key' | 'finding';
type IndexKind = Exclude<ItemKind, 'event' | 'finding'>;

export interface TableItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: ItemKind;
  readonly expiresAt?: number;
  readonly [attribute: string]: unknown;
}

export const EVENT_SK = 'EVENT';

export const keys = {
  event: (eventID: string): string => `EVENT#${eventID}`,
  instance: (id: string): string => `INSTANCE#${id.toLowerCase()}`,
  user: (lookupKey: string): string => `USER#${lookupKey}`,
  resource: (id: string): string => `RESOURCE#${id.toLowerCase()}`,
  sshKey: (fingerprint: string): string => `KEY#${fingerprint}`,
  /** All findings (`FINDINGS`), or those of one rule (`FINDINGS#<rule>`). */
  findings: (rule?: string): string => (rule ? `FINDINGS#${rule}` : 'FINDINGS'),
};

/** Sort key of an index item. */
export function indexSortKey(timeMs: number, eventID: string): string {
  return `${sortableTime(timeMs)}#${eventID}`;
}

/** `sk` bounds for events between two times (inclusive), for `sk BETWEEN :from AND :to`. */
export function sortKeyRange(
  sinceMs: number | undefined,
  untilMs: number | undefined,
): { from: string; to: string } {
  const from = sinceMs === undefined ? '0000' : sortableTime(Math.max(sinceMs, -62_167_219_200_000));
  const to =
    untilMs === undefined ? '9999' : `${sortableTime(Math.min(untilMs, 253_402_300_799_999))}#\uffff`;
  return { from, to };
}

export interface ItemOptions {
  /** Epoch seconds for the TTL attribute; undefined keeps items forever. */
  readonly expiresAt?: number;
}

/** The TTL of items written at `nowMs` under a retention of `retentionDays` (0 = forever). */
export function expiresAtFor(nowMs: number, retentionDays: number): number | undefined {
  if (retentionDays <= 0) return undefined;
  return Math.floor(nowMs / 1000) + Math.round(retentionDays * 86_400);
}

function capIds(ids: readonly string[]): { ids: string[]; count?: number } {
  if (ids.length <= LIMITS.idsPerIndexItem) return { ids: [...ids] };
  return { ids: ids.slice(0, LIMITS.idsPerIndexItem), count: ids.length };
}

/** The partitions an event is indexed under. */
export function indexPartitions(event: IndexedEvent): { pk: string; kind: IndexKind }[] {
  const out: { pk: string; kind: IndexKind }[] = [];
  for (const id of event.instanceIds) out.push({ pk: keys.instance(id), kind: 'instance' });
  for (const id of event.resourceIds) out.push({ pk: keys.resource(id), kind: 'resource' });
  for (const k of principalLookupKeys(event.principal)) out.push({ pk: keys.user(k), kind: 'user' });
  if (event.ssh?.fingerprint) out.push({ pk: keys.sshKey(event.ssh.fingerprint), kind: 'key' });
  return out;
}

/** All items of one event: the event item first, then one index item per partition. */
export function buildItems(event: IndexedEvent, timeMs: number, options: ItemOptions = {}): TableItem[] {
  const ttl =
    options.expiresAt === undefined ? {} : { [TABLE_SCHEMA.timeToLiveAttribute]: options.expiresAt };
  const partitions = indexPartitions(event);
  const sk = indexSortKey(timeMs, event.eventID);

  const eventItem: TableItem = {
    pk: keys.event(event.eventID),
    sk: EVENT_SK,
    kind: 'event',
    ...withFindingSet(event),
    ...ttl,
  };

  const indexBody = indexSummary(event);
  const items: TableItem[] = [eventItem];
  for (const p of partitions) items.push({ pk: p.pk, sk, kind: p.kind, ...indexBody, ...ttl });
  return items;
}

/**
 * `findings` is stored as a string set, so a finding recorded later is added atomically and
 * idempotently (`ADD findings :rule`); DynamoDB has no empty sets, so no findings means no attribute.
 */
function withFindingSet<T extends { findings: readonly string[] }>(
  event: T,
): Omit<T, 'findings'> & { findings?: Set<string> } {
  const { findings, ...rest } = event;
  return findings.length > 0 ? { ...rest, findings: new Set(findings) } : rest;
}

/**
 * The summary copied into index items: what a query prints, kept to about 1 KB at the 99th
 * percentile. The error message, event type, principal ID and log file stay on the event item only,
 * and the user agent is cut shorter.
 */
function indexSummary(event: IndexedEvent): Record<string, unknown> {
  const { source: _source, errorMessage: _message, eventType: _type, principal, userAgent, ...rest } = event;
  const { principalId: _id, ...principalSummary } = principal;
  const instances = capIds(event.instanceIds);
  const resources = capIds(event.resourceIds);
  return {
    ...withFindingSet(rest),
    // without an ARN the principal ID is the only handle on the principal: keep it then
    principal: principal.arn ? principalSummary : principal,
    ...(userAgent !== undefined ? { userAgent: bound(userAgent, LIMITS.userAgentInIndex) } : {}),
    instanceIds: instances.ids,
    resourceIds: resources.ids,
    ...(instances.count !== undefined ? { instanceCount: instances.count } : {}),
    ...(resources.count !== undefined ? { resourceCount: resources.count } : {}),
  };
}

const ITEM_ONLY_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'kind',
  'instanceCount',
  'resourceCount',
  TABLE_SCHEMA.timeToLiveAttribute,
]);

/** The event summary held by an event or index item (what `--json` prints). */
export function itemToEvent(
  item: Readonly<Record<string, unknown>>,
): IndexedEvent & { instanceCount?: number; resourceCount?: number } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!ITEM_ONLY_ATTRIBUTES.has(k)) out[k] = v;
  if (typeof item.instanceCount === 'number') out.instanceCount = item.instanceCount;
  if (typeof item.resourceCount === 'number') out.resourceCount = item.resourceCount;
  out.instanceIds ??= [];
  out.resourceIds ??= [];
  out.findings = findingList(item.findings);
  out.principal ??= {};
  return out as unknown as IndexedEvent;
}

/** The rule IDs of a `findings` attribute (a string set, or a list in items of older writers), sorted. */
export function findingList(value: unknown): string[] {
  if (value instanceof Set) return [...value].filter((v): v is string => typeof v === 'string').sort();
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').sort();
  return [];
}

/**
 * Size of an item as DynamoDB counts it (attribute names plus values; UTF-8 strings, numbers about
 * one byte per two digits, 3 bytes per list or map plus 1 per element). Used by tests and the bench.
 */
export function dynamoItemSize(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (Array.isArray(value) || value instanceof Set)
    return 3 + [...value].reduce((n: number, v) => n + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    let n = 3;
    for (const [k, v] of Object.entries(value)) n += 1 + Buffer.byteLength(k) + valueSize(v);
    return n;
  }
  return 0;
}
