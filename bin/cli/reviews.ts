import { UsageError } from '../../lambda/core/errors';
import type { FindingLine } from '../../lambda/core/findings';
import type { TableItem } from '../../lambda/core/items';
import { LIMITS } from '../../lambda/core/limits';
import { isRuleId, RULE_IDS } from '../../lambda/core/rules';
import type { TrailStore } from '../../lambda/core/store-port';
import { formatTime } from '../../lambda/core/time';

/**
 * Reviews of findings (`trailwatch ui`'s "mark reviewed"; `findings` lists the reviewed ones apart):
 * one item per finding in one partition, replaced by each change.
 *
 * | item   | pk        | sk                  | attributes                                |
 * | ------ | --------- | ------------------- | ----------------------------------------- |
 * | review | `REVIEWS` | `<rule>#<eventID>`  | rule, eventID, reviewed, note, by, at      |
 *
 * Unmarking writes `reviewed: false` over the item (no history). Reviews have no TTL: a finding past
 * the retention is gone from the listings, its review stays (a few hundred bytes).
 */

export const REVIEWS_PARTITION = 'REVIEWS';

/** Longest note, in characters. */
export const MAX_REVIEW_NOTE = 1000;

/** Longest reviewer name, in characters (`--reviewer`, or the OS user name). */
export const MAX_REVIEWER = 128;

/** Reviews read at most (pages of the partition); past it, older ones are not shown as reviewed. */
export const MAX_REVIEWS_READ = 100_000;

/** A finding's review: the note, who and when (ISO time). */
export interface Review {
  readonly note: string;
  readonly by: string;
  readonly at: string;
}

/** What `POST /api/review` asks: mark (`reviewed: true`, with a note) or unmark a finding. */
export interface ReviewInput {
  readonly rule: string;
  readonly eventID: string;
  readonly note: string;
  readonly reviewed: boolean;
}

export type ReviewStore = Pick<TrailStore, 'putItem' | 'queryPage'>;

/** The sort key of a finding's review. */
export const reviewKey = (rule: string, eventID: string): string => `${rule}#${eventID}`;

/**
 * The review asked for by a request body.
 * @throws UsageError naming the field and the reason
 */
export function parseReviewInput(body: unknown): ReviewInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new UsageError('expected an object {rule, eventID, note, reviewed}', 'body');
  const { rule, eventID, note = '', reviewed } = body as Record<string, unknown>;
  if (typeof rule !== 'string' || !isRuleId(rule))
    throw new UsageError(`expected a rule ID (${RULE_IDS.join(', ')})`, 'rule');
  if (typeof eventID !== 'string' || eventID.trim() === '' || eventID.length > LIMITS.eventId)
    throw new UsageError(`expected an event ID of 1 to ${LIMITS.eventId} characters`, 'eventID');
  if (typeof note !== 'string') throw new UsageError('expected a string', 'note');
  if (note.length > MAX_REVIEW_NOTE)
    throw new UsageError(`at most ${MAX_REVIEW_NOTE} characters, got ${note.length}`, 'note');
  if (typeof reviewed !== 'boolean') throw new UsageError('expected true or false', 'reviewed');
  return { rule, eventID: eventID.trim(), note, reviewed };
}

/** The reviewer's name as stored: trimmed, bounded. @throws UsageError when empty */
export function reviewerName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new UsageError('the reviewer name is empty', '--reviewer');
  return trimmed.slice(0, MAX_REVIEWER);
}

/** The review item of `input`, made by `by` at `nowMs`. */
export function reviewItem(input: ReviewInput, by: string, nowMs: number): TableItem {
  return {
    pk: REVIEWS_PARTITION,
    sk: reviewKey(input.rule, input.eventID),
    kind: 'review',
    rule: input.rule,
    eventID: input.eventID,
    reviewed: input.reviewed,
    note: input.reviewed ? input.note : '',
    by,
    at: formatTime(nowMs),
  };
}

/** The review an item holds, or null for an unmarked (or unreadable) one. */
export function reviewOfItem(item: Readonly<Record<string, unknown>>): Review | null {
  if (item.reviewed !== true) return null;
  return { note: String(item.note ?? ''), by: String(item.by ?? ''), at: String(item.at ?? '') };
}

/** Writes a review (replacing the finding's previous one); the review now, or null when unmarked. */
export async function writeReview(
  store: ReviewStore,
  input: ReviewInput,
  by: string,
  nowMs: number,
): Promise<Review | null> {
  const item = reviewItem(input, by, nowMs);
  await store.putItem(item);
  return reviewOfItem(item);
}

/** Every finding's review (unmarked ones left out), by `reviewKey`: the whole partition, page by page. */
export async function readReviews(store: ReviewStore, nowMs: number): Promise<Map<string, Review>> {
  const reviews = new Map<string, Review>();
  let startKey: Record<string, unknown> | undefined;
  let read = 0;
  do {
    const page = await store.queryPage(REVIEWS_PARTITION, {
      nowMs,
      wholePartition: true,
      limit: 1000,
      ...(startKey ? { startKey } : {}),
    });
    for (const item of page.items) {
      const review = reviewOfItem(item);
      if (review) reviews.set(String(item.sk), review);
    }
    read += page.items.length;
    startKey = page.nextKey;
  } while (startKey && read < MAX_REVIEWS_READ);
  return reviews;
}

/** The finding line with its `review` (null when not reviewed). */
export function withReview(
  line: FindingLine,
  reviews: ReadonlyMap<string, Review>,
): FindingLine & { readonly review: Review | null } {
  return { ...line, review: reviews.get(reviewKey(line.rule, String(line.eventID))) ?? null };
}
