import { UsageError } from '../errors';
import type { IndexedEvent } from '../event';

/**
 * One index: a partition per value drawn from an event (an instance ID, a user lookup key, …), each
 * holding an index item per event, and `trailwatch query <kind> <value>` to read it. Everything
 * else follows from the entry in `INDEXES` (./index.ts): the items `buildItems` writes, the findings
 * `recordFinding` marks on them, the `query` subcommand, its argument check and its help.
 * An index without `lookup` is internal: its partitions are written and marked the same way, but it
 * has no `query` subcommand (other commands read it: `SESSION#`, `PRIVATEIP#`, `ACTOR#`).
 */
export interface IndexDefinition<Kind extends string = string> {
  /** The `kind` of its items, and the lookup kind: `trailwatch query <kind>`. */
  readonly kind: Kind;
  /** What starts its partition keys: `INSTANCE#`. */
  readonly prefix: string;
  /** The partition key of a value: the prefix and the value (normalized). */
  partitionKey(value: string): string;
  /**
   * The values an event is indexed under, one partition each. Runs for every indexed event: return a
   * list the event already holds where there is one, not a copy.
   */
  valuesOf(event: IndexedEvent): readonly string[];
  /** Its `trailwatch query <kind>` subcommand; none for an internal index. */
  readonly lookup?: IndexLookup;
  /** See `IndexSpec.readByRules`. */
  readonly readByRules: boolean;
}

/** An index with a `trailwatch query <kind>` subcommand. */
export interface QueryIndex<Kind extends string = string> extends IndexDefinition<Kind> {
  readonly lookup: IndexLookup;
}

/** An internal index: no `query` subcommand. */
export interface InternalIndex<Kind extends string = string> extends IndexDefinition<Kind> {
  readonly lookup?: undefined;
}

/** `trailwatch query <kind> <argument>`. */
export interface IndexLookup {
  /** The argument as the help shows it: `<id>`. */
  readonly argument: string;
  /** One line of help. */
  readonly description: string;
  /**
   * Examples for `trailwatch query <kind> --help`, with real-looking values: what each shows, and the
   * arguments after `query <kind> `.
   */
  readonly examples: readonly (readonly [what: string, args: string])[];
  /**
   * The value whose partition answers what the user typed (`value` trimmed and not empty, `typed` as
   * typed, for messages). Checks it first, so a typo is a usage error with a hint rather than an empty
   * answer.
   * @throws UsageError
   */
  valueOf(value: string, typed: string): string;
  /**
   * A boolean option of the subcommand that reads another index's partition of the same value
   * instead: `query instance ID --as-actor` reads `ACTOR#<id>` (what the instance did with its own
   * credentials) rather than `INSTANCE#<id>` (what was done to it). The value is checked by
   * `valueOf` either way.
   */
  readonly alternate?: IndexAlternate;
}

/** See `IndexLookup.alternate`. */
export interface IndexAlternate {
  /** The option as commander takes it: `--as-actor`. */
  readonly option: string;
  /** Its line in the subcommand's help. */
  readonly description: string;
  /** What the empty answer says the events are: `made by instance` (`No events made by instance i-…`). */
  readonly subject: string;
  /** The index whose partition answers with the option. */
  readonly index: Pick<IndexDefinition, 'kind' | 'partitionKey'>;
}

export interface IndexSpec<Kind extends string> {
  readonly kind: Kind;
  readonly prefix: string;
  /** Applied to a value before it goes into the key (e.g. lower case); @default as it is */
  readonly normalize?: (value: string) => string;
  readonly valuesOf: (event: IndexedEvent) => readonly string[];
  /** Its `query` subcommand; leave it out for an internal index. */
  readonly lookup?: IndexLookup;
  /**
   * The stateful rules read its partitions while files are ingested (an SSH key's pushes, a rule's
   * own history). The partitions of every other index are only written then, so the local store
   * builds their part of its key index at the end of a new store's first ingest, at once
   * (bin/cli/local-store/deferred-index.ts); a rule that reads one still gets its answer, the index
   * built first. @default false
   */
  readonly readByRules?: boolean;
}

/**
 * An index from its spec (the kind stays a literal type, so `ItemKind` lists it; with a `lookup` it
 * is a `QueryIndex`, so `LookupKind` lists it too).
 */
export function defineIndex<const Kind extends string>(
  spec: IndexSpec<Kind> & { readonly lookup: IndexLookup },
): QueryIndex<Kind>;
export function defineIndex<const Kind extends string>(
  spec: IndexSpec<Kind> & { readonly lookup?: undefined },
): InternalIndex<Kind>;
export function defineIndex<const Kind extends string>(spec: IndexSpec<Kind>): IndexDefinition<Kind> {
  const { prefix, normalize } = spec;
  const index: IndexDefinition<Kind> = {
    kind: spec.kind,
    prefix,
    partitionKey: normalize ? (value) => `${prefix}${normalize(value)}` : (value) => `${prefix}${value}`,
    valuesOf: spec.valuesOf,
    readByRules: spec.readByRules === true,
  };
  return spec.lookup ? { ...index, lookup: spec.lookup } : index;
}

/** What `valuesOf` returns for an event with no value (shared: never modified). */
export const NO_VALUES: readonly string[] = Object.freeze([]);

/**
 * `lookup.valueOf` of an index of IDs: the ID when `isId` accepts it, else a usage error saying what
 * the ID should look like, with a hint when the value is an ID of another index.
 */
export function idLookup(
  kind: string,
  isId: (id: string) => boolean,
  notAnId: string,
  elsewhere?: { readonly isId: (id: string) => boolean; readonly hint: string },
): IndexLookup['valueOf'] {
  return (id, typed) => {
    if (isId(id)) return id;
    const hint = elsewhere?.isId(id) ? ` (${elsewhere.hint})` : '';
    throw new UsageError(`'${typed}' ${notAnId}${hint}`, kind);
  };
}

/** An index of AWS resource IDs: values are case-insensitive (lower case in keys), looked up by `<id>`. */
export function defineIdIndex<const Kind extends string>(spec: {
  readonly kind: Kind;
  readonly prefix: string;
  readonly valuesOf: (event: IndexedEvent) => readonly string[];
  readonly description: string;
  /** See `IndexLookup.examples`. */
  readonly examples: IndexLookup['examples'];
  readonly isId: (id: string) => boolean;
  /** What the message says of a value `isId` refuses: `is not an instance ID (…)`. */
  readonly notAnId: string;
  /** A value that is an ID of another index gets this hint. */
  readonly elsewhere: { readonly isId: (id: string) => boolean; readonly hint: string };
  /** See `IndexLookup.alternate`. */
  readonly alternate?: IndexAlternate;
}): QueryIndex<Kind> {
  return defineIndex({
    kind: spec.kind,
    prefix: spec.prefix,
    normalize: (id) => id.toLowerCase(),
    valuesOf: spec.valuesOf,
    lookup: {
      argument: '<id>',
      description: spec.description,
      examples: spec.examples,
      valueOf: idLookup(spec.kind, spec.isId, spec.notAnId, spec.elsewhere),
      ...(spec.alternate ? { alternate: spec.alternate } : {}),
    },
  });
}
