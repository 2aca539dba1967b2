import { readAccessPaths } from '../../../../lambda/core/access/read';
import { itemToEvent } from '../../../../lambda/core/items';
import { lookupPartition } from '../../../../lambda/core/lookup';
import { readFindingLines } from '../../findings-query';
import { relatedResources } from '../related';
import { rangeOf } from './params';
import { type ApiRoute, ok } from './route';

/**
 * `GET /api/instance/:id?since=&until=&limit=`: an instance's page. Its events (the lines of
 * `query instance ID --json`, newest first), its access paths (`access ID --json`), its findings
 * (`findings --instance ID --json`, with their reviews), the resources its events name, `more` when
 * any of the three lists was cut at `limit`, and `notes` (the bounds `access` reached).
 */
export const instanceRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/instance/:id',
    async handle(ctx, req) {
      const typed = req.params[0] ?? '';
      const pk = lookupPartition('instance', typed);
      const instanceId = typed.trim().toLowerCase();
      const range = rangeOf(req.query, ctx.now());
      const nowMs = ctx.now();
      const bounds = {
        ...(range.sinceMs !== undefined ? { sinceMs: range.sinceMs } : {}),
        ...(range.untilMs !== undefined ? { untilMs: range.untilMs } : {}),
      };
      const [listed, report, findings] = await Promise.all([
        ctx.store.query(pk, { ...range, nowMs }),
        readAccessPaths(ctx.store, instanceId, { ...bounds, nowMs }),
        readFindingLines(ctx.store, { instance: instanceId }, range, nowMs),
      ]);
      const events = listed.items.map(itemToEvent);
      return ok({
        instanceId,
        events,
        access: report.paths.slice(0, range.limit),
        findings: findings.lines,
        related: relatedResources(events),
        more: listed.more || report.paths.length > range.limit || findings.more,
        notes: report.notes,
      });
    },
  },
];
