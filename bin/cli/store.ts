import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import dynalite from 'dynalite';
import { StoreUnavailableError, UsageError } from '../../lambda/core/errors';
import type { TrailStore } from '../../lambda/core/store-port';
import { LOCAL_TABLE_NAME } from '../../lambda/core/table-schema';
import { createDocumentClient, EventStore } from '../../lambda/store/event-store';
import { fixDynaliteIterators } from './dynalite-fix';
import { guardServer } from './local-http-guard';

/** Store selection, for every command (CONTRACT "CLI"). */
export interface StoreSelection {
  /** Directory of the embedded store. @default $TRAILWATCH_DB or ./.trailwatch */
  readonly db?: string;
  /** A real DynamoDB table (the deployed stack's `TableName` output). */
  readonly table?: string;
  /** DynamoDB endpoint for `--table` (else the SDK's: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, AWS). */
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
}

export interface OpenedStore {
  readonly store: TrailStore;
  /** What the user should read as the store's name in messages. */
  readonly description: string;
  readonly local: boolean;
  close(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'trailwatch', secretAccessKey: 'local' };

/**
 * Opens the selected store. The embedded store is dynalite on LevelDB in the `db` directory, served
 * in-process on a loopback port; its table is created on first use.
 */
export async function openStore(
  sel: StoreSelection,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OpenedStore> {
  if (sel.table !== undefined) {
    if (sel.table.trim() === '') throw new UsageError('table name is empty', '--table');
    if (sel.db !== undefined)
      throw new UsageError('use either --db (embedded store) or --table (DynamoDB table), not both', '--db');
    // a local endpoint (`trailwatch serve`, DynamoDB Local) takes any credentials: do not require real ones
    const local =
      sel.endpoint !== undefined &&
      isLoopback(sel.endpoint) &&
      !env.AWS_ACCESS_KEY_ID &&
      !env.AWS_PROFILE &&
      !sel.profile;
    const client = createDocumentClient({
      ...(sel.endpoint ? { endpoint: sel.endpoint } : {}),
      ...(sel.region ? { region: sel.region } : local && !env.AWS_REGION ? { region: 'local' } : {}),
      ...(sel.profile ? { profile: sel.profile } : {}),
      ...(local ? { credentials: LOCAL_CREDENTIALS } : {}),
    });
    const store = new EventStore({ tableName: sel.table, client });
    return {
      store,
      local: false,
      description: `table ${sel.table}${sel.endpoint ? ` at ${sel.endpoint}` : ''}`,
      close: async () => client.destroy(),
    };
  }
  if (sel.endpoint !== undefined) throw new UsageError('--endpoint needs --table NAME', '--endpoint');
  return openEmbeddedStore(resolve(sel.db ?? env.TRAILWATCH_DB ?? '.trailwatch'));
}

/** The LevelDB class dynalite uses (its own dependency, so the same version and the same lock). */
function levelOfDynalite(): new (path: string) => { open(): Promise<void>; close(): Promise<void> } {
  const from = dirname(require.resolve('dynalite'));
  return (require(require.resolve('level', { paths: [from] })) as { Level: never }).Level;
}

/**
 * LevelDB allows one process per database. dynalite opening a locked one fails inside a request
 * callback and takes the process down, so the lock is tried first, with the message that helps.
 * @throws StoreUnavailableError when another process holds the store
 */
async function assertNotLocked(path: string, dir: string): Promise<void> {
  const Level = levelOfDynalite();
  const db = new Level(path);
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if ((error as { code?: string }).code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED')
      throw new StoreUnavailableError(
        'the local store is in use by another trailwatch process; while `trailwatch serve` runs, use --table trailwatch --endpoint <its endpoint>',
        dir,
        { cause: error },
      );
    throw new StoreUnavailableError(`cannot open the local store: ${(error as Error).message}`, dir, {
      cause: error,
    });
  }
  await db.close();
}

/** Whether a URL points at this machine. */
export function isLoopback(url: string): boolean {
  try {
    return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

export interface EmbeddedServer {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * dynalite on LevelDB in `dir`, listening on `host:port` (port 0: any free one), behind the local
 * HTTP guard (./local-http-guard): a web page cannot read or change the store through it, neither
 * cross-origin nor by DNS rebinding; clients that send no `Origin` (SDKs, the AWS CLI) are served.
 * @throws StoreUnavailableError when the directory cannot be created or the port is taken
 */
export async function startEmbeddedServer(
  dir: string,
  host = '127.0.0.1',
  port = 0,
): Promise<EmbeddedServer> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StoreUnavailableError(`cannot create the store directory: ${(error as Error).message}`, dir, {
      cause: error,
    });
  }
  await assertNotLocked(resolve(dir, 'dynamodb'), dir);
  fixDynaliteIterators();
  const server = dynalite({
    path: resolve(dir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  guardServer(server);
  await new Promise<void>((ok, fail) => {
    server.once('error', (error: Error) =>
      fail(
        new StoreUnavailableError(`cannot listen on ${host}:${port}: ${error.message}`, dir, {
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

/** Starts dynalite on LevelDB in `dir` and returns a store on it. */
export async function openEmbeddedStore(dir: string): Promise<OpenedStore> {
  const server = await startEmbeddedServer(dir);
  const client = createDocumentClient({
    endpoint: server.endpoint,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
  });
  const store = new EventStore({ tableName: LOCAL_TABLE_NAME, client });
  const close = async (): Promise<void> => {
    client.destroy();
    await server.close();
  };
  try {
    await store.createTableIfMissing();
  } catch (error) {
    await close();
    const detail = (error as Error).message;
    if (
      /lock|LEVEL_DATABASE_NOT_OPEN|not open|Resource temporarily unavailable/i.test(
        detail + String((error as Error).cause ?? ''),
      )
    ) {
      throw new StoreUnavailableError(
        'the local store is in use by another trailwatch process (or cannot be opened); while `trailwatch serve` runs, use --table trailwatch --endpoint <its endpoint>',
        dir,
        { cause: error },
      );
    }
    throw new StoreUnavailableError(`cannot open the local store: ${detail}`, dir, { cause: error });
  }
  return { store, local: true, description: `local store ${dir}`, close };
}
