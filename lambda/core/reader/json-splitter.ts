import { MalformedLogFileError } from '../errors';
import * as bytes from './bytes';
import { PendingRecord, Span } from './span';
import { mayNameField, type RecordText, TopFieldReader, type TopFields } from './top-fields';
import type { DocumentRules, Emit, SplitterOptions } from './types';

/**
 * The JSON record splitter: splits the elements of an array of records into the raw bytes of each,
 * without parsing, as decompressed chunks arrive. Written by hand because it is the reader's hot
 * loop: measured 8–26× faster than stream-json and @streamparser/json. Inside a record, strings are
 * skipped with `indexOf` (native), so only the few bytes between strings are looked at one by one;
 * the record's top-level keys of the selection fields are handed to the TopFieldReader on the way.
 *
 * Which arrays hold records, and what a top-level object without one is, are the file format's
 * rules (`DocumentRules`, implemented in cloudtrail-file.ts). A top-level array's elements are records.
 */

const MAX_DEPTH = 512;
// module-level copies: an imported binding compiles to a property load from the other module's
// exports (`bytes_1.QUOTE`), a module-level const to a constant: measured 13% of the scan time
const { backslashesBefore, CLOSE_ARRAY, CLOSE_OBJECT, closingQuote, COLON, COMMA, isSpace } = bytes;
const { OPEN_ARRAY, OPEN_OBJECT, QUOTE } = bytes;
const DASH = 0x2d;
const SPACE = 0x20;

/**
 * Incremental: feed chunks with `write`, then call `end`. Events are passed to `emit` in file order.
 * Structural damage that cannot be skipped throws MalformedLogFileError (after everything before it
 * was emitted); damage that can be stepped over (a missing comma between records) is remembered and
 * thrown by `end`, so that every readable record is still salvaged.
 */
export class JsonSplitter {
  /** Records the `keep` option turned down. */
  passed = 0;

  private readonly keep: ((fields: TopFields, text: RecordText) => boolean) | undefined;
  private readonly maxRecordBytes: number;
  private offset = 0; // absolute offset of the current chunk
  private inString = false;
  private escaped = false;
  private readonly stack: number[] = [];

  // top level: 0 = between values, 1 = in a top-level object, 2 = in a top-level array
  private top = 0;
  private expectKey = false;
  private keyParts: string[] | undefined;
  private keyStart = -1;
  private currentKey = '';
  private sawRecords = false;
  /** The current top-level object's text, held while it may be a record itself. */
  private readonly held: Span;

  // records array: depth of the array's contents, or -1 when not inside one
  private recordsDepth = -1;
  private recordIndex = 0;
  private readonly element: Span;
  private elemNonObject = false;
  private afterElement = false;
  private damage: string | undefined;
  private readonly topFields: TopFieldReader;
  private readonly pending: PendingRecord;

  constructor(
    private readonly rules: DocumentRules,
    options: SplitterOptions,
  ) {
    this.maxRecordBytes = options.maxRecordBytes;
    this.keep = options.keep;
    this.element = new Span(options.maxRecordBytes);
    this.held = new Span(options.maxHeldBytes);
    this.pending = new PendingRecord(this.element);
    this.topFields = new TopFieldReader(options.eventNameFor);
  }

  /** Splits `chunk` from `from` on. */
  write(chunk: Buffer, from: number, emit: Emit): void {
    let i = from;
    const len = chunk.length;
    while (i < len) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      if (this.recordsDepth >= 0 && this.stack.length > this.recordsDepth && !this.elemNonObject) {
        i = this.scanRecord(chunk, i);
        // the record's closing brace was the byte before (ending it here keeps the hot loop small)
        if (this.stack.length === this.recordsDepth) this.endObjectElement(chunk, i - 1, emit);
        continue;
      }
      const c = chunk[i] as number;
      if (!isSpace(c)) this.structural(chunk, c, i, emit);
      i++;
    }
    // carry partial element / top-level object / key text over to the next chunk
    this.element.carry(chunk);
    this.held.carry(chunk);
    if (this.keyStart >= 0) {
      this.keyParts = [...(this.keyParts ?? []), chunk.toString('latin1', this.keyStart)];
      this.keyStart = 0;
    }
    this.offset += len;
  }

  /** The data ended: throws if it ended inside a value, or if damage was stepped over. */
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
    if (this.damage) throw new MalformedLogFileError(this.damage);
  }

  /**
   * The hot loop: inside a record object, where almost all bytes are. Returns where the record ended
   * (after its closing brace), or the chunk's end.
   */
  private scanRecord(chunk: Buffer, start: number): number {
    const stack = this.stack;
    const topFields = this.topFields;
    const len = chunk.length;
    const topDepth = this.recordsDepth + 1;
    let i = start;
    while (i < len) {
      const c = chunk[i] as number;
      if (c === QUOTE) {
        const q = closingQuote(chunk, i);
        if (q < 0) {
          // the string goes on in the next chunk: a top-level one cannot be read here as a field, nor
          // a second-level one looked at (it may be userIdentity.arn)
          if (stack.length <= topDepth + 1) topFields.giveUp();
          this.stringGoesOn(chunk, i + 1);
          return len;
        }
        const depth = stack.length;
        if (depth === topDepth) {
          i = mayNameField(q - i - 1) && topFields.fields ? topFields.readAt(chunk, i, q) : q + 1;
          continue;
        }
        // userIdentity.arn: a second-level string that may end in `/i-` and 8 or 17 hex digits, or in
        // white space the parse trims (written out here: a call per string costs, see above)
        if (depth === topDepth + 1 && q - i > 11) {
          const last = chunk[q - 1] as number;
          if (chunk[q - 9] === DASH || chunk[q - 18] === DASH || last === SPACE || last >= 0x80)
            topFields.secondLevel(chunk, i, q);
        }
        i = q + 1;
        continue;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (stack.length >= MAX_DEPTH) this.tooDeep(i);
        stack.push(c);
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.close(c, i);
        if (stack.length === this.recordsDepth) return i + 1;
      }
      i++;
    }
    return len;
  }

  /** A string's content runs from `from` to the end of the chunk. */
  private stringGoesOn(chunk: Buffer, from: number): void {
    this.inString = true;
    this.escaped = backslashesBefore(chunk, chunk.length, from) % 2 === 1;
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
        this.stringGoesOn(chunk, i);
        return len;
      }
      if (backslashesBefore(chunk, q, i) % 2 === 1) {
        i = q + 1;
        if (i >= len) return len;
        continue;
      }
      this.inString = false;
      if (this.keyStart >= 0) this.finishKey(chunk, q);
      return q + 1;
    }
  }

  /** A structural byte (not space, not in a string, not inside a record object) at `i`. */
  private structural(chunk: Buffer, c: number, i: number, emit: Emit): void {
    const depth = this.stack.length;
    if (depth === 0) this.startTopLevelValue(c, i);
    else if (this.recordsDepth === depth) this.betweenElements(c, i, emit);
    else if (this.top === 1 && depth === 1) this.topLevelObjectByte(chunk, c, i, emit);
    else this.nestedByte(c, i);
  }

  private startTopLevelValue(c: number, i: number): void {
    this.rules.valueStart(c, this.offset + i);
    this.stack.push(c);
    if (c === OPEN_OBJECT) {
      this.top = 1;
      this.expectKey = true;
      this.sawRecords = false;
      this.held.open(i);
    } else {
      this.top = 2;
      this.openRecords();
    }
  }

  /** The array just opened holds records. */
  private openRecords(): void {
    this.recordsDepth = this.stack.length;
    this.afterElement = false;
  }

  /** At the depth of a records array's elements: between them, or at the start of one. */
  private betweenElements(c: number, i: number, emit: Emit): void {
    if (c === COMMA) {
      if (this.elemNonObject) this.endNonObjectElement(emit);
      else if (!this.afterElement) this.noteDamage(`unexpected ',' at byte ${this.offset + i}`);
      this.afterElement = false;
    } else if (c === CLOSE_ARRAY) {
      if (this.elemNonObject) this.endNonObjectElement(emit);
      this.stack.pop();
      this.recordsDepth = -1;
      this.afterElement = false;
      if (this.stack.length === 0) this.top = 0;
    } else if (this.elemNonObject || !this.startElement(c, i)) {
      // inside a string, number, literal or array where a record should be
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_ARRAY || c === OPEN_OBJECT) this.stack.push(c);
      else if (c === CLOSE_OBJECT) this.fail(`unexpected '}' at byte ${this.offset + i}`);
    }
  }

  /** The first byte of an element: true when it opens a record object. */
  private startElement(c: number, i: number): boolean {
    if (this.afterElement) {
      this.noteDamage(
        `missing ',' between records #${this.recordIndex - 1} and #${this.recordIndex} at byte ${this.offset + i}`,
      );
      this.afterElement = false;
    }
    if (c !== OPEN_OBJECT) {
      this.elemNonObject = true;
      return false;
    }
    this.element.open(i);
    this.topFields.begin();
    this.stack.push(OPEN_OBJECT);
    return true;
  }

  /** One structural byte at depth 1 of a top-level object (`{"Records":[…], …}`). */
  private topLevelObjectByte(chunk: Buffer, c: number, i: number, emit: Emit): void {
    switch (c) {
      case QUOTE:
        this.inString = true;
        if (this.expectKey) {
          this.keyStart = i + 1;
          this.keyParts = undefined;
        }
        return;
      case COLON:
        this.expectKey = false;
        return;
      case COMMA:
        this.expectKey = true;
        return;
      case OPEN_ARRAY:
        this.stack.push(c);
        if (!this.expectKey && this.rules.holdsRecords(this.currentKey)) {
          this.openRecords();
          this.sawRecords = true;
          this.held.close();
        }
        return;
      case OPEN_OBJECT:
        this.stack.push(c);
        return;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        this.close(c, i);
        this.endTopLevelObject(chunk, i, emit);
        return;
      default:
        return; // a number or literal value
    }
  }

  /** Inside a nested value that is not a record object (never inside one: scanRecord reads those). */
  private nestedByte(c: number, i: number): void {
    if (c === QUOTE) {
      this.inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (this.stack.length >= MAX_DEPTH) this.tooDeep(i);
      this.stack.push(c);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      this.close(c, i);
    }
  }

  private finishKey(chunk: Buffer, q: number): void {
    const tail = chunk.toString('latin1', this.keyStart, q);
    this.currentKey = this.keyParts ? this.keyParts.join('') + tail : tail;
    this.keyStart = -1;
    this.keyParts = undefined;
    this.rules.key(this.currentKey);
  }

  private close(c: number, i: number): void {
    const open = this.stack.pop();
    const expected = c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY;
    if (open !== expected) this.fail(`unexpected ${bytes.describeByte(c)} at byte ${this.offset + i}`);
  }

  private endObjectElement(chunk: Buffer, i: number, emit: Emit): void {
    const index = this.recordIndex++;
    this.afterElement = true;
    const fields = this.topFields.take();
    const pending = this.pending.at(chunk, i + 1);
    if (this.element.overflowed) {
      this.emitTooLarge(index, emit);
    } else if (this.keep && fields && !this.keep(fields, pending)) {
      this.passed++;
    } else {
      const bytes = pending.bytes();
      if (bytes.length > this.maxRecordBytes) this.emitTooLarge(index, emit);
      else if (fields) emit({ kind: 'record', index, bytes, standalone: false, fields });
      else emit({ kind: 'record', index, bytes, standalone: false });
    }
    pending.clear();
    this.element.close();
  }

  private emitTooLarge(index: number, emit: Emit): void {
    emit({ kind: 'invalid', index, reason: `record is larger than ${this.maxRecordBytes} bytes` });
  }

  private endNonObjectElement(emit: Emit): void {
    emit({ kind: 'invalid', index: this.recordIndex++, reason: 'record is not a JSON object' });
    this.elemNonObject = false;
  }

  /** A top-level object closed at `i`. */
  private endTopLevelObject(chunk: Buffer, i: number, emit: Emit): void {
    this.top = 0;
    if (this.sawRecords) return;
    const record = this.rules.objectEnd(this.held.whole);
    if (record) {
      const bytes = this.held.text(chunk, i + 1);
      emit({ kind: 'record', index: this.recordIndex++, bytes, standalone: true });
    }
    this.held.close();
  }

  private noteDamage(message: string): void {
    this.damage ??= message;
  }

  private tooDeep(i: number): never {
    this.fail(`JSON nested deeper than ${MAX_DEPTH} levels at byte ${this.offset + i}`);
  }

  private fail(message: string): never {
    throw new MalformedLogFileError(message);
  }
}
