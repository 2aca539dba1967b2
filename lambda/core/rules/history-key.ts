import { createHash } from 'node:crypto';

/**
 * The partitions of the stateful rules' own histories and summaries (a leaf module: the `history`
 * index imports it while the rules themselves may import the index registry through other modules).
 */
export const HISTORY_PREFIX = 'HISTORY#';

/** Keys longer than this (a role session's ARN) are stored as a hash, to keep the items small. */
const KEY_AS_IS = 40;

/**
 * The value of a rule's own history partition under one key: `<rule>#<key>`, the key itself when short
 * (an address, an instance), else 96 bits of its SHA-256 (an assumed-role session ARN is 100–200
 * characters, on every item of the partition).
 */
export function historyValue(rule: string, key: string): string {
  return `${rule}#${shortKey(key)}`;
}

/** A key as it is when short, else `h:` and 96 bits of its SHA-256. */
export function shortKey(key: string): string {
  return key.length <= KEY_AS_IS
    ? key
    : `h:${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;
}

/** The partition key of a rule's own history under one key: `HISTORY#<rule>#<key or its hash>`. */
export function ownHistoryPartition(rule: string, key: string): string {
  return `${HISTORY_PREFIX}${historyValue(rule, key)}`;
}

/**
 * A summary rule's partition (`HistorySpec` kind `summary`) for one index partition it summarises:
 * `SUMMARY#<rule>#<partition>` (`SUMMARY#ssh-key-multi-principal#KEY#SHA256:…`). It holds one item
 * per distinct value (sort key `V#<value or its hash>`) and the verdict item (`SUMMARY_VERDICT_SK`).
 */
export const SUMMARY_PREFIX = 'SUMMARY#';

export function summaryPartition(rule: string, partition: string): string {
  return `${SUMMARY_PREFIX}${rule}#${partition}`;
}

/** The sort key of a summary's value item: `V#<value>`, or `V#h:<hash>` for a long value (an ARN). */
export function summaryValueKey(value: string): string {
  return `V#${shortKey(value)}`;
}

/**
 * The sort key of a summary's verdict item: it sorts after every value (`~` after `V`), so the
 * newest-first read of the partition returns it first, whatever the limit.
 */
export const SUMMARY_VERDICT_SK = '~VERDICT';
