import type { IndexStore } from './pipeline';

/**
 * The store port: everything the pipeline, the rules and the CLI's commands ask of a store. Two
 * adapters implement it with the same semantics: `EventStore` (lambda/store/, DynamoDB: the Lambda,
 * `--table`) and the CLI's embedded store (bin/cli/local-store/). One suite of store-contract tests
 * runs against both (test/integration/store-contract.test.ts).
 *
 * Semantics both keep: items keyed by (pk, sk); `write` replaces whole items; `putItemIfAbsent` and
 * `createItem` are "once" writes (the first writer wins, atomically); `addToStringSet` adds to a
 * string set of an existing item and leaves a missing item missing, and `addToStringSets` does several
 * of those at once (the pipeline records an event's findings with it: `FindingStore`, part of
 * `IndexStore`); reads are by partition, newest first (descending sk) unless asked otherwise,
 * optionally within a time range of the sort key, paged; a read with no time range returns every item
 * of the partition whatever its sort key (`readPartition` of a summary partition reads its
 * `~VERDICT` item first: lambda/core/summaries.ts); items past their TTL (`expiresAt`, epoch seconds)
 * are never returned. Items read are the caller's to read, not to change: a store may give the same
 * frozen object to several reads (the CLI's read cache, bin/cli/local-store/read-cache.ts).
 */

export interface QueryOptions {
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** Maximum items to return. */
  readonly limit?: number;
  /** @default true */
  readonly newestFirst?: boolean;
  /** Continue after this key (from a previous page). */
  readonly startKey?: Record<string, unknown>;
  /** Time for filtering out items past their TTL that DynamoDB has not deleted yet. @default Date.now() */
  readonly nowMs?: number;
  /** Read the whole partition, whatever its sort keys (event items); the time range is ignored. */
  readonly wholePartition?: boolean;
  /** Strongly consistent read. @default false */
  readonly consistent?: boolean;
}

export interface QueryPage {
  readonly items: Record<string, unknown>[];
  /** Set when more items may follow. */
  readonly nextKey?: Record<string, unknown>;
}

/** Requests sent, items left unprocessed by a batch, requests failed with a retryable error. */
export interface WriteMetrics {
  requests: number;
  retriedItems: number;
  throttles: number;
}

/** Strings to add to a string-set attribute of an existing item (a missing item stays missing). */
export interface StringSetAddition {
  readonly pk: string;
  readonly sk: string;
  readonly attribute: string;
  readonly values: readonly string[];
}

export interface TrailStore extends IndexStore {
  /** Request counters (for summaries and the benchmark). */
  readonly metrics: WriteMetrics;
  /** One page of a partition, newest first, within the time range. */
  queryPage(pk: string, options?: QueryOptions): Promise<QueryPage>;
  /** Up to `limit` items of a partition (following pages as needed), newest first. */
  query(pk: string, options?: QueryOptions): Promise<{ items: Record<string, unknown>[]; more: boolean }>;
  /** The event item of an eventID, or undefined. */
  getEvent(eventID: string): Promise<Record<string, unknown> | undefined>;
  /** The event item of an eventID and the conflict items of the records that reused its eventID. */
  getEventWithConflicts(eventID: string): Promise<{
    event?: Record<string, unknown>;
    conflicts: Record<string, unknown>[];
    moreConflicts: boolean;
  }>;
  /** Creates the table (or its local equivalent) when missing; true when it was created. */
  createTableIfMissing(): Promise<boolean>;
}
