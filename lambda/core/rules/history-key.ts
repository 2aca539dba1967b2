import { createHash } from 'node:crypto';

/**
 * The partitions of the stateful rules' own histories (a leaf module: the `history` index imports it
 * while the rules themselves may import the index registry through other modules).
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
  const shown =
    key.length <= KEY_AS_IS ? key : `h:${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;
  return `${rule}#${shown}`;
}

/** The partition key of a rule's own history under one key: `HISTORY#<rule>#<key or its hash>`. */
export function ownHistoryPartition(rule: string, key: string): string {
  return `${HISTORY_PREFIX}${historyValue(rule, key)}`;
}
