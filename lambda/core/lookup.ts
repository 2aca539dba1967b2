import { UsageError } from './errors';
import { INDEXES, type IndexKind } from './indexes';

/** The things a user can look up (`trailwatch query <kind> <value>`): one per index. */
export type LookupKind = IndexKind;

/** The `trailwatch query` subcommands: kind, argument and help of each index, in `INDEXES` order. */
export const QUERY_LOOKUPS: readonly (readonly [LookupKind, string, string])[] = INDEXES.map(
  (index) => [index.kind, index.lookup.argument, index.lookup.description] as const,
);

/**
 * The partition that answers a lookup. Validates the value first, so a typo is a usage error with a
 * hint rather than an empty answer.
 * @throws UsageError
 */
export function lookupPartition(kind: LookupKind, value: string): string {
  const v = value.trim();
  if (v === '') throw new UsageError(`${kind} is empty`, kind);
  const index = INDEXES.find((i) => i.kind === kind);
  if (!index) throw new UsageError(`unknown lookup '${kind}'`, kind);
  return index.partitionKey(index.lookup.valueOf(v, value));
}
