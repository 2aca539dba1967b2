import { asTrailwatchError, NotCloudTrailFileError, type TrailwatchError } from './errors';
import { extractEvent } from './event';
import { buildItems, expiresAtFor, type TableItem } from './items';
import { isObject, type JsonObject } from './json';
import { readLogRecords, type ScanSummary } from './record-stream';
import { selectRecord } from './select';
import type { Settings } from './settings';

/**
 * The processing pipeline of one log file, shared by the Lambda and the CLI: records are read one by
 * one, selected, extracted and turned into index items, which are handed to a writer while reading
 * goes on. No AWS SDK here: the writer is injected.
 */

/** Where index items go. `write` resolves once the items are durably stored, and rejects otherwise. */
export interface ItemWriter {
  write(items: readonly TableItem[]): Promise<void>;
}

export interface FileStats {
  /** The file or object (`s3://bucket/key`, `file:///path`). */
  readonly source: string;
  status: 'indexed' | 'skipped' | 'failed';
  /** Why the file was skipped (digest, insight, …). */
  skipReason?: string;
  /** Records read (valid or not). */
  records: number;
  /** Distinct events written. */
  indexed: number;
  /** Records not indexed by rule (other sources, read-only calls, insights). */
  skipped: number;
  /** Records that could not be read or indexed (not an object, invalid JSON, no eventTime, …). */
  rejected: number;
  /** Records whose eventID was already seen in this run. */
  duplicates: number;
  /** Index items written. */
  items: number;
  /** Decompressed bytes read. */
  bytes: number;
  /** The first rejections, with their reasons. */
  readonly rejections: { index: number; reason: string }[];
  error?: TrailwatchError;
}

export interface ProcessContext {
  readonly source: string;
  readonly settings: Settings;
  /** Clock, for TTLs. @default Date.now */
  readonly now?: () => number;
  /**
   * eventIDs already written in this run (shared by the files of one run so duplicates across files
   * are counted once). Duplicate writes would be harmless anyway: keys derive from the eventID.
   */
  readonly seen?: Set<string>;
  /** Items handed to the writer at once. @default 100 */
  readonly writeChunk?: number;
  /** Writes in flight per file before reading pauses (backpressure). @default 8 */
  readonly maxPendingWrites?: number;
}

const MAX_REJECTIONS_KEPT = 20;
const RECORD_FIELDS = ['eventVersion', 'eventID', 'eventTime', 'eventSource', 'eventName', 'userIdentity'];

export function emptyStats(source: string): FileStats {
  return {
    source,
    status: 'indexed',
    records: 0,
    indexed: 0,
    skipped: 0,
    rejected: 0,
    duplicates: 0,
    items: 0,
    bytes: 0,
    rejections: [],
  };
}

function looksLikeRecord(value: JsonObject): boolean {
  return RECORD_FIELDS.some((f) => Object.hasOwn(value, f));
}

/** Processes one log file. Never throws: failures are in `status`/`error` of the result. */
export async function processLogFile(
  input: AsyncIterable<Uint8Array>,
  ctx: ProcessContext,
  writer: ItemWriter,
): Promise<FileStats> {
  const stats = emptyStats(ctx.source);
  const now = ctx.now ?? Date.now;
  const expiresAt = expiresAtFor(now(), ctx.settings.retentionDays);
  const seen = ctx.seen ?? new Set<string>();
  const chunkSize = ctx.writeChunk ?? 100;
  const maxPending = ctx.maxPendingWrites ?? 8;
  const scan: ScanSummary = { digest: false, bytes: 0, gzip: false };

  const written: string[] = [];
  let buffer: TableItem[] = [];
  const pending: Promise<void>[] = [];
  let writeError: unknown;

  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    pending.push(
      writer.write(batch).then(
        () => {
          stats.items += batch.length;
        },
        (error: unknown) => {
          writeError ??= error;
        },
      ),
    );
    while (pending.length >= maxPending) await pending.shift();
  };

  const reject = (index: number, reason: string): void => {
    stats.rejected++;
    if (stats.rejections.length < MAX_REJECTIONS_KEPT) stats.rejections.push({ index, reason });
  };

  try {
    for await (const raw of readLogRecords(input, {}, scan)) {
      if (writeError !== undefined) break;
      if (raw.kind === 'invalid') {
        stats.records++;
        reject(raw.index, raw.reason);
        continue;
      }
      let record: unknown;
      try {
        record = JSON.parse(raw.bytes.toString('utf8'));
      } catch (error) {
        stats.records++;
        reject(
          raw.index,
          `not valid JSON (${error instanceof Error ? error.message.slice(0, 120) : String(error)})`,
        );
        continue;
      }
      if (!isObject(record)) {
        stats.records++;
        reject(raw.index, 'record is not a JSON object');
        continue;
      }
      if (raw.standalone && !looksLikeRecord(record)) {
        throw new NotCloudTrailFileError(
          Object.hasOwn(record, 'Records')
            ? '"Records" is not an array'
            : 'no "Records" array, and not a CloudTrail record',
        );
      }
      stats.records++;
      const selection = selectRecord(record, ctx.settings);
      if (selection === 'no-source') {
        reject(raw.index, 'missing eventSource');
        continue;
      }
      if (selection !== 'indexed') {
        stats.skipped++;
        continue;
      }
      const extraction = extractEvent(record, raw.bytes, ctx.source);
      if (!extraction.ok) {
        reject(raw.index, extraction.reason);
        continue;
      }
      const { event, timeMs } = extraction;
      if (seen.has(event.eventID)) {
        stats.duplicates++;
        continue;
      }
      seen.add(event.eventID);
      written.push(event.eventID);
      stats.indexed++;
      buffer.push(...buildItems(event, timeMs, { expiresAt }));
      if (buffer.length >= chunkSize) await flush();
    }
    if (scan.digest) {
      stats.status = 'skipped';
      stats.skipReason = 'CloudTrail digest file';
    }
  } catch (error) {
    stats.status = 'failed';
    stats.error = asTrailwatchError(error, ctx.source);
  }
  if (writeError === undefined) await flush();
  await Promise.all(pending);
  stats.bytes = scan.bytes;
  if (writeError !== undefined) {
    // Not all of this file's events are stored: let another file (or a retry) write them again.
    for (const id of written) seen.delete(id);
    stats.status = 'failed';
    stats.error ??= asTrailwatchError(writeError, ctx.source);
  }
  return stats;
}
