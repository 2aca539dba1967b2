/** The bytes of JSON's structure, and small helpers on them, shared by the reader's modules. */

// declared, then exported: references in this module then compile to constants, not to `exports.QUOTE`
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE };

export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A byte for an error message: the character when printable ASCII, its code otherwise. */
export function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** How many backslashes stand right before `end`, not looking before `floor`. */
export function backslashesBefore(chunk: Buffer, end: number, floor: number): number {
  let k = end - 1;
  while (k >= floor && chunk[k] === BACKSLASH) k--;
  return end - 1 - k;
}

/** The closing quote of the string opened at `open`, or -1 when the string goes on past the chunk. */
export function closingQuote(chunk: Buffer, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = chunk.indexOf(QUOTE, from);
    if (q < 0 || backslashesBefore(chunk, q, open + 1) % 2 === 0) return q;
    from = q + 1;
  }
}
