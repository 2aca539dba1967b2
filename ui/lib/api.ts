import type {
  EventAnswer,
  FindingsAnswer,
  InstanceAnswer,
  LookupAnswer,
  LookupKind,
  Meta,
  Review,
  SearchAnswer,
} from './types';

/** An answer of the API other than 2xx, with the server's `{error}` message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Params = Readonly<Record<string, string | undefined>>;

function withQuery(path: string, params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const text = q.toString();
  return text === '' ? path : `${path}?${text}`;
}

const seg = encodeURIComponent;

/**
 * The page's client of `/api/`: same origin, the per-run token in `X-Trailwatch-Token` (read once from
 * the page's address and kept in memory only).
 */
export class Api {
  constructor(private readonly token: string | null) {}

  get hasToken(): boolean {
    return this.token !== null && this.token !== '';
  }

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers['X-Trailwatch-Token'] = this.token;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const answer = await fetch(`/api/${path}`, { ...init, headers, credentials: 'same-origin' });
    const text = await answer.text();
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    if (!answer.ok) {
      const message =
        body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
          ? (body as { error: string }).error
          : `${answer.status} ${answer.statusText}`;
      throw new ApiError(answer.status, message);
    }
    return body as T;
  }

  meta(): Promise<Meta> {
    return this.call('meta');
  }

  search(q: string): Promise<SearchAnswer> {
    return this.call(withQuery('search', { q }));
  }

  instance(id: string, params: Params): Promise<InstanceAnswer> {
    return this.call(withQuery(`instance/${seg(id)}`, params));
  }

  lookup(kind: LookupKind, value: string, params: Params): Promise<LookupAnswer> {
    return this.call(withQuery(`lookup/${kind}/${seg(value)}`, params));
  }

  findings(params: Params): Promise<FindingsAnswer> {
    return this.call(withQuery('findings', params));
  }

  event(id: string): Promise<EventAnswer> {
    return this.call(`event/${seg(id)}`);
  }

  review(rule: string, eventID: string, note: string, reviewed: boolean): Promise<{ review: Review | null }> {
    return this.call('review', { method: 'POST', body: JSON.stringify({ rule, eventID, note, reviewed }) });
  }
}
