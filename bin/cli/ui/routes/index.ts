import { eventRoutes } from './event';
import { findingsRoutes } from './findings';
import { instanceRoutes } from './instance';
import { lookupRoutes } from './lookup';
import { metaRoutes } from './meta';
import { reviewRoutes } from './review';
import type { ApiRoute } from './route';
import { searchRoutes } from './search';

export type { ApiAnswer, ApiContext, ApiRequest, ApiRoute } from './route';

/** Every route of the API of `trailwatch ui`. A new group: its file in this folder, and a line here. */
export const API_ROUTES: readonly ApiRoute[] = [
  ...metaRoutes,
  ...searchRoutes,
  ...instanceRoutes,
  ...lookupRoutes,
  ...findingsRoutes,
  ...eventRoutes,
  ...reviewRoutes,
];

export type RouteMatch =
  | { readonly route: ApiRoute; readonly params: string[] }
  | { readonly status: 400 | 404 | 405; readonly error: string };

/** The route of a request (its method and its path, still percent-encoded), with its decoded parameters. */
export function matchRoute(
  method: string,
  pathname: string,
  routes: readonly ApiRoute[] = API_ROUTES,
): RouteMatch {
  const segments = pathname.split('/');
  let otherMethod = false;
  for (const route of routes) {
    const parts = route.path.split('/');
    if (parts.length !== segments.length) continue;
    const params: string[] = [];
    const fits = parts.every((part, i) => {
      const segment = segments[i] ?? '';
      if (!part.startsWith(':')) return part === segment;
      params.push(segment);
      return segment !== '';
    });
    if (!fits) continue;
    if (route.method !== method) {
      otherMethod = true;
      continue;
    }
    try {
      return { route, params: params.map((p) => decodeURIComponent(p)) };
    } catch {
      return { status: 400, error: 'a path segment is not valid percent-encoding' };
    }
  }
  return otherMethod
    ? { status: 405, error: `${method} is not allowed here` }
    : { status: 404, error: 'no such API route' };
}
