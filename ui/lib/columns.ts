import type { Column } from './export';
import type { AccessLine, EventLine, FindingLine, Principal } from './types';

/** The CSV columns of each kind of line (NDJSON keeps every key). Principals by their full ARN. */

export function principalId(p: Principal | undefined): string {
  if (!p) return '';
  return p.arn || p.invokedBy || p.userName || p.accessKeyId || p.type || '';
}

export const EVENT_COLUMNS: readonly Column<EventLine>[] = [
  { header: 'eventTime', value: (e) => e.eventTime },
  { header: 'eventName', value: (e) => e.eventName },
  { header: 'eventSource', value: (e) => e.eventSource },
  { header: 'principal', value: (e) => principalId(e.principal) },
  { header: 'sourceIPAddress', value: (e) => e.sourceIPAddress },
  { header: 'errorCode', value: (e) => e.errorCode },
  { header: 'instanceIds', value: (e) => e.instanceIds },
  { header: 'resourceIds', value: (e) => e.resourceIds },
  { header: 'accessMethod', value: (e) => e.access?.method },
  { header: 'sshFingerprint', value: (e) => e.ssh?.fingerprint },
  { header: 'sshOsUser', value: (e) => e.ssh?.osUser },
  { header: 'findings', value: (e) => e.findings },
  { header: 'awsRegion', value: (e) => e.awsRegion },
  { header: 'accountId', value: (e) => e.accountId },
  { header: 'userAgent', value: (e) => e.userAgent },
  { header: 'eventID', value: (e) => e.eventID },
];

export const ACCESS_COLUMNS: readonly Column<AccessLine>[] = [
  { header: 'eventTime', value: (a) => a.eventTime },
  { header: 'method', value: (a) => a.method },
  { header: 'principal', value: (a) => principalId(a.principal) },
  { header: 'sourceIPAddress', value: (a) => a.sourceIPAddress },
  { header: 'outcome', value: (a) => a.outcome },
  { header: 'detail', value: (a) => a.detail },
  { header: 'sessionEnd', value: (a) => a.sessionEnd },
  { header: 'instanceId', value: (a) => a.instanceId },
  { header: 'eventID', value: (a) => a.eventID },
];

export const FINDING_COLUMNS: readonly Column<FindingLine>[] = [
  { header: 'eventTime', value: (f) => f.eventTime },
  { header: 'severity', value: (f) => f.severity },
  { header: 'rule', value: (f) => f.rule },
  { header: 'attack', value: (f) => f.attack },
  { header: 'instanceId', value: (f) => f.instanceId },
  { header: 'principalArn', value: (f) => f.principalArn },
  { header: 'fingerprint', value: (f) => f.fingerprint },
  { header: 'detail', value: (f) => f.detail },
  { header: 'reviewed', value: (f) => (f.review ? 'yes' : 'no') },
  { header: 'reviewNote', value: (f) => f.review?.note },
  { header: 'reviewedBy', value: (f) => f.review?.by },
  { header: 'reviewedAt', value: (f) => f.review?.at },
  { header: 'eventID', value: (f) => f.eventID },
];
