import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import dynalite from 'dynalite';
import { StoreUnavailableError, UsageError } from '../../lambda/core/errors';
import { LOCAL_TABLE_NAME } from '../../lambda/core/table-schema';
import { createDocumentClient, EventStore } from '../../lambda/store/event-store';

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
  readonly store: EventStore;
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
    const client = createDocumentClient({
      ...(sel.endpoint ? { endpoint: sel.endpoint } : {}),
      ...(sel.region ? { region: sel.region } : {}),
      ...(sel.profile ? { profile: sel.profile } : {}),
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

/** Starts dynalite on LevelDB in `dir` and returns a store on it. */
export async function openEmbeddedStore(dir: string): Promise<OpenedStore> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StoreUnavailableError(`cannot create the store directory: ${(error as Error).message}`, dir, {
      cause: error,
    });
  }
  const server = dynalite({
    path: resolve(dir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const { port } = server.address() as AddressInfo;
  const client = createDocumentClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
  });
  const store = new EventStore({ tableName: LOCAL_TABLE_NAME, client });
  const close = async (): Promise<void> => {
    client.destroy();
    await new Promise<void>((ok) => server.close(() => ok()));
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
        'the local store is in use by another trailwatch process (or cannot be opened)',
        dir,
        { cause: error },
      );
    }
    throw new StoreUnavailableError(`cannot open the local store: ${detail}`, dir, { cause: error });
  }
  return { store, local: true, description: `local store ${dir}`, close };
}
