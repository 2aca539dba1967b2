import type { Batches, Op, Outcome } from './batch';
import { BUSY_TIMEOUT_MS } from './sqlite';

/**
 * Waiting for another process's writes without blocking the thread. SQLite's own wait
 * (`busy_timeout`) holds the thread for as long as it waits: a second ingest would then not see
 * Ctrl-C, nor draw its progress, until the first let go of the write lock (up to the 5 minutes of
 * `BUSY_TIMEOUT_MS`). Instead each attempt at the lock blocks at most `LOCK_ATTEMPT_MS`, and the
 * wait between attempts is a timer: the event loop runs meanwhile. Batches run one after the other,
 * in the order they were sent (a file's marker is never written before its items).
 */

/** How long one attempt at the write lock may block the thread. */
export const LOCK_ATTEMPT_MS = 100;
/** The pause between attempts. */
const LOCK_RETRY_MS = 50;

/** What a batch answers once the lock was waited for in vain: SQLite's busy error, for each op. */
function busyOutcomes(ops: readonly Op[]): Outcome[] {
  return ops.map((op) => ({
    ok: false,
    error: {
      kind: op.kind === 'query' ? 'unavailable' : 'write',
      message: 'database is locked',
      busy: true,
    },
  }));
}

/**
 * Runs batches on `batches` one at a time, in order, each once the write lock is its own (when it
 * writes). `onWait` is called the first time a batch has to wait (a message: who is waiting for what).
 */
export function lockWaitingRunner(
  batches: Batches,
  onWait: () => void = () => undefined,
  waitMs = BUSY_TIMEOUT_MS,
): (ops: readonly Op[]) => Promise<Outcome[]> {
  let tail: Promise<unknown> = Promise.resolve();
  let said = false;
  const runOne = async (ops: readonly Op[]): Promise<Outcome[]> => {
    const until = performance.now() + waitMs;
    while (!batches.tryLock(ops, LOCK_ATTEMPT_MS)) {
      if (performance.now() >= until) return busyOutcomes(ops);
      if (!said) {
        said = true;
        onWait();
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
    return batches.run(ops);
  };
  return (ops) => {
    const run = tail.then(() => runOne(ops));
    tail = run.catch(() => undefined);
    return run;
  };
}
