import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoServer, startDynamoServer } from '../../bin/cli/dynamo-server';
import { guardServer } from '../../bin/cli/local-http-guard';
import { BUILT_CLI, builtCliPresent, cli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { credentiallessEnv } from '../helpers/env';
import { TABLE_KEYS } from '../helpers/table-keys';

/**
 * The local HTTP servers of the CLI (`trailwatch serve`, and its dynalite started in process) against what
 * a web page can send them: real HTTP requests with a foreign `Origin`, a foreign `Host` (DNS
 * rebinding), a CORS preflight; and the requests that must keep working (no `Origin`: SDKs, the
 * AWS CLI; the server's own origin).
 */

const INSTANCE = 'i-fdb357cb7e99ad973';
const EVIL = 'https://evil.example';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request with exactly these headers (Host included, as a browser or an attacker sets it). */
function send(
  endpoint: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method: options.method ?? 'POST',
        path: '/',
        headers: { Host: url.host, ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A DynamoDB JSON request (dynalite checks the signature's shape, not its value). */
function dynamo(
  endpoint: string,
  operation: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(endpoint, {
    body: JSON.stringify(input),
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDB_20120810.${operation}`,
      'X-Amz-Date': '20250101T000000Z',
      Authorization:
        'AWS4-HMAC-SHA256 Credential=local/20250101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
      ...headers,
    },
  });
}

const queryInstance = {
  TableName: 'trailwatch',
  KeyConditionExpression: 'pk = :pk',
  ExpressionAttributeValues: { ':pk': { S: `INSTANCE#${INSTANCE}` } },
};
const planted = { TableName: 'trailwatch', Item: { pk: { S: 'PLANTED' }, sk: { S: 'by-a-web-page' } } };
const plantedKey = { TableName: 'trailwatch', Key: planted.Item };

const corsHeaders = (a: Answer): string[] =>
  Object.keys(a.headers).filter((h) => h.toLowerCase().startsWith('access-control-'));

/** The refusal: 403, no body, no CORS header. */
function expectRefused(a: Answer): void {
  expect({ status: a.status, body: a.body, cors: corsHeaders(a) }).toEqual({
    status: 403,
    body: '',
    cors: [],
  });
}

const env = credentiallessEnv();

interface Serving {
  readonly child: ChildProcess;
  readonly banner: string;
  readonly endpoint: string;
}

async function startServe(args: string[]): Promise<Serving> {
  const child = spawn(process.execPath, [BUILT_CLI, 'serve', ...args], { env });
  let banner = '';
  child.stdout?.on('data', (c: Buffer) => {
    banner += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    banner += c.toString('utf8');
  });
  for (let i = 0; i < 200 && !banner.includes('Press Ctrl-C') && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 50));
  return { child, banner, endpoint: /endpoint (http:\/\/\S+)/.exec(banner)?.[1] ?? '' };
}

async function stop(serving: Serving | undefined): Promise<void> {
  if (!serving || serving.child.exitCode !== null) return;
  const exited = once(serving.child, 'exit');
  serving.child.kill('SIGINT');
  await exited;
}

(builtCliPresent ? describe : describe.skip)('trailwatch serve, against web pages', () => {
  let dir: string;
  let serving: Serving;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-serve-guard-'));
    await cli(['ingest', join(FIXTURES, 'cloudtrail'), '--db', join(dir, 'db')], { env });
    serving = await startServe(['--db', join(dir, 'db')]);
    port = Number(new URL(serving.endpoint).port);
  }, 60_000);

  afterAll(async () => {
    await stop(serving);
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on a free port by default, not 8000, and prints it', async () => {
    expect(serving.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(port).not.toBe(8000);
    expect(serving.banner).toContain('a free port chosen for this run');
    expect((await dynamo(serving.endpoint, 'ListTables', {})).body).toBe('{"TableNames":["trailwatch"]}');
  });

  it('serves requests without Origin (SDKs, the AWS CLI) as before', async () => {
    const a = await dynamo(serving.endpoint, 'Query', queryInstance);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ Count: 1, Items: [{ eventName: { S: 'SendSSHPublicKey' } }] });
    const r = await cli(
      ['query', 'instance', INSTANCE, '--table', 'trailwatch', '--endpoint', serving.endpoint],
      {
        env,
      },
    );
    expect(r.code).toBe(0);
  });

  it('refuses a cross-origin read: 403, no data, no Access-Control-Allow-Origin', async () => {
    for (const origin of [EVIL, 'null', `http://localhost.evil.com:${port}`, `http://127.0.0.1:${port + 1}`])
      expectRefused(await dynamo(serving.endpoint, 'Query', queryInstance, { Origin: origin }));
  });

  it('refuses a cross-origin write or delete: the index is unchanged', async () => {
    expectRefused(await dynamo(serving.endpoint, 'PutItem', planted, { Origin: EVIL }));
    expectRefused(
      await dynamo(serving.endpoint, 'DeleteTable', { TableName: 'trailwatch' }, { Origin: EVIL }),
    );
    expect(JSON.parse((await dynamo(serving.endpoint, 'GetItem', plantedKey)).body)).toEqual({});
    expect(JSON.parse((await dynamo(serving.endpoint, 'Query', queryInstance)).body).Count).toBe(1);
  });

  it('refuses a foreign Host (DNS rebinding): no data, no write', async () => {
    const rebound = { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` };
    expectRefused(await dynamo(serving.endpoint, 'Query', queryInstance, rebound));
    expectRefused(await dynamo(serving.endpoint, 'PutItem', planted, rebound));
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      'localhost',
      `localhost:${port + 1}`,
    ])
      expectRefused(await dynamo(serving.endpoint, 'Query', queryInstance, { Host: host }));
    expectRefused(await send(serving.endpoint, { method: 'GET', headers: { Host: `evil.example:${port}` } }));
    expect(JSON.parse((await dynamo(serving.endpoint, 'GetItem', plantedKey)).body)).toEqual({});
  });

  it('answers no CORS preflight, from another origin or its own', async () => {
    for (const origin of [EVIL, serving.endpoint]) {
      const a = await send(serving.endpoint, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-amz-target,authorization,x-amz-date',
        },
      });
      expectRefused(a);
    }
  });

  it('refuses a browser request marked cross-site even without Origin', async () => {
    expectRefused(
      await send(serving.endpoint, { method: 'GET', headers: { 'Sec-Fetch-Site': 'cross-site' } }),
    );
  });

  it('serves its own origin, under each loopback name, without CORS headers', async () => {
    for (const name of ['127.0.0.1', 'localhost']) {
      const self = `http://${name}:${port}`;
      const a = await dynamo(serving.endpoint, 'Query', queryInstance, {
        Host: `${name}:${port}`,
        Origin: self,
      });
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body).Count).toBe(1);
      expect(corsHeaders(a)).toEqual([]);
    }
  });
});

/** Whether nothing listens on 127.0.0.1:8000 (checked before the tests are declared). */
const port8000Free =
  spawnSync(
    process.execPath,
    [
      '-e',
      "const s=require('net').createServer();s.once('error',()=>process.exit(1));s.listen(8000,'127.0.0.1',()=>s.close(()=>process.exit(0)))",
    ],
    { timeout: 10_000 },
  ).status === 0;

(builtCliPresent ? describe : describe.skip)('trailwatch serve --port', () => {
  let dir: string;
  let serving: Serving | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-serve-port-'));
  });
  afterAll(async () => {
    await stop(serving);
    rmSync(dir, { recursive: true, force: true });
  });

  (port8000Free ? it : it.skip)(
    port8000Free
      ? 'honours --port 8000, behind the same guard'
      : 'honours --port 8000 (skipped: 8000 is in use)',
    async () => {
      serving = await startServe(['--db', join(dir, 'db'), '--port', '8000']);
      expect(serving.endpoint).toBe('http://127.0.0.1:8000');
      expect(serving.banner).not.toContain('a free port chosen');
      expect((await dynamo(serving.endpoint, 'ListTables', {})).body).toBe('{"TableNames":["trailwatch"]}');
      expectRefused(await dynamo(serving.endpoint, 'ListTables', {}, { Origin: EVIL }));
      await stop(serving);
      expect(serving.child.exitCode).toBe(0);
    },
  );
});

describe("serve's dynalite server, started in process (bin/cli/dynamo-server.ts)", () => {
  let dir: string;
  let server: DynamoServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-embedded-guard-'));
    server = await startDynamoServer(join(dir, 'db'));
    await dynamo(server.endpoint, 'CreateTable', {
      TableName: 'trailwatch',
      ...TABLE_KEYS,
      BillingMode: 'PAY_PER_REQUEST',
    });
    // dynalite makes a table ACTIVE a moment after CreateTable answers, even with createTableMs 0:
    // a PutItem before that is refused (ResourceInUse), so wait for it, bounded
    for (let i = 0; i < 100; i++) {
      const { body } = await dynamo(server.endpoint, 'DescribeTable', { TableName: 'trailwatch' });
      if (JSON.parse(body).Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves its own SDK requests (no Origin)', async () => {
    expect((await dynamo(server.endpoint, 'PutItem', planted)).status).toBe(200);
    expect(JSON.parse((await dynamo(server.endpoint, 'GetItem', plantedKey)).body).Item).toEqual(
      planted.Item,
    );
  });

  it('refuses a cross-origin request, a foreign Host and a preflight', async () => {
    const port = server.port;
    expectRefused(await dynamo(server.endpoint, 'GetItem', plantedKey, { Origin: EVIL }));
    expectRefused(await dynamo(server.endpoint, 'DeleteItem', plantedKey, { Origin: EVIL }));
    expectRefused(await dynamo(server.endpoint, 'GetItem', plantedKey, { Host: `evil.example:${port}` }));
    expectRefused(await send(server.endpoint, { method: 'OPTIONS', headers: { Origin: EVIL } }));
    expect(JSON.parse((await dynamo(server.endpoint, 'GetItem', plantedKey)).body).Item).toEqual(
      planted.Item,
    );
  });

  it("strips dynalite's Access-Control-Allow-Origin from answers to its own origin", async () => {
    const a = await dynamo(server.endpoint, 'GetItem', plantedKey, { Origin: server.endpoint });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).Item).toEqual(planted.Item);
    expect(corsHeaders(a)).toEqual([]);
  });
});

describe('guardServer on any http.Server (as `trailwatch ui` will use it)', () => {
  it('drops Access-Control-* headers however the listener sets them, and refuses foreign requests', async () => {
    let served = 0;
    const server = createServer((_req, res) => {
      served++;
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.appendHeader('Access-Control-Allow-Credentials', 'true');
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Access-Control-Allow-Methods': 'POST',
        'access-control-expose-headers': 'x',
      });
      res.end('data');
    });
    guardServer(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const own = await send(endpoint, { method: 'GET', headers: { Origin: endpoint } });
      expect({ status: own.status, body: own.body, cors: corsHeaders(own) }).toEqual({
        status: 200,
        body: 'data',
        cors: [],
      });
      expect(own.headers['content-type']).toBe('text/plain');
      expectRefused(await send(endpoint, { method: 'GET', headers: { Origin: EVIL } }));
      expectRefused(await send(endpoint, { method: 'GET', headers: { Host: 'evil.example' } }));
      expect(served).toBe(1);
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });
});
