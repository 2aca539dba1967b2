import { MalformedLogFileError, NotCloudTrailFileError } from '../errors';
import { describeByte, OPEN_ARRAY, OPEN_OBJECT } from './bytes';
import { JsonSplitter } from './json-splitter';
import type { DocumentRules, Emit, ScanOptions, ScanSummary } from './types';

/**
 * The rules of a CloudTrail log file, on top of the JSON record splitter.
 *
 * A delivered log file is `{"Records":[{…},{…},…]}`: the records are the elements of the `Records`
 * array; other top-level keys, before or after it, are ignored. Also accepted, for files exported by
 * other tools: a bare JSON array of records, one or more standalone record objects (concatenated or
 * one per line), and a UTF-8 byte order mark. A CloudTrail digest file (`logFiles`, `digestStartTime`,
 * … and no `Records`) is recognised and yields nothing.
 */

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const DIGEST_KEYS = new Set(['logFiles', 'digestStartTime', 'digestEndTime', 'digestS3Object']);

/** The top level of a CloudTrail file: which values are accepted, and what a top-level object is. */
class CloudTrailEnvelope implements DocumentRules {
  sawValue = false;
  private sawDigestKey = false;

  constructor(
    private readonly summary: ScanSummary,
    private readonly maxStandaloneBytes: number,
  ) {}

  valueStart(c: number, at: number): void {
    const first = !this.sawValue;
    this.sawValue = true;
    if (c === OPEN_OBJECT) this.sawDigestKey = false;
    else if (c === OPEN_ARRAY) return;
    else if (first) throw new NotCloudTrailFileError(`not JSON: starts with ${describeByte(c)}`);
    else
      throw new MalformedLogFileError(
        `unexpected ${describeByte(c)} after the end of the JSON document at byte ${at}`,
      );
  }

  key(name: string): void {
    if (DIGEST_KEYS.has(name)) this.sawDigestKey = true;
  }

  holdsRecords(key: string): boolean {
    return key === 'Records';
  }

  /** An object without `Records`: a digest file, or one record (if it is small enough to hold). */
  objectEnd(whole: boolean): boolean {
    if (this.sawDigestKey) {
      this.summary.digest = true;
      return false;
    }
    if (!whole)
      throw new NotCloudTrailFileError(
        `no "Records" array in a top-level object larger than ${this.maxStandaloneBytes} bytes`,
      );
    return true;
  }
}

/**
 * Incremental reader of a CloudTrail file's decompressed text: feed chunks with `write`, then call
 * `end`. Events are passed to `emit` in file order; errors as JsonSplitter says.
 */
export class RecordScanner {
  readonly summary: ScanSummary = { digest: false, bytes: 0, gzip: false, passed: 0 };

  private readonly envelope: CloudTrailEnvelope;
  private readonly splitter: JsonSplitter;
  private bomMatched = 0; // bytes of a byte order mark matched so far, -1 once past it

  constructor(options: ScanOptions = {}) {
    const maxStandaloneBytes = options.maxStandaloneBytes ?? 1024 * 1024;
    this.envelope = new CloudTrailEnvelope(this.summary, maxStandaloneBytes);
    this.splitter = new JsonSplitter(this.envelope, {
      maxRecordBytes: options.maxRecordBytes ?? 8 * 1024 * 1024,
      maxHeldBytes: maxStandaloneBytes,
      keep: options.keep,
      eventNameFor: options.eventNameFor,
    });
  }

  write(chunk: Buffer, emit: Emit): void {
    const from = this.bomMatched >= 0 ? this.skipByteOrderMark(chunk) : 0;
    this.summary.bytes += chunk.length;
    try {
      this.splitter.write(chunk, from, emit);
    } finally {
      this.summary.passed = this.splitter.passed;
    }
  }

  end(): void {
    if (!this.envelope.sawValue) throw new NotCloudTrailFileError('file is empty');
    this.splitter.end();
  }

  /** A UTF-8 byte order mark, possibly split across chunks: returns where the text starts. */
  private skipByteOrderMark(chunk: Buffer): number {
    let i = 0;
    while (this.bomMatched >= 0 && i < chunk.length) {
      if (chunk[i] !== UTF8_BOM[this.bomMatched]) {
        if (this.bomMatched > 0)
          throw new NotCloudTrailFileError('not JSON: starts with an incomplete byte order mark');
        this.bomMatched = -1;
        break;
      }
      i++;
      this.bomMatched++;
      if (this.bomMatched === UTF8_BOM.length) this.bomMatched = -1;
    }
    return i;
  }
}
