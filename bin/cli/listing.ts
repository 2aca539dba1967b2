import type { Command } from 'commander';
import { EXIT, type Io } from './io';
import {
  addRangeOptions,
  addStoreOptions,
  inRange,
  type RangeFlags,
  type StoreFlags,
  timeRange,
  withStore,
} from './options';
import { type Column, printList } from './output';

/** The commands that list one partition newest first (`query <kind>`, `findings`). */

export interface ListFlags extends RangeFlags, StoreFlags {
  wide?: boolean;
}

/** The time range, `--limit`, `--json`, `--wide` and the store options. */
export function addListOptions(cmd: Command): Command {
  return addStoreOptions(
    addRangeOptions(cmd).option(
      '--wide',
      'print every column and every value in full, principals as their ARN, whatever the terminal width',
    ),
  );
}

export interface Listing<T> {
  /** The partition. */
  readonly pk: string;
  readonly toRow: (item: Readonly<Record<string, unknown>>) => T;
  /** `events` or `findings`. */
  readonly noun: string;
  readonly columns: readonly Column<T>[];
  /** The line when there is nothing, given where it was looked for (`the <store>[ in that time range]`). */
  readonly none: (where: string) => string;
}

/** Prints the newest items of a partition within the flags' time range and limit. */
export async function listNewestFirst<T>(flags: ListFlags, io: Io, listing: Listing<T>): Promise<number> {
  const range = timeRange(flags, io.now());
  return withStore(flags, io, async (opened) => {
    const { items, more } = await opened.store.query(listing.pk, { ...range, nowMs: io.now() });
    printList(io, items.map(listing.toRow), more, {
      json: flags.json === true,
      wide: flags.wide === true,
      noun: listing.noun,
      columns: listing.columns,
      none: listing.none(`the ${opened.description}${inRange(range)}`),
    });
    return EXIT.ok;
  });
}
