import { parentPort } from 'node:worker_threads';
import { errorData } from '../../../lambda/core/errors';
import { classifyInProcess } from '../../../lambda/core/record-classifier';
import type { ScanSummary } from '../../../lambda/core/record-stream';
import { type FromThread, OUTPUT_CREDITS, type ToThread, toSent } from './messages';

/**
 * A reader thread (./threads.ts starts it): it gunzips, splits and classifies the files it is
 * sent, chunk by chunk, and sends back their records classified (`classifyInProcess`, as the main
 * thread would), a batch per decompressed chunk. Several files may be open at once.
 */

/** Why a file stopped before its end: the main thread cancelled it, or its input failed there. */
class Stopped extends Error {}

/** One open file: the chunks received and not yet read, and the credits to send batches. */
class OpenFile {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private inputFailed = false;
  cancelled = false;
  private credits = OUTPUT_CREDITS;
  /** The reader (pulling bytes) and the sender (waiting for a credit) may both be waiting. */
  private waiting: (() => void)[] = [];

  constructor(
    private readonly id: number,
    private readonly port: NonNullable<typeof parentPort>,
  ) {}

  on(message: ToThread): void {
    if (message.type === 'chunk') this.chunks.push(message.bytes);
    else if (message.type === 'end') {
      this.ended = true;
      this.inputFailed = message.failed;
    } else if (message.type === 'credit') this.credits++;
    else if (message.type === 'cancel') this.cancelled = true;
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  /** The file's bytes, as they come. */
  async *input(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.cancelled) throw new Stopped();
      const chunk = this.chunks.shift();
      if (chunk) {
        this.port.postMessage({ type: 'pulled', id: this.id } satisfies FromThread);
        yield chunk;
      } else if (this.inputFailed) throw new Stopped();
      else if (this.ended) return;
      else await this.waitForMessage();
    }
  }

  /** Waits until a batch may be sent; false when the file was cancelled meanwhile. */
  async spendCredit(): Promise<boolean> {
    while (this.credits === 0 && !this.cancelled) await this.waitForMessage();
    this.credits--;
    return !this.cancelled;
  }

  private waitForMessage(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function serve(port: NonNullable<typeof parentPort>): void {
  const files = new Map<number, OpenFile>();
  port.on('message', (message: ToThread) => {
    if (message.type === 'close') port.close();
    else if (message.type === 'open') {
      const file = new OpenFile(message.id, port);
      files.set(message.id, file);
      void read(port, file, message).finally(() => files.delete(message.id));
    } else files.get(message.id)?.on(message);
  });
}

async function read(
  port: NonNullable<typeof parentPort>,
  file: OpenFile,
  { id, request }: Extract<ToThread, { type: 'open' }>,
): Promise<void> {
  const scan: ScanSummary = { digest: false, bytes: 0, gzip: false, passed: 0 };
  try {
    for await (const batch of classifyInProcess(file.input(), request, scan)) {
      if (!(await file.spendCredit())) return;
      port.postMessage({
        type: 'batch',
        id,
        scan,
        indexes: batch.indexes,
        results: toSent(batch),
      } satisfies FromThread);
    }
    port.postMessage({ type: 'done', id, scan } satisfies FromThread);
  } catch (error) {
    // cancelled: nobody waits for an answer; input failed: the main thread has the error
    if (file.cancelled) return;
    port.postMessage({ type: 'failed', id, scan, error: errorData(error) } satisfies FromThread);
  }
}

if (parentPort) serve(parentPort);
