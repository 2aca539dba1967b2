import { type Content, eventItems } from '../../../lambda/core/classify';
import type { ErrorData } from '../../../lambda/core/errors';
import type { ClassifiedBatch, ClassifyRequest } from '../../../lambda/core/record-classifier';
import type { ScanSummary } from '../../../lambda/core/record-stream';

/**
 * The messages between the main thread (./threads.ts) and a reader thread (./worker.ts), each about
 * one file (`id`). Both directions run on credits, so that neither side holds more than a bounded
 * number of messages of a file: the main thread sends at most `INPUT_CREDITS` chunks of the file the thread
 * has not read yet, the thread at most `OUTPUT_CREDITS` batches the main thread has not acted on.
 */

/** Chunks of a file's bytes sent ahead of the reader thread. */
export const INPUT_CREDITS = 4;
/**
 * Batches of classified records a thread sends ahead of the main thread. With 4, the main thread
 * still waited for its reader now and then. With 16 and the next file read ahead (./read-ahead.ts),
 * the 1 GB ingest took 9.4-9.9 s against 10.0-11.1 s with 4 and no read-ahead (alternated four
 * times), 15 MB more at the peak (275-292 MB against 258-285 MB); with 8, no faster, 340-368 MB.
 */
export const OUTPUT_CREDITS = 16;

export type ToThread =
  /** A file starts. */
  | { readonly type: 'open'; readonly id: number; readonly request: ClassifyRequest }
  /** The next bytes of the file (transferred). */
  | { readonly type: 'chunk'; readonly id: number; readonly bytes: Uint8Array }
  /** The file's bytes are all sent; `failed`: reading them failed (the main thread has the error). */
  | { readonly type: 'end'; readonly id: number; readonly failed: boolean }
  /** One more batch of the file may be sent. */
  | { readonly type: 'credit'; readonly id: number }
  /** Stop reading the file: nothing more of it is wanted. */
  | { readonly type: 'cancel'; readonly id: number }
  /** No more files: the thread ends once idle. */
  | { readonly type: 'close' };

export type FromThread =
  /** The thread took a chunk: one more may be sent. */
  | { readonly type: 'pulled'; readonly id: number }
  | {
      readonly type: 'batch';
      readonly id: number;
      readonly scan: ScanSummary;
      readonly indexes: readonly number[];
      readonly results: readonly Sent[];
    }
  /** The file is read (`scan` is final). */
  | { readonly type: 'done'; readonly id: number; readonly scan: ScanSummary }
  /** Reading the file failed after the batches sent. */
  | { readonly type: 'failed'; readonly id: number; readonly scan: ScanSummary; readonly error: ErrorData };

/**
 * A classified record as it crosses: an event without its items, built again on arrival from the
 * event. Copying an event's items (about nine, each with the event's summary) cost four times as
 * much as copying the event alone, on each side (`v8.serialize`, measured in docs/performance.md).
 */
export type Sent = Exclude<Content, { kind: 'event' }> | Omit<Extract<Content, { kind: 'event' }>, 'items'>;

/** The batch's records, to send. */
export function toSent(batch: ClassifiedBatch): Sent[] {
  return batch.results.map((c) =>
    c.kind === 'event' ? { kind: 'event', event: c.event, hash: c.hash, timeMs: c.timeMs } : c,
  );
}

/** The records as classified, from what was sent for them. */
export function fromSent(sent: readonly Sent[], request: ClassifyRequest): Content[] {
  return sent.map((c) =>
    c.kind === 'event' ? { ...c, items: eventItems(c.event, c.timeMs, c.hash, request.expiresAt) } : c,
  );
}
