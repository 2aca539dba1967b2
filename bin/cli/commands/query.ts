import { Option } from 'commander';
import { itemToEvent } from '../../../lambda/core/items';
import { lookupPartition, QUERY_LOOKUPS } from '../../../lambda/core/lookup';
import type { CliCommand } from '../command';
import { addListOptions, type ListFlags, listNewestFirst } from '../listing';
import { clean, EVENT_COLUMNS, KEY_PUSH_COLUMNS } from '../output';

/**
 * `trailwatch query <kind> <value>`: one subcommand per index of the registry with a lookup
 * (`QUERY_LOOKUPS`), with its alternate option when it has one (`query instance ID --as-actor`).
 */
export const queryCommand: CliCommand = {
  name: 'query',
  description: 'look up events in the index, newest first',
  register(command, { io, run }) {
    for (const [kind, argument, description, alternate] of QUERY_LOOKUPS) {
      const sub = command.command(kind).description(description).argument(argument);
      const option = alternate && new Option(alternate.option, alternate.description);
      if (option) sub.addOption(option);
      addListOptions(sub).action((value: string, flags: ListFlags & Record<string, unknown>) => {
        const asAlternate = option !== undefined && flags[option.attributeName()] === true;
        const subject = asAlternate && alternate ? alternate.subject : `for ${kind}`;
        return run(() =>
          listNewestFirst(flags, io, {
            pk: lookupPartition(kind, value, { alternate: asAlternate }),
            toRow: itemToEvent,
            noun: 'events',
            columns: kind === 'key' ? KEY_PUSH_COLUMNS : EVENT_COLUMNS,
            none: (where) => `No events ${subject} ${clean(value)} in ${where}.`,
          }),
        );
      });
    }
  },
};
