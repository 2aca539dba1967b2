import { mapLimit, Pool } from '../../lambda/core/pool';
import { type Backoff, backoffDelay, retry, sendAll } from '../../lambda/core/retry';

/** A promise resolved from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('bounded concurrency (Pool, mapLimit)', () => {
  it('runs at most `limit` at once, the waiting callers in turn', async () => {
    const pool = new Pool(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates = Array.from({ length: 5 }, deferred);
    const calls = gates.map((gate, i) =>
      pool.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await gate.promise;
        running--;
        return i * 10;
      }),
    );
    await tick();
    expect(order).toEqual([0, 1]);
    for (const gate of gates) {
      gate.resolve();
      await tick();
    }
    expect(await Promise.all(calls)).toEqual([0, 10, 20, 30, 40]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('holds a producer back while every slot is taken, and keeps the first failure instead of throwing', async () => {
    const pool = new Pool(1);
    const first = deferred();
    expect(
      pool.start(() => first.promise.then(() => Promise.reject(new Error('first failed')))),
    ).toBeUndefined();
    let waited = 0;
    const held = pool.start(
      async () => {
        throw new Error('second failed');
      },
      () => waited++,
    );
    expect(held).toBeInstanceOf(Promise);
    expect(waited).toBe(1);
    first.resolve();
    await held;
    await pool.drain();
    expect(pool.failure).toEqual({ error: new Error('first failed') });
  });

  it('does not start a task when the check before waiting throws (out of time)', async () => {
    const pool = new Pool(1);
    const gate = deferred();
    pool.start(() => gate.promise);
    let started = false;
    expect(() =>
      pool.start(
        async () => {
          started = true;
        },
        () => {
          throw new Error('out of time');
        },
      ),
    ).toThrow('out of time');
    gate.resolve();
    await pool.drain();
    expect(started).toBe(false);
  });

  it('maps in order, and stops at the first failure: nothing started after it, those running waited for', async () => {
    expect(await mapLimit([3, 1, 2], 2, async (n) => n * 2)).toEqual([6, 2, 4]);
    const started: number[] = [];
    const finished: number[] = [];
    const failing = mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('one failed');
      await tick();
      finished.push(n);
      return n;
    });
    await expect(failing).rejects.toThrow('one failed');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });
});

describe('bounded retries (retry, sendAll)', () => {
  const sleeps: number[] = [];
  const backoff: Backoff = {
    maxAttempts: 5,
    baseDelayMs: 10,
    maxDelayMs: 50,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
  };
  beforeEach(() => {
    sleeps.length = 0;
  });

  it('waits a full-jitter exponential backoff, capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay({ ...backoff, random: () => 0.999 }, n))).toEqual([
      9, 19, 39, 49, 49,
    ]);
  });

  it('tries again until an attempt is done, and never more than maxAttempts times', async () => {
    let calls = 0;
    expect(
      await retry(backoff, async (n) => (n < 3 ? { done: false } : { done: true, value: 'ok' })),
    ).toEqual({
      done: true,
      value: 'ok',
    });
    expect(sleeps).toEqual([5, 10]);
    const gaveUp = await retry(backoff, async () => {
      calls++;
      return { done: false, reason: 'still throttled' };
    });
    expect(gaveUp).toEqual({ done: false, attempts: 5, reason: 'still throttled' });
    expect(calls).toBe(5);
  });

  it('sends again only the entries an answer leaves over (UnprocessedItems, Failed entries)', async () => {
    const sent: number[][] = [];
    const unsent = await sendAll(
      [1, 2, 3, 4],
      async (entries) => {
        sent.push([...entries]);
        return entries.slice(1);
      },
      backoff,
    );
    expect(sent).toEqual([[1, 2, 3, 4], [2, 3, 4], [3, 4], [4]]);
    expect(unsent).toBeUndefined();
  });

  it('sends the same entries again after a retryable error, fails at once on another, and says what is left', async () => {
    const retryable = (e: unknown): boolean => e === 'throttled';
    let calls = 0;
    const unsent = await sendAll(
      ['a', 'b'],
      async (entries) => {
        calls++;
        if (calls % 2) throw 'throttled';
        return entries.slice(0, 1);
      },
      { ...backoff, retryable },
    );
    expect(unsent).toEqual({ done: false, attempts: 5, reason: 'throttled', left: ['a'] });
    await expect(
      sendAll(['a'], async () => Promise.reject(new Error('access denied')), { ...backoff, retryable }),
    ).rejects.toThrow('access denied');
  });
});
