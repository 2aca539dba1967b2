import {
  InvalidMessageError,
  MessageFailedError,
  OutOfTimeError,
  type TrailwatchError,
  UsageError,
} from './errors';
import type { FileStats } from './file-stats';
import { field, isObject, text } from './json';
import type { MetricsSink } from './metrics';
import type { IndexStore } from './pipeline';
import { type ObjectReader, processObject, s3LogFile } from './process-object';
import { classifyKey, decodeEventKey, type KeyKind, parseLogKey, skipReason } from './s3-key';
import type { Settings } from './settings';
import type { TimeBudget } from './time-budget';

export type { ObjectReader } from './process-object';

/**
 * One SQS message announcing delivered log files, from S3 event notifications (what the stack sets
 * up for its own bucket), S3's events through EventBridge (what it sets up for an existing bucket),
 * the same wrapped in SNS, or CloudTrail's own SNS notification (`s3Bucket`, `s3ObjectKey[]`).
 */

export interface AnnouncedObject {
  readonly bucket: string;
  /** Decoded key (S3 event notifications URL-encode it, with `+` for a space). */
  readonly key: string;
  /** Size when announced. */
  readonly size?: number;
}

export type Notification =
  | { readonly kind: 'test' }
  | { readonly kind: 'objects'; readonly objects: readonly AnnouncedObject[] };

const MAX_OBJECTS_PER_MESSAGE = 1000;

/** @throws InvalidMessageError when the body is not a notification of one of the known kinds */
export function parseNotification(body: string): Notification {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new InvalidMessageError(`message body is not JSON (${JSON.stringify(body.slice(0, 60))}…)`);
  }
  // SNS envelope (a topic between S3 or CloudTrail and the queue, without raw delivery)
  if (field(message, 'Type') === 'Notification' && typeof field(message, 'Message') === 'string') {
    try {
      message = JSON.parse(field(message, 'Message') as string);
    } catch {
      throw new InvalidMessageError('SNS notification whose Message is not JSON');
    }
  }
  if (field(message, 'Event') === 's3:TestEvent') return { kind: 'test' };

  const records = field(message, 'Records');
  if (Array.isArray(records)) {
    const objects: AnnouncedObject[] = [];
    for (const r of records.slice(0, MAX_OBJECTS_PER_MESSAGE)) {
      if (field(r, 'eventSource') !== 'aws:s3')
        throw new InvalidMessageError('Records of the message are not S3 event notifications');
      if (!text(r, 'eventName')?.startsWith('ObjectCreated:')) continue;
      const s3 = field(r, 's3');
      const bucket = text(field(s3, 'bucket'), 'name');
      const rawKey = field(field(s3, 'object'), 'key');
      if (!bucket || typeof rawKey !== 'string')
        throw new InvalidMessageError('S3 event notification without bucket name or object key');
      const size = field(field(s3, 'object'), 'size');
      objects.push({ bucket, key: decodeEventKey(rawKey), ...(typeof size === 'number' ? { size } : {}) });
    }
    return { kind: 'objects', objects };
  }

  // S3's event through EventBridge (an existing bucket): one object, its key not URL-encoded
  if (field(message, 'source') === 'aws.s3' && isObject(field(message, 'detail')))
    return { kind: 'objects', objects: eventBridgeObjects(message) };

  // CloudTrail's SNS notification of a delivered file
  const ctBucket = text(message, 's3Bucket');
  const ctKeys = field(message, 's3ObjectKey');
  if (ctBucket && Array.isArray(ctKeys)) {
    return {
      kind: 'objects',
      objects: ctKeys
        .filter((k): k is string => typeof k === 'string')
        .slice(0, MAX_OBJECTS_PER_MESSAGE)
        .map((key) => ({ bucket: ctBucket, key })),
    };
  }
  throw new InvalidMessageError(
    isObject(message) ? 'message is not an S3 event notification' : 'message body is not a JSON object',
  );
}

/**
 * The object of an S3 event delivered by EventBridge (`source: aws.s3`): `Object Created` names one;
 * other S3 events (deletions, restores, ACL changes) announce nothing to index.
 * @throws InvalidMessageError when an `Object Created` event lacks the bucket name or object key
 */
function eventBridgeObjects(message: unknown): AnnouncedObject[] {
  if (field(message, 'detail-type') !== 'Object Created') return [];
  const detail = field(message, 'detail');
  const bucket = text(field(detail, 'bucket'), 'name');
  const key = field(field(detail, 'object'), 'key');
  if (!bucket || typeof key !== 'string' || key === '')
    throw new InvalidMessageError('EventBridge S3 event without bucket name or object key');
  const size = field(field(detail, 'object'), 'size');
  return [{ bucket, key, ...(typeof size === 'number' ? { size } : {}) }];
}

/** A key as S3 event notifications write it: URL-encoded, `/` kept, a space as `+`. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/**
 * The body of the message S3 sends for a new object (event notification 2.1), for announcing
 * existing log files to the ingest queue as if they had just been delivered (`backfill --queue`).
 */
export function objectCreatedMessage(
  bucket: string,
  object: { key: string; size: number },
  nowMs: number,
): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: new Date(nowMs).toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'trailwatch-backfill' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'trailwatch-backfill',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeEventKey(object.key), size: object.size },
        },
      },
    ],
  });
}

/** Structured log lines (Powertools Logger fits). */
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** Environment variables of the function naming its log bucket (set by the stack). */
export const LOG_BUCKET_ENV = 'TRAILWATCH_LOG_BUCKET';
/** The trail's S3 key prefix in front of `AWSLogs/` (optional; empty or unset: none). */
export const LOG_KEY_PREFIX_ENV = 'TRAILWATCH_LOG_KEY_PREFIX';

/** The one bucket (and key prefix) whose objects the function reads. */
export interface LogLocation {
  readonly bucket: string;
  /** What comes before `AWSLogs/` in every log key: '' or a prefix ending in `/`. */
  readonly keyPrefix: string;
}

/**
 * The log location from the environment.
 * @throws UsageError when the bucket is not set, or the prefix is not a key prefix
 */
export function logLocationFromEnv(env: Readonly<Record<string, string | undefined>>): LogLocation {
  const bucket = env[LOG_BUCKET_ENV]?.trim() ?? '';
  if (bucket === '')
    throw new UsageError(
      'is not set: the function reads the objects of its log bucket only, and must be told its name',
      LOG_BUCKET_ENV,
    );
  return { bucket, keyPrefix: normalizeKeyPrefix(env[LOG_KEY_PREFIX_ENV] ?? '', LOG_KEY_PREFIX_ENV) };
}

/**
 * A trail's key prefix as it appears in keys: '' or `prefix/` (CloudTrail's S3KeyPrefix is given
 * without the slash it puts after it). @throws UsageError
 */
export function normalizeKeyPrefix(value: string, name: string): string {
  const p = value.trim();
  if (p === '') return '';
  if (p.startsWith('/') || p.length > 200)
    throw new UsageError(
      `expected the trail's key prefix in front of AWSLogs/ (like 'my-org-trail', at most 200 characters), got '${value}'`,
      name,
    );
  return p.endsWith('/') ? p : `${p}/`;
}

/** Why an announced object is not the function's to read, or undefined when it is. */
export function refusalReason(object: AnnouncedObject, location: LogLocation): string | undefined {
  if (object.bucket !== location.bucket)
    return `bucket ${JSON.stringify(object.bucket.slice(0, 80))} is not the log bucket ${location.bucket}`;
  // a log key's prefix is exactly the trail's: nothing else is the function's to read
  const parts = parseLogKey(object.key);
  if (!object.key.startsWith(location.keyPrefix) || (parts && parts.prefix !== location.keyPrefix))
    return `key outside the log key prefix ${JSON.stringify(location.keyPrefix)}`;
  return undefined;
}

export interface NotificationDeps {
  /**
   * The bucket (and key prefix) of the trail's log files: objects of other buckets, or outside the
   * prefix, are refused (logged, counted in `ObjectsRefused`, acknowledged), never read.
   */
  readonly logLocation: LogLocation;
  readonly reader: ObjectReader;
  readonly store: IndexStore;
  readonly settings: Settings;
  readonly metrics?: MetricsSink;
  readonly log?: Log;
  /** The invocation's time: files are not started, or are abandoned, when it runs low. */
  readonly budget?: TimeBudget;
  /** Clock, for TTLs and file markers. @default Date.now */
  readonly now?: () => number;
}

export interface ObjectOutcome {
  readonly object: AnnouncedObject;
  /** `refused`: not in the log bucket or under its prefix. */
  readonly kind: KeyKind | 'refused';
  readonly stats?: FileStats;
  readonly error?: TrailwatchError;
}

/**
 * Processes one message: every announced log file is read and indexed; objects of other buckets or
 * outside the trail's key prefix are refused; digests, Insights files, folder markers, keys that
 * are not CloudTrail log files (AWS Config's) and other keys are skipped; a test event is
 * acknowledged. Refused and skipped objects are never read, and do not fail the message.
 * @throws MessageFailedError naming every file that failed, after the others were processed, so
 *   that the message is redelivered (and, after its retries, lands in the dead-letter queue).
 */
export async function processNotification(body: string, deps: NotificationDeps): Promise<ObjectOutcome[]> {
  const notification = parseNotification(body);
  if (notification.kind === 'test') {
    deps.log?.info('S3 test event acknowledged');
    return [];
  }
  const outcomes: ObjectOutcome[] = [];
  for (const object of notification.objects) outcomes.push(await processAnnounced(object, deps));
  const failed = outcomes.filter((o) => o.error);
  if (failed.length > 0) {
    throw new MessageFailedError(
      `${failed.length} of ${outcomes.length} file(s) failed: ${failed.map((o) => o.error?.describe()).join('; ')}`,
    );
  }
  return outcomes;
}

/** One announced object: refused, skipped by its key, or processed (`processObject`). */
async function processAnnounced(object: AnnouncedObject, deps: NotificationDeps): Promise<ObjectOutcome> {
  const source = `s3://${object.bucket}/${object.key}`;
  const refused = refusalReason(object, deps.logLocation);
  if (refused !== undefined) {
    // whoever may send to the queue cannot make the function read anything else
    deps.metrics?.count('ObjectsRefused', 1);
    deps.log?.warn('object refused', { source: source.slice(0, 2048), reason: refused });
    return { object, kind: 'refused' };
  }
  const kind = classifyKey(object.key, object.size);
  if (kind !== 'log') {
    deps.log?.info('skipped', { source, reason: skipReason(kind) });
    return { object, kind };
  }
  const result = await processObject(s3LogFile(deps.reader, object, deps.settings), deps);
  if (result.stats) logStats(deps.log, result.stats);
  const { error } = result;
  if (error === undefined) {
    const { stats } = result;
    return { object, kind, stats, ...(stats.error ? { error: stats.error } : {}) };
  }
  // failed outside the pipeline (which counted its own): not started, unreadable, not marked
  if (error instanceof OutOfTimeError) {
    deps.metrics?.count('FilesDeferred', 1);
    deps.log?.warn('file deferred', { source, error: error.describe() });
  } else {
    deps.metrics?.count('FilesFailed', 1);
    deps.log?.error('file failed', { source, error: error.describe() });
  }
  return { object, kind, error };
}

function logStats(log: Log | undefined, stats: FileStats): void {
  if (!log) return;
  const { rejections, conflictReports, error, ...counts } = stats;
  // both files of each conflict: this one (`source`) and the one of the indexed record
  if (stats.conflicts > 0)
    log.warn('records reuse the eventID of indexed events with other content: not indexed', {
      source: stats.source,
      conflicts: stats.conflicts,
      conflictReports,
    });
  if (error instanceof OutOfTimeError) log.warn('file deferred', { ...counts, error: error.describe() });
  else if (error) log.error('file failed', { ...counts, error: error.describe(), rejections });
  else if (stats.rejected > 0) log.warn('file indexed with rejected records', { ...counts, rejections });
  else log.info('file indexed', counts);
}
