import { UsageError } from '../../../../lambda/core/errors';
import { MAX_SEARCH_TEXT, search } from '../search';
import { param } from './params';
import { type ApiRoute, ok } from './route';

/** `GET /api/search?q=TEXT`: `{query, matches}` (../search.ts decides the kinds). */
export const searchRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/search',
    async handle(ctx, req) {
      const q = param(req.query, 'q') ?? '';
      if (q.length > MAX_SEARCH_TEXT) throw new UsageError(`at most ${MAX_SEARCH_TEXT} characters`, 'q');
      return ok({ query: q, matches: await search(ctx.store, q, ctx.now()) });
    },
  },
];
