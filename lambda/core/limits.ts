/**
 * Size bounds. Every string copied from a log record into an index item is bounded, so that items
 * stay small (about 1 KB for a typical event) and always far below DynamoDB's 400 KB item limit,
 * whatever an attacker puts into a user agent or an error message.
 */
export const LIMITS = {
  eventId: 128,
  eventName: 128,
  eventSource: 128,
  region: 64,
  accountId: 64,
  errorCode: 128,
  /**
   * On the event item only (`trailwatch event` prints the whole record from its log file): the start of
   * a denial says who was denied what; the rest is mostly the encoded authorization message.
   */
  errorMessage: 128,
  userAgent: 160,
  sourceIp: 128,
  arn: 512,
  name: 256,
  osUser: 64,
  keyComment: 128,
  /** `s3://bucket/key` (keys are up to 1,024 bytes) or `file:///path`. */
  source: 2048,
  /** Instance IDs kept per event (one RunInstances can start a thousand; each is an index item). */
  instanceIdsPerEvent: 1000,
  /** Volume, snapshot, image and security group IDs kept per event. */
  resourceIdsPerEvent: 200,
  /** IDs copied into each index item (the event item keeps all of them). */
  idsPerIndexItem: 20,
  /**
   * Instance and resource IDs (together) kept by a read-only or failed call (`readOnly` true, or an
   * `errorCode`): anyone with any credentials can make denied calls naming a thousand IDs, and each
   * kept ID is an index item. 20 is what one index item shows anyway; the event is marked
   * `idsTruncated` when the call named more.
   */
  idsPerReadOnlyOrFailedCall: 20,
  /** Public key text given to the SSH key parser (an RSA-16384 key is about 2.8 KB). */
  publicKeyText: 16 * 1024,
  /** Lookup keys of one principal. */
  userKeys: 8,
  /** Key pair names kept per event, and the length of each (EC2 allows 255 characters). */
  keyNamesPerEvent: 5,
  keyName: 255,
  /** `AccessFacts.detail` and `AccessFacts.targets`. */
  accessDetail: 200,
  /** A Systems Manager session ID. */
  sessionId: 128,
  /** `[resource ID, private IP]` pairs kept per event (on the event item; each address is a `PRIVATEIP#` item). */
  privateAddressesPerEvent: 200,
  /** Addresses of one `sourceIPAddress` indexed (`IP#`; it can list a few: `81.2.69.142, 192.168.10.10`). */
  sourceAddressesPerEvent: 4,
  /** Upper bound of an index item, whatever the record holds (DynamoDB allows 400 KB). */
  indexItemBytes: 8 * 1024,
  /** Upper bound of an event item, whatever the record holds. */
  eventItemBytes: 48 * 1024,
} as const;

/** The marker appended to a truncated string; the count says how many characters were cut. */
export function truncationMarker(cut: number): string {
  return `…[truncated ${cut} chars]`;
}

/** Returns `value` cut to at most `max` characters (marker included), or unchanged when short enough. */
export function bound(value: string, max: number): string {
  if (value.length <= max) return value;
  // Reserve room for the marker; the count is of characters removed from the original.
  let keep = Math.max(0, max - truncationMarker(value.length).length);
  // do not split a surrogate pair
  const code = value.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep--;
  return value.slice(0, keep) + truncationMarker(value.length - keep);
}

/** `bound` for an optional value. */
export function boundOpt(value: string | undefined, max: number): string | undefined {
  return value === undefined ? undefined : bound(value, max);
}
