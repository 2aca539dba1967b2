import { itemToEvent } from '../../../lambda/core/items';
import { lookupPartition, QUERY_LOOKUPS } from '../../../lambda/core/lookup';
import type { CliCommand } from '../command';
import { addListOptions, type ListFlags, listNewestFirst } from '../listing';
import { clean, EVENT_COLUMNS, KEY_PUSH_COLUMNS } from '../output';

/** `trailwatch query <kind> <value>`: one subcommand an index of the registry (`QUERY_LOOKUPS`). */
export const queryCommand: CliCommand = {
  name: 'query',
  description: 'look up events in the index, newest first',
  register(command, { io, run }) {
    for (const [kind, argument, description] of QUERY_LOOKUPS) {
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
