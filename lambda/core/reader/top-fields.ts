import * as bytes from './bytes';

// local copies, as in json-splitter.ts: constants to the compiler, not property loads
const { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isSpace, OPEN_ARRAY, OPEN_OBJECT, QUOTE } = bytes;

/**
 * Preselection: the few top-level fields of a record that decide whether it is worth a `JSON.parse`
 * (eventSource, eventName, readOnly, errorCode, eventType), picked out of the raw bytes while the
 * record is being split, and their values interned; and whether a second-level string (such as
 * `userIdentity.arn`) may be an assumed-role session named like an instance.
 */

/**
 * Top-level fields of a record, as their JSON text (a string's content, or the literal).
 * `undefined`: the field is not there.
 */
export interface TopFields {
  eventSource?: string;
  eventName?: string;
  /** The field was a string (not a number, object, …). */
  eventSourceIsString?: boolean;
  readOnly?: string;
  errorCode?: string;
  errorCodeIsString?: boolean;
  eventType?: string;
  /**
   * A string at the record's second level (such as `userIdentity.arn`) may be an assumed-role ARN
   * whose session name is an instance ID (`endsLikeInstanceSession`).
   */
  instanceSession?: boolean;
}

type FieldName = 'eventSource' | 'eventName' | 'readOnly' | 'errorCode' | 'eventType';

const KEY_BYTES = {
  eventSource: Buffer.from('eventSource', 'latin1'),
  eventName: Buffer.from('eventName', 'latin1'),
  readOnly: Buffer.from('readOnly', 'latin1'),
  errorCode: Buffer.from('errorCode', 'latin1'),
  eventType: Buffer.from('eventType', 'latin1'),
} as const;
const LOWER_A = 0x61;
const LOWER_I = 0x69;
const LOWER_R = 0x72;
const LOWER_V = 0x76;
const LOWER_Y = 0x79;
const DASH = 0x2d;
const SLASH = 0x2f;

/** Only keys of these lengths (readOnly; errorCode, eventType, eventName; eventSource) can name a field. */
export function mayNameField(keyLength: number): boolean {
  return keyLength === 8 || keyLength === 9 || keyLength === 11;
}

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
      if (chunk[start + 1] !== LOWER_V) return undefined;
      if (chunk[start + 6] === LOWER_Y)
        return sameBytes(chunk, start, KEY_BYTES.eventType) ? 'eventType' : undefined;
      if (chunk[start + 6] === LOWER_A)
        return sameBytes(chunk, start, KEY_BYTES.eventName) ? 'eventName' : undefined;
      return undefined;
    case 11:
      return sameBytes(chunk, start, KEY_BYTES.eventSource) ? 'eventSource' : undefined;
    default:
      return undefined;
  }
}

function skipSpace(chunk: Buffer, from: number): number {
  let j = from;
  while (j < chunk.length && isSpace(chunk[j] as number)) j++;
  return j;
}

/**
 * Reads the top-level fields of one record at a time. `fields` is undefined outside a record and
 * once a record's fields cannot be read exactly (escapes, a field split across chunks, a duplicate
 * key): the caller then parses the record to decide.
 */
export class TopFieldReader {
  fields: TopFields | undefined;
  private readonly interner = new Interner();

  /** `eventNameFor`: whether a record's eventName is wanted, by its source (when read before). */
  constructor(private readonly eventNameFor?: (eventSource: string) => boolean) {}

  /** A record starts. */
  begin(): void {
    this.fields = {};
  }

  /** The record's fields cannot be read exactly. */
  giveUp(): void {
    this.fields = undefined;
  }

  /** The record ended: its fields, if they were read exactly. */
  take(): TopFields | undefined {
    const fields = this.fields;
    this.fields = undefined;
    return fields;
  }

  /**
   * A string at the top level of the record, from `open` to `close` (its quotes): when it is the key
   * of a selection field, reads the field's value and returns where scanning goes on; otherwise
   * returns the index after the string. Call only while `fields` is defined.
   */
  readAt(chunk: Buffer, open: number, close: number): number {
    const fields = this.fields as TopFields;
    let j = skipSpace(chunk, close + 1);
    if (j >= chunk.length) return this.unreadable(close);
    if (chunk[j] !== COLON) return close + 1; // a value, not a key
    const name = fieldAt(chunk, open + 1, close);
    if (!name || (name === 'eventName' && this.skipsEventName(fields))) return close + 1;
    // a key given twice: JSON.parse keeps the last; leave it to the parse
    if (fields[name] !== undefined) return this.unreadable(close);
    j = skipSpace(chunk, j + 1);
    if (j >= chunk.length) return this.unreadable(close);
    const next = chunk[j] === QUOTE ? this.stringValue(chunk, name, j) : this.literalValue(chunk, name, j);
    return next < 0 ? this.unreadable(close) : next;
  }

  /**
   * A string at the record's second level, from `open` to `close`, at least 11 bytes long, with the
   * dash of `i-` where 8 or 17 hex digits would put it, or a last byte the parse may trim (the
   * splitter's first look, in its hot loop).
   */
  secondLevel(chunk: Buffer, open: number, close: number): void {
    const fields = this.fields;
    if (fields && !fields.instanceSession && endsLikeInstanceSession(chunk, open, close))
      fields.instanceSession = true;
  }

  /** The record's source, read already, says its eventName decides nothing: it is not read. */
  private skipsEventName(fields: TopFields): boolean {
    const source = fields.eventSource;
    return (
      this.eventNameFor !== undefined &&
      source !== undefined &&
      fields.eventSourceIsString === true &&
      !this.eventNameFor(source.trim())
    );
  }

  private unreadable(close: number): number {
    this.fields = undefined;
    return close + 1;
  }

  /** A string value from its opening quote at `j`: one pass finds its end, looks for escapes and hashes it. */
  private stringValue(chunk: Buffer, name: FieldName, j: number): number {
    const fields = this.fields as TopFields;
    const from = j + 1;
    const stop = Math.min(chunk.length, from + MAX_INTERNED);
    let hash = FNV_OFFSET;
    let ascii = true;
    let k = from;
    for (; k < stop; k++) {
      const c = chunk[k] as number;
      if (c === QUOTE || c === BACKSLASH) break;
      if (c >= 0x80) ascii = false;
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    // split across chunks, escaped or long: not an ordinary value, let the parse read it
    if (k >= stop || chunk[k] !== QUOTE) return -1;
    fields[name] = ascii ? this.interner.text(chunk, from, k, hash) : chunk.toString('utf8', from, k);
    if (name === 'eventSource') fields.eventSourceIsString = true;
    if (name === 'errorCode') fields.errorCodeIsString = true;
    return k + 1;
  }

  /** A literal (true, false, null, a number) or a container at `j`: its first bytes are enough here. */
  private literalValue(chunk: Buffer, name: FieldName, j: number): number {
    let end = j;
    while (end < chunk.length && end - j < 8 && !endsLiteral(chunk[end] as number)) end++;
    if (end >= chunk.length) return -1;
    if (end === j) end++; // `{` or `[`
    (this.fields as TopFields)[name] = this.interner.text(chunk, j, end);
    return j;
  }
}

/** The raw text of the record being decided, materialised only when asked. */
export interface RecordText {
  bytes(): Buffer;
  /** `mayHideSession` of the text (cheaper than asking for the bytes). */
  mayHideSession(): boolean;
}

const ASSUMED_ROLE = Buffer.from('assumed-role/', 'latin1');
const SPACE = 0x20;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/**
 * Whether the string from `open` to `close` (its quotes) may be an assumed-role ARN whose session name
 * is an instance ID (`…assumed-role/<role>/i-<8 or 17 hex>`, before trailing white space): what
 * `instanceOfSession` looks for in `userIdentity.arn`, a string at the second level of the record.
 * Read as raw bytes, which is exact when the record has no escape but `\"` and `\\`
 * (`mayHideSession` checks that).
 */
export function endsLikeInstanceSession(chunk: Buffer, open: number, close: number): boolean {
  let end = close;
  while (end > open + 1 && ((chunk[end - 1] as number) === SPACE || (chunk[end - 1] as number) >= 0x80))
    end--;
  let k = end - 1;
  while (k > open && isHex(chunk[k] as number)) k--;
  const hex = end - 1 - k;
  if (hex !== 8 && hex !== 17) return false;
  // `/i-` before the digits, and `assumed-role/` before that
  if (chunk[k] !== DASH || ((chunk[k - 1] as number) | 0x20) !== LOWER_I || chunk[k - 2] !== SLASH)
    return false;
  return k - 2 > open && chunk.subarray(open + 1, k - 2).includes(ASSUMED_ROLE);
}

/**
 * True when the record's text holds a JSON escape other than `\"` and `\\` (`\u…`, `\/`, `\t`, …):
 * one could spell an instance session's ARN that the byte test of `endsLikeInstanceSession` does not
 * see, so the parse decides. Rare in records (a false positive only costs a parse); a memchr.
 */
export function mayHideSession(text: Buffer): boolean {
  for (let b = text.indexOf(BACKSLASH); b >= 0; b = text.indexOf(BACKSLASH, b + 2)) {
    const next = text[b + 1];
    if (next !== QUOTE && next !== BACKSLASH) return true;
  }
  return false;
}
