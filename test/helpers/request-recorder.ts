import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';

/**
 * An HTTP proxy in front of a DynamoDB-compatible endpoint that forwards every request unchanged and
 * records what was asked: the operation (`X-Amz-Target`) and the JSON body. For asserting what a
 * client never sends (a delete), whatever the answers.
 */
export interface RecordedRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

export interface RequestRecorder {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRequestRecorder(backend: string): Promise<RequestRecorder> {
  const target = new URL(backend);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          parsed = { unparsable: body.toString('utf8').slice(0, 200) };
        }
        requests.push({ operation, body: parsed });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        headers.host = target.host;
        const out = request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
          (upstream) => {
            res.writeHead(upstream.statusCode ?? 502, upstream.headers);
            upstream.pipe(res);
          },
        );
        out.on('error', (error) => {
          res.writeHead(502);
          res.end(String(error));
        });
        out.end(body);
      })
      .catch((error: unknown) => {
        res.writeHead(502);
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
