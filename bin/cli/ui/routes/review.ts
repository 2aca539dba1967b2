import { parseReviewInput } from '../../reviews';
import { type ApiRoute, fail, ok } from './route';

/**
 * `POST /api/review` `{rule, eventID, note, reviewed}`: marks a finding reviewed (with a note of at most
 * 1,000 characters; who and when are the server's) or unmarks it; answers `{review}` (null when
 * unmarked). 403 on a `--table` run (read-only), 404 when the event has no such finding.
 */
export const reviewRoutes: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/review',
    async handle(ctx, req) {
      if (ctx.readOnly) return fail(403, 'read-only: --table');
      const input = parseReviewInput(req.body);
      const event = await ctx.store.getEvent(input.eventID);
      const findings = event?.findings;
      const listed =
        findings instanceof Set || Array.isArray(findings) ? [...findings].includes(input.rule) : false;
      if (!listed) return fail(404, `no finding of ${input.rule} on event ${input.eventID}`);
      return ok({ review: await ctx.review(input) });
    },
  },
];
