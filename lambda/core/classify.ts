import { NotCloudTrailFileError } from './errors';
import { extractEvent, type IndexedEvent } from './event';
import { buildItems, type TableItem } from './items';
import { field, isObject, type JsonObject } from './json';
import { recordHash } from './record-hash';
import type { InvalidRecord, RawRecord } from './record-stream';
import { type Hit, isJudged, statelessHits } from './rules';
import { selectRecord } from './select';
import type { Settings } from './settings';

/**
 * What one record of a log file is, decided from the record alone (and the eventIDs already seen):
 * rejected with a reason, skipped by rule, a duplicate of a record already written, an event with
 * its items, or an event some rule applies to (whose items are built once the rules have judged it). Pure: no
 * store, no counters; the pipeline acts on the answer.
 */

/**
 * An event some rule applies to (an SSH key push, a snapshot shared, a password read, …), kept for the
 * rules phase (`detector.ts`), which writes it and runs the stateful rules on its history.
 */
export interface Push {
  readonly event: IndexedEvent;
  readonly timeMs: number;
  /** What the stateless rules found (the event's `findings` list them). */
  readonly hits: Hit[];
  readonly hash: string;
  /** Position of the record in its file. */
  readonly index: number;
}

/** What a record is from its content alone (`classifyContent`): no eventID of the run consulted yet. */
export type Content =
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'skip' }
  | {
      readonly kind: 'event';
      readonly event: IndexedEvent;
      /** Its event item first, then its index items. */
      readonly items: TableItem[];
      /** The content hash of the record. */
      readonly hash: string;
      /** The event's time (epoch ms). */
      readonly timeMs: number;
    }
  | { readonly kind: 'push'; readonly push: Push };

export type Classified =
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'skip' }
  /** The same record (content hash) was written under its eventID in this run. */
  | { readonly kind: 'duplicate' }
  /** `firstSeen`: its eventID is new to the run (a known eventID with other content goes on). */
  | (Extract<Content, { kind: 'event' }> & { readonly firstSeen: boolean })
  | { readonly kind: 'push'; readonly push: Push; readonly firstSeen: boolean };

/** What classifying a record's content needs: nothing of the run. */
export interface ContentContext {
  readonly settings: Settings;
  readonly source: string;
  /** TTL of the items (epoch seconds), none when undefined. */
  readonly expiresAt: number | undefined;
}

const RECORD_FIELDS = ['eventVersion', 'eventID', 'eventTime', 'eventSource', 'eventName', 'userIdentity'];
const SKIP: Content = { kind: 'skip' };
const DUPLICATE: Classified = { kind: 'duplicate' };

/**
 * What the run's eventIDs make of a record's content: a duplicate of a record written already (same
 * eventID, same content hash), or an event whose eventID is new to the run (`firstSeen`) or not.
 */
export function againstSeen(content: Content, seen: ReadonlyMap<string, string>): Classified {
  if (content.kind === 'reject' || content.kind === 'skip') return content;
  const event = content.kind === 'push' ? content.push.event : content.event;
  const hash = content.kind === 'push' ? content.push.hash : content.hash;
  const known = seen.get(event.eventID);
  if (known === hash) return DUPLICATE;
  const firstSeen = known === undefined;
  return content.kind === 'push'
    ? { kind: 'push', push: content.push, firstSeen }
    : { ...content, firstSeen };
}

/**
 * What one record is from its content alone: rejected, skipped, an event with its items, or an
 * event some rule applies to. Pure and independent of the run (another thread may call it).
 * @throws NotCloudTrailFileError when a standalone JSON object is not a CloudTrail record
 */
export function classifyContent(raw: RawRecord | InvalidRecord, ctx: ContentContext): Content {
  if (raw.kind === 'invalid') return { kind: 'reject', reason: raw.reason };
  let record: unknown;
  try {
    record = JSON.parse(raw.bytes.toString('utf8'));
  } catch (error) {
    const why = error instanceof Error ? error.message.slice(0, 120) : String(error);
    return { kind: 'reject', reason: `not valid JSON (${why})` };
  }
  if (!isObject(record)) return { kind: 'reject', reason: 'record is not a JSON object' };
  if (raw.standalone && !looksLikeRecord(record)) {
    throw new NotCloudTrailFileError(
      Object.hasOwn(record, 'Records')
        ? '"Records" is not an array'
        : 'no "Records" array, and not a CloudTrail record',
    );
  }
  const selection = selectRecord(record, ctx.settings);
  if (selection === 'no-source') return { kind: 'reject', reason: 'missing eventSource' };
  if (selection !== 'indexed') return SKIP;
  const extraction = extractEvent(record, raw.bytes, ctx.source);
  if (!extraction.ok) return { kind: 'reject', reason: extraction.reason };
  const { event, timeMs } = extraction;
  const hash = recordHash(record);
  if (isJudged(event)) {
    const hits = statelessHits(event, ctx.settings.detection, {
      request: field(record, 'requestParameters'),
      response: field(record, 'responseElements'),
    });
    const push = {
      event: { ...event, findings: hits.map((h) => h.rule) },
      timeMs,
      hits,
      hash,
      index: raw.index,
    };
    return { kind: 'push', push };
  }
  return { kind: 'event', event, items: eventItems(event, timeMs, hash, ctx.expiresAt), hash, timeMs };
}

/** The items of an event (`buildItems`) with its record's content hash and the items' TTL. */
export function eventItems(
  event: IndexedEvent,
  timeMs: number,
  hash: string,
  expiresAt: number | undefined,
): TableItem[] {
  return buildItems(
    event,
    timeMs,
    expiresAt === undefined ? { recordHash: hash } : { expiresAt, recordHash: hash },
  );
}

function looksLikeRecord(value: JsonObject): boolean {
  return RECORD_FIELDS.some((f) => Object.hasOwn(value, f));
}
