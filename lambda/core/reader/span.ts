import { mayHideSession, type RecordText } from './top-fields';

/**
 * The text of one JSON value while it is being split out of a stream of chunks: its start in the
 * current chunk, and the parts of it that earlier chunks held. Past `limit` bytes the parts are
 * dropped (`overflowed`), so a value too large to keep is never held in memory.
 */
export class Span {
  /** Where the value starts in the current chunk (0 once it began in an earlier one); -1 when closed. */
  start = -1;
  /** The value outgrew the limit: its text is gone. */
  overflowed = false;
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  /** True while the value's text lies in the current chunk alone (from `start`). */
  get inChunk(): boolean {
    return this.parts.length === 0;
  }

  /** True while the value's whole text is held. */
  get whole(): boolean {
    return this.start >= 0 && !this.overflowed;
  }

  open(start: number): void {
    this.start = start;
    if (this.parts.length > 0) this.parts = [];
    this.size = 0;
    this.overflowed = false;
  }

  close(): void {
    this.start = -1;
    if (this.parts.length > 0) this.parts = [];
    this.size = 0;
    this.overflowed = false;
  }

  /** The chunk ends inside the value: keep its part of the chunk (a view, not a copy). */
  carry(chunk: Buffer): void {
    if (this.start < 0) return;
    if (!this.overflowed) {
      const part = chunk.subarray(this.start);
      this.size += part.length;
      if (this.size > this.limit) {
        this.overflowed = true;
        this.parts = [];
      } else this.parts.push(part);
    }
    this.start = 0;
  }

  /** The value's text, ending before `end` in the current chunk: a view when it lies in one chunk. */
  text(chunk: Buffer, end: number): Buffer {
    const tail = chunk.subarray(this.start, end);
    return this.parts.length > 0 ? Buffer.concat([...this.parts, tail]) : tail;
  }
}

const NO_CHUNK = Buffer.alloc(0);
const BACKSLASH = 0x5c;

/**
 * The text of the record that just ended, for the `keep` test: a view of the chunk (or the parts
 * joined, for a record across chunks) made only when asked, and once.
 */
export class PendingRecord implements RecordText {
  private chunk: Buffer = NO_CHUNK;
  private end = 0;
  private text: Buffer | undefined;
  /** The chunk `backslashAt` is of, and its first backslash at or after the last record looked at (-1: none). */
  private scanned: Buffer = NO_CHUNK;
  private backslashAt = -1;

  constructor(private readonly element: Span) {}

  at(chunk: Buffer, end: number): this {
    this.chunk = chunk;
    this.end = end;
    this.text = undefined;
    return this;
  }

  bytes(): Buffer {
    this.text ??= this.element.text(this.chunk, this.end);
    return this.text;
  }

  /**
   * `mayHideSession` of the text, without making it for a record with no backslash: records come in
   * order, so one memchr per chunk finds the backslashes of all its records (most have none).
   */
  mayHideSession(): boolean {
    if (!this.element.inChunk) return mayHideSession(this.bytes());
    const start = this.element.start;
    if (this.scanned !== this.chunk) {
      this.scanned = this.chunk;
      this.backslashAt = this.chunk.indexOf(BACKSLASH, start);
    } else if (this.backslashAt >= 0 && this.backslashAt < start) {
      this.backslashAt = this.chunk.indexOf(BACKSLASH, start);
    }
    if (this.backslashAt < 0 || this.backslashAt >= this.end) return false;
    return mayHideSession(this.bytes());
  }

  /** Lets go of the chunk. */
  clear(): void {
    this.chunk = NO_CHUNK;
    this.text = undefined;
  }
}
