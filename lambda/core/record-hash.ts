import * as crypto from 'node:crypto';

/**
 * The content hash of a record, so that a second record with the same eventID can be told apart from
 * a copy of the first: SHA-256 of the record as `JSON.stringify` writes the parsed record back, first
 * 96 bits, base64url (16 characters). The white space, string escapes and number spellings of the
 * file do not matter (a pretty-printed copy or a `jq` export hashes the same); any change of a
 * value, anywhere in the record, does.
 *
 * Key order does matter: CloudTrail writes one order, and a copy whose keys were re-sorted (`jq -S`)
 * is reported as a conflict (the index keeps the first record). Sorting the keys at every depth in
 * JavaScript cost 8% of the extraction throughput (bench P1), and no copy in the corpus reorders
 * keys. (Records nest at most 512 levels: the reader rejects deeper ones.)
 *
 * 96 bits: finding a second record with the hash of a given one (what a forger needs) takes about
 * 2^96 attempts; colliding two records of one's own choice (2^48) does not help, since the original
 * is written by CloudTrail, with an eventID and a request ID nobody knows in advance. (Not more: the
 * hash is on every event item, and event items should stay within one write unit.)
 */
export function recordHash(record: unknown): string {
  const text = JSON.stringify(record) ?? 'null';
  // the one-shot form where there is one (Node.js 20.12+; the Lambda's 22 has it); 12 bytes encoded
  // on their own, so the 16 characters kept are a string of their own (not a slice that would keep
  // the whole digest alive in a run's map of eventIDs)
  const digest = oneShot
    ? oneShot('sha256', text, 'buffer')
    : crypto.createHash('sha256').update(text).digest();
  return digest.subarray(0, 12).toString('base64url');
}

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
