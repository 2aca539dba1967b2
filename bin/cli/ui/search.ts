import { TrailwatchError } from '../../../lambda/core/errors';
import { INDEXES } from '../../../lambda/core/indexes';
import { LIMITS } from '../../../lambda/core/limits';
import { type LookupKind, lookupPartition, QUERY_LOOKUPS } from '../../../lambda/core/lookup';
import type { TrailStore } from '../../../lambda/core/store-port';

/**
 * The search box of `trailwatch ui`: what a typed text can be, decided by the lookups of
 * `trailwatch query` (`QUERY_LOOKUPS`, from the index registry): each lookup that accepts the text
 * and whose partition holds events is a match, with the number of its events (null when more than
 * `SEARCH_COUNT_LIMIT`); an eventID that exists is a match of kind `event`, listed first. Several
 * kinds can match (a name that is a user and a key pair): all are listed.
 */

export type SearchKind = LookupKind | 'event';

export interface SearchMatch {
  readonly kind: SearchKind;
  /** What to look up: the value as its partition holds it when that reads back the same, else as typed. */
  readonly value: string;
  /** Events found, or null: more than `SEARCH_COUNT_LIMIT` (or an event, which is one). */
  readonly count: number | null;
  /** The page's address: `#/instance/ID`, `#/event/ID`, `#/lookup/KIND/VALUE` (parts URI-encoded). */
  readonly href: string;
}

/** Events counted per match; past it, the count is null ("more"). */
export const SEARCH_COUNT_LIMIT = 1000;

/** Longest text searched (a whole SSH public key is a few KB at most). */
export const MAX_SEARCH_TEXT = 8192;

/** Partition keys longer than this are not looked up (DynamoDB takes up to 2,048 bytes). */
const MAX_KEY_BYTES = 1024;

export function hrefOf(kind: SearchKind, value: string): string {
  const v = encodeURIComponent(value);
  if (kind === 'instance') return `#/instance/${v}`;
  if (kind === 'event') return `#/event/${v}`;
  return `#/lookup/${kind}/${v}`;
}

/** The partition of a lookup, or undefined when the lookup does not take the text. */
function partitionOf(kind: LookupKind, text: string): string | undefined {
  try {
    return lookupPartition(kind, text);
  } catch (error) {
    if (error instanceof TrailwatchError) return undefined;
    throw error;
  }
}

/** The value to show and look up: the partition's own when it looks up the same partition again. */
function matchValue(kind: LookupKind, pk: string, text: string): string {
  const prefix = INDEXES.find((i) => i.kind === kind)?.prefix ?? '';
  const inKey = pk.slice(prefix.length);
  return partitionOf(kind, inKey) === pk ? inKey : text;
}

/** Every match of `typed`, the event first, then the lookups in registry order. */
export async function search(store: TrailStore, typed: string, nowMs: number): Promise<SearchMatch[]> {
  const text = typed.trim();
  if (text === '') return [];
  const candidates = QUERY_LOOKUPS.flatMap(([kind]) => {
    const pk = partitionOf(kind, text);
    return pk === undefined || Buffer.byteLength(pk) > MAX_KEY_BYTES ? [] : [{ kind, pk }];
  });
  const [event, counts] = await Promise.all([
    text.length <= LIMITS.eventId ? store.getEvent(text) : undefined,
    Promise.all(candidates.map(({ pk }) => store.query(pk, { limit: SEARCH_COUNT_LIMIT, nowMs }))),
  ]);
  const matches: SearchMatch[] = event
    ? [{ kind: 'event', value: text, count: null, href: hrefOf('event', text) }]
    : [];
  candidates.forEach(({ kind, pk }, i) => {
    const found = counts[i];
    if (!found || found.items.length === 0) return;
    const value = matchValue(kind, pk, text);
    matches.push({ kind, value, count: found.more ? null : found.items.length, href: hrefOf(kind, value) });
  });
  return matches;
}
