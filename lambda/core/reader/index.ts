/**
 * Streaming reader of CloudTrail log files, split by concern:
 * - gunzip.ts: gzip detection and decompression (a zlib stream through `stream.pipeline`);
 * - json-splitter.ts: the JSON record splitter (raw bytes of each record, no parse);
 * - top-fields.ts: the preselection fields read from the raw bytes while splitting;
 * - cloudtrail-file.ts: the file's rules (Records array, bare arrays, standalone records, digests);
 * - read.ts: all of it over a stream, in batches.
 */
export { RecordScanner } from './cloudtrail-file';
export { readLogRecordBatches, readLogRecords } from './read';
export type { RecordText, TopFields } from './top-fields';
export type { InvalidRecord, RawRecord, ScanEvent, ScanOptions, ScanSummary } from './types';
