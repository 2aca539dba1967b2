import { createGunzip } from 'node:zlib';
import { DecompressionError, MalformedLogFileError, NotCloudTrailFileError } from './errors';

/**
 * Streaming reader of CloudTrail log files.
 *
 * A delivered log file is `{"Records":[{…},{…},…]}`, gzip-compressed, up to hundreds of MB once
 * decompressed. The reader gunzips as a stream and splits the `Records` array into the raw bytes of
 * each record without parsing the file: only one record's text is held at a time, and the caller
 * decides per record whether it is worth a `JSON.parse`.
 *
 * Also accepted, for files exported by other tools: a bare JSON array of records, one or more
 * standalone record objects (concatenated or one per line), and a UTF-8 byte order mark.
 * CloudTrail digest files are recognised and yield nothing.
 */

/** One element of a `Records` array, or a standalone record object. */
export interface RawRecord {
  readonly kind: 'record';
  /** 0-based position of the record in the file. */
  readonly index: number;
  /** The record's JSON text, exactly as in the file. */
  readonly bytes: Buffer;
  /** True for a top-level object that was not inside a `Records` array. */
  readonly standalone: boolean;
}

/** An element of a `Records` array that cannot be a record (not an object, or too large). */
export interface InvalidRecord {
  readonly kind: 'invalid';
  readonly index: number;
  readonly reason: string;
}

export type ScanEvent = RawRecord | InvalidRecord;

export interface ScanOptions {
  /** Elements larger than this are rejected without being held in memory. @default 8 MiB */
  readonly maxRecordBytes?: number;
  /** A top-level object without `Records` is held up to this size to read it as one record. @default 1 MiB */
  readonly maxStandaloneBytes?: number;
}

/** What the scanner learnt about the file as a whole. */
export interface ScanSummary {
  /** The file is a CloudTrail digest file (skipped, no records). */
  digest: boolean;
  /** Decompressed bytes seen. */
  bytes: number;
  /** The input was gzip-compressed. */
  gzip: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MAX_DEPTH = 512;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const DIGEST_KEYS = new Set(['logFiles', 'digestStartTime', 'digestEndTime', 'digestS3Object']);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/**
 * Incremental splitter: feed decompressed chunks with `write`, then call `end`. Events are passed
 * to `emit` in file order. Structural damage that cannot be skipped throws MalformedLogFileError
 * (after everything before it was emitted); damage that can be stepped over (a missing comma between
 * records) is remembered and thrown by `end`, so that every readable record is still salvaged.
 */
export class RecordScanner {
  readonly summary: ScanSummary = { digest: false, bytes: 0, gzip: false };

  private readonly maxRecordBytes: number;
  private readonly maxStandaloneBytes: number;

  private offset = 0; // absolute offset of the current chunk
  private bomMatched = 0; // bytes of a byte order mark matched so far, -1 once past it
  private sawValue = false;
  private inString = false;
  private escaped = false;
  private readonly stack: number[] = [];

  // top level: 0 = between values, 1 = in an envelope object, 2 = in a top-level array
  private top = 0;
  private expectKey = false;
  private keyParts: string[] | undefined;
  private keyStart = -1;
  private currentKey = '';
  private sawRecordsKey = false;
  private sawDigestKey = false;
  private standaloneParts: Buffer[] | undefined;
  private standaloneStart = -1;
  private standaloneBytes = 0;

  // records array: depth of the array's contents, or -1 when not inside one
  private recordsDepth = -1;
  private recordIndex = 0;
  private elemStart = -1; // start of the current object element within the chunk
  private elemParts: Buffer[] = [];
  private elemBytes = 0;
  private elemTooLarge = false;
  private elemNonObject = false;
  private afterElement = false;
  private damage: string | undefined;

  constructor(options: ScanOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? 8 * 1024 * 1024;
    this.maxStandaloneBytes = options.maxStandaloneBytes ?? 1024 * 1024;
  }

  write(chunk: Buffer, emit: (event: ScanEvent) => void): void {
    let i = 0;
    const len = chunk.length;
    // a UTF-8 byte order mark, possibly split across chunks
    while (this.bomMatched >= 0 && i < len) {
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
    this.summary.bytes += len;

    while (i < len) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk[i] as number;
      if (isSpace(c)) {
        i++;
        continue;
      }
      const depth = this.stack.length;

      if (depth === 0) {
        this.startTopLevelValue(c, i);
        i++;
        continue;
      }

      if (this.recordsDepth === depth) {
        // between or at the start of elements of a Records array
        if (c === COMMA) {
          if (this.elemNonObject) this.endNonObjectElement(emit);
          else if (!this.afterElement) this.noteDamage(`unexpected ',' at byte ${this.offset + i}`);
          this.afterElement = false;
          i++;
          continue;
        }
        if (c === CLOSE_ARRAY) {
          if (this.elemNonObject) this.endNonObjectElement(emit);
          this.stack.pop();
          this.recordsDepth = -1;
          this.afterElement = false;
          if (this.stack.length === 0) this.top = 0;
          i++;
          continue;
        }
        if (!this.elemNonObject) {
          if (this.afterElement) {
            this.noteDamage(
              `missing ',' between records #${this.recordIndex - 1} and #${this.recordIndex} at byte ${this.offset + i}`,
            );
            this.afterElement = false;
          }
          if (c === OPEN_OBJECT) {
            this.elemStart = i;
            this.elemParts = [];
            this.elemBytes = 0;
            this.elemTooLarge = false;
            this.stack.push(OPEN_OBJECT);
            i++;
            continue;
          }
          this.elemNonObject = true; // a string, number, literal or array where a record should be
        }
        if (c === QUOTE) this.inString = true;
        else if (c === OPEN_ARRAY || c === OPEN_OBJECT) this.stack.push(c);
        else if (c === CLOSE_OBJECT) this.fail(`unexpected '}' at byte ${this.offset + i}`);
        i++;
        continue;
      }

      if (this.top === 1 && depth === 1) {
        i = this.envelopeByte(chunk, c, i, emit);
        continue;
      }

      // inside a record or another nested value
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth >= MAX_DEPTH)
          this.fail(`JSON nested deeper than ${MAX_DEPTH} levels at byte ${this.offset + i}`);
        this.stack.push(c);
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.close(c, i);
        if (this.stack.length === this.recordsDepth && !this.elemNonObject)
          this.endObjectElement(chunk, i, emit);
      }
      i++;
    }

    // carry partial element / standalone text over to the next chunk
    if (this.elemStart >= 0) {
      this.keepElementPart(chunk.subarray(this.elemStart));
      this.elemStart = 0;
    }
    if (this.standaloneStart >= 0) {
      this.keepStandalonePart(chunk.subarray(this.standaloneStart));
      this.standaloneStart = 0;
    }
    if (this.keyStart >= 0) {
      this.keyParts = [...(this.keyParts ?? []), chunk.toString('latin1', this.keyStart)];
      this.keyStart = 0;
    }
    this.offset += len;
  }

  end(): void {
    if (this.inString || this.stack.length > 0) {
      const where =
        this.recordsDepth >= 0 && this.stack.length > this.recordsDepth
          ? `inside record #${this.recordIndex}`
          : 'inside the JSON document';
      throw new MalformedLogFileError(
        `unexpected end of data ${where} after ${this.offset} bytes (truncated file?)`,
      );
    }
    if (!this.sawValue) throw new NotCloudTrailFileError('file is empty');
    if (this.damage) throw new MalformedLogFileError(this.damage);
  }

  /** Advances through string content from `i`; returns the index after the closing quote, or len. */
  private skipString(chunk: Buffer, start: number): number {
    let i = start;
    const len = chunk.length;
    for (;;) {
      if (this.escaped) {
        this.escaped = false;
        i++;
        if (i >= len) return len;
      }
      const q = chunk.indexOf(QUOTE, i);
      if (q < 0) {
        let n = 0;
        for (let k = len - 1; k >= i && chunk[k] === BACKSLASH; k--) n++;
        this.escaped = n % 2 === 1;
        return len;
      }
      let n = 0;
      for (let k = q - 1; k >= i && chunk[k] === BACKSLASH; k--) n++;
      if (n % 2 === 1) {
        i = q + 1;
        if (i >= len) return len;
        continue;
      }
      this.inString = false;
      if (this.keyStart >= 0) this.finishKey(chunk, q);
      return q + 1;
    }
  }

  private startTopLevelValue(c: number, i: number): void {
    const first = !this.sawValue;
    this.sawValue = true;
    if (c === OPEN_OBJECT) {
      this.stack.push(OPEN_OBJECT);
      this.top = 1;
      this.expectKey = true;
      this.sawRecordsKey = false;
      this.sawDigestKey = false;
      this.standaloneParts = [];
      this.standaloneStart = i;
      this.standaloneBytes = 0;
    } else if (c === OPEN_ARRAY) {
      this.stack.push(OPEN_ARRAY);
      this.top = 2;
      this.recordsDepth = 1;
      this.afterElement = false;
    } else if (first) {
      throw new NotCloudTrailFileError(`not JSON: starts with ${describeByte(c)}`);
    } else {
      this.fail(
        `unexpected ${describeByte(c)} after the end of the JSON document at byte ${this.offset + i}`,
      );
    }
  }

  /** One structural byte at depth 1 of an envelope object (`{"Records":[…], …}`). */
  private envelopeByte(chunk: Buffer, c: number, i: number, emit: (event: ScanEvent) => void): number {
    switch (c) {
      case QUOTE:
        this.inString = true;
        if (this.expectKey) {
          this.keyStart = i + 1;
          this.keyParts = undefined;
        }
        return i + 1;
      case COLON:
        this.expectKey = false;
        return i + 1;
      case COMMA:
        this.expectKey = true;
        return i + 1;
      case OPEN_ARRAY:
        if (this.currentKey === 'Records' && !this.expectKey) {
          this.stack.push(OPEN_ARRAY);
          this.recordsDepth = 2;
          this.afterElement = false;
          this.sawRecordsKey = true;
          this.standaloneParts = undefined;
          this.standaloneStart = -1;
          return i + 1;
        }
        this.stack.push(c);
        return i + 1;
      case OPEN_OBJECT:
        this.stack.push(c);
        return i + 1;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        this.close(c, i);
        this.endTopLevelValue(chunk, i, emit);
        return i + 1;
      default:
        return i + 1; // a number or literal value
    }
  }

  private finishKey(chunk: Buffer, q: number): void {
    const tail = chunk.toString('latin1', this.keyStart, q);
    this.currentKey = this.keyParts ? this.keyParts.join('') + tail : tail;
    this.keyStart = -1;
    this.keyParts = undefined;
    if (DIGEST_KEYS.has(this.currentKey)) this.sawDigestKey = true;
  }

  private close(c: number, i: number): void {
    const open = this.stack.pop();
    const expected = c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY;
    if (open !== expected) this.fail(`unexpected ${describeByte(c)} at byte ${this.offset + i}`);
  }

  private endObjectElement(chunk: Buffer, i: number, emit: (event: ScanEvent) => void): void {
    const index = this.recordIndex++;
    this.afterElement = true;
    if (this.elemTooLarge) {
      emit({ kind: 'invalid', index, reason: `record is larger than ${this.maxRecordBytes} bytes` });
    } else {
      const tail = chunk.subarray(this.elemStart, i + 1);
      const bytes = this.elemParts.length > 0 ? Buffer.concat([...this.elemParts, tail]) : tail;
      if (bytes.length > this.maxRecordBytes) {
        emit({ kind: 'invalid', index, reason: `record is larger than ${this.maxRecordBytes} bytes` });
      } else {
        emit({ kind: 'record', index, bytes, standalone: false });
      }
    }
    this.elemStart = -1;
    this.elemParts = [];
    this.elemBytes = 0;
    this.elemTooLarge = false;
  }

  private endNonObjectElement(emit: (event: ScanEvent) => void): void {
    emit({ kind: 'invalid', index: this.recordIndex++, reason: 'record is not a JSON object' });
    this.elemNonObject = false;
  }

  private keepElementPart(part: Buffer): void {
    if (this.elemTooLarge) return;
    this.elemBytes += part.length;
    if (this.elemBytes > this.maxRecordBytes) {
      this.elemTooLarge = true;
      this.elemParts = [];
      return;
    }
    this.elemParts.push(part);
  }

  private keepStandalonePart(part: Buffer): void {
    if (!this.standaloneParts) return;
    this.standaloneBytes += part.length;
    if (this.standaloneBytes > this.maxStandaloneBytes) {
      this.standaloneParts = undefined;
      this.standaloneStart = -1;
      return;
    }
    this.standaloneParts.push(part);
  }

  /** A top-level value closed at `i`. */
  private endTopLevelValue(chunk: Buffer, i: number, emit: (event: ScanEvent) => void): void {
    const wasEnvelope = this.top === 1;
    this.top = 0;
    if (!wasEnvelope || this.sawRecordsKey) return;
    if (this.sawDigestKey) {
      this.summary.digest = true;
      this.standaloneParts = undefined;
      this.standaloneStart = -1;
      return;
    }
    if (!this.standaloneParts || this.standaloneStart < 0) {
      throw new NotCloudTrailFileError(
        `no "Records" array in a top-level object larger than ${this.maxStandaloneBytes} bytes`,
      );
    }
    const tail = chunk.subarray(this.standaloneStart, i + 1);
    const bytes = this.standaloneParts.length > 0 ? Buffer.concat([...this.standaloneParts, tail]) : tail;
    this.standaloneParts = undefined;
    this.standaloneStart = -1;
    emit({ kind: 'record', index: this.recordIndex++, bytes, standalone: true });
  }

  private noteDamage(message: string): void {
    this.damage ??= message;
  }

  private fail(message: string): never {
    throw new MalformedLogFileError(message);
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

function describeZlibError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message))
    return 'gzip data is truncated (unexpected end of file)';
  return `gzip data is corrupt (${message})`;
}

/**
 * Reads a log file as a stream of chunks (gzip-compressed or not; detected from the first bytes)
 * and yields its records one by one. `summary` is filled in as the stream is read.
 *
 * @throws DecompressionError, MalformedLogFileError or NotCloudTrailFileError, after yielding every
 *   record that could be read before the problem.
 */
export async function* readLogRecords(
  input: AsyncIterable<Uint8Array>,
  options: ScanOptions = {},
  summary?: ScanSummary,
): AsyncGenerator<ScanEvent, ScanSummary, undefined> {
  const scanner = new RecordScanner(options);
  const out: ScanEvent[] = [];
  const emit = (event: ScanEvent): void => {
    out.push(event);
  };
  const source = input[Symbol.asyncIterator]();
  const first = await nextNonEmpty(source);
  if (first === undefined) {
    scanner.end(); // throws: file is empty
    return scanner.summary;
  }
  const gzip = first.length >= 2 && first[0] === GZIP_MAGIC_0 && first[1] === GZIP_MAGIC_1;
  scanner.summary.gzip = gzip;

  const chunks: AsyncIterable<Buffer> = gzip ? gunzipStream(first, source) : plainStream(first, source);
  try {
    for await (const chunk of chunks) {
      scanner.write(chunk, emit);
      if (summary) Object.assign(summary, scanner.summary);
      for (const event of out) yield event;
      out.length = 0;
    }
    scanner.end();
  } finally {
    if (summary) Object.assign(summary, scanner.summary);
  }
  return scanner.summary;
}

async function nextNonEmpty(source: AsyncIterator<Uint8Array>): Promise<Buffer | undefined> {
  for (;;) {
    const r = await source.next();
    if (r.done) return undefined;
    if (r.value.length > 0) return Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
  }
}

async function* plainStream(first: Buffer, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
  }
}

/** Gunzips with backpressure: input is pulled only as fast as decompressed output is consumed. */
async function* gunzipStream(first: Buffer, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  let inputError: unknown;
  const pump = (async () => {
    try {
      if (!gunzip.write(first)) await drained(gunzip);
      for (;;) {
        const r = await rest.next();
        if (r.done) break;
        if (!gunzip.write(r.value)) await drained(gunzip);
      }
      gunzip.end();
    } catch (error) {
      inputError = error;
      gunzip.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    if (inputError !== undefined) throw inputError;
    throw new DecompressionError(describeZlibError(error), undefined, { cause: error });
  } finally {
    gunzip.destroy();
    await pump;
  }
  if (inputError !== undefined) throw inputError;
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      stream.off('error', onError);
      stream.off('close', onDrain);
      resolve();
    };
    const onError = (error: Error): void => {
      stream.off('drain', onDrain);
      stream.off('close', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('close', onDrain);
    stream.once('error', onError);
  });
}
