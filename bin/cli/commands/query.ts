import { Option } from 'commander';
import { INDEXES } from '../../../lambda/core/indexes';
import { itemToEvent } from '../../../lambda/core/items';
import { lookupPartition, QUERY_LOOKUPS } from '../../../lambda/core/lookup';
import type { CliCommand } from '../command';
import { addHelpExamples, type HelpExample } from '../help';
import { addListOptions, type ListFlags, listNewestFirst } from '../listing';
import { clean, EVENT_COLUMNS, KEY_PUSH_COLUMNS } from '../output';

/**
 * `trailwatch query <kind> <value>`: one subcommand per index of the registry with a lookup
 * (`QUERY_LOOKUPS`), with its alternate option when it has one (`query instance ID --as-actor`).
 */
export const queryCommand: CliCommand = {
  name: 'query',
  description: 'look up events in the index, newest first',
  // the first example of each lookup; each `query <kind> --help` has its own
  examples: QUERY_LOOKUPS.flatMap(([kind]) => examplesOf(kind).slice(0, 1)),
  register(command, { io, run }) {
    for (const [kind, argument, description, alternate] of QUERY_LOOKUPS) {
      const sub = command.command(kind).description(description).argument(argument);
      addHelpExamples(sub, examplesOf(kind));
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

/** The help examples of `query <kind>`, from its index's lookup (`IndexLookup.examples`). */
function examplesOf(kind: string): HelpExample[] {
  const examples = INDEXES.find((i) => i.kind === kind)?.lookup?.examples ?? [];
  return examples.map(([what, args]) => [what, `query ${kind} ${args}`]);
}
