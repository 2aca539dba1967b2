import { resolve } from 'node:path';
import { UsageError } from '../../lambda/core/errors';
import type { TrailStore } from '../../lambda/core/store-port';
import type { OpenLocalStoreOptions } from './local-store/open';

// The DynamoDB store (and with it the AWS SDK) and the local store are loaded by the branch that
// opens them: a query on the local store does not load the SDK (docs/performance.md "Start-up").

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

/** Opens the selected store: a DynamoDB table (`--table`), or the embedded store (`openEmbeddedStore`). */
export async function openStore(
  sel: StoreSelection,
  env: NodeJS.ProcessEnv = process.env,
  options: EmbeddedStoreOptions = {},
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
    const { createDocumentClient, EventStore } = await import('../../lambda/store/event-store');
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
  const thread = options.bulkWrites === true && env.TRAILWATCH_STORE_THREAD === '1';
  return openEmbeddedStore(resolve(sel.db ?? (env.TRAILWATCH_DB || undefined) ?? '.trailwatch'), {
    thread,
    groupCommits: options.bulkWrites === true,
    cacheReads: options.bulkWrites === true,
    // off only to measure against (docs/performance.md "The key index of a new store")
    deferIndex: env.TRAILWATCH_DEFER_INDEX !== '0',
    ...(options.say ? { say: options.say } : {}),
  });
}

/**
 * `opened` with a `close` that runs once, however often it is called (the same promise): a command
 * may close its store before it prints its summary, so that the summary comes once everything is
 * stored (the key index of a new store is built at the close: ./local-store/deferred-index.ts), and
 * close it again on the way out, whatever happened.
 */
export function closingOnce(opened: OpenedStore): OpenedStore {
  let closed: Promise<void> | undefined;
  return {
    ...opened,
    close: () => {
      closed ??= opened.close();
      return closed;
    },
  };
}

/** Whether a URL points at this machine. */
export function isLoopback(url: string): boolean {
  try {
    return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

export interface EmbeddedStoreOptions {
  /**
   * The command writes in bulk (ingest, backfill): with TRAILWATCH_STORE_THREAD=1 the embedded store
   * then runs on its own thread, so that its writes overlap reading. Off by default: measured slower
   * on two shared cores, where a finding's chain of dependent calls pays a round trip between threads
   * for each (docs/architecture.md "The local store").
   */
  readonly bulkWrites?: boolean;
  /** Where the migration of an earlier version's store says what it does. @default stderr */
  readonly say?: (line: string) => void;
}

/**
 * The embedded store: SQLite in `<dir>/trailwatch.sqlite` (./local-store), opened by any number of
 * processes at once: reads go on while an ingest writes, a second writer waits for the first. A
 * store of an earlier version (dynalite in `<dir>/dynamodb`) is migrated on first open.
 * @throws StoreUnavailableError naming the directory
 */
export async function openEmbeddedStore(
  dir: string,
  options: OpenLocalStoreOptions = {},
): Promise<OpenedStore> {
  const { openLocalStore } = await import('./local-store/open');
  const opened = await openLocalStore(dir, options);
  return { store: opened.store, local: true, description: `local store ${dir}`, close: opened.close };
}
