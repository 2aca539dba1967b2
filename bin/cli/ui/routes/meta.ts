import { type ApiRoute, ok } from './route';

/** `GET /api/meta`: the store the page reads, whether it may write reviews, the version. */
export const metaRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/meta',
    handle: async (ctx) => ok({ store: ctx.description, readOnly: ctx.readOnly, version: ctx.version }),
  },
];
