import { UsageError } from '../../../../lambda/core/errors';
import { itemToEvent } from '../../../../lambda/core/items';
import { type LookupKind, lookupPartition, QUERY_LOOKUPS } from '../../../../lambda/core/lookup';
import { rangeOf } from './params';
import { type ApiRoute, ok } from './route';

const KINDS: readonly string[] = QUERY_LOOKUPS.map(([kind]) => kind);

/**
 * `GET /api/lookup/:kind/:value?since=&until=&limit=`: the events of one lookup of `trailwatch query`
 * (user, key, keypair, ip, resource, and instance), the lines of `query <kind> <value> --json`,
 * newest first.
 */
export const lookupRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/lookup/:kind/:value',
    async handle(ctx, req) {
      const [kind = '', value = ''] = req.params;
      if (!KINDS.includes(kind)) throw new UsageError(`unknown lookup; lookups: ${KINDS.join(', ')}`, 'kind');
      const pk = lookupPartition(kind as LookupKind, value);
      const range = rangeOf(req.query, ctx.now());
      const { items, more } = await ctx.store.query(pk, { ...range, nowMs: ctx.now() });
      return ok({ kind, value, events: items.map(itemToEvent), more });
    },
  },
];
