import { RecordScanner } from './cloudtrail-file';
import { decompressed } from './gunzip';
import type { ScanEvent, ScanOptions, ScanSummary } from './types';

/**
 * Reads a log file as a stream of chunks (gzip-compressed or not; detected from the first bytes)
 * and yields its records in batches: all the records completed by one decompressed chunk, so a
 * consumer pays one asynchronous step per chunk rather than per record. `summary` is filled in as
 * the stream is read. Only one record's text is held at a time, and the caller decides per record
 * whether it is worth a `JSON.parse`.
 *
 * @throws DecompressionError, MalformedLogFileError or NotCloudTrailFileError, after yielding every
 *   record that could be read before the problem.
 */
export async function* readLogRecordBatches(
  input: AsyncIterable<Uint8Array>,
  options: ScanOptions = {},
  summary?: ScanSummary,
): AsyncGenerator<ScanEvent[], ScanSummary, undefined> {
  const scanner = new RecordScanner(options);
  let out: ScanEvent[] = [];
  const emit = (event: ScanEvent): void => {
    out.push(event);
  };
  const file = await decompressed(input, options.readAheadBytes);
  if (file === undefined) {
    scanner.end(); // throws: file is empty
    return scanner.summary;
  }
  scanner.summary.gzip = file.gzip;
  try {
    for await (const chunk of file.chunks) {
      scanner.write(chunk, emit);
      if (summary) Object.assign(summary, scanner.summary);
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
    scanner.end();
  } finally {
    if (summary) Object.assign(summary, scanner.summary);
  }
  return scanner.summary;
}

/** `readLogRecordBatches`, one record at a time. */
export async function* readLogRecords(
  input: AsyncIterable<Uint8Array>,
  options: ScanOptions = {},
  summary?: ScanSummary,
): AsyncGenerator<ScanEvent, void, undefined> {
  for await (const batch of readLogRecordBatches(input, options, summary)) yield* batch;
}
