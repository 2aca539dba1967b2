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

/** Turns to act on files, in file order, at most `concurrency` at once. */
export class FileTurns {
  private next = 0;
  private free: number;
  private readonly waiting = new Map<number, () => void>();

  constructor(concurrency: number) {
    this.free = Math.max(1, Math.floor(concurrency) || 1);
  }

  /** File `index`'s turn; every file of the run takes one (once) and releases it. */
  turn(index: number): Turn {
    let taken: Promise<void> | undefined;
    let held = false;
    return {
      take: () => {
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
    };
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

/** One file's turn: `take` waits for it (idempotent), `release` gives it up (once taken). */
export interface Turn {
  take(): Promise<void>;
  release(): void;
}

/** A turn that is always there: files acted on as they come (no file read ahead). */
export const ANY_TIME: Turn = { take: () => Promise.resolve(), release: () => undefined };

/**
 * A file read ahead whose turn came once the run had stopped (Ctrl-C): nothing of it was acted on,
 * so it counts as not started rather than abandoned part-way (an out-of-time error all the same:
 * the pipeline writes nothing more of it and it is not marked done).
 */
export class NotActedOnError extends OutOfTimeError {}

/**
 * `inner`, started at once: a file's reading begins when its records are first asked for, and its
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
      const batches = inner.classify(input, request, scan)[Symbol.asyncIterator]();
      const first = batches.next();
      // its failure is thrown below, once the turn has come; not an unhandled rejection meanwhile
      first.catch(() => undefined);
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
