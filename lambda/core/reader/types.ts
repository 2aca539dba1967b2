import type { RecordText, TopFields } from './top-fields';

/** What the reader yields and reports: shared by its modules and its users. */

/** One element of a `Records` array, or a standalone record object. */
export interface RawRecord {
  readonly kind: 'record';
  /** 0-based position of the record in the file. */
  readonly index: number;
  /** The record's JSON text, exactly as in the file. */
  readonly bytes: Buffer;
  /** True for a top-level object that was not inside a `Records` array. */
  readonly standalone: boolean;
  /**
   * The record's own (top-level) selection fields, read while splitting; absent when they could not
   * be read exactly (escapes, a field split across chunks, a duplicate key): then parse to decide.
   */
  readonly fields?: TopFields;
}

/** An element of a `Records` array that cannot be a record (not an object, or too large). */
export interface InvalidRecord {
  readonly kind: 'invalid';
  readonly index: number;
  readonly reason: string;
}

export type ScanEvent = RawRecord | InvalidRecord;

export type Emit = (event: ScanEvent) => void;

export interface ScanOptions {
  /** Elements larger than this are rejected without being held in memory. @default 8 MiB */
  readonly maxRecordBytes?: number;
  /** A top-level object without `Records` is held up to this size to read it as one record. @default 1 MiB */
  readonly maxStandaloneBytes?: number;
  /**
   * Decides from a record's top-level fields (and, when they cannot tell, its text: `RecordText`
   * makes it only when asked) whether its bytes are wanted; a record turned down is
   * only counted (`ScanSummary.passed`): no event, no view of the chunk, so decompressed chunks are
   * freed promptly and skipped records cost next to nothing.
   * @default every record is kept
   */
  readonly keep?: (fields: TopFields, text: RecordText) => boolean;
  /**
   * Whether `keep` needs the `eventName` of a record of this (trimmed) `eventSource`: when the source
   * comes first in the record (as CloudTrail writes it) and does not, eventName is not read.
   * @default it always does
   */
  readonly eventNameFor?: (eventSource: string) => boolean;
  /**
   * Decompressed bytes gunzip may hold ready ahead of the scanner (it runs on the libuv thread pool
   * meanwhile): a file's read buffer is about this much. @default 8 MiB
   */
  readonly readAheadBytes?: number;
}

/** What the scanner learnt about the file as a whole. */
export interface ScanSummary {
  /** The file is a CloudTrail digest file (skipped, no records). */
  digest: boolean;
  /** Decompressed bytes seen. */
  bytes: number;
  /** Records the `keep` option turned down (not emitted). */
  passed: number;
  /** The input was gzip-compressed. */
  gzip: boolean;
}

/** What the splitter asks the file format about the document's top level. */
export interface DocumentRules {
  /** A top-level value starts with byte `c` at absolute offset `at`; throws unless it is `{` or `[`. */
  valueStart(c: number, at: number): void;
  /** A key of a top-level object was read. */
  key(name: string): void;
  /** Whether an array that is the value of `key` in a top-level object holds the records. */
  holdsRecords(key: string): boolean;
  /**
   * A top-level object without a records array ended; `whole`: its text was held whole (it was not
   * larger than `maxHeldBytes`). Returns whether it is a record; throws when the file cannot be read.
   */
  objectEnd(whole: boolean): boolean;
}

export interface SplitterOptions {
  readonly maxRecordBytes: number;
  /** A top-level object's text is held up to this size, in case it is a record itself. */
  readonly maxHeldBytes: number;
  readonly keep?: (fields: TopFields, text: RecordText) => boolean;
  readonly eventNameFor?: (eventSource: string) => boolean;
}
