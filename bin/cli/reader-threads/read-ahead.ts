import { OutOfTimeError } from '../../../lambda/core/errors';
import type {
  ClassifiedBatch,
  ClassifyRequest,
  RecordClassifier,
} from '../../../lambda/core/record-classifier';
import type { ScanSummary } from '../../../lambda/core/record-stream';

/**
 * Reading the next file while the last one's rules run. With one file at a time, a reader thread
 * had nothing to do from the end of a file's reading until the main thread had run its rules and
 * started the next file, and the main thread then waited for the next file's first batch: 1.4 s of
 * an 11.7 s ingest of the benchmark's 1 GB (`node --cpu-prof`, both threads). So a run starts one
 * file more than it acts on: that file is read on its thread as soon as the thread is free (the
 * thread reads one file at a time), but the main thread acts on it only in its turn, which comes in
 * file order once fewer than `concurrency` files are being acted on. Until then it holds at most the
 * batches its thread may send ahead (OUTPUT_CREDITS) and the chunks sent to it (INPUT_CREDITS): no
 * second pipeline, no second file's writes or rules on the main thread.
 */

/**
 * Turns to act on files, in file order, at most `concurrency` at once; and the order in which files
 * begin reading. A reader thread reads one file at a time, in the order files ask it, and a file read
 * ahead holds its thread until the main thread has taken its batches: had file 1 (opened first) asked
 * the thread before file 0, file 1 would wait for its turn to be acted on, after file 0, and file 0
 * for the thread, held by file 1; the run would stop for ever. So a file begins reading only once
 * every file before it has begun, or has taken its turn to be acted on without reading.
 */
export class FileTurns {
  private next = 0;
  private free: number;
  private readonly waiting = new Map<number, () => void>();
  /** The first file that has not begun reading (every one before it has). */
  private nextToRead = 0;
  private readonly begun = new Set<number>();
  private readonly waitingToRead = new Map<number, () => void>();

  constructor(concurrency: number) {
    this.free = Math.max(1, Math.floor(concurrency) || 1);
  }

  /** File `index`'s turn; every file of the run takes one (once) and releases it. */
  turn(index: number): Turn {
    let taken: Promise<void> | undefined;
    let readable: Promise<void> | undefined;
    let held = false;
    return {
      take: () => {
        // a file that waits for its turn to be acted on begins no more reading: the next may begin
        this.readBegun(index);
        taken ??= this.take(index).then(() => {
          held = true;
        });
        return taken;
      },
      release: () => {
        if (!held) return;
        held = false;
        this.free++;
        this.wake();
      },
      mayRead: () => {
        readable ??=
          index <= this.nextToRead
            ? Promise.resolve()
            : new Promise<void>((resolve) => this.waitingToRead.set(index, resolve));
        return readable;
      },
    };
  }

  /** File `index` has begun reading, or never will (idempotent): the files after it may begin. */
  private readBegun(index: number): void {
    if (index < this.nextToRead) return;
    this.begun.add(index);
    while (this.begun.delete(this.nextToRead)) {
      this.nextToRead++;
      const resolve = this.waitingToRead.get(this.nextToRead);
      this.waitingToRead.delete(this.nextToRead);
      resolve?.();
    }
  }

  private take(index: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.set(index, resolve);
      this.wake();
    });
  }

  /** Gives the next file in order its turn while one is free. */
  private wake(): void {
    for (;;) {
      const resolve = this.waiting.get(this.next);
      if (!resolve || this.free === 0) return;
      this.waiting.delete(this.next);
      this.next++;
      this.free--;
      resolve();
    }
  }
}

/**
 * One file's turn: `take` waits for it (idempotent; from then on the file begins no more reading, so
 * the files after it may begin), `release` gives it up (once taken).
 */
export interface Turn {
  take(): Promise<void>;
  release(): void;
  /**
   * Waits until every file before this one has begun reading, or taken its turn without reading
   * (idempotent).
   */
  mayRead(): Promise<void>;
}

/** A turn that is always there: files acted on as they come (no file read ahead). */
export const ANY_TIME: Turn = {
  take: () => Promise.resolve(),
  release: () => undefined,
  mayRead: () => Promise.resolve(),
};

/**
 * Runs a file's work, then takes the file's turn (in file order, whatever became of the file: the
 * files after it wait for it) and gives it up.
 */
export async function inTurn<T>(turn: Turn, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await turn.take();
    turn.release();
  }
}

/**
 * A file read ahead whose turn came once the run had stopped (Ctrl-C): nothing of it was acted on,
 * so it counts as not started rather than abandoned part-way (an out-of-time error all the same:
 * the pipeline writes nothing more of it and it is not marked done).
 */
export class NotActedOnError extends OutOfTimeError {}

/**
 * `inner`, started as soon as every file before this one has begun reading (`Turn.mayRead`; `inner`
 * must ask for its thread when the file's records are first asked for, as ./threads.ts does): its
 * batches are handed on once `turn` is taken (whether the file yields records, none, or fails),
 * unless the run no longer `acts` then (NotActedOnError).
 */
export function readAhead(
  inner: RecordClassifier,
  turn: Turn,
  acts: () => boolean = () => true,
): RecordClassifier {
  return {
    async *classify(
      input: AsyncIterable<Uint8Array>,
      request: ClassifyRequest,
      scan: ScanSummary,
    ): AsyncGenerator<ClassifiedBatch> {
      await turn.mayRead();
      const batches = inner.classify(input, request, scan)[Symbol.asyncIterator]();
      const first = batches.next();
      // its failure is thrown below, once the turn has come; not an unhandled rejection meanwhile
      first.catch(() => undefined);
      // the file has asked its thread: taking the turn lets the next file begin
      await turn.take();
      try {
        if (!acts()) throw new NotActedOnError('not started: the run was interrupted', request.source);
        for (let result = await first; !result.done; result = await batches.next()) yield result.value;
      } finally {
        await batches.return?.();
      }
    },
  };
}
