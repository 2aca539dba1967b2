import type { IndexedEvent } from './event';
import { principalName } from './identity';
import { EVENT_SK, indexPartitions, keys, type TableItem } from './items';
import { LIMITS } from './limits';
import { ruleById } from './rule-lookup';
import { type Hit, type Rule, type RuleId, SEVERITIES, type Severity } from './rules';
import type { StringSetAddition } from './store-port';
import { TABLE_SCHEMA } from './table-schema';
import { sortableTime } from './time';

/**
 * Findings: one per (rule, event), recorded once however often a file is delivered or retried.
 *
 * | item               | pk                 | sk                                   |
 * | ------------------ | ------------------ | ------------------------------------ |
 * | finding (all)      | `FINDINGS`         | `<ISO time>#<eventID>#<rule>`        |
 * | finding (by rule)  | `FINDINGS#<rule>`  | `<ISO time>#<eventID>`               |
 *
 * The `FINDINGS` item is the once-only marker: it is written with a condition that it does not exist
 * yet, and only the write that creates it counts (and emits the metric).
 */
export interface Finding {
  readonly rule: RuleId;
  /** The rule's, when the finding was recorded (absent from findings recorded before severities). */
  readonly severity?: Severity;
  /** The rule's MITRE ATT&CK technique (same). */
  readonly attack?: string;
  readonly eventID: string;
  readonly eventTime: string;
  readonly eventName: string;
  /** The event's first instance. */
  readonly instanceId?: string;
  /** The event's instances (at most `LIMITS.idsPerIndexItem`) when it names more than one. */
  readonly instanceIds?: readonly string[];
  readonly principalArn: string;
  readonly fingerprint?: string;
  readonly detail: string;
  readonly accountId?: string;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  readonly osUser?: string;
}

/**
 * A finding line (CONTRACT: `findings --json`, and the findings of `event`): every CONTRACT key
 * present, `null` where it does not apply, then the other keys the finding has.
 */
export interface FindingLine {
  readonly rule: string;
  readonly severity: Severity | null;
  readonly attack: string | null;
  readonly eventID: string | null;
  readonly eventTime: string | null;
  readonly instanceId: string | null;
  readonly principalArn: string | null;
  readonly fingerprint: string | null;
  readonly detail: string | null;
  readonly eventName?: string;
  readonly instanceIds?: readonly string[];
  readonly accountId?: string;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  readonly osUser?: string;
  readonly [key: string]: unknown;
}

export const FINDING_ATTRIBUTE = 'findings';

export function findingOf(event: IndexedEvent, hit: Hit, rules?: readonly Rule[]): Finding {
  const rule = ruleById(hit.rule, rules);
  // the instance named, or the one whose own credentials made the call
  const instanceId = event.instanceIds[0] ?? event.actorInstanceId;
  return {
    rule: hit.rule,
    ...(rule ? { severity: rule.severity, attack: rule.attack } : {}),
    eventID: event.eventID,
    eventTime: event.eventTime,
    eventName: event.eventName,
    ...(instanceId ? { instanceId } : {}),
    ...(event.instanceIds.length > 1
      ? { instanceIds: event.instanceIds.slice(0, LIMITS.idsPerIndexItem) }
      : {}),
    principalArn: principalName(event.principal),
    ...(event.ssh?.fingerprint ? { fingerprint: event.ssh.fingerprint } : {}),
    detail: hit.detail,
    ...(event.accountId ? { accountId: event.accountId } : {}),
    ...(event.awsRegion ? { awsRegion: event.awsRegion } : {}),
    ...(event.sourceIPAddress ? { sourceIPAddress: event.sourceIPAddress } : {}),
    ...(event.ssh?.osUser ? { osUser: event.ssh.osUser } : {}),
  };
}

export function findingItems(
  finding: Finding,
  timeMs: number,
  expiresAt?: number,
): { marker: TableItem; byRule: TableItem } {
  const ttl = expiresAt === undefined ? {} : { [TABLE_SCHEMA.timeToLiveAttribute]: expiresAt };
  const time = sortableTime(timeMs);
  return {
    marker: {
      pk: keys.findings(),
      sk: `${time}#${finding.eventID}#${finding.rule}`,
      kind: 'finding',
      ...finding,
      ...ttl,
    },
    byRule: {
      pk: keys.findings(finding.rule),
      sk: `${time}#${finding.eventID}`,
      kind: 'finding',
      ...finding,
      ...ttl,
    },
  };
}

const FINDING_ONLY = new Set([
  'pk',
  'sk',
  'kind',
  TABLE_SCHEMA.timeToLiveAttribute,
  TABLE_SCHEMA.writeIdAttribute,
]);

/** The CONTRACT keys of a finding line, in the order lines print them. */
export const FINDING_LINE_KEYS = [
  'rule',
  'severity',
  'attack',
  'eventID',
  'eventTime',
  'instanceId',
  'principalArn',
  'fingerprint',
  'detail',
] as const;

/**
 * The finding line of a finding item (either item of a finding). A finding recorded before findings
 * had a severity and a technique gets its rule's (`null` for an ID no rule has now).
 */
export function itemToFinding(item: Readonly<Record<string, unknown>>): FindingLine {
  return findingLineOf(item);
}

/** `itemToFinding`, with the rules to derive from (tests add their own). */
export function findingLineOf(item: Readonly<Record<string, unknown>>, rules?: readonly Rule[]): FindingLine {
  const out: Record<string, unknown> = {};
  for (const k of FINDING_LINE_KEYS) out[k] = item[k] ?? null;
  const rule = typeof item.rule === 'string' ? ruleById(item.rule, rules) : undefined;
  if (!isSeverity(out.severity)) out.severity = rule?.severity ?? null;
  if (typeof out.attack !== 'string') out.attack = rule?.attack ?? null;
  for (const [k, v] of Object.entries(item)) if (!(k in out) && !FINDING_ONLY.has(k)) out[k] = v;
  return out as unknown as FindingLine;
}

function isSeverity(value: unknown): value is Severity {
  return (SEVERITIES as readonly unknown[]).includes(value);
}

/** Whether a finding line is about an instance: its first instance, or any it names. */
export function findingOnInstance(line: FindingLine, instanceId: string): boolean {
  const id = instanceId.toLowerCase();
  if (line.instanceId?.toLowerCase() === id) return true;
  return Array.isArray(line.instanceIds) && line.instanceIds.some((i) => String(i).toLowerCase() === id);
}

export interface PartitionRead {
  readonly consistent?: boolean;
  readonly limit?: number;
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

/** The primitives of the store that recording findings needs. */
export interface FindingStore {
  /** Writes an item, replacing any with the same key. */
  putItem(item: TableItem): Promise<void>;
  /** Writes an item only when none has its key; true when this call created it. */
  putItemIfAbsent(item: TableItem): Promise<boolean>;
  /** Adds strings to a string-set attribute of an existing item (a missing item is left missing). */
  addToStringSet(pk: string, sk: string, attribute: string, values: readonly string[]): Promise<void>;
  /**
   * Several `addToStringSet`s at once (an event's findings on its items), in as few requests as the
   * backend allows; each addition is atomic on its item, the set of them is not a transaction.
   */
  addToStringSets(additions: readonly StringSetAddition[]): Promise<void>;
  /**
   * Items of a partition, newest first, at most `limit`, strongly consistent when asked; only the
   * index items between `sinceMs` and `untilMs` (by their sort key's time) when either is given.
   */
  readPartition(pk: string, options?: PartitionRead): Promise<Record<string, unknown>[]>;
}

/** An event's hits to record, and what its items already list. */
export interface FindingsOf {
  readonly event: IndexedEvent;
  readonly timeMs: number;
  readonly hits: readonly Hit[];
  /**
   * Rules the event's items list already, so not added again: on its event item, and on every one of
   * its index items (the stateless rules' findings, written with the items). @default none
   */
  readonly listed?: { readonly eventItem: readonly string[]; readonly indexItems: readonly string[] };
  /** The partitions of the index items the event has. @default all of `indexPartitions(event)` */
  readonly indexPartitions?: readonly string[];
}

export interface RecordOptions {
  readonly expiresAt?: number;
  readonly rules?: readonly Rule[];
  /** Called the moment a finding's marker is created (the metric), before its rule is added to the items. */
  readonly created?: (hit: Hit) => void;
}

/**
 * Records an event's findings, each at most once per (rule, event):
 * 1. for every hit at once, the by-rule item, unless it exists (its detail is the evidence known when
 *    first recorded), and the marker, conditionally: only the call that creates it counts the finding
 *    (`created`, and the hit is returned);
 * 2. then, in one `addToStringSets`, the rules are added to the event's `findings` set on its event
 *    item and every index item, except where the items list them already.
 * Step 2 comes last, so an event whose items list a stateful rule has had its marker written: a crash
 * between 1 and 2 is repaired by the next delivery (the marker exists, no second metric). A stateless
 * rule is listed from the items' first write (its hits are known before): the file that writes them
 * records the markers in the same run, and its redelivery completes them.
 */
export async function recordFindings(
  store: FindingStore,
  of: FindingsOf,
  options: RecordOptions = {},
): Promise<Hit[]> {
  const { event, timeMs } = of;
  const created: Hit[] = [];
  // first writer wins for both: a redelivery, which may know more of the history, does not rewrite
  // the detail of a finding already recorded; a created marker counts at once, whatever its by-rule
  // item's write does (that one is written again by the redelivery)
  await settled(
    of.hits.flatMap((hit) => {
      const { marker, byRule } = findingItems(
        findingOf(event, hit, options.rules),
        timeMs,
        options.expiresAt,
      );
      return [
        store.putItemIfAbsent(byRule),
        store.putItemIfAbsent(marker).then((made) => {
          if (!made) return;
          created.push(hit);
          options.created?.(hit);
        }),
      ];
    }),
  );
  const rules = [...new Set(of.hits.map((h) => h.rule))];
  const onEvent = rules.filter((r) => !of.listed?.eventItem.includes(r));
  const onIndex = rules.filter((r) => !of.listed?.indexItems.includes(r));
  const sk = `${sortableTime(timeMs)}#${event.eventID}`;
  const partitions = of.indexPartitions ?? indexPartitions(event).map((p) => p.pk);
  const additions: StringSetAddition[] = [
    ...(onEvent.length > 0
      ? [{ pk: keys.event(event.eventID), sk: EVENT_SK, attribute: FINDING_ATTRIBUTE, values: onEvent }]
      : []),
    ...(onIndex.length > 0
      ? partitions.map((pk) => ({ pk, sk, attribute: FINDING_ATTRIBUTE, values: onIndex }))
      : []),
  ];
  if (additions.length > 0) await store.addToStringSets(additions);
  return created;
}

/** Waits for every write, then throws the first failure (no write is left running behind an error). */
async function settled(writes: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((w) => w.status === 'rejected');
  if (failed) throw failed.reason;
}

/** One hit (`recordFindings` of one); true when this call recorded it. */
export async function recordFinding(
  store: FindingStore,
  event: IndexedEvent,
  timeMs: number,
  hit: Hit,
  expiresAt?: number,
  rules?: readonly Rule[],
): Promise<boolean> {
  const options = { ...(expiresAt !== undefined ? { expiresAt } : {}), ...(rules ? { rules } : {}) };
  return (await recordFindings(store, { event, timeMs, hits: [hit] }, options)).length > 0;
}
