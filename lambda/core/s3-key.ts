import { InvalidS3KeyError, UsageError } from './errors';

/**
 * What a key in a CloudTrail bucket holds:
 * - `log`: a CloudTrail log file,
 *   `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`, to be indexed;
 * - `digest`: a log file integrity digest (`CloudTrail-Digest/`), skipped;
 * - `insight`: a CloudTrail Insights file (`CloudTrail-Insight/`), skipped;
 * - `folder`: a folder marker (key ending in `/`, or a zero-byte object), skipped;
 * - `other`: anything else that is not `.json.gz`, skipped;
 * - `not-cloudtrail`: a `.json.gz` outside CloudTrail's layout (AWS Config writes
 *   `AWSLogs/<account>/Config/…json.gz` beside the trail's files, and a notification filter cannot
 *   tell them apart), skipped: never read (the function may not read it), never retried.
 * Local files are not classified by name: `ingest` reads any file it is given.
 */
export type KeyKind = 'log' | 'digest' | 'insight' | 'folder' | 'other' | 'not-cloudtrail';

/**
 * Decodes an object key as S3 event notifications carry it: URL-encoded, with `+` for a space.
 * @throws InvalidS3KeyError when the percent-encoding is malformed.
 */
export function decodeEventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (error) {
    throw new InvalidS3KeyError('object key in the S3 event is not valid URL encoding', encoded, {
      cause: error,
    });
  }
}

/** Classifies an (already decoded) object key; `size` is the object size when known. */
export function classifyKey(key: string, size?: number): KeyKind {
  if (key.endsWith('/') || size === 0) return 'folder';
  if (/(^|\/)CloudTrail-Digest\//.test(key)) return 'digest';
  if (/(^|\/)CloudTrail-Insight\//.test(key)) return 'insight';
  if (!/\.json\.gz$/i.test(key)) return 'other';
  return parseLogKey(key) ? 'log' : 'not-cloudtrail';
}

/** A human reason for skipping a key of the given kind. */
export function skipReason(kind: Exclude<KeyKind, 'log'>): string {
  switch (kind) {
    case 'digest':
      return 'CloudTrail digest file';
    case 'insight':
      return 'CloudTrail Insights file';
    case 'folder':
      return 'folder marker or empty object';
    case 'other':
      return 'not a .json.gz log file';
    case 'not-cloudtrail':
      return 'not a CloudTrail log file key ([prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz)';
  }
}

/** The parts of a standard CloudTrail log file key. */
export interface LogKeyParts {
  /** Everything before `AWSLogs/` (the trail's S3 key prefix, with its trailing slash), or ''. */
  readonly prefix: string;
  /** The organization ID for organization trails (`AWSLogs/o-…/<account>/…`). */
  readonly organizationId?: string;
  readonly accountId: string;
  readonly region: string;
  /** `YYYY-MM-DD` of the delivery folder. */
  readonly date: string;
  readonly fileName: string;
}

const LOG_KEY =
  /^(?<prefix>(?:.*\/)?)AWSLogs\/(?:(?<org>o-[a-z0-9]{10,32})\/)?(?<account>[^/]+)\/CloudTrail\/(?<region>[^/]+)\/(?<y>\d{4})\/(?<m>\d{2})\/(?<d>\d{2})\/(?<file>[^/]+)$/;

/** Parses `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>`, or undefined. */
export function parseLogKey(key: string): LogKeyParts | undefined {
  const m = LOG_KEY.exec(key);
  const g = m?.groups;
  if (!g) return undefined;
  return {
    prefix: g.prefix ?? '',
    ...(g.org ? { organizationId: g.org } : {}),
    accountId: g.account ?? '',
    region: g.region ?? '',
    date: `${g.y}-${g.m}-${g.d}`,
    fileName: g.file ?? '',
  };
}

/** `s3://bucket/key…` split into bucket and key. @throws UsageError */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url.trim());
  if (!m?.[1]) throw new UsageError(`expected s3://BUCKET[/PREFIX], got '${url}'`, url);
  return { bucket: m[1], key: m[2] ?? '' };
}
