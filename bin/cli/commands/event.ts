import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';
import { itemToConflict } from '../../../lambda/core/conflicts';
import { TrailwatchError, UsageError } from '../../../lambda/core/errors';
import type { IndexedEvent } from '../../../lambda/core/event';
import { type FindingLine, itemToFinding } from '../../../lambda/core/findings';
import { itemToEvent, keys } from '../../../lambda/core/items';
import type { JsonObject } from '../../../lambda/core/json';
import type { TrailStore } from '../../../lambda/core/store-port';
import { parseTime } from '../../../lambda/core/time';
import type { CliCommand } from '../command';
import { EXIT, type Io } from '../io';
import { addStoreOptions, type StoreFlags, withStore } from '../options';
import { clean, jsonLine, renderConflicts, renderEventDetails, renderRecord } from '../output';

/** `trailwatch event <eventId>`: one event in full, with the record from its log file. */
export const eventCommand: CliCommand = {
  name: 'event',
  description: 'one event in full: its summary and the record from its log file',
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

/** The full record from the event's log file, or why it could not be read. */
async function loadRecord(
  source: string | undefined,
  eventID: string,
  io: Io,
): Promise<{ record?: JsonObject; problem?: string }> {
  if (!source) return { problem: 'the event has no source log file' };
  try {
    // the log file reader loads when a record is read, not with the CLI
    const { findRecord } = await import('../../../lambda/core/find-record');
    if (source.startsWith('file://')) {
      const stream = createReadStream(fileURLToPath(source));
      try {
        const record = await findRecord(stream, eventID);
        return record ? { record } : { problem: `the record is no longer in ${source}` };
      } finally {
        stream.destroy();
      }
    }
    if (source.startsWith('s3://')) {
      const { parseS3Url, S3ObjectReader, createS3Client } = await import('../../../lambda/s3-objects');
      const { bucket, key } = parseS3Url(source);
      const record = await findRecord(
        await new S3ObjectReader(createS3Client(io.env)).read(bucket, key),
        eventID,
      );
      return record ? { record } : { problem: `the record is no longer in ${source}` };
    }
    return { problem: `unknown source ${source}` };
  } catch (error) {
    return {
      problem: `cannot read ${source}: ${error instanceof TrailwatchError ? error.message : (error as Error).message}`,
    };
  }
}

/**
 * The finding lines of the event's rules, from their by-rule items (`FINDINGS#<rule>`, sort key
 * `<time>#<eventID>`); a rule whose item is gone (past the retention) or not written yet gets a line
 * without detail.
 */
async function readEventFindings(
  store: TrailStore,
  event: IndexedEvent,
  nowMs: number,
): Promise<FindingLine[]> {
  const timeMs = parseTime(event.eventTime);
  return Promise.all(
    event.findings.map(async (rule) => {
      const { items } =
        timeMs === undefined
          ? { items: [] }
          : await store.query(keys.findings(rule), { sinceMs: timeMs, untilMs: timeMs, nowMs, limit: 1000 });
      const item = items.find((i) => i.eventID === event.eventID);
      return itemToFinding(item ?? { rule, eventID: event.eventID, eventTime: event.eventTime });
    }),
  );
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
    const loaded = flags.record === false ? {} : await loadRecord(event.source, event.eventID, io);
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
