import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreWriteError } from '../core/errors';
import { type Backoff, retry } from '../core/retry';
import type { WriteMetrics } from '../core/store-port';

/**
 * What every request of the store shares: the client, the table, the retry policy and the request
 * counters; and the one way a single request is sent (`send`), retried with the core's bounded
 * backoff (lambda/core/retry.ts).
 *
 * Whole requests are retried here, not by the SDK: the client makes one attempt. The SDK's standard
 * and adaptive strategies share a retry quota per client (500 tokens, 14 per retried server error
 * in this SDK): measured on the fault proxy, a table refusing every write made each request give up
 * after 1 to 4 attempts (not 10) once 16 conditional writes were in flight, and at the reliability
 * test's fault rates 10 of 20 files failed for it; its throttling backoff (1 s base, 20 s cap) made
 * a throttled request wait about 50 s where the store's waits at most 16 s in all. And SDK retries
 * under the store's `UnprocessedItems` retries would multiply the attempts (10 × 10).
 */

export type { WriteMetrics } from '../core/store-port';

export interface StoreContext {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly backoff: Backoff;
  readonly metrics: WriteMetrics;
}

/**
 * A DynamoDB document client from the SDK's standard settings, optionally for another endpoint. The
 * store retries throttling and server errors itself (see above), so the client makes one attempt.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1, ...config }), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

/** Errors worth another attempt (throttling, server side, network); others fail at once. */
export function isRetryable(error: unknown): boolean {
  const e = error as {
    name?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: string;
  };
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const name = e?.name ?? '';
  if (
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable/.test(
      name,
    )
  )
    return true;
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'TimeoutError'].includes(e?.code ?? name);
}

/**
 * Sends one request, retrying throttling and server errors with the store's bounded backoff.
 * @throws what `fail` makes of the last error (by default a StoreWriteError naming `what`)
 */
export async function send<T>(
  ctx: StoreContext,
  what: string,
  request: () => Promise<T>,
  fail: (error: unknown, attempts: number) => Error = (error, attempts) =>
    writeError(
      ctx,
      `${what} failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${describe(error)}`,
      error,
    ),
): Promise<T> {
  const outcome = await retry<T>(ctx.backoff, async (n) => {
    try {
      ctx.metrics.requests++;
      return { done: true, value: await request() };
    } catch (error) {
      if (!isRetryable(error)) throw fail(error, n);
      ctx.metrics.throttles++;
      return { done: false, reason: error };
    }
  });
  if (outcome.done) return outcome.value;
  throw fail(outcome.reason, outcome.attempts);
}

export function writeError(ctx: StoreContext, message: string, cause: unknown): StoreWriteError {
  return new StoreWriteError(message, `table ${ctx.tableName}`, { cause });
}

export function isConditionFailure(error: unknown): boolean {
  const e = error instanceof StoreWriteError ? error.cause : error;
  return (e as { name?: string })?.name === 'ConditionalCheckFailedException';
}

export function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  if (!e) return String(error);
  return e.name && e.message && !e.message.includes(e.name)
    ? `${e.name}: ${e.message}`
    : (e.message ?? e.name ?? String(error));
}
