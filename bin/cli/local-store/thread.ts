import { Worker } from 'node:worker_threads';
import { StoreUnavailableError } from '../../../lambda/core/errors';
import { workerFile } from '../worker-file';
import type { FailedOp, Outcome } from './batch';
import type { Executor } from './queue';
import type { Closed, Opened, Request, Waiting, WorkerData } from './worker';

/**
 * The store on its own thread (./worker.ts): an executor that posts each batch as one message and
 * resolves with the worker's answer. Writes then overlap the reader's work on the main thread (an
 * ingest uses both cores). If the thread dies, every batch waiting for it fails with
 * StoreUnavailableError; nothing waits forever.
 */

/** Starts the thread and waits until it has opened the file. @throws StoreUnavailableError */
export async function startThread(
  data: WorkerData,
  toError: (failure: FailedOp) => Error,
  onWait: () => void = () => undefined,
): Promise<{ executor: Executor; created: boolean }> {
  const { file, options } = workerFile(__dirname, 'worker');
  const worker = new Worker(file, { ...options, workerData: data });
  const waiting = new Map<number, { resolve: (o: Outcome[]) => void; reject: (e: unknown) => void }>();
  let ended: Error | undefined;
  const end = (error: Error): void => {
    ended ??= error;
    for (const w of waiting.values()) w.reject(ended);
    waiting.clear();
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (error) =>
    end(
      new StoreUnavailableError(`the store's thread failed: ${error.message}`, data.source, { cause: error }),
    ),
  );
  void exited.then(() => end(new StoreUnavailableError("the store's thread has ended", data.source)));
  const opened = await new Promise<Opened>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', () => reject(ended));
  }).catch((error: unknown) => {
    throw new StoreUnavailableError(
      `cannot start the store's thread: ${(error as Error)?.message}`,
      data.source,
      {
        cause: error,
      },
    );
  });
  if (opened.type === 'failed') {
    await exited;
    throw new StoreUnavailableError(opened.message, data.source);
  }
  let closed: Closed | undefined;
  worker.on('message', (answer: { id: number; outcomes: Outcome[] } | Closed | Waiting) => {
    if ('type' in answer) {
      if (answer.type === 'waiting') onWait();
      else closed = answer;
      return;
    }
    waiting.get(answer.id)?.resolve(answer.outcomes);
    waiting.delete(answer.id);
  });
  let next = 0;
  const executor: Executor = {
    run: (ops) =>
      new Promise<Outcome[]>((resolve, reject) => {
        if (ended) return reject(ended);
        const id = next++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, ops } satisfies Request);
      }),
    close: async () => {
      if (!ended) worker.postMessage({ close: true } satisfies Request);
      await exited;
      if (closed?.failure) throw toError(closed.failure);
      if (!closed)
        throw (
          ended ?? new StoreUnavailableError("the store's thread ended before closing the file", data.source)
        );
    },
  };
  return { executor, created: opened.created };
}
