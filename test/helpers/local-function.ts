import type { EventStore } from '../../lambda/store/event-store';
import { type LocalDynamo, startDynalite, storeAt } from './dynalite';
import type { SqsHandler } from './lambda';
import { type LocalS3, startS3rver } from './s3rver';

/** The real handler, a fresh module instance (its dependencies are built once per instance). */
export function loadHandler(env: Record<string, string> = {}): SqsHandler {
  Object.assign(process.env, env);
  let handler: SqsHandler | undefined;
  jest.isolateModules(() => {
    ({ handler } = require('../../lambda/handler') as { handler: SqsHandler });
  });
  return handler as SqsHandler;
}

export interface LocalFunction {
  readonly dynamo: LocalDynamo;
  readonly s3: LocalS3;
  /** The function's table. */
  readonly store: EventStore;
  readonly handler: SqsHandler;
  /** Stops the servers and restores the environment. */
  close(): Promise<void>;
}

/**
 * The ingest function as deployed, but local: its table on dynalite, its bucket(s) on s3rver, its
 * environment variables set as the stack sets them (plus `env`). Its log bucket is the first of
 * `buckets` (the others are buckets it must not read).
 */
export async function startLocalFunction(
  buckets: string[],
  env: Record<string, string> = {},
): Promise<LocalFunction> {
  const saved = { ...process.env };
  const dynamo = await startDynalite();
  const s3 = await startS3rver(buckets);
  const store = await storeAt(dynamo.endpoint);
  const handler = loadHandler({
    TABLE_NAME: store.tableName,
    TRAILWATCH_LOG_BUCKET: buckets[0] ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...env,
  });
  return {
    dynamo,
    s3,
    store,
    handler,
    close: async () => {
      process.env = saved;
      await s3.close();
      await dynamo.close();
    },
  };
}

/**
 * A local function for the enclosing `describe`: started in its `beforeAll` (then `setup`, if any),
 * closed in its `afterAll`. Its fields are readable from the tests on.
 */
export function useLocalFunction(
  buckets: string[],
  env: Record<string, string> = {},
  setup?: (fn: LocalFunction) => Promise<void>,
): LocalFunction {
  let fn: LocalFunction | undefined;
  const started = (): LocalFunction => {
    if (!fn) throw new Error('the local function is not started (used outside a test?)');
    return fn;
  };
  beforeAll(async () => {
    fn = await startLocalFunction(buckets, env);
    await setup?.(fn);
  });
  afterAll(() => fn?.close());
  return {
    get dynamo() {
      return started().dynamo;
    },
    get s3() {
      return started().s3;
    },
    get store() {
      return started().store;
    },
    get handler() {
      return started().handler;
    },
    close: () => started().close(),
  };
}
