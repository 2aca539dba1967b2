import { itemToConflict } from '../../../../lambda/core/conflicts';
import { UsageError } from '../../../../lambda/core/errors';
import { itemToEvent } from '../../../../lambda/core/items';
import { LIMITS } from '../../../../lambda/core/limits';
import { readEventFindings } from '../../event-reader';
import { readReviews, withReview } from '../../reviews';
import { type ApiRoute, fail, ok } from './route';

/**
 * `GET /api/event/:eventID`: what `trailwatch event ID --json` shows: the event line, the full record
 * from its log file (null when it cannot be read: `recordProblem` says why), its finding lines with
 * their reviews, and the records that reused its eventID (`conflicts`). 404 for an unknown eventID.
 */
export const eventRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/event/:eventID',
    async handle(ctx, req) {
      const id = (req.params[0] ?? '').trim();
      if (id === '' || id.length > LIMITS.eventId)
        throw new UsageError(`expected an event ID of 1 to ${LIMITS.eventId} characters`, 'eventID');
      const found = await ctx.store.getEventWithConflicts(id);
      if (!found.event) return fail(404, `event ${id}: not found in the ${ctx.description}`);
      const event = itemToEvent(found.event);
      const nowMs = ctx.now();
      const [findings, reviews, loaded] = await Promise.all([
        readEventFindings(ctx.store, event, nowMs),
        readReviews(ctx.store, nowMs),
        ctx.loadRecord(event.source, event.eventID),
      ]);
      return ok({
        event,
        record: loaded.record ?? null,
        findings: findings.map((line) => withReview(line, reviews)),
        conflicts: found.conflicts.map(itemToConflict),
        moreConflicts: found.moreConflicts,
        recordProblem: loaded.problem ?? null,
      });
    },
  },
];
