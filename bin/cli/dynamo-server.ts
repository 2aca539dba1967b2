import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { StoreUnavailableError } from '../../lambda/core/errors';
import { fixDynaliteIterators } from './dynalite-fix';
import { guardServer } from './local-http-guard';

/**
 * The DynamoDB endpoint of `trailwatch serve`: dynalite (the DynamoDB API) in memory, with the fix
 * of its iterator leak (./dynalite-fix), behind the local HTTP guard (./local-http-guard): a web
 * page cannot read or change it, neither cross-origin nor by DNS rebinding; clients that send no
 * `Origin` (SDKs, the AWS CLI) are served.
 */

export interface DynamoServer {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts dynalite in memory on `host:port` (port 0: any free one).
 * @throws StoreUnavailableError naming `source` when the port is taken
 */
export async function startDynamoServer(source: string, host = '127.0.0.1', port = 0): Promise<DynamoServer> {
  fixDynaliteIterators();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  guardServer(server);
  await new Promise<void>((ok, fail) => {
    server.once('error', (error: Error) =>
      fail(
        new StoreUnavailableError(`cannot listen on ${host}:${port}: ${error.message}`, source, {
          cause: error,
        }),
      ),
    );
    server.listen(port, host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
