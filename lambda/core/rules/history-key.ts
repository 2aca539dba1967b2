/**
 * The partitions of the stateful rules' own histories (a leaf module: the `history` index imports it
 * while the rules themselves may import the index registry through other modules).
 */
export const HISTORY_PREFIX = 'HISTORY#';

/** The partition key of a rule's own history under one key: `HISTORY#<rule>#<key>`. */
export function ownHistoryPartition(rule: string, key: string): string {
  return `${HISTORY_PREFIX}${rule}#${key}`;
}
