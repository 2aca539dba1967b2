import { UsageError } from '../../../../lambda/core/errors';
import { parseSince } from '../../../../lambda/core/time';

/** The query parameters the API's listings share: `since`, `until`, `limit`. */

/** Default `limit` of a listing (as the CLI's). */
export const DEFAULT_API_LIMIT = 100;
/** Largest `limit` (a page shows the timeline of an instance: its events up to this many). */
export const MAX_API_LIMIT = 10_000;

export interface ApiRange {
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit: number;
}

/** One query parameter, or undefined when absent or empty. @throws UsageError when repeated */
export function param(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw new UsageError('given more than once', name);
  const value = values[0]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** `since` (a duration back from now or an ISO time), `until` (the same), `limit`. @throws UsageError */
export function rangeOf(query: URLSearchParams, nowMs: number): ApiRange {
  const since = param(query, 'since');
  const until = param(query, 'until');
  const limitText = param(query, 'limit');
  const sinceMs = since === undefined ? undefined : parseSince(since, nowMs, 'since');
  const untilMs = until === undefined ? undefined : parseSince(until, nowMs, 'until');
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs)
    throw new UsageError('since is after until', 'since');
  let limit = DEFAULT_API_LIMIT;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_API_LIMIT)
      throw new UsageError(`expected a whole number from 1 to ${MAX_API_LIMIT}, got '${limitText}'`, 'limit');
  }
  return {
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    limit,
  };
}
