import { UsageError } from './errors';
import { INDEXES, type IndexAlternate, type IndexDefinition, type QueryIndexKind } from './indexes';

/** The things a user can look up (`trailwatch query <kind> <value>`): one per index with a `lookup`. */
export type LookupKind = QueryIndexKind;

/** Kind, argument, help, and the alternate option when there is one. */
export type QueryLookup = readonly [LookupKind, string, string, IndexAlternate?];

/**
 * The `trailwatch query` subcommands: kind, argument and help of each index with a `lookup`, in
 * `INDEXES` order, and its alternate option when it has one (`instance`: `--as-actor`).
 */
export const QUERY_LOOKUPS: readonly QueryLookup[] = INDEXES.flatMap((index: IndexDefinition) => {
  const { lookup } = index;
  if (!lookup) return [];
  const kind = index.kind as LookupKind;
  const entry: QueryLookup = lookup.alternate
    ? [kind, lookup.argument, lookup.description, lookup.alternate]
    : [kind, lookup.argument, lookup.description];
  return [entry];
});

/**
 * The partition that answers a lookup (with `alternate`, that of the lookup's alternate index:
 * `query instance ID --as-actor`). Validates the value first, so a typo is a usage error with a
 * hint rather than an empty answer.
 * @throws UsageError
 */
export function lookupPartition(
  kind: LookupKind,
  value: string,
  options: { readonly alternate?: boolean } = {},
): string {
  const v = value.trim();
  if (v === '') throw new UsageError(`${kind} is empty`, kind);
  const index: IndexDefinition | undefined = INDEXES.find((i) => i.kind === kind);
  const lookup = index?.lookup;
  if (!index || !lookup) throw new UsageError(`unknown lookup '${kind}'`, kind);
  const checked = lookup.valueOf(v, value);
  if (!options.alternate) return index.partitionKey(checked);
  if (!lookup.alternate) throw new UsageError(`query ${kind} has no alternate partition`, kind);
  return lookup.alternate.index.partitionKey(checked);
}
