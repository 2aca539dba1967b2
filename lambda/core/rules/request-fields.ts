import { field, isObject } from '../json';
import { bound } from '../limits';

/**
 * Readers of the request and response shapes CloudTrail writes for EC2 calls, for the threat rules
 * (their `evaluate` gets the record's `requestParameters` and `responseElements` as parsed). Every
 * value may be absent or of any type; lists are read up to `MAX_ITEMS` entries (a denied call can name
 * thousands), and text put in a finding's detail is plain and bounded (`shown`, `detail`).
 */

/** Entries read from one list of a request (ModifySnapshotAttribute takes up to 500 at once). */
export const MAX_ITEMS = 1000;
/** Upper bound of a finding's detail. */
export const DETAIL_MAX = 300;
/** Values named one by one in a detail (`accounts 1, 2, 3 and 4 more`). */
const NAMED_MAX = 3;

/**
 * The entries of a CloudTrail list: `{"items": [...]}` (the EC2 query API's lists), a plain array, or
 * one object where the XML-shaped records (DeleteFlowLogs, ModifySecurityGroupRules) write a single
 * entry without a list.
 */
export function itemsOf(value: unknown): readonly unknown[] {
  const list = isObject(value) && Object.hasOwn(value, 'items') ? field(value, 'items') : value;
  if (Array.isArray(list)) return list.length > MAX_ITEMS ? list.slice(0, MAX_ITEMS) : list;
  return isObject(list) ? [list] : [];
}

/**
 * A scalar field as text: strings trimmed, finite numbers, and the `{"content": …, "tag": 1}` wrapper
 * of the XML-shaped records. Undefined for anything else or an empty string.
 */
export function scalar(obj: unknown, key: string): string | undefined {
  let v = field(obj, key);
  if (isObject(v)) v = field(v, 'content');
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An integer field (`22`, `"22"`, `-1`), else undefined. */
export function integer(obj: unknown, key: string): number | undefined {
  const t = scalar(obj, key);
  return t !== undefined && /^-?\d{1,6}$/.test(t) ? Number(t) : undefined;
}

/** Record text made fit for a detail: control characters replaced, at most `max` characters. */
export function shown(value: string, max = 64): string {
  return bound(value.replace(/\p{Cc}/gu, '?'), max);
}

/** `a`, `a, b`, `a, b, c and 4 more`: the first few of a list, each `shown`. */
export function named(values: readonly string[], max = 64): string {
  const first = values.slice(0, NAMED_MAX).map((v) => shown(v, max));
  const more = values.length - first.length;
  return more > 0 ? `${first.join(', ')} and ${more} more` : first.join(', ');
}

/** A finding's detail, bounded. */
export function detail(text: string): string {
  return bound(text, DETAIL_MAX);
}
