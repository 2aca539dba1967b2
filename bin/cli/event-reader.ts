import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TrailwatchError } from '../../lambda/core/errors';
import type { IndexedEvent } from '../../lambda/core/event';
import { type FindingLine, itemToFinding } from '../../lambda/core/findings';
import { keys } from '../../lambda/core/items';
import type { JsonObject } from '../../lambda/core/json';
import type { TrailStore } from '../../lambda/core/store-port';
import { parseTime } from '../../lambda/core/time';

/** What `trailwatch event` and the event page of `trailwatch ui` read beside the event item. */

/** The full record from the event's log file (a local file or an S3 object), or why it could not be read. */
export async function loadRecord(
  source: string | undefined,
  eventID: string,
  env: NodeJS.ProcessEnv,
): Promise<{ record?: JsonObject; problem?: string }> {
  if (!source) return { problem: 'the event has no source log file' };
  try {
    // the log file reader loads when a record is read, not with the CLI
    const { findRecord } = await import('../../lambda/core/find-record');
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
      const { parseS3Url, S3ObjectReader, createS3Client } = await import('../../lambda/s3-objects');
      const { bucket, key } = parseS3Url(source);
      const record = await findRecord(
        await new S3ObjectReader(createS3Client(env)).read(bucket, key),
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
export async function readEventFindings(
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
