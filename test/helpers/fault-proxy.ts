import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';
import { seededRandom } from './random';

/**
 * A fault-injecting HTTP proxy in front of a real DynamoDB-compatible server (dynalite). Requests go
 * through unchanged unless a fault is drawn for them. Faults, each at its own rate:
 * - `throttle`: answer 400 ProvisionedThroughputExceededException without forwarding;
 * - `serverError`: answer 500 InternalServerError without forwarding;
 * - `unprocessed`: forward only part of a BatchWriteItem and return the rest as UnprocessedItems;
 * - `lostResponse`: forward the request (it takes effect), then answer 500 as if the answer were lost
 *   on the way back (a timeout after the write);
 * - `delayMs`: hold the request this long before forwarding.
 * Faults apply to the data-plane operations (BatchWriteItem, PutItem, UpdateItem, Query), not to
 * table management.
 * It also records what went through: operations, items, and the most requests in flight at once.
 */
export interface FaultRates {
  throttle?: number;
  serverError?: number;
  unprocessed?: number;
  lostResponse?: number;
  delayMs?: number;
}

export interface ProxyStats {
  operations: Record<string, number>;
  faults: { throttle: number; serverError: number; unprocessed: number; lostResponse: number };
  /** Items sent in BatchWriteItem requests that the backend received. */
  itemsForwarded: number;
  maxInFlight: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly stats: ProxyStats;
  setFaults(rates: FaultRates): void;
  /** Resolves once no request is in the proxy (all forwarded writes have landed or been refused). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const LOST = {
  __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
  message: 'injected: the request took effect but its answer was lost',
};
const DATA_PLANE = new Set(['BatchWriteItem', 'PutItem', 'UpdateItem', 'Query']);

function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    headers['content-length'] = String(body.length);
    headers.host = target.host;
    const out = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
          resolve({ status: res.statusCode ?? 500, headers: h, body: Buffer.concat(parts) });
        });
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function reply(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  // the body may have changed: drop the backend's checksum rather than send a wrong one
  const { 'x-amz-crc32': _crc, 'content-length': _len, 'transfer-encoding': _te, ...rest } = headers;
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    ...rest,
    'content-length': String(body.length),
  });
  res.end(body);
}

export async function startFaultProxy(
  backend: string,
  rates: FaultRates = {},
  random = seededRandom(42),
): Promise<FaultProxy> {
  const target = new URL(backend);
  let faults: FaultRates = rates;
  let inFlight = 0;
  const stats: ProxyStats = {
    operations: {},
    faults: { throttle: 0, serverError: 0, unprocessed: 0, lostResponse: 0 },
    itemsForwarded: 0,
    maxInFlight: 0,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      const body = await readBody(req);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      stats.operations[op] = (stats.operations[op] ?? 0) + 1;
      if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
      const dataPlane = DATA_PLANE.has(op);
      if (dataPlane && random() < (faults.throttle ?? 0)) {
        stats.faults.throttle++;
        return reply(res, 400, {
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'injected throttle',
        });
      }
      if (dataPlane && random() < (faults.serverError ?? 0)) {
        stats.faults.serverError++;
        return reply(res, 500, {
          __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
          message: 'injected server error',
        });
      }
      if (op === 'BatchWriteItem') {
        const parsed = JSON.parse(body.toString('utf8')) as { RequestItems: Record<string, unknown[]> };
        const [table, requests] = Object.entries(parsed.RequestItems)[0] as [string, unknown[]];
        let sent = requests;
        let held: unknown[] = [];
        if (requests.length > 0 && random() < (faults.unprocessed ?? 0)) {
          const keep = Math.floor(random() * requests.length); // 0 … n-1 forwarded, the rest held back
          sent = requests.slice(0, keep);
          held = requests.slice(keep);
          stats.faults.unprocessed++;
        }
        if (sent.length === 0) return reply(res, 200, { UnprocessedItems: { [table]: held } });
        const upstream = await forward(
          target,
          req,
          Buffer.from(JSON.stringify({ ...parsed, RequestItems: { [table]: sent } })),
        );
        if (upstream.status !== 200)
          return reply(res, upstream.status, upstream.body.toString('utf8'), upstream.headers);
        stats.itemsForwarded += sent.length;
        if (random() < (faults.lostResponse ?? 0)) {
          stats.faults.lostResponse++;
          return reply(res, 500, LOST);
        }
        const answer = JSON.parse(upstream.body.toString('utf8')) as {
          UnprocessedItems?: Record<string, unknown[]>;
        };
        const left = [...(answer.UnprocessedItems?.[table] ?? []), ...held];
        return reply(
          res,
          200,
          { ...answer, UnprocessedItems: left.length ? { [table]: left } : {} },
          upstream.headers,
        );
      }
      const upstream = await forward(target, req, body);
      if (dataPlane && upstream.status === 200 && random() < (faults.lostResponse ?? 0)) {
        stats.faults.lostResponse++;
        return reply(res, 500, LOST);
      }
      return reply(res, upstream.status, upstream.body.toString('utf8'), upstream.headers);
    } finally {
      inFlight--;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 502, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    settled: async () => {
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    },
    setFaults: (r) => {
      faults = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
