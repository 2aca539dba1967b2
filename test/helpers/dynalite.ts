import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { fixDynaliteIterators } from '../../bin/cli/dynalite-fix';
import { createDocumentClient, EventStore, type EventStoreOptions } from '../../lambda/store/event-store';

export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * A dynalite server (DynamoDB API on LevelDB, in memory, or on disk in `options.path`) on a loopback
 * port.
 */
export async function startDynalite(options: { path?: string } = {}): Promise<LocalDynamo> {
  fixDynaliteIterators(); // dynalite 4.0.0 never closes an iterator (bin/cli/dynalite-fix.ts)
  const server = dynalite({
    ...(options.path !== undefined ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** An EventStore on `endpoint` (the table is created when missing). */
export async function storeAt(
  endpoint: string,
  options: Partial<EventStoreOptions> = {},
): Promise<EventStore> {
  const client = createDocumentClient({
    endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  const store = new EventStore({ tableName: 'trailwatch-test', client, ...options });
  await store.createTableIfMissing();
  return store;
}
