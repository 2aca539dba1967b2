import { parentPort, workerData } from 'node:worker_threads';
import { Batches, type FailedOp, type Op } from './batch';
import { ItemsDb } from './items-db';
import { lockWaitingRunner } from './lock-wait';

/**
 * The store's own thread (./thread.ts starts it): it opens the SQLite file and runs each batch it
 * is sent in one transaction, so that the store's writes overlap the reader's work on the main
 * thread. One message per batch each way.
 */

export interface WorkerData {
  readonly file: string;
  readonly source: string;
  /** Batches' `deferIndex`. */
  readonly deferIndex: boolean;
}

/** The first message: the file is open (and whether this open created its tables), or why not. */
export type Opened =
  | { readonly type: 'opened'; readonly created: boolean }
  | { readonly type: 'failed'; readonly message: string };

/** The last message: every write is committed and the file closed, or what was lost. */
export interface Closed {
  readonly type: 'closed';
  readonly failure?: FailedOp;
}

/** Sent once, when a batch first has to wait for another process's writes. */
export interface Waiting {
  readonly type: 'waiting';
}

/** A batch to run, or the end. */
export type Request = { readonly id: number; readonly ops: readonly Op[] } | { readonly close: true };

function serve(port: NonNullable<typeof parentPort>, data: WorkerData): void {
  let db: ItemsDb;
  try {
    db = ItemsDb.open(data.file, data.source);
    port.postMessage({ type: 'opened', created: db.created } satisfies Opened);
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).message } satisfies Opened);
    port.close();
    return;
  }
  const batches = new Batches(db, undefined, data.deferIndex);
  const run = lockWaitingRunner(batches, () => port.postMessage({ type: 'waiting' } satisfies Waiting));
  // in order: a batch waiting for the lock holds back those after it, and the close
  let last: Promise<unknown> = Promise.resolve();
  port.on('message', (request: Request) => {
    if ('close' in request) {
      void last.then(() => {
        port.postMessage(closeAll(batches, db) satisfies Closed);
        port.close();
      });
      return;
    }
    last = run(request.ops).then((outcomes) => port.postMessage({ id: request.id, outcomes }));
  });
}

/** Commits what is left and closes the file; a failure is reported, not thrown. */
function closeAll(batches: Batches, db: ItemsDb): Closed {
  try {
    batches.close();
    return { type: 'closed' };
  } catch (error) {
    return { type: 'closed', failure: (error as { failure?: FailedOp }).failure ?? failureOf(error) };
  } finally {
    db.close();
  }
}

function failureOf(error: unknown): FailedOp {
  return { kind: 'write', message: (error as Error)?.message ?? String(error), busy: false };
}

if (parentPort) serve(parentPort, workerData as WorkerData);
