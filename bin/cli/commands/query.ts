import { itemToEvent } from '../../../lambda/core/items';
import { lookupPartition } from '../../../lambda/core/lookup';
import type { CliCommand } from '../command';
import { addListOptions, type ListFlags, listNewestFirst } from '../listing';
import { LOOKUPS } from '../lookups';
import { clean, EVENT_COLUMNS, KEY_PUSH_COLUMNS } from '../output';

/** `trailwatch query <kind> <value>`: one subcommand a lookup kind of `LOOKUPS`. */
export const queryCommand: CliCommand = {
  name: 'query',
  description: 'look up events in the index, newest first',
  register(command, { io, run }) {
    for (const { kind, argument, description } of LOOKUPS) {
      addListOptions(command.command(kind).description(description).argument(argument)).action(
        (value: string, flags: ListFlags) =>
          run(() =>
            listNewestFirst(flags, io, {
              pk: lookupPartition(kind, value),
              toRow: itemToEvent,
              noun: 'events',
              columns: kind === 'key' ? KEY_PUSH_COLUMNS : EVENT_COLUMNS,
              none: (where) => `No events for ${kind} ${clean(value)} in ${where}.`,
            }),
          ),
      );
    }
  },
};
