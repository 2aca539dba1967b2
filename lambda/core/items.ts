import { accessOfItem, storedAccess } from './access/types';
import type { IndexedEvent } from './event';
import { compactPrincipal, expandPrincipal, type Principal } from './identity';
import { INDEXES, type IndexKind } from './indexes';
import { actorIndex } from './indexes/actor';
import { instanceIndex } from './indexes/instance';
import { ipIndex } from './indexes/ip';
import { keyPairIndex } from './indexes/keypair';
import { privateIpIndex } from './indexes/private-ip';
import { resourceIndex } from './indexes/resource';
import { sessionIndex } from './indexes/session';
import { sshKeyIndex } from './indexes/ssh-key';
import { userIndex } from './indexes/user';
import { LIMITS } from './limits';
import { TABLE_SCHEMA } from './table-schema';
import { formatTime, isCanonicalTime, sortableTime } from './time';

/**
 * Single-table design (README "Table design"). Every access pattern is one `Query` on `pk`, newest
 * first by `sk`, bounded by time with `sk BETWEEN`:
 *
 * | item            | pk                         | sk                        |
 * | --------------- | -------------------------- | ------------------------- |
 * | event           | `EVENT#<eventID>`          | `EVENT`                   |
 * | index item      | `<prefix><value>`          | `<ISO time>#<eventID>`    |
 *
 * with one index item per partition each index of `INDEXES` (./indexes) draws from the event:
 * `INSTANCE#<i-…>`, `USER#<lookup key>`, `RESOURCE#<vol-/snap-/ami-/sg-/eni-/…>`, `KEY#<fingerprint>`,
 * `KEYPAIR#<key pair name>`, `IP#<source address>`, and the internal `SESSION#<SSM session ID>`,
 * `PRIVATEIP#<address>`, `ACTOR#<i-…>`.
 * Index items carry the event summary (so a query needs no second read) with at most
 * `LIMITS.idsPerIndexItem` IDs; the event item carries all IDs (its index partitions follow from them:
 * `indexPartitions`).
 * Keys derive from `eventID` and `eventTime` only, so writing an event twice overwrites the same items.
 */

export type ItemKind = 'event' | IndexKind | 'finding' | 'file' | 'conflict' | 'summary' | 'review';

export interface TableItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: ItemKind;
  readonly expiresAt?: number;
  readonly [attribute: string]: unknown;
}

export const EVENT_SK = 'EVENT';

const EVENT_PREFIX = 'EVENT#';

/** Partition keys; those of the indexes are their `partitionKey` (a new index needs no line here). */
export const keys = {
  event: (eventID: string): string => `${EVENT_PREFIX}${eventID}`,
  instance: instanceIndex.partitionKey,
  user: userIndex.partitionKey,
  resource: resourceIndex.partitionKey,
  sshKey: sshKeyIndex.partitionKey,
  keyPair: keyPairIndex.partitionKey,
  /** Any spelling of the address (canonicalised). */
  ip: ipIndex.partitionKey,
  session: sessionIndex.partitionKey,
  /** Any spelling of the address (canonicalised). */
  privateIp: privateIpIndex.partitionKey,
  /** What the instance did with its own credentials. */
  actor: actorIndex.partitionKey,
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
  /** The content hash of the record (`recordHash`), kept on the event item. */
  readonly recordHash?: string;
}

/** The attribute of an event item holding the content hash of its record. */
export const RECORD_HASH_ATTRIBUTE = 'recordHash';

/** The TTL of items written at `nowMs` under a retention of `retentionDays` (0 = forever). */
export function expiresAtFor(nowMs: number, retentionDays: number): number | undefined {
  if (retentionDays <= 0) return undefined;
  return Math.floor(nowMs / 1000) + Math.round(retentionDays * 86_400);
}

function capIds(ids: readonly string[]): { ids: readonly string[]; count?: number } {
  if (ids.length <= LIMITS.idsPerIndexItem) return { ids };
  return { ids: ids.slice(0, LIMITS.idsPerIndexItem), count: ids.length };
}

/** The partitions an event is indexed under: every value each index of `INDEXES` draws from it. */
export function indexPartitions(event: IndexedEvent): { pk: string; kind: IndexKind }[] {
  const out: { pk: string; kind: IndexKind }[] = [];
  for (const index of INDEXES) {
    for (const value of index.valuesOf(event)) out.push({ pk: index.partitionKey(value), kind: index.kind });
  }
  return out;
}

/**
 * The summary fields an item copies from its event as they are (the rest are keys, lists, the
 * principal and findings, handled one by one). Items are built by assignment, not spreads: this runs
 * for every indexed event.
 */
const PLAIN_FIELDS = [
  'eventSource',
  'eventName',
  'awsRegion',
  'accountId',
  'readOnly',
  'errorCode',
  'idsTruncated',
  'sourceIPAddress',
  'userAgent',
  'ssh',
  'keyNames',
  'sessionId',
  'actorInstanceId',
] as const satisfies readonly (keyof IndexedEvent)[];
/**
 * Kept on the event item only: the error message, event type, log file, private addresses (and the
 * event time).
 */
const EVENT_ITEM_FIELDS = ['eventTime', 'eventType', 'errorMessage', 'source', 'privateAddresses'] as const;

type ItemBody = Record<string, unknown>;

function copyFields(from: IndexedEvent, into: ItemBody, fields: readonly (keyof IndexedEvent)[]): void {
  for (const k of fields) {
    const v = from[k];
    if (v !== undefined) into[k] = v;
  }
}

/** All items of one event: the event item first, then one index item per partition. */
export function buildItems(event: IndexedEvent, timeMs: number, options: ItemOptions = {}): TableItem[] {
  const partitions = indexPartitions(event);
  const storedPrincipal = compactPrincipal(event.principal);
  const ttlName = TABLE_SCHEMA.timeToLiveAttribute;

  // eventID is in the keys: not stored again
  const eventItem: ItemBody = { pk: keys.event(event.eventID), sk: EVENT_SK, kind: 'event' };
  copyFields(event, eventItem, PLAIN_FIELDS);
  copyFields(event, eventItem, EVENT_ITEM_FIELDS);
  setAccess(eventItem, event);
  setFindingSet(eventItem, event.findings);
  setNonEmpty(eventItem, 'instanceIds', event.instanceIds);
  setNonEmpty(eventItem, 'resourceIds', event.resourceIds);
  eventItem.principal = storedPrincipal;
  if (options.recordHash !== undefined) eventItem[RECORD_HASH_ATTRIBUTE] = options.recordHash;
  if (options.expiresAt !== undefined) eventItem[ttlName] = options.expiresAt;

  const items: TableItem[] = [eventItem as TableItem];
  if (partitions.length === 0) return items;
  const sk = indexSortKey(timeMs, event.eventID);
  const body = indexSummary(event, storedPrincipal);
  for (const p of partitions) {
    const item: ItemBody = { pk: p.pk, sk, kind: p.kind };
    for (const k in body) item[k] = body[k];
    if (options.expiresAt !== undefined) item[ttlName] = options.expiresAt;
    items.push(item as TableItem);
  }
  return items;
}

/** The access facts in their stored form (`storedAccess`: the method's name when its detail is plain). */
function setAccess(into: ItemBody, event: IndexedEvent): void {
  if (event.access !== undefined) into.access = storedAccess(event.access);
}

/** `into[key] = copy of list`, or nothing for an empty list (`itemToEvent` reads a missing list as empty). */
function setNonEmpty(into: ItemBody, key: string, list: readonly string[]): void {
  if (list.length > 0) into[key] = list.slice();
}

/**
 * `findings` is stored as a string set, so a finding recorded later is added atomically and
 * idempotently (`ADD findings :rule`); DynamoDB has no empty sets, so no findings means no attribute.
 */
function setFindingSet(into: ItemBody, findings: readonly string[]): void {
  if (findings.length > 0) into.findings = new Set(findings);
}

/**
 * The summary copied into index items: what a query prints, kept to about 1 KB at the 99th
 * percentile. The error message, event type, principal ID and log file stay on the event item only,
 * eventID and eventTime are in the sort key.
 */
function indexSummary(event: IndexedEvent, storedPrincipal: Principal): ItemBody {
  const body: ItemBody = {};
  copyFields(event, body, PLAIN_FIELDS);
  setAccess(body, event);
  setFindingSet(body, event.findings);
  // without an ARN the principal ID is the only handle on the principal: keep it then
  const stored = storedPrincipal as Principal & { principalRoleId?: string };
  if (event.principal.arn && (stored.principalId !== undefined || stored.principalRoleId !== undefined)) {
    const { principalId: _id, principalRoleId: _role, ...summary } = stored;
    body.principal = summary;
  } else {
    body.principal = storedPrincipal;
  }
  const instances = capIds(event.instanceIds);
  const resources = capIds(event.resourceIds);
  setNonEmpty(body, 'instanceIds', instances.ids);
  setNonEmpty(body, 'resourceIds', resources.ids);
  if (instances.count !== undefined) body.instanceCount = instances.count;
  if (resources.count !== undefined) body.resourceCount = resources.count;
  return body;
}

/** The order of an event's fields in `--json` output. */
export const EVENT_FIELD_ORDER = [
  'eventID',
  'eventTime',
  'eventSource',
  'eventName',
  'eventType',
  'awsRegion',
  'accountId',
  'readOnly',
  'errorCode',
  'errorMessage',
  'instanceIds',
  'instanceCount',
  'resourceIds',
  'resourceCount',
  'idsTruncated',
  'principal',
  'sourceIPAddress',
  'userAgent',
  'ssh',
  'keyNames',
  'access',
  'sessionId',
  'actorInstanceId',
  'privateAddresses',
  'findings',
  'source',
] as const;

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
  // eventID and eventTime come from the keys (index items store neither, event items no eventID)
  const pk = String(item[TABLE_SCHEMA.partitionKey] ?? '');
  const sk = String(item[TABLE_SCHEMA.sortKey] ?? '');
  const hash = sk.indexOf('#');
  const eventID = pk.startsWith(EVENT_PREFIX) ? pk.slice(EVENT_PREFIX.length) : sk.slice(hash + 1);
  const eventTime =
    typeof item.eventTime === 'string' ? item.eventTime : hash > 0 ? sortKeyTime(sk.slice(0, hash)) : '';
  // fields in one fixed order (DynamoDB returns attributes in any order), unknown ones last
  const out: Record<string, unknown> = {};
  for (const k of EVENT_FIELD_ORDER) {
    switch (k) {
      case 'eventID':
        out.eventID = eventID;
        break;
      case 'eventTime':
        out.eventTime = eventTime;
        break;
      case 'instanceIds':
      case 'resourceIds':
        out[k] = Array.isArray(item[k]) ? item[k] : [];
        break;
      case 'instanceCount':
      case 'resourceCount':
        if (typeof item[k] === 'number') out[k] = item[k];
        break;
      case 'access':
        if (item.access !== undefined) out.access = accessOfItem(item.access);
        break;
      case 'principal':
        out.principal = expandPrincipal((item.principal ?? {}) as Principal);
        break;
      case 'findings':
        out.findings = findingList(item.findings);
        break;
      default:
        if (item[k] !== undefined) out[k] = item[k];
    }
  }
  for (const k in item) if (!(k in out) && !ITEM_ONLY_ATTRIBUTES.has(k)) out[k] = item[k];
  return out as unknown as IndexedEvent;
}

/**
 * The event time of an index item, from its sort key's time (`sortableTime`) as `formatTime` writes
 * it; '' when that is not a time. The sort key's own text when it is the canonical form of a valid
 * time (the rules read thousands of items per file): the same string.
 */
export function sortKeyTime(text: string): string {
  if (text.length === 24 && isCanonicalTime(text))
    return text.endsWith('.000Z') ? `${text.slice(0, 19)}Z` : text;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? '' : formatTime(ms);
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
