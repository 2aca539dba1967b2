import type { IndexedEvent } from './event';
import { principalName } from './identity';
import { EVENT_SK, indexPartitions, keys, type TableItem } from './items';
import { LIMITS } from './limits';
import { ruleById } from './rule-lookup';
import { type Hit, type Rule, type RuleId, SEVERITIES, type Severity } from './rules';
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
   * Items of a partition, newest first, at most `limit`, strongly consistent when asked; only the
   * index items between `sinceMs` and `untilMs` (by their sort key's time) when either is given.
   */
  readPartition(pk: string, options?: PartitionRead): Promise<Record<string, unknown>[]>;
}

/**
 * Records a finding, at most once per (rule, event):
 * 1. the by-rule item, unless it exists (its detail is the evidence known when first recorded);
 * 2. the marker, conditionally: only the call that creates it returns true (and the caller emits
 *    the metric at once);
 * 3. the rule is added to the event's `findings` set on its event item and every index item (all at
 *    once).
 * Step 3 comes last, so an event whose items list the rule has had its marker written: a crash
 * between 2 and 3 is repaired by the next delivery (the marker exists, no second metric).
 */
export async function recordFinding(
  store: FindingStore,
  event: IndexedEvent,
  timeMs: number,
  hit: Hit,
  expiresAt?: number,
  rules?: readonly Rule[],
): Promise<boolean> {
  const finding = findingOf(event, hit, rules);
  const { marker, byRule } = findingItems(finding, timeMs, expiresAt);
  // first writer wins for both: a redelivery, which may know more pushes of the key, does not
  // rewrite the detail of a finding already recorded
  await store.putItemIfAbsent(byRule);
  const created = await store.putItemIfAbsent(marker);
  const sk = `${sortableTime(timeMs)}#${event.eventID}`;
  // the event's items at once (one round trip, not one per item: a finding fits in the stop margin)
  await Promise.all([
    store.addToStringSet(keys.event(event.eventID), EVENT_SK, FINDING_ATTRIBUTE, [hit.rule]),
    ...indexPartitions(event).map((p) => store.addToStringSet(p.pk, sk, FINDING_ATTRIBUTE, [hit.rule])),
  ]);
  return created;
}
