import type { LookupKind, MatchKind } from './types';

/**
 * Hash routes: `#/`, `#/search?q=`, `#/instance/ID`, `#/findings?...`, `#/event/ID`, `#/lookup/KIND/VALUE`,
 * each with optional query parameters after `?`. Path segments are URI-encoded (fingerprints hold `/`, `+`).
 */
export type Route =
  | { readonly page: 'home'; readonly params: URLSearchParams }
  | { readonly page: 'search'; readonly params: URLSearchParams }
  | { readonly page: 'instance'; readonly id: string; readonly params: URLSearchParams }
  | { readonly page: 'findings'; readonly params: URLSearchParams }
  | { readonly page: 'event'; readonly id: string; readonly params: URLSearchParams }
  | {
      readonly page: 'lookup';
      readonly kind: LookupKind;
      readonly value: string;
      readonly params: URLSearchParams;
    }
  | { readonly page: 'unknown'; readonly path: string; readonly params: URLSearchParams };

export const LOOKUP_KINDS: readonly LookupKind[] = ['user', 'key', 'keypair', 'ip', 'resource'];

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route of a location hash (`#/instance/i-0123?since=24h`). */
export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#/, '');
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : body.slice(q + 1));
  const parts = path.split('/').filter((p) => p !== '');
  const [head, first, second] = parts;
  if (head === undefined) return { page: 'home', params };
  if (head === 'search' && parts.length === 1) return { page: 'search', params };
  if (head === 'findings' && parts.length === 1) return { page: 'findings', params };
  if (head === 'instance' && first !== undefined && parts.length === 2)
    return { page: 'instance', id: decode(first), params };
  if (head === 'event' && first !== undefined && parts.length === 2)
    return { page: 'event', id: decode(first), params };
  if (head === 'lookup' && second !== undefined && parts.length === 3) {
    const kind = LOOKUP_KINDS.find((k) => k === first);
    if (kind) return { page: 'lookup', kind, value: decode(second), params };
  }
  return { page: 'unknown', path, params };
}

/** `?a=1&b=2` of the defined, non-empty values, or '' when none. */
export function query(values: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') params.set(k, v);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The page of one thing the index knows. */
export function hrefFor(kind: MatchKind, value: string): string {
  const v = encodeURIComponent(value);
  if (kind === 'instance') return `#/instance/${v}`;
  if (kind === 'event') return `#/event/${v}`;
  return `#/lookup/${kind}/${v}`;
}

export const instanceHref = (id: string, params: Record<string, string | undefined> = {}): string =>
  `${hrefFor('instance', id)}${query(params)}`;
export const eventHref = (id: string): string => hrefFor('event', id);
export const findingsHref = (params: Record<string, string | undefined> = {}): string =>
  `#/findings${query(params)}`;
export const searchHref = (q: string): string => `#/search${query({ q })}`;

/** The page of a resource ID: instances have their own page, other IDs their lookup page. */
export function resourceHref(id: string): string {
  return /^i-[0-9a-f]+$/i.test(id) ? hrefFor('instance', id) : hrefFor('resource', id);
}
