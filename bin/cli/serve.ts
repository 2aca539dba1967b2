import { resolve } from 'node:path';
import { UsageError } from '../../lambda/core/errors';
import type { TableItem } from '../../lambda/core/items';
import { LOCAL_TABLE_NAME } from '../../lambda/core/table-schema';
import { createDocumentClient, EventStore } from '../../lambda/store/event-store';
import { type DynamoServer, startDynamoServer } from './dynamo-server';
import { snapshotItems } from './local-store/snapshot';
import { isLoopback } from './store';

/**
 * `trailwatch serve`: the local index as a DynamoDB endpoint, so that the AWS CLI, NoSQL Workbench
 * or any SDK can query it (and `trailwatch … --table trailwatch --endpoint`): dynalite in memory
 * (./dynamo-server), loaded with a snapshot of the local store at start. Loopback only unless asked
 * otherwise, on a free port unless one is given, and behind the local HTTP guard.
 */

/** `--port` when absent: any free port (the banner prints it), not a predictable one like 8000. */
export const DEFAULT_SERVE_PORT = '0';

export interface ServeOptions {
  readonly db: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Where the migration of an earlier version's store says what it does. @default stderr */
  readonly say?: (line: string) => void;
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new UsageError(`expected a port from 0 (any free one) to 65535, got '${value}'`, '--port');
  return n;
}

/**
 * Starts the server, loaded with a snapshot of the local store (created when missing); the caller
 * stops it. The snapshot is in memory: writes to the endpoint are not kept, and what is ingested
 * into the store later is not seen until serve is started again.
 */
export async function startServe(
  options: ServeOptions,
): Promise<{ server: DynamoServer; lines: string[]; loaded: Loaded }> {
  const dir = resolve(options.db);
  const server = await startDynamoServer(dir, options.host, options.port);
  let loaded: Loaded;
  try {
    loaded = await loadSnapshot(dir, server.endpoint, options.say);
  } catch (error) {
    await server.close();
    throw error;
  }
  return { server, lines: banner(dir, server.endpoint, options.port, loaded), loaded };
}

export interface Loaded {
  readonly items: number;
  readonly seconds: number;
}

/** Creates the table on the server and writes every item of the store's snapshot into it. */
async function loadSnapshot(dir: string, endpoint: string, say?: (line: string) => void): Promise<Loaded> {
  const started = performance.now();
  const client = createDocumentClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'trailwatch', secretAccessKey: 'local' },
  });
  let items = 0;
  try {
    const store = new EventStore({ tableName: LOCAL_TABLE_NAME, client, maxConcurrency: 4 });
    await store.createTableIfMissing();
    for await (const chunk of snapshotItems(dir, say)) {
      await store.write(chunk as unknown as TableItem[]);
      items += chunk.length;
    }
  } finally {
    client.destroy();
  }
  return { items, seconds: (performance.now() - started) / 1000 };
}

function banner(dir: string, e: string, port: number, loaded: Loaded): string[] {
  return [
    `trailwatch: serving a snapshot of the local store ${dir} as a DynamoDB endpoint`,
    `  endpoint ${e}   table ${LOCAL_TABLE_NAME}   (any credentials, any region)`,
    `  ${loaded.items} item(s) as they were at start (loaded in ${loaded.seconds.toFixed(1)}s): later ingests are not`,
    '  seen until serve is started again, and writes to this endpoint are not kept',
    ...(port === 0 ? ['  (a free port chosen for this run; --port N for a fixed one)'] : []),
    '  web pages cannot use it: requests with another Origin or Host are refused',
    ...(isLoopback(e) ? [] : ['  warning: reachable from other machines, without authentication']),
    '',
    `  trailwatch query instance i-0123456789abcdef0 --table ${LOCAL_TABLE_NAME} --endpoint ${e}`,
    `  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb query --endpoint-url ${e} \\`,
    `    --region local --table-name ${LOCAL_TABLE_NAME} --key-condition-expression 'pk = :pk' \\`,
    `    --expression-attribute-values '{":pk":{"S":"INSTANCE#i-0123456789abcdef0"}}' --no-scan-index-forward`,
    '',
    'Press Ctrl-C to stop.',
  ];
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<string> {
  return new Promise((resolveStop) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolveStop(signal);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}
