/**
 * Bounded retries with exponential backoff and full jitter, the one way trailwatch retries: the
 * store's requests (throttling, server errors, answers lost), the items a `BatchWriteItem` leaves
 * unprocessed, and the entries a `SendMessageBatch` reports failed. No AWS SDK here: what is worth
 * another attempt is the caller's to say.
 */

export interface Backoff {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Ceiling of the first wait; it doubles after each attempt. */
  readonly baseDelayMs: number;
  /** Ceiling of every wait. */
  readonly maxDelayMs: number;
  /** @default a setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/** What one attempt came to: done, with its value, or worth another try (`reason`: why not done). */
export type Attempt<T> =
  | { readonly done: true; readonly value: T }
  | { readonly done: false; readonly reason?: unknown };

/** The attempts ran out: how many were made, and why the last one was not done. */
export interface GaveUp {
  readonly done: false;
  readonly attempts: number;
  readonly reason?: unknown;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The wait after attempt `attempt` (1, 2, …): uniform in [0, min(max, base·2^(attempt-1))). */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor((backoff.random ?? Math.random)() * ceiling);
}

/**
 * Calls `attempt(1)`, `attempt(2)`, … until one is done, waiting the backoff in between, at most
 * `backoff.maxAttempts` times. `attempt` throws to stop at once (an error no retry can mend).
 */
export async function retry<T>(
  backoff: Backoff,
  attempt: (n: number) => Promise<Attempt<T>>,
): Promise<{ readonly done: true; readonly value: T } | GaveUp> {
  const max = Math.max(1, backoff.maxAttempts);
  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if (outcome.done) return outcome;
    if (n >= max) return { done: false, attempts: n, reason: outcome.reason };
    await (backoff.sleep ?? sleep)(backoffDelay(backoff, n));
  }
}

/** Entries still unsent when the attempts ran out. */
export interface Unsent<E> extends GaveUp {
  readonly left: readonly E[];
}

/**
 * Sends `entries`, then again, with backoff, those each answer leaves over (DynamoDB's
 * `UnprocessedItems`, SQS's `Failed` entries), at most `backoff.maxAttempts` sends in all. `send`
 * resolves with the entries left over; when it throws an error `retryable` accepts (the request
 * failed as a whole), the same entries are sent again; any other error is thrown at once.
 * @returns undefined once every entry is sent, else what is left
 */
export async function sendAll<E>(
  entries: readonly E[],
  send: (entries: readonly E[]) => Promise<readonly E[]>,
  backoff: Backoff & { readonly retryable?: (error: unknown) => boolean },
): Promise<Unsent<E> | undefined> {
  let left = entries;
  const outcome = await retry<undefined>(backoff, async () => {
    try {
      left = await send(left);
    } catch (error) {
      if (!backoff.retryable?.(error)) throw error;
      return { done: false, reason: error };
    }
    return left.length === 0 ? { done: true, value: undefined } : { done: false };
  });
  return outcome.done ? undefined : { ...outcome, left };
}
