import type { AccessPath } from '../../lambda/core/access/paths';
import type { IndexedEvent } from '../../lambda/core/event';
import type { FindingLine } from '../../lambda/core/findings';
import {
  type Principal,
  principalLabels,
  principalLabelsOf,
  principalName,
} from '../../lambda/core/identity';
import { type Column, listCell } from './table';

/**
 * The columns of the CLI's tables, in the order printed. `priority` says which give way first when a
 * table is wider than the terminal (the lowest; see table.ts); `keep` columns (times, IDs,
 * fingerprints, IP addresses, rule IDs, methods, severities: what is pasted into the next command or
 * matched on) are never cut, only left out when the terminal is too narrow for them. docs/cli.md
 * "Tables" describes them.
 */

/** Highest first: the time, then what was done, by whom, to what. */
const P = {
  time: 100,
  rule: 96,
  what: 92,
  instance: 90,
  who: 85,
  severity: 84,
  targets: 80,
  osUser: 78,
  key: 75,
  findings: 70,
  ip: 65,
  outcome: 60,
  error: 55,
  sessionEnd: 52,
  detail: 50,
  method: 45,
  keyType: 42,
  eventId: 40,
  attack: 30,
} as const;

/** A principal: its label (the session name first, `principalLabels`), its full ARN with `--wide`. */
function principalColumn<T>(header: string, of: (row: T) => Principal): Column<T> {
  return {
    header,
    priority: P.who,
    min: 14,
    value: (r) => principalLabels(of(r))[0] ?? principalName(of(r)),
    shorter: (r) => principalLabels(of(r)).slice(1),
    wide: (r) => principalName(of(r)),
  };
}

/** The instances and resources an event names, whole IDs, then `+N` for those not shown or kept. */
function targets(e: IndexedEvent & { instanceCount?: number; resourceCount?: number }) {
  const total = (e.instanceCount ?? e.instanceIds.length) + (e.resourceCount ?? e.resourceIds.length);
  return listCell([...e.instanceIds, ...e.resourceIds], total);
}

const EVENT_TIME: Column<IndexedEvent> = {
  header: 'TIME',
  priority: P.time,
  keep: true,
  value: (e) => e.eventTime,
};
const EVENT_USER = principalColumn<IndexedEvent>('USER', (e) => e.principal);
const EVENT_SOURCE_IP: Column<IndexedEvent> = {
  header: 'SOURCE IP',
  priority: P.ip,
  keep: true,
  value: (e) => e.sourceIPAddress ?? '-',
};
const EVENT_ERROR: Column<IndexedEvent> = {
  header: 'ERROR',
  priority: P.error,
  min: 12,
  value: (e) => e.errorCode ?? '-',
};
/** Rule IDs (what `findings --rule` takes): whole, then fewer of them and a count. */
const EVENT_FINDINGS: Column<IndexedEvent> = {
  header: 'FINDINGS',
  priority: P.findings,
  keep: true,
  value: (e) => listCell(e.findings).text,
  shorter: (e) => listCell(e.findings).shorter,
};
const EVENT_ID: Column<IndexedEvent> = {
  header: 'EVENT ID',
  priority: P.eventId,
  keep: true,
  value: (e) => e.eventID,
};

/** How the event reached an instance (CONTRACT "Instance access"), `-` when it did not. */
const EVENT_METHOD: Column<IndexedEvent> = {
  header: 'METHOD',
  priority: P.method,
  keep: true,
  value: (e) => e.access?.method ?? '-',
};

/** The columns of `query instance|user|resource|ip|keypair`. */
export const EVENT_COLUMNS: readonly Column<IndexedEvent>[] = [
  EVENT_TIME,
  { header: 'EVENT', priority: P.what, min: 14, value: (e) => e.eventName },
  EVENT_METHOD,
  EVENT_USER,
  {
    header: 'TARGETS',
    priority: P.targets,
    keep: true,
    value: (e) => targets(e).text,
    shorter: (e) => targets(e).shorter,
  },
  EVENT_SOURCE_IP,
  EVENT_ERROR,
  EVENT_FINDINGS,
  EVENT_ID,
];

/** The columns of `query key`: who pushed the key, where, as which OS user. */
export const KEY_PUSH_COLUMNS: readonly Column<IndexedEvent>[] = [
  EVENT_TIME,
  { header: 'EVENT', priority: P.what - 10, min: 14, value: (e) => e.eventName },
  EVENT_USER,
  { header: 'INSTANCE', priority: P.instance, keep: true, value: (e) => e.instanceIds[0] ?? '-' },
  {
    header: 'OS USER',
    priority: P.osUser,
    min: 8,
    value: (e) => e.ssh?.osUser ?? (e.ssh?.serialPort !== undefined ? `serial:${e.ssh.serialPort}` : '-'),
  },
  {
    header: 'KEY',
    priority: P.keyType,
    keep: true,
    value: (e) => (e.ssh?.keyType ? `${e.ssh.keyType} ${e.ssh.keyBits ?? ''}`.trim() : '-'),
  },
  EVENT_SOURCE_IP,
  EVENT_ERROR,
  EVENT_FINDINGS,
  EVENT_ID,
];

/** The finding's first instance, and how many more the event names. */
function findingInstances(f: FindingLine): string {
  const more = Array.isArray(f.instanceIds) ? f.instanceIds.length - 1 : 0;
  return f.instanceId ? `${f.instanceId}${more > 0 ? ` +${more}` : ''}` : '-';
}

/** The columns of `trailwatch findings`. */
export const FINDING_COLUMNS: readonly Column<FindingLine>[] = [
  { header: 'TIME', priority: P.time, keep: true, value: (f) => f.eventTime ?? '-' },
  { header: 'SEVERITY', priority: P.severity, keep: true, value: (f) => f.severity ?? '-' },
  { header: 'RULE', priority: P.rule, keep: true, value: (f) => f.rule },
  { header: 'ATTACK', priority: P.attack, keep: true, value: (f) => f.attack ?? '-' },
  { header: 'INSTANCE', priority: P.instance, keep: true, value: findingInstances },
  {
    header: 'PRINCIPAL',
    priority: P.who,
    min: 14,
    value: (f) => (f.principalArn ? (principalLabelsOf(f.principalArn)[0] ?? f.principalArn) : '-'),
    shorter: (f) => (f.principalArn ? principalLabelsOf(f.principalArn).slice(1) : []),
    wide: (f) => f.principalArn ?? '-',
  },
  { header: 'KEY', priority: P.key, keep: true, value: (f) => f.fingerprint ?? '-' },
  { header: 'DETAIL', priority: P.detail, min: 24, value: (f) => f.detail ?? '-' },
  { header: 'EVENT ID', priority: P.eventId, keep: true, value: (f) => f.eventID ?? '-' },
];

/** The columns of `trailwatch access`. */
export const ACCESS_COLUMNS: readonly Column<AccessPath>[] = [
  { header: 'TIME', priority: P.time, keep: true, value: (a) => a.eventTime },
  { header: 'METHOD', priority: P.what, keep: true, value: (a) => a.method },
  principalColumn<AccessPath>('PRINCIPAL', (a) => a.principal),
  { header: 'SOURCE IP', priority: P.ip, keep: true, value: (a) => a.sourceIPAddress ?? '-' },
  { header: 'OUTCOME', priority: P.outcome, min: 10, value: (a) => a.outcome },
  { header: 'DETAIL', priority: P.detail, min: 24, value: (a) => a.detail },
  { header: 'SESSION END', priority: P.sessionEnd, keep: true, value: (a) => a.sessionEnd ?? '-' },
  { header: 'EVENT ID', priority: P.eventId, keep: true, value: (a) => a.eventID },
];
