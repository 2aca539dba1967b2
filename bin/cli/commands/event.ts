import { Option } from 'commander';
import { itemToConflict } from '../../../lambda/core/conflicts';
import { UsageError } from '../../../lambda/core/errors';
import { itemToEvent } from '../../../lambda/core/items';
import type { CliCommand } from '../command';
import { loadRecord, readEventFindings } from '../event-reader';
import { EXIT, type Io } from '../io';
import { addStoreOptions, type StoreFlags, withStore } from '../options';
import { clean, jsonLine, renderConflicts, renderEventDetails, renderRecord } from '../output';

/** `trailwatch event <eventId>`: one event in full, with the record from its log file. */
export const eventCommand: CliCommand = {
  name: 'event',
  description: 'one event in full: its summary and the record from its log file',
  examples: [
    [
      'an event and its record (event IDs: the last column of query and findings)',
      'event 0968cbec-f8df-43f3-94ba-b451aad083ed',
    ],
    ['without reading its log file', 'event 0968cbec-f8df-43f3-94ba-b451aad083ed --no-record'],
    ['the record alone', "event 0968cbec-f8df-43f3-94ba-b451aad083ed --json | jq '.record'"],
  ],
  register(command, { io, run }) {
    addStoreOptions(
      command
        .argument('<eventId>', 'the eventID')
        .option('--json', 'print one JSON object')
        .addOption(new Option('--no-record', 'do not read the full record from the log file')),
    ).action((eventID: string, flags: EventFlags) => run(() => runEvent(eventID, flags, io)));
  },
};

interface EventFlags extends StoreFlags {
  json?: boolean;
  record?: boolean;
}

async function runEvent(eventID: string, flags: EventFlags, io: Io): Promise<number> {
  const id = eventID.trim();
  if (id === '') throw new UsageError('event ID is empty', 'EVENT_ID');
  return withStore(flags, io, async (opened) => {
    const {
      event: item,
      conflicts: conflictItems,
      moreConflicts,
    } = await opened.store.getEventWithConflicts(id);
    if (!item) {
      io.err(`trailwatch: event ${clean(id)}: not found in the ${opened.description}`);
      return EXIT.inputFailed;
    }
    const event = itemToEvent(item);
    const findingDetails = await readEventFindings(opened.store, event, io.now());
    const loaded = flags.record === false ? {} : await loadRecord(event.source, event.eventID, io.env);
    const conflicts = conflictItems.map(itemToConflict);
    if (flags.json) {
      io.out(
        jsonLine({
          ...event,
          findingDetails,
          conflicts,
          ...(loaded.record ? { record: loaded.record } : {}),
        }),
      );
    } else {
      io.out(renderEventDetails(event, findingDetails));
      if (conflicts.length > 0) io.out(renderConflicts(conflicts, moreConflicts));
      if (loaded.record) io.out(`\nRecord:\n${renderRecord(loaded.record)}`);
    }
    if (loaded.problem) io.err(`trailwatch: full record not shown: ${clean(loaded.problem)}`);
    return EXIT.ok;
  });
}
