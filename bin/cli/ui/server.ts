import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StoreUnavailableError, TrailwatchError, UsageError } from '../../../lambda/core/errors';
import type { TrailStore } from '../../../lambda/core/store-port';
import { loadRecord } from '../event-reader';
import { guardServer } from '../local-http-guard';
import { writeReview } from '../reviews';
import { readJsonBody, sendJson, sendText, singleHeader, TOKEN_HEADER, tokenMatches } from './http';
import { type ApiContext, type ApiRoute, matchRoute } from './routes';
import { defaultPageDir, serveStatic } from './static';

/**
 * The HTTP server of `trailwatch ui`: the page (static files of `dist/ui/`) and its JSON API
 * (./routes), behind the local HTTP guard (no foreign Host, no foreign Origin, no CORS preflight).
 * Every `/api/` request carries the run's token in `X-Trailwatch-Token` (else 401); the HTML document
 * is served only with `?token=`. Every answer carries the security headers of ./http.
 */

export interface UiServerOptions {
  readonly store: TrailStore;
  /** The store as messages name it. */
  readonly description: string;
  /** `--table`: reviews are refused (403). */
  readonly readOnly: boolean;
  /** The run's token (`newToken`). */
  readonly token: string;
  /** Who the reviews written are by. */
  readonly reviewer: string;
  readonly version: string;
  /** @default dist/ui of the package */
  readonly pageDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  /** Where unexpected errors are reported. @default nowhere */
  readonly say?: (line: string) => void;
  /** @default API_ROUTES */
  readonly routes?: readonly ApiRoute[];
}

/** A per-run token: 32 random bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The server, guarded, not listening yet (`listenUi`). */
export function createUiServer(options: UiServerOptions): Server {
  const now = options.now ?? Date.now;
  const env = options.env ?? process.env;
  const ctx: ApiContext = {
    store: options.store,
    description: options.description,
    readOnly: options.readOnly,
    version: options.version,
    now,
    loadRecord: (source, eventID) => loadRecord(source, eventID, env),
    review: (input) => writeReview(options.store, input, options.reviewer, now()),
  };
  const pageDir = options.pageDir ?? defaultPageDir();
  const server = createServer((req, res) => {
    answer(req, res, ctx, { ...options, pageDir }).catch((error: unknown) => {
      options.say?.(`trailwatch ui: ${describe(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  guardServer(server);
  return server;
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  options: UiServerOptions & { pageDir: string },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://trailwatch.invalid');
  const method = req.method ?? 'GET';
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
    await answerApi(req, res, url, ctx, options);
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    sendText(res, 405, 'trailwatch ui: only GET here');
    return;
  }
  await serveStatic(res, url, { pageDir: options.pageDir, token: options.token, head: method === 'HEAD' });
}

async function answerApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ApiContext,
  options: UiServerOptions,
): Promise<void> {
  if (!tokenMatches(singleHeader(req, TOKEN_HEADER), options.token)) {
    sendJson(res, 401, { error: 'missing or wrong X-Trailwatch-Token' });
    return;
  }
  const match = matchRoute(req.method ?? 'GET', url.pathname, options.routes);
  if ('status' in match) {
    sendJson(res, match.status, { error: match.error });
    return;
  }
  let body: unknown;
  if (match.route.method === 'POST') {
    const read = await readJsonBody(req);
    if (!('value' in read)) {
      // a body refused before it was read whole: close the connection rather than read the rest
      if (read.status === 413) res.setHeader('Connection', 'close');
      sendJson(res, read.status, { error: read.error });
      return;
    }
    body = read.value;
  }
  try {
    const answered = await match.route.handle(ctx, { params: match.params, query: url.searchParams, body });
    sendJson(res, answered.status, answered.body);
  } catch (error) {
    if (error instanceof UsageError) sendJson(res, 400, { error: error.describe() });
    else if (error instanceof TrailwatchError) sendJson(res, 500, { error: error.describe() });
    else throw error;
  }
}

function describe(error: unknown): string {
  if (error instanceof TrailwatchError) return error.describe();
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Listens on `host:port` (0: a free port).
 * @throws StoreUnavailableError when it cannot (the port is taken, the address is not this machine's)
 */
export async function listenUi(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((ok, fail) => {
    const onError = (error: Error): void =>
      fail(new StoreUnavailableError(`cannot listen on ${host}:${port}: ${error.message}`, 'trailwatch ui'));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      ok();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops listening and ends every open connection (keep-alive ones included). */
export function closeUi(server: Server): Promise<void> {
  return new Promise((ok) => {
    server.close(() => ok());
    server.closeAllConnections();
  });
}
