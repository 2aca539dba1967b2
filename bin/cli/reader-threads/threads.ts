import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { errorFromData, ThreadFailedError } from '../../../lambda/core/errors';
import type {
  ClassifiedBatch,
  ClassifyRequest,
  RecordClassifier,
} from '../../../lambda/core/record-classifier';
import type { ScanSummary } from '../../../lambda/core/record-stream';
import { workerFile } from '../worker-file';
import { type FromThread, fromSent, INPUT_CREDITS, type ToThread } from './messages';

/**
 * Reading on other threads: gunzip, splitting and classifying a file's records (./worker.ts) leave
 * the main thread to the store and the rules, whose calls answer at once there (the local store).
 * The main thread sends a file's bytes as they are read and acts on the classified batches as they
 * come back, in file order; what it gets is what `IN_PROCESS` would give (the same code runs in the
 * thread). A thread that dies fails the files it was reading (ThreadFailedError); the next files get
 * a new one. Idle threads never keep the process alive.
 */

/**
 * Reader threads for `concurrency` files at once: one per file, leaving a core to the main thread
 * (at least one). `TRAILWATCH_READER_THREADS=0` reads on the main thread (a measurement's baseline).
 */
export function readerThreadsFor(concurrency: number, env: NodeJS.ProcessEnv = process.env): number {
  const asked = env.TRAILWATCH_READER_THREADS;
  if (asked !== undefined && /^\d+$/.test(asked)) return Number(asked);
  return Math.max(1, Math.min(concurrency, availableParallelism() - 1));
}

/**
 * The young generation of a reader thread's heap: 16 MB rather than V8's default 32 MB. What a
 * reader makes lives until its batch is sent, so a smaller one costs little: on the 1 GB ingest,
 * 20 to 30 MB less at the peak for 0.1 to 0.4 s (alternated twice; 8 MB: 0.5 to 1 s more).
 */
const YOUNG_GENERATION_MB = 16;

/** A pool of reader threads: each file goes to the thread reading the fewest. */
export class ReaderThreads implements RecordClassifier {
  private threads: ReaderThread[] = [];

  constructor(private readonly size: number) {}

  classify(
    input: AsyncIterable<Uint8Array>,
    request: ClassifyRequest,
    scan: ScanSummary,
  ): AsyncIterable<ClassifiedBatch> {
    return this.pick().classify(input, request, scan);
  }

  /** Ends the threads (once no file is being read). */
  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((t) => t.close()));
  }

  private pick(): ReaderThread {
    this.threads = this.threads.filter((t) => t.failure === undefined);
    if (this.threads.length < this.size) {
      const thread = new ReaderThread();
      this.threads.push(thread);
      return thread;
    }
    return this.threads.reduce((a, b) => (b.assigned < a.assigned ? b : a));
  }
}

/** What comes back for a file: a batch, or its end. */
type Answer = Exclude<FromThread, { type: 'pulled' }>;

/** One file's side of the conversation: its answers queued, its input credits. */
class Channel {
  readonly answers: Answer[] = [];
  inputCredits = INPUT_CREDITS;
  /** The file's input failed (thrown by it: the file's error). */
  inputError: { error: unknown } | undefined;
  /** Nothing more is wanted of the file. */
  stopped = false;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly thread: ReaderThread,
    /** Called when the thread has sent the file's end. */
    private readonly onEnd: () => void,
  ) {}

  receive(message: FromThread): void {
    if (message.type === 'pulled') this.inputCredits++;
    else {
      this.answers.push(message);
      // the thread's part is over (batches may still wait here): the next file may start there
      if (message.type !== 'batch') this.onEnd();
    }
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** The next answer. @throws ThreadFailedError when the thread ended first */
  async next(): Promise<Answer> {
    for (;;) {
      const answer = this.answers.shift();
      if (answer) return answer;
      if (this.thread.failure) throw this.thread.failure;
      await this.wait();
    }
  }

  /** Waits for a credit to send a chunk; false when the file is stopped or the thread ended. */
  async spendInputCredit(): Promise<boolean> {
    while (this.inputCredits === 0 && !this.stopped && !this.thread.failure) await this.wait();
    this.inputCredits--;
    return !this.stopped && !this.thread.failure;
  }

  wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

class ReaderThread {
  private readonly worker: Worker;
  private readonly files = new Map<number, Channel>();
  private nextId = 0;
  failure: ThreadFailedError | undefined;

  constructor() {
    const { file, options } = workerFile(__dirname, 'worker');
    this.worker = new Worker(file, {
      ...options,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    this.worker.unref();
    this.worker.on('message', (message: FromThread) => this.files.get(message.id)?.receive(message));
    this.worker.on('error', (error) => this.fail(`a reader thread failed: ${error.message}`, error));
    this.worker.on('exit', (code) => this.fail(`a reader thread ended (exit code ${code})`));
  }

  /** Files given to this thread: being read, or waiting for their turn. */
  assigned = 0;
  /** Whether a file is being read; the next ones wait their turn here. */
  private reading = false;
  private readonly turns: (() => void)[] = [];

  /**
   * A file's records, read on this thread. One file is read at a time: the next starts as soon as
   * the thread has read the last one (while the main thread still acts on its last batches and runs
   * its rules), so a second file at once keeps the thread busy without a second file's buffers.
   */
  async *classify(
    input: AsyncIterable<Uint8Array>,
    request: ClassifyRequest,
    scan: ScanSummary,
  ): AsyncGenerator<ClassifiedBatch> {
    this.assigned++;
    const release = await this.takeTurn();
    try {
      yield* this.read(input, request, scan, release);
    } finally {
      release();
      this.assigned--;
    }
  }

  private async *read(
    input: AsyncIterable<Uint8Array>,
    request: ClassifyRequest,
    scan: ScanSummary,
    release: () => void,
  ): AsyncGenerator<ClassifiedBatch> {
    if (this.failure) throw this.failure.withSource(request.source);
    const id = this.nextId++;
    const channel = new Channel(this, release);
    this.files.set(id, channel);
    // waiting for the thread's answers keeps the process alive
    if (this.files.size === 1) this.worker.ref();
    this.post({ type: 'open', id, request });
    const sending = this.send(id, input, channel);
    let ended = false;
    try {
      for (;;) {
        const answer = await channel.next().catch((error: ThreadFailedError) => {
          throw error.withSource(request.source);
        });
        Object.assign(scan, answer.scan);
        if (answer.type === 'done') break;
        if (answer.type === 'failed') {
          ended = true;
          throw channel.inputError ? channel.inputError.error : errorFromData(answer.error);
        }
        yield { indexes: answer.indexes, results: fromSent(answer.results, request) };
        this.post({ type: 'credit', id });
      }
      ended = true;
    } finally {
      channel.stop();
      if (!ended) this.post({ type: 'cancel', id });
      // not waited for: it may wait for the input, which the caller closes once this returns
      void sending;
      this.files.delete(id);
      if (this.files.size === 0) this.worker.unref();
    }
  }

  /**
   * Waits until no other file is being read; returns the release of this file's turn (idempotent).
   * Turns come in the order asked, and a file asks when its records are first asked for, before
   * anything is awaited (./read-ahead.ts relies on it: files begin reading in file order).
   */
  private async takeTurn(): Promise<() => void> {
    if (this.reading) await new Promise<void>((resolve) => this.turns.push(resolve));
    this.reading = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.turns.shift();
      if (next) next();
      else this.reading = false;
    };
  }

  /** Ends the thread (it exits on its own once idle, as a profiler expects). */
  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // waiting for the exit keeps the process alive
    this.worker.ref();
    this.post({ type: 'close' });
    this.failure ??= new ThreadFailedError('the reader thread was closed');
    await exited;
  }

  /** Sends the file's bytes as credits allow (copies the thread owns); never throws. */
  private async send(id: number, input: AsyncIterable<Uint8Array>, channel: Channel): Promise<void> {
    try {
      for await (const chunk of input) {
        if (!(await channel.spendInputCredit())) return;
        const bytes = new Uint8Array(chunk);
        this.worker.postMessage({ type: 'chunk', id, bytes } satisfies ToThread, [bytes.buffer]);
      }
      this.post({ type: 'end', id, failed: false });
    } catch (error) {
      channel.inputError = { error };
      this.post({ type: 'end', id, failed: true });
    }
  }

  private post(message: ToThread): void {
    if (!this.failure) this.worker.postMessage(message);
  }

  private fail(message: string, cause?: unknown): void {
    this.failure ??= new ThreadFailedError(message, undefined, { cause });
    for (const channel of this.files.values()) channel.wake();
  }
}
