import { resolve } from 'node:path';
import { UsageError } from '../../lambda/core/errors';
import { LOCAL_TABLE_NAME } from '../../lambda/core/table-schema';
import { createDocumentClient, EventStore } from '../../lambda/store/event-store';
import { type EmbeddedServer, isLoopback, startEmbeddedServer } from './store';

/**
 * `trailwatch serve`: the embedded store as a DynamoDB endpoint, so that the AWS CLI, NoSQL
 * Workbench or any SDK can query the local index (and `trailwatch … --table trailwatch --endpoint`
 * can, while the store's directory is held by the server). Loopback only unless asked otherwise,
 * on a free port unless one is given, and behind the local HTTP guard (see startEmbeddedServer).
 */

/** `--port` when absent: any free port (the banner prints it), not a predictable one like 8000. */
export const DEFAULT_SERVE_PORT = '0';

export interface ServeOptions {
  readonly db: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new UsageError(`expected a port from 0 (any free one) to 65535, got '${value}'`, '--port');
  return n;
}

/** Starts the server (creating the table when the store is new); the caller stops it. */
export async function startServe(
  options: ServeOptions,
): Promise<{ server: EmbeddedServer; lines: string[] }> {
  const dir = resolve(options.db);
  const server = await startEmbeddedServer(dir, options.host, options.port);
  const client = createDocumentClient({
    endpoint: server.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'trailwatch', secretAccessKey: 'local' },
  });
  try {
    await new EventStore({ tableName: LOCAL_TABLE_NAME, client }).createTableIfMissing();
  } catch (error) {
    await server.close();
    throw error;
  } finally {
    client.destroy();
  }
  const e = server.endpoint;
  const lines = [
    `trailwatch: serving the local store ${dir} as a DynamoDB endpoint`,
    `  endpoint ${e}   table ${LOCAL_TABLE_NAME}   (any credentials, any region)`,
    ...(options.port === 0 ? ['  (a free port chosen for this run; --port N for a fixed one)'] : []),
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
  return { server, lines };
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
