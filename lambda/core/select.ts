import { bool, field, type JsonObject, text } from './json';
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

/**
 * Which records are indexed (CONTRACT "Which records are indexed"): records of the EC2, EBS and
 * EC2 Instance Connect sources; every Instance Connect event; other events when mutating
 * (`readOnly` false or absent), and read-only ones only when they failed or when read-only indexing
 * is on. Insights events are never indexed; a record without `eventSource` is not a CloudTrail record.
 */
export function selectRecord(record: JsonObject, options: SelectOptions): Selection {
  if (text(record, 'eventType') === 'AwsCloudTrailInsight') return 'insight';
  const source = text(record, 'eventSource');
  if (!source) return 'no-source';
  if (!INDEXED_SOURCES.has(source)) return 'other-source';
  if (source === INSTANCE_CONNECT_SOURCE) return 'indexed';
  if (!isReadOnly(record)) return 'indexed';
  if (options.includeReadOnly || errorCodeOf(record) !== undefined) return 'indexed';
  return 'read-only';
}

/**
 * The same decision as `selectRecord`, from the top-level fields the reader picked out of the raw
 * text (no JSON.parse): `skip` only when `selectRecord` would skip the record for sure; `parse`
 * when it would index it or when the fields alone cannot tell (they are then read from the parse).
 * The differential tests check the two agree on the real corpus and on fuzzed files.
 */
export function preselect(fields: TopFields | undefined, options: SelectOptions): 'skip' | 'parse' {
  if (!fields) return 'parse';
  if (fields.eventType?.trim() === 'AwsCloudTrailInsight') return 'skip';
  if (fields.eventSource === undefined || !fields.eventSourceIsString) return 'parse';
  const source = fields.eventSource.trim();
  if (source === '') return 'parse';
  if (!INDEXED_SOURCES.has(source)) return 'skip';
  if (source === INSTANCE_CONNECT_SOURCE || options.includeReadOnly) return 'parse';
  const readOnly = fields.readOnly?.trim().toLowerCase();
  if (readOnly !== 'true') return 'parse'; // mutating, or not plainly read-only
  if (fields.errorCode === undefined || (!fields.errorCodeIsString && fields.errorCode === 'null'))
    return 'skip';
  // an error code, unless the empty string (which selectRecord reads as none)
  return fields.errorCodeIsString && fields.errorCode.trim() === '' ? 'skip' : 'parse';
}
