import { createHash } from 'node:crypto';

/**
 * The content hash of a record, so that a second record with the same eventID can be told apart from
 * a copy of the first: SHA-256 of a canonical serialization of the parsed record (object keys sorted
 * at every depth, no white space, JSON's own spelling of strings and numbers), first 96 bits,
 * base64url (16 characters). The same record pretty-printed, with its keys in another order, or
 * re-exported by `jq` hashes the same; any change of a value, anywhere in the record, does not.
 *
 * 96 bits: finding a second record with the hash of a given one (what a forger needs) takes about
 * 2^96 attempts; colliding two records of one's own choice (2^48) does not help, since the original
 * is written by CloudTrail, with an eventID and a request ID nobody knows in advance. (Not more: the
 * hash is on every event item, and event items should stay within one write unit.)
 */
export function recordHash(record: unknown): string {
  return createHash('sha256').update(canonicalJson(record)).digest('base64url').slice(0, 16);
}

/** Text that is written as it is (punctuation, keys); everything else on the stack is a value. */
class Literal {
  constructor(readonly text: string) {}
}

/**
 * JSON text with the keys of every object sorted (by UTF-16 code units, as `Array.prototype.sort`
 * does). Iterative, not recursive: a record may nest deeper than the call stack allows (JSON.parse
 * itself does not recurse), and every value is covered, however deep.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v instanceof Literal) {
      out.push(v.text);
    } else if (Array.isArray(v)) {
      stack.push(new Literal(']'));
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push(v[i]);
        if (i > 0) stack.push(new Literal(','));
      }
      stack.push(new Literal('['));
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      stack.push(new Literal('}'));
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push(o[k]);
        stack.push(new Literal(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`));
      }
      stack.push(new Literal('{'));
    } else {
      // JSON.parse gives strings, finite numbers, booleans and null only
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}
