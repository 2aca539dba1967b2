import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StoreUnavailableError } from '../../../lambda/core/errors';
import { Batches, COMMIT_EVERY_MS, type FailedOp } from './batch';
import { ItemsDb, toStderr } from './items-db';
import { LocalStore, opError } from './local-store';
import { lockWaitingRunner } from './lock-wait';
import { migrateIfNeeded } from './migrate';
import { type Executor, OpQueue } from './queue';
import { startThread } from './thread';

/** The file of the local store in its directory (with `-wal` and `-shm` beside it while in use). */
export const STORE_FILE = 'trailwatch.sqlite';

export interface OpenLocalStoreOptions {
  /**
   * Run the store on its own thread, so that its writes overlap reading (../store.ts says when).
   * Otherwise it runs in the process.
   */
  readonly thread?: boolean;
  /**
   * Writes share a transaction for `COMMIT_EVERY_MS` (./batch.ts), answered before their commit: for
   * bulk writers (ingest, backfill), where a commit per batch costs more than the writes. Otherwise
   * every batch is committed before it is answered, so that another process (a `findings` after a
   * review marked on `trailwatch ui`) reads what was written. The store's thread always groups.
   * @default false
   */
  readonly groupCommits?: boolean;
  /**
   * Keep the ranged partition reads of the run in memory (./read-cache.ts): for bulk writers, whose
   * rules read the same histories file after file. @default false
   */
  readonly cacheReads?: boolean;
  /**
   * A bulk writer (`groupCommits`) into a new store builds the key index of the index partitions once
   * at the end rather than row by row (./deferred-index.ts). @default true
   */
  readonly deferIndex?: boolean;
  /**
   * Where migration messages go (the dynalite store's; a file's of format 1 too, except on the
   * store's thread, which writes that one to stderr). @default stderr
   */
  readonly say?: (line: string) => void;
}

export interface OpenedLocalStore {
  readonly store: LocalStore;
  /** Waits for every write asked for, then closes the file (and ends the thread). */
  close(): Promise<void>;
}

/**
 * Opens the local store in `dir` (creating the directory and the file when missing), migrating a
 * store of the previous version (dynalite's LevelDB in `<dir>/dynamodb`) first.
 * @throws StoreUnavailableError naming `dir`
 */
export async function openLocalStore(
  dir: string,
  options: OpenLocalStoreOptions = {},
): Promise<OpenedLocalStore> {
  const say = options.say ?? toStderr;
  const file = await storeFile(dir, say);
  const toError = opError(dir);
  const waiting = (): void =>
    say(
      `trailwatch: ${dir}: waiting for another process writing to the local store (an ingest or a backfill) to let go of it…`,
    );
  const deferIndex = options.deferIndex !== false;
  const { executor, created } = options.thread
    ? await startThread({ file, source: dir, deferIndex }, toError, waiting)
    : inProcess(
        file,
        dir,
        toError,
        waiting,
        options.groupCommits === true ? COMMIT_EVERY_MS : 0,
        say,
        deferIndex,
      );
  const queue = new OpQueue(executor, toError);
  return {
    store: new LocalStore(queue, dir, created, options.cacheReads === true),
    close: () => queue.close(),
  };
}

/**
 * The store's file in `dir`, once the directory exists and a store of an earlier version in it has
 * been migrated. @throws StoreUnavailableError naming `dir`
 */
export async function storeFile(dir: string, say: (line: string) => void = toStderr): Promise<string> {
  try {
    makeDirectory(dir);
  } catch (error) {
    throw new StoreUnavailableError(`cannot create the store directory: ${(error as Error).message}`, dir, {
      cause: error,
    });
  }
  const file = join(dir, STORE_FILE);
  await migrateIfNeeded(dir, file, say);
  return file;
}

/**
 * `mkdir -p dir`, one directory at a time. Node's own (`recursive: true`) never returns where mkdir
 * answers ENOENT below a directory that exists (procfs: `--db /proc/x` spun a core for ever); here
 * every error but a directory made meanwhile by another process is thrown as mkdir gave it (ENOENT,
 * ENOTDIR below a file, EEXIST for a file in the way, EACCES).
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); !existsSync(at); ) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (missing.length === 0 && !statSync(dir).isDirectory()) mkdirSync(dir);
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(path).isDirectory()) throw error;
    }
  }
}

/** The store in this thread: each batch runs when the queue hands it over (and the lock is free). */
function inProcess(
  file: string,
  source: string,
  toError: (failure: FailedOp) => Error,
  onWait: () => void,
  commitEveryMs: number,
  say: (line: string) => void,
  deferIndex: boolean,
): { executor: Executor; created: boolean } {
  const db = ItemsDb.open(file, source, say);
  const batches = new Batches(db, commitEveryMs, deferIndex);
  const close = async (): Promise<void> => {
    try {
      batches.close();
    } catch (error) {
      const failure = (error as { failure?: FailedOp }).failure;
      throw failure ? toError(failure) : error;
    } finally {
      db.close();
    }
  };
  return { executor: { run: lockWaitingRunner(batches, onWait), close }, created: db.created };
}
