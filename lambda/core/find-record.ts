import { syntheticEventId } from './event';
import { field, isObject, type JsonObject } from './json';
import { readLogRecords } from './record-stream';

/**
 * Finds the full record of an event in its log file. Only records whose text contains the eventID
 * are parsed, so a large file is searched at the speed of the scan.
 */
export async function findRecord(
  input: AsyncIterable<Uint8Array>,
  eventID: string,
): Promise<JsonObject | undefined> {
  const synthetic = eventID.startsWith('synthetic-');
  const needle = Buffer.from(eventID, 'utf8');
  for await (const raw of readLogRecords(input)) {
    if (raw.kind !== 'record') continue;
    if (synthetic ? syntheticEventId(raw.bytes) !== eventID : !raw.bytes.includes(needle)) continue;
    let record: unknown;
    try {
      record = JSON.parse(raw.bytes.toString('utf8'));
    } catch {
      continue; // a record that does not parse was never indexed, so it is not the one sought
    }
    if (!isObject(record)) continue;
    if (synthetic || field(record, 'eventID') === eventID) return record;
  }
  return undefined;
}
