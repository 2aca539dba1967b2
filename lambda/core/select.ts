import { isAgentCall, isAgentSource } from './access/agent-calls';
import {
  DESCRIBE_INSTANCE_ATTRIBUTE,
  EC2_SENSITIVE_READS,
  EC2_SOURCE,
  namesUserDataAttribute,
  SSM_ACCESS_EVENTS,
  SSM_SOURCE,
} from './access/events';
import { instanceOfSession } from './identity';
import { bool, field, type JsonObject, text } from './json';
import type { RecordText } from './reader/top-fields';
import type { TopFields } from './record-stream';

/** The event sources trailwatch indexes. */
export const INDEXED_SOURCES: ReadonlySet<string> = new Set([
  'ec2.amazonaws.com',
  'ebs.amazonaws.com',
  'ec2-instance-connect.amazonaws.com',
]);
export const INSTANCE_CONNECT_SOURCE = 'ec2-instance-connect.amazonaws.com';

export interface SelectOptions {
  /** Index successful read-only calls too. @default false */
  readonly includeReadOnly: boolean;
}

/** Why a record was not indexed, or `indexed`. */
export type Selection = 'indexed' | 'other-source' | 'read-only' | 'insight' | 'no-source';

/** `readOnly` as CloudTrail writes it (`true`, `"true"`, `"True"`); absent means mutating. */
export function isReadOnly(record: JsonObject): boolean {
  return bool(field(record, 'readOnly')) === true;
}

/** The record's error code, when the call failed. */
export function errorCodeOf(record: JsonObject): string | undefined {
  return text(record, 'errorCode');
}

/** The record was made with an instance's own role credentials (`instanceOfSession`). */
function byInstanceSession(record: JsonObject): boolean {
  const identity = field(record, 'userIdentity');
  return instanceOfSession({ type: text(identity, 'type'), arn: text(identity, 'arn') }) !== undefined;
}

/** An EC2 read indexed even when it succeeds: password data, console output, user data. */
function isSensitiveRead(eventName: string | undefined, record: JsonObject): boolean {
  if (eventName === undefined) return false;
  if (EC2_SENSITIVE_READS.has(eventName)) return true;
  return eventName === DESCRIBE_INSTANCE_ATTRIBUTE && namesUserDataAttribute(record);
}

/**
 * Which records are indexed (CONTRACT "Which records are indexed"): records of the EC2, EBS and
 * EC2 Instance Connect sources; every Instance Connect event; other events when mutating
 * (`readOnly` false or absent), and read-only ones only when they failed or when read-only indexing
 * is on; whatever their `readOnly` flag or outcome, the EC2 reads of an instance's secrets (password
 * data, console output and screenshot, the `userData` attribute), Systems Manager sessions and
 * commands, and the calls made with an instance's own role credentials, of any source, but for the
 * routine calls of its agents (access/agent-calls.ts). Insights events are never indexed; a record
 * without `eventSource` is not a CloudTrail record.
 */
export function selectRecord(record: JsonObject, options: SelectOptions): Selection {
  if (text(record, 'eventType') === 'AwsCloudTrailInsight') return 'insight';
  const source = text(record, 'eventSource');
  if (!source) return 'no-source';
  const indexedSource = INDEXED_SOURCES.has(source);
  if (indexedSource) {
    if (source === INSTANCE_CONNECT_SOURCE || !isReadOnly(record)) return 'indexed';
    if (options.includeReadOnly || errorCodeOf(record) !== undefined) return 'indexed';
  }
  const eventName = text(record, 'eventName');
  if (source === EC2_SOURCE && isSensitiveRead(eventName, record)) return 'indexed';
  if (source === SSM_SOURCE && eventName !== undefined && SSM_ACCESS_EVENTS.has(eventName)) return 'indexed';
  if (!isAgentCall(source, eventName) && byInstanceSession(record)) return 'indexed';
  return indexedSource ? 'read-only' : 'other-source';
}

/**
 * The same decision as `selectRecord`, from the top-level fields the reader picked out of the raw
 * text (no JSON.parse): `skip` only when `selectRecord` would skip the record for sure; `parse`
 * when it would index it or when the fields alone cannot tell (they are then read from the parse).
 * Whether an instance's credentials made the call is seen by the reader in the bytes of
 * `userIdentity.arn` (`fields.instanceSession`), which is exact unless the record's text (`raw`,
 * looked at only for a record the fields would skip) holds an escape that could hide it: a false
 * positive only costs a parse. The differential tests check the two agree on the real corpus and on fuzzed files.
 */
export function preselect(
  fields: TopFields | undefined,
  options: SelectOptions,
  raw?: RecordText,
): 'skip' | 'parse' {
  if (!fields) return 'parse';
  if (fields.eventType?.trim() === 'AwsCloudTrailInsight') return 'skip';
  if (fields.eventSource === undefined || !fields.eventSourceIsString) return 'parse';
  const source = fields.eventSource.trim();
  if (source === '') return 'parse';
  const eventName = fields.eventName?.trim();
  if (INDEXED_SOURCES.has(source)) {
    if (indexedByFields(source, fields, options)) return 'parse';
    // a successful read-only EC2/EBS call: kept only as a sensitive EC2 read or an instance's own call
    const sensitive =
      eventName === DESCRIBE_INSTANCE_ATTRIBUTE || (eventName && EC2_SENSITIVE_READS.has(eventName));
    if (sensitive && source === EC2_SOURCE) return 'parse';
  } else if (source === SSM_SOURCE && eventName && SSM_ACCESS_EVENTS.has(eventName)) return 'parse';
  if (isAgentCall(source, eventName)) return 'skip';
  // made with an instance's own credentials? the reader looked at userIdentity.arn's bytes
  if (fields.instanceSession) return 'parse';
  return !raw || raw.mayHideSession() ? 'parse' : 'skip';
}

/**
 * Whether `preselect` needs the `eventName` of a record of `eventSource` (trimmed): for the indexed
 * sources, Systems Manager and the sources of routine agent calls; for any other source it decides
 * from the source, the flags and the instance session alone (the reader then need not read the name).
 */
export function preselectNeedsEventName(eventSource: string): boolean {
  return INDEXED_SOURCES.has(eventSource) || eventSource === SSM_SOURCE || isAgentSource(eventSource);
}

/** A record of an indexed source that the fields say is (or may be) indexed by the plain rules. */
function indexedByFields(source: string, fields: TopFields, options: SelectOptions): boolean {
  if (source === INSTANCE_CONNECT_SOURCE || options.includeReadOnly) return true;
  const readOnly = fields.readOnly?.trim().toLowerCase();
  if (readOnly !== 'true') return true; // mutating, or not plainly read-only
  if (fields.errorCode === undefined || (!fields.errorCodeIsString && fields.errorCode === 'null'))
    return false;
  // an error code, unless the empty string (which selectRecord reads as none)
  return !(fields.errorCodeIsString && fields.errorCode.trim() === '');
}
