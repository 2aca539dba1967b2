/**
 * Bounded concurrency, the one way trailwatch does it: at most `limit` tasks at once, callers wait
 * for a slot in turn (first come, first served).
 *
 * - `run(fn)`: a semaphore; `fn`'s result or failure is the caller's (the store's requests in flight).
 * - `start(task)`: a producer hands tasks over and is held back while all slots are taken
 *   (backpressure); a task's failure is kept, not thrown: the first one is in `failure`, and the
 *   producer checks it (the pipeline's writes, backfill's files).
 * - `mapLimit(values, limit, fn)`: every value, results in order, the first failure stops it.
 */
export class Pool {
  readonly limit: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle: (() => void)[] = [];
  private failed: { readonly error: unknown } | undefined;

  constructor(limit: number) {
    this.limit = Math.max(1, Math.floor(limit) || 1);
  }

  /** The first failure of a task handed over with `start`, if any. */
  get failure(): { readonly error: unknown } | undefined {
    return this.failed;
  }

  /** Runs `fn` once a slot is free; resolves or rejects as it does. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const wait = this.acquire();
    if (wait) await wait;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * Starts `task` now when a slot is free (and returns undefined), else returns a promise that
   * resolves once it has started. `beforeWait` runs before waiting: it may throw (out of time), and
   * the task is then not started.
   */
  start(task: () => Promise<unknown>, beforeWait?: () => void): Promise<void> | undefined {
    if (this.active < this.limit) {
      this.active++;
      this.launch(task);
      return undefined;
    }
    beforeWait?.();
    return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.launch(task));
  }

  /** Resolves once no task runs and none waits for a slot. */
  drain(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private launch(task: () => Promise<unknown>): void {
    let running: Promise<unknown>;
    try {
      running = task();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      () => this.release(),
      (error: unknown) => {
        this.failed ??= { error };
        this.release();
      },
    );
  }

  /** Takes a slot: undefined when one was free, else a promise of the slot handed over. */
  private acquire(): Promise<void> | undefined {
    if (this.active < this.limit) {
      this.active++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiting caller, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      next();
      return;
    }
    this.active--;
    if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}

/**
 * `fn` on every value, at most `limit` at once; results in the order of `values`. The first failure
 * stops it: no value is started after it, those running are waited for, and it is thrown.
 */
export async function mapLimit<T, R>(
  values: readonly T[],
  limit: number,
  fn: (value: T, index: number) => Promise<R>,
): Promise<R[]> {
  const pool = new Pool(limit);
  const out: R[] = new Array(values.length);
  for (let i = 0; i < values.length && pool.failure === undefined; i++) {
    const wait = pool.start(async () => {
      // a slot handed over after a failure starts nothing
      if (pool.failure === undefined) out[i] = await fn(values[i] as T, i);
    });
    if (wait) await wait;
  }
  await pool.drain();
  if (pool.failure) throw pool.failure.error;
  return out;
}
