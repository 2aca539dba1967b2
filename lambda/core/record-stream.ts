import { createGunzip, type ZlibOptions } from 'node:zlib';
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
  /**
   * The record's own (top-level) selection fields, read while splitting; absent when they could not
   * be read exactly (escapes, a field split across chunks, a duplicate key): then parse to decide.
   */
  readonly fields?: TopFields;
}

/**
 * Top-level fields of a record, as their JSON text (a string's content, or the literal).
 * `undefined`: the field is not there.
 */
export interface TopFields {
  eventSource?: string;
  /** The field was a string (not a number, object, …). */
  eventSourceIsString?: boolean;
  readOnly?: string;
  errorCode?: string;
  errorCodeIsString?: boolean;
  eventType?: string;
}

type FieldName = 'eventSource' | 'readOnly' | 'errorCode' | 'eventType';

const KEY_BYTES = {
  eventSource: Buffer.from('eventSource', 'latin1'),
  readOnly: Buffer.from('readOnly', 'latin1'),
  errorCode: Buffer.from('errorCode', 'latin1'),
  eventType: Buffer.from('eventType', 'latin1'),
} as const;
const LOWER_R = 0x72;
const LOWER_V = 0x76;
const LOWER_Y = 0x79;

function endsLiteral(c: number): boolean {
  return (
    c === COMMA ||
    c === CLOSE_OBJECT ||
    c === CLOSE_ARRAY ||
    c === OPEN_OBJECT ||
    c === OPEN_ARRAY ||
    isSpace(c)
  );
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Longest field value read from the raw text; longer ones (no real source is) are left to the parse. */
const MAX_INTERNED = 256;

/**
 * The values of the selection fields repeat endlessly (a few dozen event sources, `true`,
 * `AwsApiCall`): each is decoded once, then found again by a hash of its bytes, without allocating.
 * Bytes are read as latin1 (one character per byte), which is UTF-8 for the ASCII values it is given.
 */
class Interner {
  private readonly buckets = new Map<number, string[]>();
  private size = 0;

  text(chunk: Buffer, start: number, end: number, knownHash?: number): string {
    let hash = knownHash ?? FNV_OFFSET;
    if (knownHash === undefined)
      for (let k = start; k < end; k++) hash = Math.imul(hash ^ (chunk[k] as number), FNV_PRIME);
    const bucket = this.buckets.get(hash);
    if (bucket) for (const s of bucket) if (sameText(chunk, start, end, s)) return s;
    const s = chunk.toString('latin1', start, end);
    if (this.size >= 1024) {
      this.buckets.clear();
      this.size = 0;
    }
    if (bucket && this.buckets.has(hash)) bucket.push(s);
    else this.buckets.set(hash, [s]);
    this.size++;
    return s;
  }
}

function sameText(chunk: Buffer, start: number, end: number, s: string): boolean {
  if (s.length !== end - start) return false;
  for (let k = 0; k < s.length; k++) if (chunk[start + k] !== s.charCodeAt(k)) return false;
  return true;
}

function sameBytes(chunk: Buffer, start: number, key: Buffer): boolean {
  for (let k = 0; k < key.length; k++) if (chunk[start + k] !== key[k]) return false;
  return true;
}

/**
 * Which selection field a top-level key from `start` to `end` names, if any: matched on the bytes,
 * one distinguishing byte first (most keys are eventTime, eventName, awsRegion, …), no allocation.
 */
function fieldAt(chunk: Buffer, start: number, end: number): FieldName | undefined {
  switch (end - start) {
    case 8:
      return sameBytes(chunk, start, KEY_BYTES.readOnly) ? 'readOnly' : undefined;
    case 9:
      if (chunk[start + 1] === LOWER_R)
        return sameBytes(chunk, start, KEY_BYTES.errorCode) ? 'errorCode' : undefined;
      if (chunk[start + 1] === LOWER_V && chunk[start + 6] === LOWER_Y)
        return sameBytes(chunk, start, KEY_BYTES.eventType) ? 'eventType' : undefined;
      return undefined;
    case 11:
      return sameBytes(chunk, start, KEY_BYTES.eventSource) ? 'eventSource' : undefined;
    default:
      return undefined;
  }
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
  /**
   * Decides from a record's top-level fields whether its bytes are wanted; a record turned down is
   * only counted (`ScanSummary.passed`): no event, no view of the chunk, so decompressed chunks are
   * freed promptly and skipped records cost next to nothing.
   * @default every record is kept
   */
  readonly keep?: (fields: TopFields) => boolean;
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
  readonly summary: ScanSummary = { digest: false, bytes: 0, gzip: false, passed: 0 };

  private readonly maxRecordBytes: number;
  private readonly maxStandaloneBytes: number;
  private readonly keep: ((fields: TopFields) => boolean) | undefined;

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
  /** Top-level fields of the current record; undefined once they cannot be read exactly. */
  private fields: TopFields | undefined;
  private readonly interner = new Interner();

  constructor(options: ScanOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? 8 * 1024 * 1024;
    this.maxStandaloneBytes = options.maxStandaloneBytes ?? 1024 * 1024;
    this.keep = options.keep;
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
      if (this.recordsDepth >= 0 && this.stack.length > this.recordsDepth && !this.elemNonObject) {
        i = this.scanRecord(chunk, i, emit);
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
            this.fields = {};
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

  /**
   * The hot loop: inside a record object, where almost all bytes are. Strings are skipped with
   * `indexOf` (native), so only the few bytes between strings are looked at one by one. Returns where
   * the record ended (after its closing brace), or the chunk's end.
   */
  private scanRecord(chunk: Buffer, start: number, emit: (event: ScanEvent) => void): number {
    const stack = this.stack;
    const len = chunk.length;
    const topDepth = this.recordsDepth + 1;
    let i = start;
    while (i < len) {
      const c = chunk[i] as number;
      if (c === QUOTE) {
        let from = i + 1;
        for (;;) {
          const q = chunk.indexOf(QUOTE, from);
          if (q < 0) {
            // the string goes on in the next chunk; a top-level one cannot be read here as a field
            if (stack.length === topDepth) this.fields = undefined;
            let n = 0;
            for (let k = len - 1; k > i && chunk[k] === BACKSLASH; k--) n++;
            this.inString = true;
            this.escaped = n % 2 === 1;
            return len;
          }
          let k = q - 1;
          while (k > i && chunk[k] === BACKSLASH) k--;
          if ((q - 1 - k) % 2 === 0) {
            const opened = i;
            i = q + 1;
            // only keys of 8, 9 or 11 characters can name a selection field
            const n = q - opened - 1;
            if ((n === 8 || n === 9 || n === 11) && stack.length === topDepth && this.fields)
              i = this.topLevelString(chunk, opened, q);
            break;
          }
          from = q + 1;
        }
        continue;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (stack.length >= MAX_DEPTH)
          this.fail(`JSON nested deeper than ${MAX_DEPTH} levels at byte ${this.offset + i}`);
        stack.push(c);
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.close(c, i);
        if (stack.length === this.recordsDepth) {
          this.endObjectElement(chunk, i, emit);
          return i + 1;
        }
      }
      i++;
    }
    return len;
  }

  /**
   * A string at the top level of a record, from `open` to `close` (its quotes): when it is the key
   * of a selection field, reads the field's value and returns where scanning goes on; otherwise
   * returns the index after the string. Anything that cannot be read exactly here (an escape, the end
   * of the chunk, a key seen twice) gives up on the record's fields: the record is then parsed.
   */
  private topLevelString(chunk: Buffer, open: number, close: number): number {
    const fields = this.fields as TopFields;
    const len = chunk.length;
    let j = close + 1;
    while (j < len && isSpace(chunk[j] as number)) j++;
    if (j >= len) {
      this.fields = undefined;
      return close + 1;
    }
    if (chunk[j] !== COLON) return close + 1; // a value, not a key
    const name = fieldAt(chunk, open + 1, close);
    if (!name) return close + 1;
    if (fields[name] !== undefined) {
      // a key given twice: JSON.parse keeps the last; leave it to the parse
      this.fields = undefined;
      return close + 1;
    }
    j++;
    while (j < len && isSpace(chunk[j] as number)) j++;
    if (j >= len) {
      this.fields = undefined;
      return close + 1;
    }
    if (chunk[j] === QUOTE) {
      // one pass finds the end, looks for escapes and hashes the bytes for the interner
      const from = j + 1;
      const stop = Math.min(len, from + MAX_INTERNED);
      let hash = FNV_OFFSET;
      let ascii = true;
      let k = from;
      for (; k < stop; k++) {
        const c = chunk[k] as number;
        if (c === QUOTE || c === BACKSLASH) break;
        if (c >= 0x80) ascii = false;
        hash = Math.imul(hash ^ c, FNV_PRIME);
      }
      if (k >= stop || chunk[k] !== QUOTE) {
        // split across chunks, escaped or long: not an ordinary value, let the parse read it
        this.fields = undefined;
        return close + 1;
      }
      fields[name] = ascii ? this.interner.text(chunk, from, k, hash) : chunk.toString('utf8', from, k);
      if (name === 'eventSource') fields.eventSourceIsString = true;
      if (name === 'errorCode') fields.errorCodeIsString = true;
      return k + 1;
    }
    // a literal (true, false, null, a number) or a container: its first bytes are enough here
    let end = j;
    while (end < len && end - j < 8 && !endsLiteral(chunk[end] as number)) end++;
    if (end >= len) {
      this.fields = undefined;
      return close + 1;
    }
    if (end === j) end++; // `{` or `[`
    fields[name] = this.interner.text(chunk, j, end);
    return j;
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
    } else if (this.keep && this.fields && !this.keep(this.fields)) {
      this.summary.passed++;
    } else {
      const tail = chunk.subarray(this.elemStart, i + 1);
      const bytes = this.elemParts.length > 0 ? Buffer.concat([...this.elemParts, tail]) : tail;
      if (bytes.length > this.maxRecordBytes) {
        emit({ kind: 'invalid', index, reason: `record is larger than ${this.maxRecordBytes} bytes` });
      } else {
        emit({
          kind: 'record',
          index,
          bytes,
          standalone: false,
          ...(this.fields ? { fields: this.fields } : {}),
        });
      }
    }
    this.fields = undefined;
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
 * and yields its records in batches: all the records completed by one decompressed chunk, so a
 * consumer pays one asynchronous step per chunk rather than per record. `summary` is filled in as
 * the stream is read.
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
  // a deep read-ahead lets gunzip run on the libuv thread pool while this thread scans what it already has
  const gunzip = createGunzip({
    chunkSize: 1024 * 1024,
    readableHighWaterMark: 8 * 1024 * 1024,
  } as ZlibOptions);
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
