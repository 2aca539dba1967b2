import { findingsFilter, readFindingLines } from '../../findings-query';
import { param, rangeOf } from './params';
import { type ApiRoute, ok } from './route';

/**
 * `GET /api/findings?rule=&severity=&instance=&since=&until=&limit=`: the lines of
 * `findings --json` with the same filters, newest first, each with its `review`.
 */
export const findingsRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/findings',
    async handle(ctx, req) {
      const filter = findingsFilter(
        {
          rule: param(req.query, 'rule'),
          severity: param(req.query, 'severity'),
          instance: param(req.query, 'instance'),
        },
        { rule: 'rule', severity: 'severity', instance: 'instance' },
      );
      const range = rangeOf(req.query, ctx.now());
      const { lines, more } = await readFindingLines(ctx.store, filter, range, ctx.now());
      return ok({ findings: lines, more });
    },
  },
];
