import { type IncomingHttpHeaders, request } from 'node:http';

/** Requests to a `trailwatch ui` server, with exactly the headers a browser or an attacker would send. */

export interface UiAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body as sent (to look for markup in it). */
  readonly text: string;
  /** The body parsed as JSON. */
  json<T = Record<string, unknown>>(): T;
}

export interface UiRequest {
  readonly method?: string;
  /** `X-Trailwatch-Token`, when given. */
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** One request to `base` (`http://127.0.0.1:PORT`) for `path` (with its query). */
export function uiRequest(base: string, path: string, options: UiRequest = {}): Promise<UiAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method: options.method ?? 'GET',
        path,
        agent: false,
        headers: {
          Host: url.host,
          ...(options.token !== undefined ? { 'X-Trailwatch-Token': options.token } : {}),
          ...(options.body !== undefined && options.headers?.['Transfer-Encoding'] === undefined
            ? { 'Content-Length': String(Buffer.byteLength(options.body)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A JSON POST with the token. */
export function uiPost(base: string, path: string, token: string, body: unknown): Promise<UiAnswer> {
  return uiRequest(base, path, {
    method: 'POST',
    token,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** `http://host:port` and the token of the address `trailwatch ui` prints. */
export function parseUiAddress(line: string): { base: string; token: string } {
  const m = /^trailwatch ui: (http:\/\/[^/]+)\/\?token=([A-Za-z0-9_-]+)$/.exec(line.trim());
  if (!m?.[1] || !m[2]) throw new Error(`not the address line of trailwatch ui: ${line}`);
  return { base: m[1], token: m[2] };
}
